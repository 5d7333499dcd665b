"""Contacts as Google Contacts CSV, safe to open in a spreadsheet.

Columns are Google Contacts' current export header (DESIGN.md clarifications): the name, how it
is read (`Phonetic First Name`, `Phonetic Last Name`: the card's `reading`, e.g. Japanese kana),
the organisation (its name, title, and its units as the department), notes, labels, then `E-mail N`,
`Phone N` and `Website N` label/value pairs, as many as the longest list needs (the card's links,
labelled Work, then its social profiles, labelled with their network's name: LinkedIn, GitHub…;
pronouns are in the notes, as Google Contacts' CSV has no column for them). Spreadsheet
formula injection is defused by prefixing `'` to any cell that starts with `=`, `+`, `-`, `@`,
tab or CR, except a phone number that is only digits, spaces and `+-().x` in a phone column:
`+1 415 555 0100` can run no function, Google imports it as the number it is, and a quote would
corrupt it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from server.cards import SOCIAL_NETWORKS
from server.i18n import Messages, messages
from server.vcard.reader import ORG_UNIT_SEPARATOR
from server.vcard.writer import contact_note

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"^[+\-]?[0-9 ().\-x+]+$")
_BASE = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Notes",
    "Labels",
]


def safe_cell(value: str, *, phone: bool = False) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if not value or not value.startswith(_DANGEROUS):
        return value
    if phone and _PHONE.match(value) and any(c.isdigit() for c in value):
        return value
    return "'" + value


def header(emails: int, phones: int, urls: int) -> list[str]:
    """The CSV header for the given list widths (at least one of each)."""
    columns = list(_BASE)
    for label, count in (("E-mail", emails), ("Phone", phones), ("Website", urls)):
        for n in range(1, max(count, 1) + 1):
            columns += [f"{label} {n} - Label", f"{label} {n} - Value"]
    return columns


def contact_row(
    contact: dict[str, Any],
    widths: tuple[int, int, int],
    event_name: str | None = None,
    m: Messages | None = None,
) -> list[str]:
    """One contact's cells, in header order (`m`: the language of the notes' own words)."""
    card = contact.get("card") or {}
    labels = " ::: ".join(str(t) for t in contact.get("tags") or [])
    org, *units = str(card.get("org") or "").split(ORG_UNIT_SEPARATOR)
    raw = card.get("reading")
    reading: dict[str, Any] = raw if isinstance(raw, dict) else {}
    row = [
        safe_cell(str(card.get("given") or "")),
        "",
        safe_cell(str(card.get("family") or "")),
        safe_cell(str(reading.get("given") or "")),
        "",
        safe_cell(str(reading.get("family") or "")),
        safe_cell(org),
        safe_cell(str(card.get("title") or "")),
        safe_cell(ORG_UNIT_SEPARATOR.join(units)),
        safe_cell(contact_note(contact, event_name, m or messages("en"))),
        safe_cell(labels),
    ]
    if not card.get("given") and not card.get("family"):
        row[0] = safe_cell(str(card.get("fn") or ""))
    for key, width in zip(("emails", "phones", "urls"), widths, strict=True):
        values = [
            ("* Work" if n == 0 else "Work", str(v)) for n, v in enumerate(card.get(key) or [])
        ]
        if key == "urls":
            values += _profiles(card)
        for n in range(max(width, 1)):
            kind, value = values[n] if n < len(values) else ("", "")
            row += [kind, safe_cell(value, phone=key == "phones")]
    return row


def _profiles(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, link) of each social profile: the network's name as the website's label."""
    out = []
    for social in card.get("socials") or []:
        if isinstance(social, dict) and social.get("url"):
            out.append(
                (SOCIAL_NETWORKS.get(str(social.get("network")), "Link"), str(social["url"]))
            )
    return out


def _width(card: dict[str, Any], key: str) -> int:
    count = len(card.get(key) or [])
    return count + len(_profiles(card)) if key == "urls" else count


def contacts_csv(
    contacts: Iterable[dict[str, Any]], event_name: str | None = None, m: Messages | None = None
) -> str:
    """API contact dicts as Google Contacts CSV (CRLF rows, UTF-8 text)."""
    items = list(contacts)
    cards = [c.get("card") or {} for c in items]
    widths = (
        max((_width(card, "emails") for card in cards), default=1),
        max((_width(card, "phones") for card in cards), default=1),
        max((_width(card, "urls") for card in cards), default=1),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(*widths))
    for contact in items:
        writer.writerow(contact_row(contact, widths, event_name, m))
    return out.getvalue()
