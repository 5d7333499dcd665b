"""The card model: validation and normalisation of the JSON `card` object (DESIGN.md sections 4
and 11).

An attendee's own card is capped (5 emails, phones, urls; a 500-character note; 8 social
profiles). A foreign card, parsed from someone else's vCard or MECARD, keeps every value:
`normalize_card(data, foreign=True)`. `pronouns` is a short text and `socials` a list of
{network, url}; both are typed and validated like the rest. `photo` is read-only: the server
sets it (PUT /api/me/photo, or a photo in an imported card), so a card sent by a client may only
repeat it, never change it, and a normalised card always has `socials` and `photo` (null when
there is none) for the caller to fill in. `reading` is how the name is read, {family, given}
(Japanese kana, a Chinese name's pinyin): names sort and search by it (DESIGN.md section 12); it
is left out when empty, like `pronouns`.
"""

from __future__ import annotations

import re
from typing import Any

from server.errors import InvalidField

TEXT_FIELDS = ("fn", "given", "family", "org", "title")
LIST_FIELDS = ("emails", "phones", "urls")
CARD_KEYS = frozenset(
    (*TEXT_FIELDS, *LIST_FIELDS, "note", "pronouns", "reading", "socials", "photo")
)
READING_PARTS = ("family", "given")
# The networks a social profile may name, with the name the app, pages and exports show.
SOCIAL_NETWORKS = {
    "linkedin": "LinkedIn",
    "x": "X",
    "mastodon": "Mastodon",
    "github": "GitHub",
    "bluesky": "Bluesky",
    "other": "Link",
}
MAX_PRONOUNS = 40
MAX_READING = 100
MAX_SOCIALS = 8
MAX_TEXT = 200
MAX_ITEMS = 5
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_URL = 2048
MAX_NOTE = 500
MAX_FOREIGN_NOTE = 16 * 1024

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+$")
_PHONE = re.compile(r"^[0-9 +\-().x]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Han, Hiragana, Katakana and Hangul: names in these scripts are written family name first.
_FAMILY_FIRST = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def is_http_url(value: str) -> bool:
    """An http:// or https:// URL with a host (what a card's links and profiles may be)."""
    return len(value) <= MAX_URL and bool(_HTTP_URL.match(value))


def split_name(fn: str) -> tuple[str, str]:
    """(given, family) derived from a full name: the last word is the family name, except in
    names written in Chinese, Japanese or Korean script, which put the family name first."""
    words = fn.split()
    if len(words) < 2:
        return fn.strip(), ""
    if _FAMILY_FIRST.search(words[0]):
        return " ".join(words[1:]), words[0]
    return " ".join(words[:-1]), words[-1]


def _text(data: dict[str, Any], key: str, limit: int, foreign: bool) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidField(f"{key} must be a string.", field=f"card.{key}")
    value = value.strip()
    if not foreign and len(value) > limit:
        raise InvalidField(f"{key} is longer than {limit} characters.", field=f"card.{key}")
    if _CONTROL.search(value):
        if foreign:
            value = _CONTROL.sub(" ", value)
        else:
            raise InvalidField(f"{key} must be one line of text.", field=f"card.{key}")
    return value


def _list(data: dict[str, Any], key: str, foreign: bool) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) or v is None for v in value):
        raise InvalidField(f"{key} must be a list of strings.", field=f"card.{key}")
    if not foreign:
        # An own card's list holds only real entries: a blank one is no address, number or link
        # (the field itself may be null or [] when there are none).
        for index, v in enumerate(value):
            if v is None or not v.strip():
                raise InvalidField(f"{key} entries must not be empty.", field=f"card.{key}.{index}")
    items = [v.strip() for v in value if v is not None and v.strip()]
    if not foreign and len(items) > MAX_ITEMS:
        raise InvalidField(f"At most {MAX_ITEMS} {key} are allowed.", field=f"card.{key}")
    for index, item in enumerate(items):
        where = f"card.{key}.{index}"
        if _CONTROL.search(item):
            if foreign:
                items[index] = item = _CONTROL.sub(" ", item)
            else:
                raise InvalidField(f"{key} entries must be one line of text.", field=where)
        if foreign:
            continue
        if key == "emails" and (len(item) > MAX_EMAIL or not _EMAIL.match(item)):
            raise InvalidField(f"{item!r} is not a valid email address.", field=where)
        if key == "phones" and (len(item) > MAX_PHONE or not _PHONE.match(item)):
            raise InvalidField(
                "A phone number has at most 40 digits, spaces and +-().x.", field=where
            )
        if key == "urls" and not is_http_url(item):
            raise InvalidField("Links must be http:// or https:// URLs.", field=where)
    return items


def _socials(data: dict[str, Any], foreign: bool) -> list[dict[str, str]]:
    """`socials`: at most 8 {network, url} (uncapped on a foreign card), http(s) links only.

    A foreign card's reader keeps only profiles that pass these checks, so they hold for every
    card: a profile is shown as a link, and a `javascript:` one would be a script."""
    value = data.get("socials")
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidField("socials must be a list of {network, url}.", field="card.socials")
    if not foreign and len(value) > MAX_SOCIALS:
        raise InvalidField(f"At most {MAX_SOCIALS} social profiles are allowed.", "card.socials")
    out: list[dict[str, str]] = []
    for index, item in enumerate(value):
        where = f"card.socials.{index}"
        if not isinstance(item, dict):
            raise InvalidField("Each social profile is an object {network, url}.", field=where)
        unknown = sorted(set(item) - {"network", "url"})
        if unknown:
            raise InvalidField(
                f"Unknown social profile field {unknown[0]!r}.", f"{where}.{unknown[0]}"
            )
        network, url = item.get("network"), item.get("url")
        if not isinstance(network, str) or network not in SOCIAL_NETWORKS:
            names = ", ".join(SOCIAL_NETWORKS)
            raise InvalidField(f"network must be one of {names}.", field=f"{where}.network")
        if not isinstance(url, str) or not is_http_url(url.strip()) or _CONTROL.search(url):
            raise InvalidField(
                "A profile link must be an http:// or https:// URL.", field=f"{where}.url"
            )
        profile = {"network": str(network), "url": url.strip()}
        if profile not in out:
            out.append(profile)
    return out


def _reading(data: dict[str, Any], foreign: bool) -> dict[str, str] | None:
    """`reading`: {family?, given?}, each one line of text; None when both are empty."""
    value = data.get("reading")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidField("reading must be an object {family, given}.", field="card.reading")
    unknown = sorted(set(value) - set(READING_PARTS))
    if unknown:
        raise InvalidField(
            f"Unknown reading field {unknown[0]!r}.", field=f"card.reading.{unknown[0]}"
        )
    out: dict[str, str] = {}
    for part in READING_PARTS:
        try:
            text = _text(value, part, MAX_READING, foreign)
        except InvalidField as exc:
            raise InvalidField(exc.message, field=f"card.reading.{part}") from exc
        if text:
            out[part] = text[:MAX_READING] if foreign else text
    return out or None


def _photo(data: dict[str, Any]) -> None:
    """`photo` may be sent back as the server gave it (or null); its value is never taken."""
    value = data.get("photo")
    if value is None:
        return
    if (
        not isinstance(value, dict)
        or set(value) != {"small", "large"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise InvalidField("photo is read-only: set it with PUT /api/me/photo.", field="card.photo")


def normalize_card(data: Any, *, foreign: bool = False) -> dict[str, Any]:
    """A validated card with absent fields dropped and `given`/`family` derived when missing.

    Raises InvalidField (422) naming the offending field. Unknown keys are rejected.
    """
    if not isinstance(data, dict):
        raise InvalidField("card must be an object.", field="card")
    unknown = sorted(set(data) - CARD_KEYS)
    if unknown:
        raise InvalidField(f"Unknown card field {unknown[0]!r}.", field=f"card.{unknown[0]}")
    card: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = _text(data, key, MAX_TEXT, foreign)
        if value:
            card[key] = value
    if not card.get("fn"):
        raise InvalidField("fn (the full name) is required.", field="card.fn")
    if "given" not in card and "family" not in card:
        given, family = split_name(card["fn"])
        if given:
            card["given"] = given
        if family:
            card["family"] = family
    for key in LIST_FIELDS:
        card[key] = _list(data, key, foreign)
    note = data.get("note")
    if note is not None:
        if not isinstance(note, str):
            raise InvalidField("note must be a string.", field="card.note")
        note = _NOTE_CONTROL.sub("", note.replace("\r\n", "\n")).strip()
        limit = MAX_FOREIGN_NOTE if foreign else MAX_NOTE
        if len(note) > limit:
            raise InvalidField(f"note is longer than {limit} characters.", field="card.note")
        if note:
            card["note"] = note
    pronouns = _text(data, "pronouns", MAX_PRONOUNS, foreign)
    if pronouns:
        card["pronouns"] = pronouns[:MAX_PRONOUNS] if foreign else pronouns
    reading = _reading(data, foreign)
    if reading:
        card["reading"] = reading
    card["socials"] = _socials(data, foreign)
    _photo(data)
    card["photo"] = None
    return card


PHOTO_SIZES = ("small", "large")
_PHOTO_URL = re.compile(r"^/photos/([A-Za-z0-9_-]{8,64})/(small|large)\.jpg$")


def photo_urls(photo_id: str) -> dict[str, str]:
    """A card's `photo`: the versioned URLs of the stored photo `photo_id`, small and large.

    Paths on this server (resolved against BASE_URL), so cards stored in the database stay right
    when the server moves to another address; a new photo gets a new id, so a URL never changes
    what it shows and may be cached for ever."""
    return {size: f"/photos/{photo_id}/{size}.jpg" for size in PHOTO_SIZES}


def card_photo_id(card: dict[str, Any]) -> str | None:
    """The id of the stored photo a card shows (its URLs carry it), or None."""
    photo = card.get("photo")
    if not isinstance(photo, dict):
        return None
    found = _PHOTO_URL.match(str(photo.get("small") or ""))
    return found.group(1) if found else None
