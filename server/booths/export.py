"""A booth's leads for the CRM: CSV as HubSpot's and Salesforce's lead importers expect it, a
plain CSV, and one vCard file.

Each CSV has the importer's standard columns for name, email, company, title and phone, then one
column per question headed by its label (in the booth's order), so the importer maps the
standard ones by itself and offers the others as custom properties:

- HubSpot (contacts import): First Name, Last Name, Email, Phone Number, Company Name, Job Title,
  Website URL;
- Salesforce (Data Import Wizard, leads): First Name, Last Name, Email, Company, Title, Phone,
  Website, Rating (its Hot/Warm/Cold picklist, from the booth's first rating question) and
  Description (where the lead was met and the notes); a lead needs Last Name and Company, so a
  card without a family name gives its whole name and one without an organisation
  "[not provided]", Salesforce's own placeholder;
- plain: Name, Email, Company, Title, Phone, Website, Captured At, Notes.

Every cell goes through the contacts export's formula-injection guard (a phone number stays a
number). The vCard file is written by the contacts' vCard writer (vobject), each lead with a
stable UID, a NOTE saying where it was met with the answers and notes, and its photo.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import orjson

from server import i18n
from server.booths.ops import lead_id
from server.booths.questions import answer_text
from server.cards import card_photo_id
from server.storage import Store
from server.storage import photos as stored_photos
from server.storage.leads import LeadRow
from server.vcard.csv_export import safe_cell
from server.vcard.writer import EXPORT_PHOTO, card_note, stable_uid, write_card

FORMATS = ("plain", "hubspot", "salesforce")
_BASE = {
    "plain": ["Name", "Email", "Company", "Title", "Phone", "Website", "Captured At", "Notes"],
    "hubspot": [
        "First Name",
        "Last Name",
        "Email",
        "Phone Number",
        "Company Name",
        "Job Title",
        "Website URL",
        "Notes",
    ],
    "salesforce": [
        "First Name",
        "Last Name",
        "Email",
        "Company",
        "Title",
        "Phone",
        "Website",
        "Rating",
        "Description",
    ],
}
NO_COMPANY = "[not provided]"


def _first(card: dict[str, Any], key: str) -> str:
    values = card.get(key) or []
    return str(values[0]) if values else ""


def question_headers(base: list[str], questions: list[dict[str, Any]]) -> list[str]:
    """One header per question, its label; a label already used gets " (2)", " (3)"…"""
    used = {h.casefold() for h in base}
    out = []
    for question in questions:
        label, n = question["label"], 2
        while label.casefold() in used:
            label, n = f"{question['label']} ({n})", n + 1
        used.add(label.casefold())
        out.append(label)
    return out


def met_line(booth_name: str, event_name: str, captured_at: str | None) -> str:
    day = (captured_at or "")[:10]
    return f"Met at {booth_name} ({event_name})" + (f" on {day}." if day else ".")


def _standard(
    fmt: str, card: dict[str, Any], lead: dict[str, Any], extra: dict[str, str]
) -> list[str]:
    fn, given, family = (str(card.get(k) or "") for k in ("fn", "given", "family"))
    email, phone, url = _first(card, "emails"), _first(card, "phones"), _first(card, "urls")
    org, title = str(card.get("org") or ""), str(card.get("title") or "")
    if fmt == "plain":
        return [fn, email, org, title, phone, url, str(lead["captured_at"] or ""), lead["notes"]]
    if not given and not family:
        given, family = ("", fn) if fmt == "salesforce" else (fn, "")
    if fmt == "hubspot":
        return [given, family, email, phone, org, title, url, lead["notes"]]
    return [given, family or fn, email, org or NO_COMPANY, title, phone, url, extra["rating"],
            extra["description"]]  # fmt: skip


_PHONE_COLUMN = {"plain": 4, "hubspot": 3, "salesforce": 5}


def leads_csv(
    fmt: str,
    booth_name: str,
    event_name: str,
    questions: list[dict[str, Any]],
    rows: Iterable[LeadRow],
) -> str:
    """The booth's leads as CSV in one of FORMATS (CRLF rows, UTF-8 text)."""
    base = _BASE[fmt]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(base + question_headers(base, questions))
    rating = next((q for q in questions if q["kind"] == "rating"), None)
    for row in rows:
        card: dict[str, Any] = orjson.loads(row.card)
        answers: dict[str, Any] = orjson.loads(row.answers)
        lead = {"captured_at": row.captured_at, "notes": row.notes}
        description = met_line(booth_name, event_name, row.captured_at)
        if row.notes:
            description += f"\n\n{row.notes}"
        extra = {
            "rating": answer_text(rating, answers.get(rating["id"])) if rating else "",
            "description": description,
        }
        cells = _standard(fmt, card, lead, extra)
        cells += [answer_text(q, answers.get(q["id"])) for q in questions]
        phone = _PHONE_COLUMN[fmt]
        writer.writerow([safe_cell(c, phone=i == phone) for i, c in enumerate(cells)])
    return out.getvalue()


def lead_note(
    booth_name: str, event_name: str, questions: list[dict[str, Any]], row: LeadRow,
    card: dict[str, Any],
) -> str:  # fmt: skip
    """The NOTE of an exported lead: their card's note, where met, the answers, the notes."""
    answers: dict[str, Any] = orjson.loads(row.answers)
    english = i18n.messages(i18n.DEFAULT)  # lead notes are written in English, like CSV headers
    note = card_note(card, english)
    parts = [p for p in (note, met_line(booth_name, event_name, row.captured_at)) if p]
    lines = [
        f"{q['label']}: {text}" for q in questions if (text := answer_text(q, answers.get(q["id"])))
    ]
    if lines:
        parts.append("\n".join(lines))
    if row.notes.strip():
        parts.append(f"Notes: {row.notes.strip()}")
    return "\n\n".join(parts)


def leads_vcf(
    store: Store,
    booth_id: str,
    booth_name: str,
    event_name: str,
    questions: list[dict[str, Any]],
    rows: Iterable[LeadRow],
) -> str:
    """The booth's leads as one vCard 3.0 file, each with its small photo where it has one."""
    items = [(row, orjson.loads(row.card)) for row in rows]
    ids = [pid for _, card in items if (pid := card_photo_id(card))]
    photos = stored_photos.images(store, ids, EXPORT_PHOTO) if ids else {}
    out = []
    for row, card in items:
        photo_id = card_photo_id(card)
        out.append(
            write_card(
                card or {"fn": "Unknown"},
                stable_uid(f"booth:{booth_id}", lead_id(row.attendee_id)),
                note=lead_note(booth_name, event_name, questions, row, card),
                photo=photos.get(photo_id) if photo_id else None,
            )
        )
    return "".join(out)
