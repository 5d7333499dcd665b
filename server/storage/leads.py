"""The leads table: each booth's leads (one per attendee, by the primary key) and its change feed.

Two views of a row, as for contacts. `LeadState` is the whole stored row, decoded, as the staff
sync reads and writes it inside its write transaction (server.booths.apply). `LeadRow` is what
the staff app and the exports see, with its change seq. Every write to a booth's leads locks the
booth's feed first (`feed_owner`): on PostgreSQL its seqs then rise in commit order, and a
capture and a withdrawal of one lead never interleave.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import Any, NamedTuple

import orjson

from server.jsontext import dumps_text
from server.storage.engine import Store, Tx, chunks, reader, rows_as


def feed_owner(booth_id: str) -> str:
    """The booth's change feed among the owners of `Tx.lock_owners`/`next_seqs` (an attendee id
    never holds a colon, so no booth's feed is an attendee's)."""
    return f"booth:{booth_id}"


class LeadState(NamedTuple):
    """A stored lead row, decoded (the staff sync's columns, in `_COLUMNS` order)."""

    booth_id: str
    attendee_id: str
    card: str  # the card's JSON text as shared at the last capture ('{}' once withdrawn)
    answers: dict[str, Any]  # question id -> answer
    notes: str
    captured_at: str | None
    captured_by: str | None
    deleted: bool
    withdrawn_at: str | None
    versions: dict[str, Any]  # field -> (at, device id, op id); notes as for contacts
    created_at: str


_COLUMNS = LeadState._fields


class LeadRow(NamedTuple):
    """A lead as the staff and the exports see it; JSON columns still text."""

    attendee_id: str
    card: str
    answers: str
    notes: str
    captured_at: str | None
    deleted: int
    updated_at: str
    seq: int


_ROW = "attendee_id, card, answers, notes, captured_at, deleted, updated_at, seq"


class ShareRow(NamedTuple):
    """A booth an attendee's card was shared with (what the attendee sees)."""

    booth_id: str
    booth_name: str
    shared_at: str | None


def _versions(text: str) -> dict[str, Any]:
    return {
        k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
        for k, v in orjson.loads(text).items()
    }


def _state(values: tuple[Any, ...]) -> LeadState:
    (booth_id, attendee_id, card, answers, notes, captured_at, captured_by, deleted,
     withdrawn_at, versions, created_at) = values  # fmt: skip
    return LeadState(
        booth_id, attendee_id, card, orjson.loads(answers), notes, captured_at, captured_by,
        bool(deleted), withdrawn_at, _versions(versions), created_at,
    )  # fmt: skip


# -- the staff sync's rows ---------------------------------------------------------------------
def load(tx: Tx, booth_id: str, attendee_ids: list[str]) -> list[LeadState]:
    """The booth's leads of `attendee_ids` (those that exist)."""
    out: list[LeadState] = []
    for part in chunks(attendee_ids):
        marks = ",".join("?" * len(part))
        rows = tx.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM leads"
            f" WHERE booth_id = ? AND attendee_id IN ({marks})",
            [booth_id, *part],
        ).fetchall()
        out += [_state(values) for values in rows]
    return out


_INSERTED = (*_COLUMNS, "seq", "updated_at")
_UPDATE = (
    "UPDATE leads SET "
    + ", ".join(f"{c} = ?" for c in (*_COLUMNS[2:], "seq", "updated_at"))
    + " WHERE booth_id = ? AND attendee_id = ?"
)


def _encode(row: LeadState) -> list[Any]:
    return [row.booth_id, row.attendee_id, row.card, dumps_text(row.answers), row.notes,
            row.captured_at, row.captured_by, int(row.deleted), row.withdrawn_at,
            dumps_text(row.versions), row.created_at]  # fmt: skip


def write_changed(
    tx: Tx, rows: list[LeadState], stored: Container[tuple[str, str]], updated_at: str
) -> None:
    """Write every row once, each with a fresh seq of its booth's feed, in list order.

    `stored` holds the (booth, attendee) keys that exist (loaded under the booth's lock): new
    rows are INSERTs, the others UPDATEs."""
    if not rows:
        return
    seqs = tx.next_seqs([feed_owner(row.booth_id) for row in rows])
    inserts, updates = [], []
    for row, seq in zip(rows, seqs, strict=True):
        values = [*_encode(row), seq, updated_at]
        if (row.booth_id, row.attendee_id) in stored:
            updates.append([*values[2:], row.booth_id, row.attendee_id])
        else:
            inserts.append(values)
    if inserts:
        tx.insert_rows("leads", _INSERTED, inserts)
    if updates:
        tx.executemany(_UPDATE, updates)


# -- the feed, the list, the exports -----------------------------------------------------------
def feed_page(
    source: Store | Tx, booth_id: str, after_seq: int, limit: int
) -> tuple[list[LeadRow], bool]:
    """Leads of the booth with seq > after_seq, oldest first: (up to `limit` rows, more?)."""
    rows = (
        reader(source)
        .execute(
            f"SELECT {_ROW} FROM leads WHERE booth_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            [booth_id, after_seq, limit + 1],
        )
        .fetchall()
    )
    return list(rows_as(LeadRow, rows[:limit])), len(rows) > limit


def live(store: Store, booth_id: str) -> Iterator[LeadRow]:
    """The booth's leads that are not deleted, first captured first (read as consumed)."""
    rows = store.read().execute(
        f"SELECT {_ROW} FROM leads WHERE booth_id = ? AND deleted = 0"
        " ORDER BY captured_at, attendee_id",
        [booth_id],
    )
    return rows_as(LeadRow, rows)


# -- the attendee's side -----------------------------------------------------------------------
def shares_of(store: Store, attendee_id: str) -> list[ShareRow]:
    """The booths that hold this attendee's card now (not deleted, not withdrawn)."""
    rows = (
        store.read()
        .execute(
            "SELECT l.booth_id, b.name, l.captured_at FROM leads l"
            " JOIN booths b ON b.id = l.booth_id"
            " WHERE l.attendee_id = ? AND l.deleted = 0 AND l.withdrawn_at IS NULL"
            " ORDER BY l.captured_at, l.booth_id",
            [attendee_id],
        )
        .fetchall()
    )
    return list(rows_as(ShareRow, rows))


def withdraw(tx: Tx, booth_id: str, attendee_id: str, now: str) -> bool:
    """The attendee takes their card back from the booth: the lead is emptied (card, answers,
    notes), marked deleted and withdrawn, with a fresh seq, so every staff feed reports it
    deleted; a later capture is refused. False when the booth never had this attendee's card.
    The booth's feed is locked first: a capture of theirs committed before, or waits and finds
    the withdrawal."""
    tx.lock_owners([feed_owner(booth_id)])
    found = tx.execute(
        "SELECT withdrawn_at FROM leads WHERE booth_id = ? AND attendee_id = ?",
        [booth_id, attendee_id],
    ).fetchone()
    if found is None:
        return False
    if found[0] is None:
        [seq] = tx.next_seqs([feed_owner(booth_id)])
        tx.execute(
            "UPDATE leads SET card = ?, answers = ?, notes = '', versions = ?, deleted = 1,"
            " withdrawn_at = ?, seq = ?, updated_at = ? WHERE booth_id = ? AND attendee_id = ?",
            ["{}", "{}", "{}", now, seq, now, booth_id, attendee_id],
        )
    return True


class CaptureCard(NamedTuple):
    """A live attendee as a booth captures them: their event and current card."""

    id: str
    event_slug: str
    card: str


def capture_cards(tx: Tx, attendee_ids: list[str]) -> dict[str, CaptureCard | None]:
    """Each of `attendee_ids` found: their card, or None once they deleted their data."""
    out: dict[str, CaptureCard | None] = {}
    for part in chunks(attendee_ids):
        marks = ",".join("?" * len(part))
        rows = tx.execute(
            f"SELECT id, event_slug, card, deleted_at FROM attendees WHERE id IN ({marks})", part
        ).fetchall()
        for aid, slug, card, deleted_at in rows:
            out[aid] = CaptureCard(aid, slug, card) if card and deleted_at is None else None
    return out
