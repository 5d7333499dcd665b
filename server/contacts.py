"""An attendee's contacts as the API shows them: the row -> `contact` dict, lists, filters, one.

The rows come from server.storage.contacts (the change feed too).

Verified contacts are live-linked: their card is read from the linked attendee's current row
(while that attendee exists), so a card edit shows up everywhere at once; the stored snapshot is
what remains after the attendee deletes their data. Every read here is scoped to one owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from server import textfold
from server.errors import InvalidField, NotFound
from server.i18n.collation import name_key
from server.storage import Store
from server.storage import contacts as stored_contacts
from server.storage.contacts import ContactRow

FOLLOW_UPS = ("none", "todo", "done")
UPDATE_FIELDS = ("notes", "tags", "follow_up", "follow_up_on", "starred")
MAX_NOTES = 10_000
MAX_TAGS = 50
MAX_TAG = 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def contact_dict(row: ContactRow) -> dict[str, Any]:
    """The API `contact` shape of a stored contact row. Unpacked in one step: an export builds
    10,000 of these, and fourteen NamedTuple attribute reads cost ~8% of a warm `.vcf`."""
    (cid, card, verified, met_at, methods, notes, tags, follow_up, follow_up_on, starred,
     deleted, updated_at, _seq, live_card) = row  # fmt: skip
    return {
        "id": cid,
        "card": orjson.loads(live_card or card),
        "verified": bool(verified),
        "met_at": met_at,
        "methods": orjson.loads(methods),
        "notes": notes,
        "tags": orjson.loads(tags),
        "follow_up": follow_up,
        "follow_up_on": follow_up_on,
        "starred": bool(starred),
        "deleted": bool(deleted),
        "updated_at": updated_at,
    }


def feed_dict(row: ContactRow) -> dict[str, Any]:
    """contact_dict for a response only: the stored JSON texts (card, methods, tags) go into the
    response as they are (orjson fragments, written by server.http.JSON), never decoded and
    encoded again. The sync feed sends up to 500 contacts per answer."""
    (cid, card, verified, met_at, methods, notes, tags, follow_up, follow_up_on, starred,
     deleted, updated_at, _seq, live_card) = row  # fmt: skip
    return {
        "id": cid,
        "card": orjson.Fragment(live_card or card),
        "verified": bool(verified),
        "met_at": met_at,
        "methods": orjson.Fragment(methods),
        "notes": notes,
        "tags": orjson.Fragment(tags),
        "follow_up": follow_up,
        "follow_up_on": follow_up_on,
        "starred": bool(starred),
        "deleted": bool(deleted),
        "updated_at": updated_at,
    }


@dataclass(frozen=True)
class Filters:
    """The `GET /api/contacts` query: every field optional."""

    follow_up: str | None = None
    tag: str | None = None
    starred: bool | None = None
    q: str | None = None


def parse_filters(params: dict[str, str]) -> Filters:
    """Checked filters from query parameters; 422 naming the parameter when a value is bad."""
    follow_up = params.get("follow_up") or None
    if follow_up is not None and follow_up not in FOLLOW_UPS:
        raise InvalidField("follow_up must be none, todo or done.", field="follow_up")
    # Exactly `true` or `false` (what the API documents); an empty value is no filter.
    starred_text = params.get("starred") or ""
    starred: bool | None = None
    if starred_text == "true":
        starred = True
    elif starred_text == "false":
        starred = False
    elif starred_text:
        raise InvalidField("starred must be true or false.", field="starred")
    tag = params.get("tag") or None
    if tag is not None and len(tag) > 64:
        raise InvalidField("tag is longer than 64 characters.", field="tag")
    q = (params.get("q") or "").strip() or None
    if q is not None and len(q) > 200:
        raise InvalidField("q is longer than 200 characters.", field="q")
    return Filters(follow_up, tag, starred, q)


def _haystack(contact: dict[str, Any]) -> str:
    """The words `q` searches, folded as the web app's search folds them (server/textfold.py)."""
    parts: list[str] = [contact["notes"], *contact["tags"]]
    for key, value in contact["card"].items():
        if key == "photo" or value is None:
            continue  # its URLs are no words of the card
        if isinstance(value, list):
            parts.extend(str(v.get("url", "")) if isinstance(v, dict) else str(v) for v in value)
        elif isinstance(value, dict):  # the name's reading: each part, and both run together
            words = [str(value.get(k) or "") for k in ("family", "given")]
            parts.extend([*words, "".join(words)])
        else:
            parts.append(str(value))
    return textfold.searchable("\n".join(parts))


def matches(contact: dict[str, Any], filters: Filters) -> bool:
    """Whether a contact passes every given filter (q: folded as the app's search; card, notes,
    tags)."""
    if filters.follow_up is not None and contact["follow_up"] != filters.follow_up:
        return False
    if filters.tag is not None and filters.tag not in contact["tags"]:
        return False
    if filters.starred is not None and contact["starred"] != filters.starred:
        return False
    return filters.q is None or textfold.matches(_haystack(contact), filters.q)


def select_rows(
    store: Store, owner_id: str, filters: Filters | None = None, ids: list[str] | None = None
) -> Iterator[ContactRow]:
    """The owner's contacts that are not deleted, most recently met first, filtered, as rows
    (read as consumed): an export decodes only the cards it writes again."""
    rows: Iterable[ContactRow] = stored_contacts.live(
        store,
        owner_id,
        follow_up=filters.follow_up if filters is not None else None,
        starred=filters.starred if filters is not None else None,
    )
    if ids is not None:
        wanted = set(ids)
        rows = (row for row in rows if row.contact_id in wanted)
    if filters is not None and (filters.tag is not None or filters.q is not None):
        rows = (row for row in rows if matches(contact_dict(row), filters))
    return iter(rows)


def by_name(items: Iterable[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """API contact dicts in name order for `lang` (server.i18n.collation: the card's reading
    when it has one), for the CSV export, which a person reads row after row."""
    return sorted(items, key=lambda c: (name_key(c.get("card") or {}, lang), str(c.get("id"))))


def list_contacts(
    store: Store, owner_id: str, filters: Filters | None = None, ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """The owner's contacts that are not deleted, most recently met first, filtered."""
    return [contact_dict(row) for row in select_rows(store, owner_id, filters, ids)]


def get_row(store: Store, owner_id: str, contact_id: str) -> ContactRow:
    """One contact of the owner (not deleted); 404 otherwise, whoever else may hold that id."""
    row = stored_contacts.get_live(store, owner_id, contact_id)
    if row is None:
        raise NotFound("You have no contact with that id.", code="contact_not_found")
    return row


def get_contact(store: Store, owner_id: str, contact_id: str) -> dict[str, Any]:
    """One contact of the owner (not deleted) as the API shows it; 404 otherwise."""
    return contact_dict(get_row(store, owner_id, contact_id))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def valid_date(value: str) -> bool:
    """A YYYY-MM-DD calendar date."""
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InvalidField("tags must be a list of strings.", field="tags")
    out: list[str] = []
    for tag in value:
        tag = tag.strip()
        if not 1 <= len(tag) <= MAX_TAG or _CONTROL.search(tag):
            raise InvalidField(f"Each tag is one line of 1 to {MAX_TAG} characters.", field="tags")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise InvalidField(f"At most {MAX_TAGS} tags are allowed.", field="tags")
    return out


def check_field(name: str, value: Any) -> Any:
    """One field a `contact.update` may set, checked and normalised; InvalidField if bad."""
    if name == "notes":
        if value is None:
            return ""
        if not isinstance(value, str) or len(value) > MAX_NOTES:
            raise InvalidField(f"notes must be text of at most {MAX_NOTES} characters.", name)
        return value
    if name == "tags":
        return _tags(value)
    if name == "follow_up":
        if value not in FOLLOW_UPS:
            raise InvalidField("follow_up must be none, todo or done.", name)
        return value
    if name == "follow_up_on":
        if value is None or value == "":
            return None
        if not (isinstance(value, str) and valid_date(value)):
            raise InvalidField("follow_up_on must be a date (YYYY-MM-DD) or null.", name)
        return value
    if name == "starred":
        if not isinstance(value, bool):
            raise InvalidField("starred must be true or false.", name)
        return value
    raise InvalidField(f"{name!r} cannot be set; use {', '.join(UPDATE_FIELDS)}.", name)
