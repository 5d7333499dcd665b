"""The contacts table: each owner's contacts with per-field versions, and the change feed.

Two views of a row. `ContactState` is the whole stored row, decoded, as the sync reads and
writes it inside its write transaction (server.sync.apply): the hot path, so rows are loaded in
a few IN queries and written with one executemany each for new and changed rows. `ContactRow`
is what the API shows: the contact's own columns with the live card of a linked, not deleted
attendee, its change seq included, for the feed, lists and one contact.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import Any, NamedTuple

import orjson

from server.jsontext import dumps_text
from server.storage.engine import Store, Tx, chunks, maker, reader, rows_as

Version = tuple[Any, ...]  # (at, device id, op id) or, for notes, (at, device id, op id, text)


class ContactState(NamedTuple):
    """A stored contact row, decoded (the sync's columns, in `_COLUMNS` order)."""

    owner_id: str
    contact_id: str  # 'att:<attendee id>' or 'ext:<uuid>'
    # The stored JSON text, or a card object (an external card parsed from its vCard). A swap
    # copies an attendee's card text as is: nothing parses it and writes it again.
    card: str | dict[str, Any]
    verified: bool
    linked_attendee_id: str | None
    met_at: str | None
    methods: list[str]
    notes: str
    tags: list[str]
    follow_up: str
    follow_up_on: str | None
    starred: bool
    deleted: bool
    vcard: str | None
    versions: dict[str, Any]  # field -> Version (swap_notes: a sorted list of them)


_COLUMNS = ContactState._fields
# ContactState from its 15 values in order, with no Python call: the sync makes one per row it
# loads and per row it writes back.
new_state = maker(ContactState)


class ContactRow(NamedTuple):
    """A contact as the API shows it; JSON columns still text (the feed splices them in)."""

    contact_id: str
    card: str
    verified: int
    met_at: str | None
    methods: str
    notes: str
    tags: str
    follow_up: str
    follow_up_on: str | None
    starred: int
    deleted: int
    updated_at: str
    seq: int
    live_card: str | None  # the linked attendee's current card, while they exist


# -- the sync's rows ---------------------------------------------------------------------------
def _state(values: tuple[Any, ...]) -> ContactState:
    (owner_id, contact_id, card, verified, linked, met_at, methods, notes, tags, follow_up,
     follow_up_on, starred, deleted, vcard, versions) = values  # fmt: skip
    return new_state((
        owner_id, contact_id, card, bool(verified), linked, met_at, orjson.loads(methods),
        notes, orjson.loads(tags), follow_up, follow_up_on, bool(starred), bool(deleted), vcard,
        {k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
         for k, v in orjson.loads(versions).items()},
    ))  # fmt: skip


def _load(tx: Tx, where: str, args: list[Any]) -> list[ContactState]:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM contacts WHERE {where}"
    return [_state(values) for values in tx.execute(sql, args).fetchall()]


def load_own(tx: Tx, owner_id: str, contact_ids: list[str]) -> list[ContactState]:
    """The owner's contacts among `contact_ids` (those that exist)."""
    out: list[ContactState] = []
    for part in chunks(contact_ids):
        marks = ",".join("?" * len(part))
        out += _load(tx, f"owner_id = ? AND contact_id IN ({marks})", [owner_id, *part])
    return out


def load_held(tx: Tx, attendee_id: str, holder_ids: list[str]) -> list[ContactState]:
    """The contacts `att:<attendee_id>` that each of `holder_ids` holds (those that exist)."""
    out: list[ContactState] = []
    for part in chunks(holder_ids):
        marks = ",".join("?" * len(part))
        out += _load(tx, f"contact_id = ? AND owner_id IN ({marks})", [f"att:{attendee_id}", *part])
    return out


def load_one(tx: Tx, owner_id: str, contact_id: str) -> ContactState | None:
    found = _load(tx, "owner_id = ? AND contact_id = ?", [owner_id, contact_id])
    return found[0] if found else None


def _memo_text(memo: dict[Any, str], key: Any, value: Any) -> str:
    text = memo.get(key)
    if text is None:
        text = memo[key] = dumps_text(value)
    return text


def _encode(row: ContactState, memo: dict[Any, str]) -> list[Any]:
    """The row's values in _COLUMNS order; `memo` reuses the text of a card object or list seen
    before in this write (most rows have the same few methods and tags lists). Spelled out
    column by column: it runs for every changed row."""
    card, methods, tags = row.card, row.methods, row.tags
    card_text = card if isinstance(card, str) else _memo_text(memo, id(card), card)
    return [row.owner_id, row.contact_id, card_text,
            int(row.verified), row.linked_attendee_id, row.met_at,
            _memo_text(memo, tuple(methods), methods), row.notes,
            _memo_text(memo, tuple(tags), tags), row.follow_up, row.follow_up_on,
            int(row.starred), int(row.deleted), row.vcard,
            dumps_text(row.versions)]  # fmt: skip


_INSERTED = (*_COLUMNS, "seq", "updated_at")
_UPDATE = (
    f"UPDATE contacts SET {', '.join(f'{c} = ?' for c in (*_COLUMNS[2:], 'seq', 'updated_at'))}"
    " WHERE owner_id = ? AND contact_id = ?"
)


def write_changed(
    tx: Tx, rows: list[ContactState], stored: Container[tuple[str, str]], updated_at: str
) -> None:
    """Write every row once, each with a fresh change seq in list order.

    `stored` holds the (owner, contact) keys that exist in the table (the caller loaded them
    under the write lock), so new rows are plain INSERTs and the others UPDATEs: an upsert cost
    ~20% more per row."""
    if not rows:
        return
    seqs = tx.next_seqs([row.owner_id for row in rows])
    inserts, updates = [], []
    memo: dict[Any, str] = {}  # card texts by object id: valid while `rows` holds the cards
    for row, seq in zip(rows, seqs, strict=True):
        values = [*_encode(row, memo), seq, updated_at]
        if (row.owner_id, row.contact_id) in stored:
            updates.append([*values[2:], row.owner_id, row.contact_id])
        else:
            inserts.append(values)
    if inserts:
        tx.insert_rows("contacts", _INSERTED, inserts)
    if updates:
        tx.executemany(_UPDATE, updates)


def push_card(tx: Tx, attendee_id: str, card: str, now: str) -> None:
    """Put an attendee's new card text into every contact live-linked to them, each with a
    fresh change seq, so the people who hold the card receive it on their next sync.

    The attendee's own feed is locked first: a swap with them (which locks it too) then either
    committed before, and its new contact is found here, or waits and copies the new card."""
    tx.lock_owners([attendee_id])
    linked = [
        (r[0], r[1])
        for r in tx.execute(
            "SELECT owner_id, contact_id FROM contacts WHERE linked_attendee_id = ? "
            "ORDER BY owner_id, contact_id",
            [attendee_id],
        ).fetchall()
    ]
    if linked:
        seqs = tx.next_seqs([owner for owner, _ in linked])
        tx.executemany(
            "UPDATE contacts SET card = ?, seq = ?, updated_at = ? "
            "WHERE owner_id = ? AND contact_id = ?",
            [(card, seq, now, owner, cid) for seq, (owner, cid) in zip(seqs, linked, strict=True)],
        )


# -- the API's rows and the change feed --------------------------------------------------------
_SELECT = (
    "SELECT c.contact_id, c.card, c.verified, c.met_at, c.methods, c.notes, c.tags, c.follow_up,"
    " c.follow_up_on, c.starred, c.deleted, c.updated_at, c.seq, a.card AS live_card"
    " FROM contacts c LEFT JOIN attendees a"
    " ON a.id = c.linked_attendee_id AND a.deleted_at IS NULL AND a.card IS NOT NULL"
)


def feed_page(
    source: Store | Tx, owner_id: str, after_seq: int, limit: int
) -> tuple[list[ContactRow], bool]:
    """Rows of `owner_id` with seq > after_seq, oldest first: (up to `limit` rows, more?)."""
    rows = (
        reader(source)
        .execute(
            _SELECT + " WHERE c.owner_id = ? AND c.seq > ? ORDER BY c.seq LIMIT ?",
            [owner_id, after_seq, limit + 1],
        )
        .fetchall()
    )
    return list(rows_as(ContactRow, rows[:limit])), len(rows) > limit


def live(
    store: Store, owner_id: str, follow_up: str | None = None, starred: bool | None = None
) -> Iterator[ContactRow]:
    """The owner's contacts that are not deleted, most recently met first (read as consumed)."""
    sql = _SELECT + " WHERE c.owner_id = ? AND c.deleted = 0"
    args: list[Any] = [owner_id]
    if follow_up is not None:
        sql += " AND c.follow_up = ?"
        args.append(follow_up)
    if starred is not None:
        sql += " AND c.starred = ?"
        args.append(int(starred))
    sql += " ORDER BY c.met_at DESC, c.contact_id"
    return rows_as(ContactRow, store.read().execute(sql, args))


def get_live(store: Store, owner_id: str, contact_id: str) -> ContactRow | None:
    """One contact of the owner that is not deleted."""
    row = (
        store.read()
        .execute(
            _SELECT + " WHERE c.owner_id = ? AND c.contact_id = ? AND c.deleted = 0",
            [owner_id, contact_id],
        )
        .fetchone()
    )
    return None if row is None else ContactRow._make(row)


def last_seq(source: Store | Tx, owner_id: str) -> int:
    """The owner's latest change seq (0 before any contact): where their feed stands now."""
    row = (
        reader(source)
        .execute("SELECT MAX(seq) FROM contacts WHERE owner_id = ?", [owner_id])
        .fetchone()
    )
    return int(row[0] or 0)
