"""The attendee's one address book: its members, their ETags, and its sync token.

Members are the owner's contacts that are not deleted, each as the very vCard 3.0 text the
`.vcf` export writes (server.vcard: the same writer and its per-contact cache). An ETag is a
hash of those bytes, so it changes exactly when they do.

The sync token is where the owner's change feed stands (their latest change seq, as the sync
API's cursor counts it) as a URI, so it never expires: any token this server gave out can be
answered with the changes after it. A contact's text also depends on the event's name (its NOTE
says where we met), on the language and time zone of the NOTE's words (the attendee's language,
else the event's) and on the writer's format; all are folded into an `epoch` in the token, and a
token from another epoch gets every member as changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from server import contacts, vcard
from server.carddav.paths import member_uid
from server.i18n import Messages, messages
from server.storage import Store
from server.storage import contacts as stored_contacts
from server.storage.contacts import ContactRow
from server.vcard import writer

TOKEN_PREFIX = "https://cardswap.invalid/sync/"
_TOKEN = re.compile(r"^https://cardswap\.invalid/sync/([0-9]{1,18})-([0-9a-f]{8})$")
FEED_PAGE = 500


class InvalidSyncToken(Exception):
    """A sync token this book never gave out (RFC 6578 DAV:valid-sync-token)."""


@dataclass(frozen=True)
class Book:
    """Whose book it is, and what its texts depend on."""

    owner_id: str
    username: str
    event_name: str
    m: Messages = field(default_factory=lambda: messages("en"))  # the attendee's language

    @property
    def display_name(self) -> str:
        return self.m.t("dav.book.name", event=self.event_name)

    @property
    def epoch(self) -> str:
        """Changes whenever every member's text changes at once (event name, language, time
        zone, writer format)."""
        key = f"{writer.FORMAT}\x1f{writer.note_key(self.event_name, self.m)}".encode()
        return hashlib.sha256(key).hexdigest()[:8]

    def token(self, seq: int) -> str:
        return f"{TOKEN_PREFIX}{seq}-{self.epoch}"


class Member(NamedTuple):
    """One contact of the book; `text` and `etag` are empty when the caller needs no text."""

    uid: str
    contact_id: str
    updated_at: str
    text: str
    etag: str


def _uid(book: Book, contact_id: str) -> str:
    return member_uid(vcard.stable_uid(book.owner_id, contact_id))


def _member(uid: str, row: ContactRow, text: str) -> Member:
    etag = f'"{hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]}"' if text else ""
    return Member(uid, row.contact_id, row.updated_at, text, etag)


def _with_texts(store: Store, book: Book, chosen: list[tuple[str, ContactRow]]) -> list[Member]:
    """Members of `chosen` (uid, contact row) pairs with the export's texts (unchanged ones
    from its cache, which the export and the book share)."""
    if not chosen:
        return []
    uids = {row.contact_id: uid for uid, row in chosen}
    rows = [row for _, row in chosen]
    pairs = vcard.cached_vcards(
        store, book.owner_id, book.event_name, rows, contacts.contact_dict, book.m
    )
    return [_member(uids[row.contact_id], row, text) for row, text in pairs]


def members(
    store: Store, book: Book, uids: Collection[str] | None = None, *, texts: bool = True
) -> list[Member]:
    """The book's members (those of `uids` only, when given), with their texts unless not
    needed (a listing of names and types needs none)."""
    live = [(_uid(book, r.contact_id), r) for r in contacts.select_rows(store, book.owner_id)]
    if uids is not None:
        wanted = set(uids)
        live = [(uid, r) for uid, r in live if uid in wanted]
    if not texts:
        return [_member(uid, r, "") for uid, r in live]
    return _with_texts(store, book, live)


def current_token(store: Store, book: Book) -> str:
    """The book's sync token (and CTag) now."""
    return book.token(stored_contacts.last_seq(store, book.owner_id))


@dataclass(frozen=True)
class Position:
    """Where a client's sync token says it stands in the owner's feed."""

    seq: int
    same_epoch: bool


def read_token(store: Store, book: Book, text: str) -> Position | None:
    """The position of a client's token; None for an empty one (a first sync).

    InvalidSyncToken for anything this book did not give out: not our form, or a position
    past the owner's feed (another user's token, or made up)."""
    text = text.strip()
    if not text:
        return None
    found = _TOKEN.match(text)
    if found is None:
        raise InvalidSyncToken(text)
    seq = int(found.group(1))
    if seq > stored_contacts.last_seq(store, book.owner_id):
        raise InvalidSyncToken(text)
    return Position(seq, found.group(2) == book.epoch)


@dataclass(frozen=True)
class Changes:
    """A sync-collection answer: members new or changed, uids removed, the new token, and
    whether the answer stopped at the client's limit (more remain after `token`)."""

    changed: list[Member]
    removed: list[str]
    token: str
    truncated: bool


def changes(store: Store, book: Book, since: Position | None, limit: int | None) -> Changes:
    """What changed in the book after `since` (everything, for a first sync), oldest first.

    A first sync lists only live members; later ones list removed members too. The feed is
    read after the book's current position, so a change committed in between is reported in
    this answer or in the next, never lost."""
    last = stored_contacts.last_seq(store, book.owner_id)
    after = since.seq if since is not None else 0
    rows: list[ContactRow] = []
    truncated = False
    cursor = after
    while True:
        page, more = stored_contacts.feed_page(store, book.owner_id, cursor, FEED_PAGE)
        for row in page:
            if since is None and row.deleted:
                cursor = row.seq  # a first sync skips what is gone, and moves past it
                continue
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append(row)
            cursor = row.seq
        if truncated or not more:
            break
    if not truncated:
        cursor = max(cursor, last)
    if since is not None and not since.same_epoch:
        # Every text changed (another event name or writer format): all members, and the
        # removals since the token.
        changed = members(store, book)
        removed = [_uid(book, r.contact_id) for r in rows if r.deleted]
        return Changes(changed, removed, book.token(max(cursor, last)), False)
    live = [(_uid(book, r.contact_id), r) for r in rows if not r.deleted]
    removed = [_uid(book, r.contact_id) for r in rows if r.deleted]
    return Changes(_with_texts(store, book, live), removed, book.token(cursor), truncated)
