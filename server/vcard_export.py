"""Writing vCard 3.0: what iPhone, Android, Google and Outlook import best.

vobject writes every card (the project's one vCard library); this module handles its traps:

- vobject folds by characters, not octets (a line of 74 two-byte characters stays whole), so it
  serialises unfolded and `fold` folds at 75 octets, never inside a UTF-8 character or an escape;
- it escapes `;` in every text value; readers that follow RFC 6350 (ical.js) then keep the
  backslash in FN, TITLE or NOTE, so `\\;` stays only where it separates components (N, ORG);
- it escapes URL, UID and REV as text (`http\\://`); they are URIs and dates, written as they are;
- it upper-cases names (`X-ABSHOWAS`); Apple's spelling `X-ABShowAs` is kept.

vobject builds about 4.4k cards a second, so an export reuses each contact's text from the
`vcard_cache` table while the contact's seq and the event name are unchanged (DESIGN.md section 8):
only new and changed contacts are written again. The tests parse every export back with vobject
and with ical.js. Every card has a stable UID (a UUIDv5 of owner and contact id), N
(family;given), FN, ORG (its units split at `; `), TITLE, typed TEL/EMAIL/URL (the first one
PREF), NOTE and CATEGORIES.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import vobject

from server.db import Store
from server.vcard_import import ORG_UNIT_SEPARATOR

UID_NAMESPACE = uuid.UUID("6f1d4c1e-3c1a-5b7e-9d2f-0c4a7e1b2d3f")
PRODID = "-//cardswap//cardswap 0.1//EN"
FORMAT = 2  # bump when the written text changes: every cached card is written again
FOLD_OCTETS = 75
UNFOLDED = 1 << 30  # vobject's line length when our `fold` folds
_NAMESPACE = UID_NAMESPACE.bytes
_ESCAPE = re.compile(r"\\(.)")
_REV = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
_STRUCTURED = frozenset({"N", "ORG"})  # where `\\;` separates components and must stay
_NAMES = {"X-ABSHOWAS": "X-ABShowAs"}


def stable_uid(*parts: str) -> str:
    """A UID that stays the same for the same owner and contact across exports (a UUIDv5).

    Computed as RFC 4122 section 4.3 says, without `uuid.uuid5`'s object overhead (a third of the
    export time for 10,000 contacts); the tests check it equals `uuid.uuid5`.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE + "\x1f".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _text(value: object) -> str:
    """A text value as vobject gets it: CR LF and CR become one newline (vobject escapes it)."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _uri(value: str) -> str:
    """A URI value: not escaped (RFC 2426 uri type), but never allowed to break the line."""
    return value.replace("\r", "").replace("\n", "")


def fold(line: str) -> str:
    """One content line folded at 75 octets (CRLF + space), whole characters and escapes kept."""
    if len(line) <= FOLD_OCTETS and line.isascii():
        return line + "\r\n"
    data = line.encode("utf-8")
    if len(data) <= FOLD_OCTETS:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit, size = 0, FOLD_OCTETS, len(data)
    while size - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back off to the lead byte
            cut -= 1
        run = cut
        while run > start and data[run - 1] == 0x5C:
            run -= 1
        if (cut - run) % 2:  # the cut would separate a backslash from the character it escapes
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, FOLD_OCTETS - 1  # the continuation's leading space counts
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _bare_semicolon(match: re.Match[str]) -> str:
    return ";" if match.group(1) == ";" else match.group(0)


def _line(line: str) -> str:
    """One unfolded line vobject wrote, with its traps undone (module docstring), folded."""
    head, colon, value = line.partition(":")
    name = head.partition(";")[0]
    if name in _NAMES:
        head = _NAMES[name] + head[len(name) :]
    if "\\;" in value and name not in _STRUCTURED:
        value = _ESCAPE.sub(_bare_semicolon, value)
    return fold(head + colon + value)


def _add(card: Any, name: str, value: Any, types: str | list[str] | None = None) -> Any:
    line = card.add(name)
    line.value = value
    if types is not None:
        line.type_param = types
    return line


def _add_uri(card: Any, name: str, value: str, types: str | None = None) -> None:
    """A URI or date value vobject must not escape as text (`encoded`: already wire form)."""
    _add(card, name, _uri(value), types).encoded = True


def _name_parts(card: dict[str, Any]) -> tuple[str, str]:
    """(family, given) as the card holds them; a name made up from ORG or EMAIL leaves N empty."""
    return str(card.get("family") or ""), str(card.get("given") or "")


def write_card(
    card: dict[str, Any],
    uid: str,
    *,
    note: str | None = None,
    categories: Iterable[str] = (),
    rev: str | None = None,
) -> str:
    """One vCard 3.0 for a card, written by vobject (`note` replaces card["note"]): CRLF, folded."""
    family, given = _name_parts(card)
    out = vobject.vCard()
    _add(out, "prodid", PRODID)
    _add_uri(out, "uid", uid)
    _add(out, "fn", _text(card.get("fn") or ""))
    _add(out, "n", vobject.vcard.Name(family=_text(family), given=_text(given)))
    if card.get("org"):
        units = str(card["org"]).split(ORG_UNIT_SEPARATOR)  # "IBM; Accounting": name; unit
        _add(out, "org", [_text(unit) for unit in units])
        if not family and not given and card.get("fn") == units[0]:
            _add(out, "x-abshowas", "COMPANY")  # Apple shows a company card by its name
    if card.get("title"):
        _add(out, "title", _text(card["title"]))
    for index, email in enumerate(card.get("emails") or []):
        _add(out, "email", _text(email), ["INTERNET", "PREF"] if index == 0 else ["INTERNET"])
    for index, phone in enumerate(card.get("phones") or []):
        _add(out, "tel", _text(phone), ["VOICE", "PREF"] if index == 0 else ["VOICE"])
    for index, url in enumerate(card.get("urls") or []):
        _add_uri(out, "url", str(url), "PREF" if index == 0 else None)
    text = card.get("note") if note is None else note
    if text:
        _add(out, "note", _text(text))
    tags = [_text(t) for t in categories if str(t).strip()]
    if tags:
        _add(out, "categories", tags)
    if rev:
        _add_uri(out, "rev", rev)
    buffer = io.BytesIO()  # bytes: vobject's line writer falls back slowly on a str buffer
    out.serialize(buffer, lineLength=UNFOLDED, validate=False)
    lines = buffer.getvalue().decode("utf-8").split("\r\n")
    return "".join(_line(line) for line in lines[:-1])


def card_vcard(card: dict[str, Any], uid: str) -> str:
    """An attendee's own card as vCard 3.0 text (CRLF, folded), for `/c/{token}.vcf`."""
    return write_card(card, uid)


def contact_note(contact: dict[str, Any], event_name: str | None) -> str:
    """The NOTE of an exported contact: their own note, where and when we met, our notes."""
    card = contact.get("card") or {}
    parts: list[str] = []
    if card.get("note"):
        parts.append(str(card["note"]))
    met = str(contact.get("met_at") or "")[:10]
    if event_name and met:
        parts.append(f"Met at {event_name} on {met}.")
    elif event_name:
        parts.append(f"Met at {event_name}.")
    elif met:
        parts.append(f"Met on {met}.")
    notes = str(contact.get("notes") or "").strip()
    if notes:
        parts.append(f"My notes: {notes}")
    follow = contact.get("follow_up")
    if follow == "todo":
        due = contact.get("follow_up_on")
        parts.append(f"Follow up: to do{' by ' + str(due) if due else ''}.")
    return "\n\n".join(parts)


def contact_vcard(
    contact: dict[str, Any], event_name: str | None = None, owner_id: str = ""
) -> str:
    """One exported contact as vCard 3.0 text, written by vobject."""
    return write_card(
        contact.get("card") or {"fn": "Unknown"},
        stable_uid(owner_id, str(contact.get("id") or "")),
        note=contact_note(contact, event_name),
        categories=list(contact.get("tags") or []),
        rev=_rev(str(contact.get("updated_at") or "")),
    )


def _rev(updated_at: str) -> str | None:
    """REV as RFC 2426 date-time without fractions (`2026-11-26T06:30:49Z`), when well formed."""
    match = _REV.match(updated_at)
    return match.group(1) + "Z" if match else None


def contacts_vcf(
    contacts: Iterable[dict[str, Any]], event_name: str | None = None, owner_id: str = ""
) -> str:
    """API contact dicts as one vCard 3.0 file (UID, NOTE with where/when met, CATEGORIES)."""
    return "".join(contact_vcard(c, event_name, owner_id) for c in contacts)


def cached_vcards(
    store: Store,
    owner_id: str,
    event_name: str,
    load: Callable[[], list[dict[str, Any]]],
) -> list[tuple[dict[str, Any], str]]:
    """(contact, vCard text) for the owner's contacts `load` returns, vobject run only for those
    new or changed since the last export; their texts are kept in `vcard_cache` in one write.

    The seqs are read before `load` reads the contacts: a contact changed in between is written
    from newer data than its seq says, and that seq never matches again, so no stale text is used.
    """
    rows = store.read().execute(
        "SELECT c.contact_id, c.seq, v.seq, v.text FROM contacts c LEFT JOIN vcard_cache v"
        " ON v.owner_id = c.owner_id AND v.contact_id = c.contact_id AND v.event_name = ?"
        " AND v.fmt = ? WHERE c.owner_id = ? AND c.deleted = 0",
        [event_name, FORMAT, owner_id],
    )
    seqs: dict[str, int] = {}
    cached: dict[str, str] = {}
    for contact_id, seq, cached_seq, text in rows:
        seqs[contact_id] = seq
        if cached_seq == seq:
            cached[contact_id] = text
    out: list[tuple[dict[str, Any], str]] = []
    fresh: list[tuple[Any, ...]] = []
    for contact in load():
        contact_id = str(contact["id"])
        text = cached.get(contact_id)
        if text is None:
            text = contact_vcard(contact, event_name, owner_id)
            if contact_id in seqs:
                fresh.append((event_name, FORMAT, text, owner_id, contact_id, seqs[contact_id]))
        out.append((contact, text))
    if fresh:
        with store.write() as db:  # only while the contact still has the seq it was written at
            db.conn.executemany(
                "INSERT OR REPLACE INTO vcard_cache (owner_id, contact_id, seq, event_name, fmt,"
                " text) SELECT c.owner_id, c.contact_id, c.seq, ?, ?, ? FROM contacts c"
                " WHERE c.owner_id = ? AND c.contact_id = ? AND c.seq = ?",
                fresh,
            )
    return out
