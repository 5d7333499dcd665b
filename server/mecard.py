"""MECARD, the compact contact format of Japanese phones and many QR generators.

`MECARD:N:Doe,Jane;TEL:+1 555 0100;EMAIL:jane@example.com;;` - fields end at an unescaped `;`,
`\\` escapes `;`, `:`, `,` and `\\`, and N is `family,given` (DESIGN.md clarifications).
"""

from __future__ import annotations

from typing import Any

from server.cards import MAX_FOREIGN_NOTE, normalize_card
from server.vcard_import import ParsedCard, VCardError


# -- MECARD ------------------------------------------------------------------------------------
def _mecard_fields(body: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            current.append(body[index + 1])
            index += 2
            continue
        if char == ";":
            item = "".join(current)
            current = []
            if item:
                key, sep, value = item.partition(":")
                if sep:
                    fields.append((key.strip().upper(), value))
        else:
            current.append(char)
        index += 1
    item = "".join(current)
    key, sep, value = item.partition(":")
    if sep:
        fields.append((key.strip().upper(), value))
    return fields


def _mecard_n(raw_value: str) -> tuple[str, str]:
    """(family, given) of a MECARD N value written `Family,Given` (escaped commas kept)."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(raw_value):
        char = raw_value[index]
        if char == "\\" and index + 1 < len(raw_value):
            current.append(raw_value[index + 1])
            index += 2
            continue
        if char == "," and not parts:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    if len(parts) == 1:
        return parts[0].strip(), ""
    return parts[0].strip(), parts[1].strip()


def parse_mecard(text: str) -> ParsedCard:
    """A MECARD (`MECARD:N:Doe,Jane;TEL:...;EMAIL:...;;`) as a foreign card."""
    body = text.strip()
    if not body[:7].upper() == "MECARD:":
        raise VCardError("This is not a MECARD.", 1)
    raw_n = _mecard_raw_n(body[7:])
    data: dict[str, Any] = {"emails": [], "phones": [], "urls": []}
    notes: list[str] = []
    for key, value in _mecard_fields(body[7:]):
        value = value.strip()
        if not value:
            continue
        if key == "N":
            family, given = _mecard_n(raw_n) if raw_n is not None else (value, "")
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


def _mecard_raw_n(body: str) -> str | None:
    """The N field's value with its escapes still in place (commas matter there)."""
    index = 0
    start = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 2
            continue
        if char == ";":
            start = index + 1
        elif char == ":" and body[start:index].strip().upper() == "N":
            end = index + 1
            while end < len(body) and body[end] != ";":
                end += 2 if body[end] == "\\" else 1
            return body[index + 1 : end]
        index += 1
    return None
