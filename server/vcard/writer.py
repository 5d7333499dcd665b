"""Writing vCard 3.0: what iPhone, Android, Google and Outlook import best.

vobject writes every card (the project's one vCard library); this module handles its traps:

- vobject folds by characters, not octets (a line of 74 two-byte characters stays whole), so it
  serialises unfolded and `fold` folds at 75 octets, never inside a UTF-8 character or an escape;
- it escapes `;` in every text value; readers that follow RFC 6350 (ical.js) then keep the
  backslash in FN, TITLE or NOTE, so `\\;` stays only where it separates components (N, ORG);
- it escapes URL, UID and REV as text (`http\\://`); they are URIs and dates, written as they are;
- it upper-cases names (`X-ABSHOWAS`); Apple's spelling `X-ABShowAs` is kept.

vobject's own way of building a card (`vCard()`, `add`, `serialize`) costs 0.37 ms a card, most of
it building objects and parsing each escaped value back after writing it; `_Writer` keeps vobject
writing every line but skips both (0.05 ms a card, 10,000 contacts cold in well under a second).
An export also reuses each contact's text from the `vcard_cache` table while the contact's seq and
the event name are unchanged (DESIGN.md section 8): only new and changed contacts are written
again. The tests parse every export back with vobject and with ical.js. Every card has a stable
UID (a UUIDv5 of owner and contact id), N (family;given), FN, ORG (its units split at `; `),
TITLE, typed TEL/EMAIL/URL (the first one PREF), NOTE and CATEGORIES; and where the card has
them (DESIGN.md section 11):

- PHOTO;ENCODING=b;TYPE=JPEG, the form iPhone and Android import (contact exports carry the
  128 px photo, so a file of thousands of contacts stays a few MB a thousand; one public card
  carries the 512 px one);
- each social profile as X-SOCIALPROFILE;TYPE=<network> (Apple Contacts' social profiles) and
  also as a URL;TYPE=<network>, since Android and Google Contacts drop X- properties;
- pronouns as PRONOUNS (RFC 9554, an IANA-registered name) and, as no common address book shows
  that property yet, a "Pronouns: …" line in NOTE;
- how the name is read (`reading`, e.g. Japanese kana) as X-PHONETIC-FIRST-NAME and
  X-PHONETIC-LAST-NAME (what iPhone and Android read and show above the name, and sort by) and
  SORT-STRING (vCard 3.0's own: family reading, then given), which other address books sort by.

The words the writer adds to NOTE ("Met at …", "My notes: …") are in the attendee's language
(`m`, server.i18n), its dates in the event's time zone; a cached text is kept per event name,
language and time zone (`note_key`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import vobject

from server.cards import card_photo_id
from server.i18n import Messages, messages
from server.storage import Store, vcard_cache
from server.storage import photos as stored_photos
from server.storage.contacts import ContactRow
from server.vcard.reader import ORG_UNIT_SEPARATOR

UID_NAMESPACE = uuid.UUID("6f1d4c1e-3c1a-5b7e-9d2f-0c4a7e1b2d3f")
PRODID = "-//cardswap//cardswap 0.1//EN"
FORMAT = 4  # bump when the written text changes: every cached card is written again
EXPORT_PHOTO = "small"  # the size contact exports embed (a public card's .vcf: "large")
EXPORT_BATCH = 500  # contacts read, and their photos fetched, at a time
FOLD_OCTETS = 75
UNFOLDED = 1 << 30  # vobject's line length when our `fold` folds
_NAMESPACE = UID_NAMESPACE.bytes
_ESCAPE = re.compile(r"\\(.)")
_REV = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
_STRUCTURED = frozenset({"n", "org"})  # where `\\;` separates components and must stay
_NAMES = {"X-ABSHOWAS": "X-ABShowAs"}
_SPELLINGS = [(f"\r\n{k}:".encode(), f"\r\n{v}:".encode()) for k, v in _NAMES.items()]
# TYPE of the first line of a name and of the others
_TYPES = {
    "email": (("INTERNET", "PREF"), ("INTERNET",)),
    "tel": (("VOICE", "PREF"), ("VOICE",)),
    "url": (("PREF",), ()),
}
_NAME_ORDER = vobject.vcard.NAME_ORDER
_escape: Callable[[str], str] = vobject.base.backslashEscape
_fields: Callable[..., str] = vobject.vcard.serializeFields


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


def _uri(value: str) -> str:
    """A URI value: not escaped (RFC 2426 uri type), but never allowed to break the line."""
    return value.replace("\r", "").replace("\n", "")


def fold(line: str) -> str:
    """One content line folded at 75 octets (CRLF + space), whole characters and escapes kept."""
    if len(line) <= FOLD_OCTETS and line.isascii():
        return line + "\r\n"
    return _fold_octets(line.encode("utf-8")).decode("utf-8") + "\r\n"


def _fold_octets(data: bytes) -> bytes:
    """`fold` on a line's UTF-8 octets, without the final CRLF."""
    if len(data) <= FOLD_OCTETS:
        return data
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
    return b"\r\n ".join(parts)


def _bare_semicolon(match: re.Match[str]) -> str:
    return ";" if match.group(1) == ";" else match.group(0)


def _wire(name: str, value: str) -> str:
    """A value in wire form with vobject's `\\;` undone where `;` separates nothing."""
    if "\\;" in value and name not in _STRUCTURED:
        return _ESCAPE.sub(_bare_semicolon, value)
    return value


def _respelled(data: bytes) -> bytes:
    """The lines vobject wrote with the names it upper-cased spelled as Apple spells them."""
    for upper, spelled in _SPELLINGS:
        if upper in data:
            data = data.replace(upper, spelled)
    return data


def _folded(data: bytes) -> str:
    """A card's unfolded lines as `fold` folds them; most lines are short and stay as they are."""
    lines = data.split(b"\r\n")
    if max(map(len, lines)) > FOLD_OCTETS:
        data = b"\r\n".join([_fold_octets(line) for line in lines])
    return data.decode("utf-8")


class _Writer:
    """vobject's card and content lines, reused card after card by one thread.

    vobject spends most of a card's time building objects (a ContentLine costs about 8 us, and
    a card has 14) and escaping each text value only to parse it back after writing it (its
    `decode`). Here each line is built once and reused; its value comes escaped by vobject's own
    functions and marked `encoded` (as vobject marks text it has read), so vobject's writer
    copies it without that round trip. vobject still orders the lines and writes BEGIN, every
    line and END; the tests check the text is the same as vobject's `vCard()` path writes.
    """

    def __init__(self) -> None:
        self.card = vobject.base.Component("VCARD")
        self.card.behavior = vobject.vcard.VCard3_0
        # VERSION as vobject's generateImplicitParameters adds it, once instead of every card
        self.version = vobject.base.ContentLine("VERSION", [], "3.0", encoded=True)
        self.pool: dict[str, list[Any]] = {}
        self.contents: dict[str, list[Any]] = {}

    def start(self) -> None:
        """An empty card but for VERSION: the lines of the last card go back to the pool."""
        self.contents = {"version": [self.version]}
        self.card.contents = self.contents

    def add(self, name: str, value: str) -> None:
        """A line (`name` as vobject keys it, lower case) whose value is in wire form already."""
        same = self.contents.setdefault(name, [])
        pool = self.pool.setdefault(name, [])
        if len(same) == len(pool):
            pool.append(_content_line(name, len(pool)))
        line = pool[len(same)]
        # what ContentLine.__setattr__ ends in for `value`, without its `_param` name checks
        object.__setattr__(line, "value", _wire(name, value))
        same.append(line)

    def add_with(self, name: str, value: str, params: dict[str, list[str]]) -> None:
        """A line whose parameters vary card by card (TYPE=<network>, a photo's encoding): a
        new vobject line, not one from the pool."""
        line = vobject.base.ContentLine(name, [], "", encoded=True)
        line.params = params
        object.__setattr__(line, "value", value)
        self.contents.setdefault(name, []).append(line)

    def text(self) -> str:
        """The card as vobject writes it (unfolded), names respelled, folded by `fold`."""
        buffer = io.BytesIO()  # bytes: vobject's line writer falls back slowly on a str buffer
        self.card.serialize(buffer, lineLength=UNFOLDED, validate=False)
        return _folded(_respelled(buffer.getvalue()))


def _content_line(name: str, index: int) -> Any:
    """A new vobject line for the `index`th `name` of a card: TYPE says PREF on the first."""
    first, others = _TYPES.get(name, ((), ()))
    types = first if index == 0 else others
    return vobject.base.ContentLine(name, [["TYPE", *types]] if types else [], "", encoded=True)


_WRITERS = threading.local()


def _writer() -> _Writer:
    """This thread's `_Writer` (exports run on several threads; a writer is not shared)."""
    writer: _Writer | None = getattr(_WRITERS, "writer", None)
    if writer is None:
        writer = _WRITERS.writer = _Writer()
    return writer


def _name_parts(card: dict[str, Any]) -> tuple[str, str]:
    """(family, given) as the card holds them; a name made up from ORG or EMAIL leaves N empty."""
    return str(card.get("family") or ""), str(card.get("given") or "")


def _reading(card: dict[str, Any]) -> tuple[str, str]:
    """(family, given) reading of a card, "" where it gives none."""
    reading = card.get("reading")
    if not isinstance(reading, dict):
        return "", ""
    return str(reading.get("family") or "").strip(), str(reading.get("given") or "").strip()


def write_card(
    card: dict[str, Any],
    uid: str,
    *,
    m: Messages | None = None,
    note: str | None = None,
    categories: Iterable[str] = (),
    rev: str | None = None,
    photo: bytes | None = None,
) -> str:
    """One vCard 3.0 for a card, written by vobject (`note` replaces card["note"]): CRLF, folded.

    Text goes through vobject's escaping (`_escape`, `_fields`: what its behaviors call); it
    turns CR LF and CR into an escaped newline itself. `photo` is the JPEG to embed; `m` the
    language of the card's own NOTE words (English without one).
    """
    family, given = _name_parts(card)
    said_family, said_given = _reading(card)
    out = _writer()
    out.start()
    out.add("prodid", _escape(PRODID))
    out.add("uid", _uri(uid))
    out.add("fn", _escape(str(card.get("fn") or "")))
    out.add("n", _fields(vobject.vcard.Name(family=family, given=given), _NAME_ORDER))
    if said_given:
        out.add("x-phonetic-first-name", _escape(said_given))
    if said_family:
        out.add("x-phonetic-last-name", _escape(said_family))
    if said_family or said_given:
        out.add("sort-string", _escape(" ".join(p for p in (said_family, said_given) if p)))
    if card.get("org"):
        units = str(card["org"]).split(ORG_UNIT_SEPARATOR)  # "IBM; Accounting": name; unit
        out.add("org", _fields(units))
        if not family and not given and card.get("fn") == units[0]:
            out.add("x-abshowas", "COMPANY")  # Apple shows a company card by its name
    if card.get("title"):
        out.add("title", _escape(str(card["title"])))
    for email in card.get("emails") or []:
        out.add("email", _escape(str(email)))
    for phone in card.get("phones") or []:
        out.add("tel", _escape(str(phone)))
    for url in card.get("urls") or []:
        out.add("url", _uri(str(url)))
    socials = [s for s in card.get("socials") or [] if isinstance(s, dict) and s.get("url")]
    for social in socials:
        network = {"TYPE": [str(social.get("network") or "other")]}
        out.add_with("url", _uri(str(social["url"])), network)
        out.add_with("x-socialprofile", _uri(str(social["url"])), network)
    if card.get("pronouns"):
        out.add("pronouns", _escape(str(card["pronouns"])))
    text = card_note(card, m or messages("en")) if note is None else note
    if text:
        out.add("note", _escape(str(text)))
    if photo:
        encoding = {"ENCODING": ["b"], "TYPE": ["JPEG"]}
        out.add_with("photo", base64.b64encode(photo).decode("ascii"), encoding)
    tags = [_escape(str(t)) for t in categories if str(t).strip()]
    if tags:
        out.add("categories", ",".join(tags))  # as vobject's CATEGORIES behavior joins them
    if rev:
        out.add("rev", _uri(rev))
    return out.text()


def card_vcard(
    card: dict[str, Any], uid: str, photo: bytes | None = None, m: Messages | None = None
) -> str:
    """An attendee's own card as vCard 3.0 text (CRLF, folded), for `/c/{token}.vcf`."""
    return write_card(card, uid, photo=photo, m=m)


def card_note(card: dict[str, Any], m: Messages) -> str:
    """A card's own NOTE: its note, then its pronouns (where address books without PRONOUNS show
    them)."""
    parts = [str(card[k]) for k in ("note",) if card.get(k)]
    if card.get("pronouns"):
        parts.append(m.t("vcard.note.pronouns", pronouns=str(card["pronouns"])))
    return "\n\n".join(parts)


def note_key(event_name: str, m: Messages) -> str:
    """What an exported contact's text depends on besides the contact: the event's name, the
    language and the time zone of its NOTE (the cache and the address book's epoch use it)."""
    if m.lang == "en" and m.zone_name == "UTC":
        return event_name
    return f"{event_name}\x1f{m.lang}\x1f{m.zone_name}"


def contact_note(contact: dict[str, Any], event_name: str | None, m: Messages) -> str:
    """The NOTE of an exported contact: their own note and pronouns, where and when we met (the
    day in the event's time zone), our notes, in the attendee's language."""
    card = contact.get("card") or {}
    parts: list[str] = []
    own = card_note(card, m)
    if own:
        parts.append(own)
    met_at = str(contact.get("met_at") or "")
    met = m.date(m.local(met_at).date(), "long") if met_at else ""
    if event_name and met:
        parts.append(m.t("vcard.note.met_at_on", event=event_name, date=met))
    elif event_name:
        parts.append(m.t("vcard.note.met_at", event=event_name))
    elif met:
        parts.append(m.t("vcard.note.met_on", date=met))
    notes = str(contact.get("notes") or "").strip()
    if notes:
        parts.append(m.t("vcard.note.my_notes", notes=notes))
    if contact.get("follow_up") == "todo":
        due = contact.get("follow_up_on")
        if due:
            parts.append(m.t("vcard.note.follow_up_by", date=m.date(str(due), "long")))
        else:
            parts.append(m.t("vcard.note.follow_up"))
    return "\n\n".join(parts)


def contact_vcard(
    contact: dict[str, Any],
    event_name: str | None = None,
    owner_id: str = "",
    photo: bytes | None = None,
    m: Messages | None = None,
) -> str:
    """One exported contact as vCard 3.0 text, written by vobject (`photo`: the JPEG to embed;
    `m`: the language of the NOTE's words, English without one)."""
    m = m or messages("en")
    return write_card(
        contact.get("card") or {"fn": "Unknown"},
        stable_uid(owner_id, str(contact.get("id") or "")),
        m=m,
        note=contact_note(contact, event_name, m),
        categories=list(contact.get("tags") or []),
        rev=_rev(str(contact.get("updated_at") or "")),
        photo=photo,
    )


def _rev(updated_at: str) -> str | None:
    """REV as RFC 2426 date-time without fractions (`2026-11-26T06:30:49Z`), when well formed."""
    match = _REV.match(updated_at)
    return match.group(1) + "Z" if match else None


def contacts_vcf(
    contacts: Iterable[dict[str, Any]],
    event_name: str | None = None,
    owner_id: str = "",
    m: Messages | None = None,
) -> str:
    """API contact dicts as one vCard 3.0 file (UID, NOTE with where/when met, CATEGORIES)."""
    return "".join(contact_vcard(c, event_name, owner_id, m=m) for c in contacts)


def cached_vcards(
    store: Store,
    owner_id: str,
    event_name: str,
    rows: Iterable[ContactRow],
    contact_of: Callable[[ContactRow], dict[str, Any]],
    m: Messages | None = None,
) -> Iterator[tuple[ContactRow, str]]:
    """(row, vCard text) for each of the owner's contact `rows`, vobject run only for those new
    or changed since the last export; their texts are kept in `vcard_cache` in one write once
    every row is read.

    A cached text is used only when it was written from the seq of the row read now (the seq
    and the contact's content come from the same row), and `contact_of` (the API dict, whose
    card JSON is the costly part to decode) is built only for the rows written again: a warm
    export of 10,000 contacts decodes none."""
    m = m or messages("en")
    key = note_key(event_name, m)
    cached = vcard_cache.texts(store, owner_id, key, FORMAT)
    fresh: list[vcard_cache.CacheEntry] = []
    for part in _batches(rows, EXPORT_BATCH):
        misses = {
            row.contact_id: contact_of(row)
            for row in part
            if (hit := cached.get(row.contact_id)) is None or hit[0] != row.seq
        }
        photos = _photos(store, list(misses.values()))
        for row in part:
            contact = misses.get(row.contact_id)
            if contact is None:
                yield row, cached[row.contact_id][1]
                continue
            photo_id = card_photo_id(contact.get("card") or {})
            photo = photos.get(photo_id) if photo_id else None
            text = contact_vcard(contact, event_name, owner_id, photo, m)
            fresh.append(
                vcard_cache.CacheEntry(key, FORMAT, text, owner_id, row.contact_id, row.seq)
            )
            yield row, text
    if fresh:  # each kept only while the contact still has the seq it was written at
        vcard_cache.keep(store, fresh)


def _batches(rows: Iterable[ContactRow], size: int) -> Iterator[list[ContactRow]]:
    """`rows` in lists of `size`, read as they are consumed."""
    batch: list[ContactRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _photos(store: Store, contacts: list[dict[str, Any]]) -> dict[str, bytes]:
    """The export-size photo of each of `contacts` that has one, by photo id (one query a batch:
    a cold export of thousands of contacts does not read them one by one)."""
    ids = [pid for c in contacts if (pid := card_photo_id(c.get("card") or {}))]
    return stored_photos.images(store, ids, EXPORT_PHOTO) if ids else {}
