"""MECARD, the compact contact format of Japanese phones and many QR generators.

`MECARD:N:Doe,Jane;TEL:+1 555 0100;EMAIL:jane@example.com;;` - fields end at an unescaped `;`,
`\\` escapes `;`, `:`, `,` and `\\`, and N is `family,given` (DESIGN.md clarifications).
"""

from __future__ import annotations

import re
from typing import Any

from server.cards import MAX_FOREIGN_NOTE, normalize_card
from server.vcard.reader import ParsedCard, VCardError


# -- MECARD ------------------------------------------------------------------------------------
def _split(text: str, sep: str, limit: int = -1) -> list[str]:
    """`text` cut at each unescaped `sep` (at most `limit` cuts), escapes still in place."""
    parts: list[str] = []
    start = index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == sep and limit != 0:
            parts.append(text[start:index])
            start = index + 1
            limit -= 1
        index += 1
    parts.append(text[start:])
    return parts


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _mecard_fields(body: str) -> list[tuple[str, str]]:
    """(KEY, raw value) of each `KEY:value` field; the value keeps its escapes."""
    fields: list[tuple[str, str]] = []
    for item in _split(body, ";"):
        key, sep, _ = _unescape(item).partition(":")
        if sep:  # the first `:`, escaped or not, ends the key
            fields.append((key.strip().upper(), item.partition(":")[2]))
    return fields


def _mecard_n(raw_value: str) -> tuple[str, str]:
    """(family, given) of a MECARD N value written `Family,Given` (escaped commas kept)."""
    parts = [_unescape(part).strip() for part in _split(raw_value, ",", 1)]
    return parts[0], parts[1] if len(parts) == 2 else ""


def parse_mecard(text: str) -> ParsedCard:
    """A MECARD (`MECARD:N:Doe,Jane;TEL:...;EMAIL:...;;`) as a foreign card."""
    body = text.strip()
    if not body[:7].upper() == "MECARD:":
        raise VCardError("This is not a MECARD.", 1)
    data: dict[str, Any] = {"emails": [], "phones": [], "urls": []}
    notes: list[str] = []
    for key, raw_value in _mecard_fields(body[7:]):
        value = _unescape(raw_value).strip()
        if not value:
            continue
        if key == "N" and "fn" not in data:  # the first named N wins
            family, given = _mecard_n(raw_value)
            if given:
                data["given"], data["family"] = given, family
                data["fn"] = f"{given} {family}".strip()
            else:
                data["fn"] = family
        elif key == "TEL" or key == "TEL-AV":
            data["phones"].append(value)
        elif key == "EMAIL":
            data["emails"].append(value)
        elif key == "URL":
            data["urls"].append(value)
        elif key == "ORG" and "org" not in data:
            data["org"] = value
        elif key == "TITLE" and "title" not in data:
            data["title"] = value
        elif key in ("NOTE", "MEMO"):
            notes.append(value)
    if notes:
        data["note"] = "\n".join(notes)[:MAX_FOREIGN_NOTE]
    named = bool(data.get("fn"))
    if not named:
        data["fn"] = data.get("org") or next(iter(data["emails"]), "") or "Unknown"
    card = normalize_card(data, foreign=True)
    if not named:
        card.pop("given", None)
        card.pop("family", None)
    return ParsedCard(card=card, raw=text)
