"""The booths table: an event's exhibitor booths with their qualifying questions.

A booth's name is unique in its event (case-folded, by a unique index, so two organizers or two
processes creating one name at once make one booth). Its questions are a JSON list; the lead
rows keep answers by question id (server/storage/leads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from server.storage.engine import Store, Tx, reader, rows_as


class BoothRow(NamedTuple):
    """A booth as stored (the columns of `booths`, in their order)."""

    id: str
    event_slug: str
    name: str
    name_key: str
    questions: str  # JSON list of {id, kind, label, options?}
    created_at: str


class BoothCount(NamedTuple):
    """A booth of an event with its number of live leads (the organizer's view: no who)."""

    booth: BoothRow
    leads: int


_COLUMNS = "id, event_slug, name, name_key, questions, created_at"
_B_COLUMNS = "b.id, b.event_slug, b.name, b.name_key, b.questions, b.created_at"


def insert(tx: Tx, row: BoothRow) -> bool:
    """Add the booth; False (nothing written) when its event already has a booth of that name."""
    cursor = tx.execute(
        f"INSERT INTO booths ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (event_slug, name_key) DO NOTHING",
        list(row),
    )
    return cursor.rowcount == 1


def get(source: Store | Tx, booth_id: str) -> BoothRow | None:
    found = (
        reader(source).execute(f"SELECT {_COLUMNS} FROM booths WHERE id = ?", [booth_id]).fetchone()
    )
    return None if found is None else BoothRow._make(found)


def by_name(source: Store | Tx, event_slug: str, name_key: str) -> BoothRow | None:
    found = (
        reader(source)
        .execute(
            f"SELECT {_COLUMNS} FROM booths WHERE event_slug = ? AND name_key = ?",
            [event_slug, name_key],
        )
        .fetchone()
    )
    return None if found is None else BoothRow._make(found)


def of_event(store: Store, event_slug: str) -> list[BoothCount]:
    """Every booth of the event, by name, each with its count of live leads."""
    rows = (
        store.read()
        .execute(
            f"SELECT {_B_COLUMNS}, (SELECT count(*) FROM leads l"
            " WHERE l.booth_id = b.id AND l.deleted = 0) FROM booths b"
            " WHERE b.event_slug = ? ORDER BY b.name_key, b.id",
            [event_slug],
        )
        .fetchall()
    )
    return [BoothCount(BoothRow._make(r[:6]), int(r[6])) for r in rows]


def all_of_event(store: Store, event_slug: str) -> list[BoothRow]:
    rows = store.read().execute(
        f"SELECT {_COLUMNS} FROM booths WHERE event_slug = ? ORDER BY name_key, id", [event_slug]
    )
    return list(rows_as(BoothRow, rows.fetchall()))


def update(
    store: Store, booth_id: str, change: Callable[[Tx, BoothRow], BoothRow]
) -> BoothRow | None:
    """Replace the booth's name and questions by `change(tx, current)` in one write, the row
    locked (a read-modify-write no other edit interleaves); None when there is no such booth.
    `change` may read in `tx` (is the new name free?) and raise to write nothing. Run by
    `transact`: two processes renaming two booths to one name at once meet on the unique index,
    and the one run again then finds the name taken."""

    def run(tx: Tx) -> BoothRow | None:
        found = tx.execute(
            f"SELECT {_COLUMNS} FROM booths WHERE id = ?{tx.for_update}", [booth_id]
        ).fetchone()
        if found is None:
            return None
        merged = change(tx, BoothRow._make(found))
        tx.execute(
            "UPDATE booths SET name = ?, name_key = ?, questions = ? WHERE id = ?",
            [merged.name, merged.name_key, merged.questions, booth_id],
        )
        return merged

    return store.transact(run)
