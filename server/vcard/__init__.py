"""All vCard and MECARD text: import (2.1, 3.0, 4.0, MECARD) and export (vCard 3.0).

The one public entry point other modules call. The work is split by direction: `reader` reads
foreign cards losing no text (it handles the traps vobject 0.9.9 falls into; `lines` unfolds,
`mecard` reads MECARD), `writer` writes vCard 3.0 through vobject by the RFC (and keeps each
contact's text until the contact changes), `csv_export` writes Google Contacts CSV.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from server.cards import (
    MAX_ITEMS,
    MAX_NOTE,
    MAX_PRONOUNS,
    MAX_SOCIALS,
    MAX_TEXT,
    card_photo_id,
    normalize_card,
)
from server.errors import InvalidField
from server.i18n import Messages
from server.storage import Store
from server.storage import photos as stored_photos
from server.storage.contacts import ContactRow
from server.vcard import csv_export, writer
from server.vcard.mecard import parse_mecard
from server.vcard.reader import ParsedCard, VCardError, read_vcards

__all__ = [
    "ParsedCard",
    "cached_vcards",
    "VCardError",
    "card_vcard",
    "contacts_csv",
    "contacts_vcf",
    "contacts_zip",
    "export_vcf",
    "export_zip",
    "file_stem",
    "own_card",
    "parse_foreign",
    "parse_many",
    "stable_uid",
]

stable_uid = writer.stable_uid
cached_vcards = writer.cached_vcards
_MECARD = re.compile(r"^[\s\ufeff]*MECARD:", re.IGNORECASE)


def parse_foreign(text: str | bytes) -> ParsedCard:
    """One vCard (2.1/3.0/4.0) or MECARD from a QR code or typed in; VCardError if unreadable.

    A text holding several vCards is refused: one scan is one person.
    """
    cards, errors = parse_many(text)
    if errors:
        raise errors[0]
    if len(cards) > 1:
        raise VCardError(f"This text holds {len(cards)} cards; send one card at a time.", 1)
    return cards[0]


def parse_many(text: str | bytes) -> tuple[list[ParsedCard], list[VCardError]]:
    """Every card of a .vcf file: the readable ones, and an error for each unreadable one."""
    head = text[:64].decode("utf-8", "replace") if isinstance(text, bytes) else text[:64]
    if _MECARD.match(head):
        body = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        try:
            return [parse_mecard(body.lstrip("\ufeff"))], []
        except InvalidField as exc:
            return [], [VCardError(exc.message, 1)]
    cards, errors = read_vcards(text)
    if not cards and not errors:
        errors.append(VCardError("No BEGIN:VCARD or MECARD: found; this is no contact card.", 1))
    return cards, errors


def card_vcard(
    card: dict[str, Any], uid: str, store: Store | None = None, m: Messages | None = None
) -> str:
    """An attendee's own card as vCard 3.0 text (CRLF, folded), for `/c/{token}.vcf`; with a
    store, its photo (the large one: this is one card someone saves) is embedded; `m`: the
    language of its NOTE's words."""
    photo_id = card_photo_id(card) if store is not None else None
    photo = stored_photos.image(store, photo_id, "large") if store and photo_id else None
    return writer.card_vcard(card, uid, photo, m)


def contacts_vcf(
    contacts: Iterable[dict[str, Any]],
    event_name: str | None = None,
    owner_id: str = "",
    m: Messages | None = None,
) -> str:
    """API contact dicts as one vCard 3.0 file (UID, NOTE with where/when met, CATEGORIES)."""
    return writer.contacts_vcf(contacts, event_name, owner_id, m)


def contacts_csv(
    contacts: Iterable[dict[str, Any]], event_name: str | None = None, m: Messages | None = None
) -> str:
    """API contact dicts as Google Contacts CSV."""
    return csv_export.contacts_csv(contacts, event_name, m)


def contacts_zip(
    contacts: Iterable[dict[str, Any]],
    event_name: str | None = None,
    owner_id: str = "",
    m: Messages | None = None,
) -> bytes:
    """A zip with one .vcf per contact (Outlook desktop imports one contact per file)."""
    return _zip((c, writer.contact_vcard(c, event_name, owner_id, m=m)) for c in contacts)


def export_vcf(
    store: Store,
    owner_id: str,
    event_name: str,
    rows: Iterable[ContactRow],
    contact_of: Callable[[ContactRow], dict[str, Any]],
    m: Messages | None = None,
) -> str:
    """contacts_vcf of the owner's contact `rows`, unchanged ones from the cache."""
    pairs = writer.cached_vcards(store, owner_id, event_name, rows, contact_of, m)
    return "".join(text for _, text in pairs)


def export_zip(
    store: Store,
    owner_id: str,
    event_name: str,
    rows: Iterable[ContactRow],
    contact_of: Callable[[ContactRow], dict[str, Any]],
    m: Messages | None = None,
) -> bytes:
    """contacts_zip of the owner's contact `rows`, unchanged ones from the cache."""
    return _zip(
        (contact_of(row), text)
        for row, text in writer.cached_vcards(store, owner_id, event_name, rows, contact_of, m)
    )


def _zip(items: Iterable[tuple[dict[str, Any], str]]) -> bytes:
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for contact, text in items:
            stem = file_stem(str((contact.get("card") or {}).get("fn") or "contact"))
            name, n = f"{stem}.vcf", 1
            while name.lower() in used:
                n += 1
                name = f"{stem} ({n}).vcf"
            used.add(name.lower())
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def file_stem(text: str, limit: int = 80) -> str:
    """A file name stem from a person's or event's name: no path or control characters."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    return cleaned[:limit].strip(" .") or "contact"


def own_card(parsed: ParsedCard) -> tuple[dict[str, Any], list[str]]:
    """A foreign card trimmed to the own-card limits (DESIGN.md section 4), with what was changed.

    For "create my card from a contact file": values an own card cannot hold are dropped or cut,
    each with a warning, so the person sees what to fix before saving.
    """
    source = parsed.card
    warnings = list(parsed.warnings)
    data: dict[str, Any] = {}
    for key in ("fn", "given", "family", "org", "title"):
        value = str(source.get(key) or "")
        if len(value) > MAX_TEXT:
            warnings.append(f"{key} was cut to {MAX_TEXT} characters.")
            value = value[:MAX_TEXT].rstrip()
        if value:
            data[key] = value
    for key in ("emails", "phones", "urls"):
        kept: list[str] = []
        for item in source.get(key) or []:
            if not str(item).strip():
                continue  # an empty entry is nothing to keep (and nothing to warn about)
            fixed = _own_item(key, str(item))
            if fixed is None:
                warnings.append(f"{item!r} is not usable in {key} and was left out.")
            elif len(kept) >= MAX_ITEMS:
                warnings.append(f"Only {MAX_ITEMS} {key} fit on a card; {item!r} was left out.")
            elif fixed not in kept:
                if fixed != item:
                    warnings.append(f"{item!r} was changed to {fixed!r}.")
                kept.append(fixed)
        data[key] = kept
    note = str(source.get("note") or "")
    if len(note) > MAX_NOTE:
        warnings.append(f"The note was cut to {MAX_NOTE} characters.")
        note = note[:MAX_NOTE].rstrip()
    if note:
        data["note"] = note
    if source.get("pronouns"):
        data["pronouns"] = str(source["pronouns"])[:MAX_PRONOUNS].strip()
    if source.get("reading"):  # already one line each and within the limit (foreign rules)
        data["reading"] = dict(source["reading"])
    socials = list(source.get("socials") or [])
    if len(socials) > MAX_SOCIALS:
        warnings.append(
            f"Only {MAX_SOCIALS} social profiles fit on a card; the rest were left out."
        )
    data["socials"] = socials[:MAX_SOCIALS]
    return normalize_card(data), warnings


def _own_item(key: str, value: str) -> str | None:
    """One email, phone or URL as an own card accepts it, or None."""
    value = value.strip()
    if key == "phones":
        value = re.sub(r";\s*ext=", " x", value, flags=re.IGNORECASE)
    if key == "urls" and not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE):
        value = "https://" + value if re.match(r"^[\w-]+(\.[\w-]+)+([/?#]|$)", value) else value
    try:
        normalize_card({"fn": "x", key: [value]})
    except InvalidField:
        return None
    return value
