"""Contacts as Google Contacts CSV, safe to open in a spreadsheet.

Columns are Google Contacts' current export header (DESIGN.md clarifications): the name, the
organisation (its name, title, and its units as the department), notes, labels, then `E-mail N`,
`Phone N` and `Website N` label/value pairs, as many as the longest list needs. Spreadsheet
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

from server.vcard.reader import ORG_UNIT_SEPARATOR
from server.vcard.writer import contact_note

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"^[+\-]?[0-9 ().\-x+]+$")
_BASE = [
    "First Name",
    "Middle Name",
    "Last Name",
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
    contact: dict[str, Any], widths: tuple[int, int, int], event_name: str | None = None
) -> list[str]:
    """One contact's cells, in header order."""
    card = contact.get("card") or {}
    labels = " ::: ".join(str(t) for t in contact.get("tags") or [])
    org, *units = str(card.get("org") or "").split(ORG_UNIT_SEPARATOR)
    row = [
        safe_cell(str(card.get("given") or "")),
        "",
        safe_cell(str(card.get("family") or "")),
        safe_cell(org),
        safe_cell(str(card.get("title") or "")),
        safe_cell(ORG_UNIT_SEPARATOR.join(units)),
        safe_cell(contact_note(contact, event_name)),
        safe_cell(labels),
    ]
    if not card.get("given") and not card.get("family"):
        row[0] = safe_cell(str(card.get("fn") or ""))
    for key, width in zip(("emails", "phones", "urls"), widths, strict=True):
        values = [str(v) for v in card.get(key) or []]
        for n in range(max(width, 1)):
            value = values[n] if n < len(values) else ""
            kind = ("* Work" if n == 0 else "Work") if value else ""
            row += [kind, safe_cell(value, phone=key == "phones")]
    return row


def contacts_csv(contacts: Iterable[dict[str, Any]], event_name: str | None = None) -> str:
    """API contact dicts as Google Contacts CSV (CRLF rows, UTF-8 text)."""
    items = list(contacts)
    widths = (
        max((len((c.get("card") or {}).get("emails") or []) for c in items), default=1),
        max((len((c.get("card") or {}).get("phones") or []) for c in items), default=1),
        max((len((c.get("card") or {}).get("urls") or []) for c in items), default=1),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(*widths))
    for contact in items:
        writer.writerow(contact_row(contact, widths, event_name))
    return out.getvalue()
