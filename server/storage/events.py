"""The events table: one row per event, keyed by its slug."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from server.storage.engine import Store, rows_as


class EventRow(NamedTuple):
    """An event as stored (the columns of `events`, in their order)."""

    slug: str
    name: str
    starts_on: str | None
    ends_on: str | None
    join_code: str
    created_at: str
    language: str = "en"  # the default of its poster, badges and public card page
    time_zone: str = "UTC"  # an IANA name: the event's dates and times are shown in it


_COLUMNS = "slug, name, starts_on, ends_on, join_code, created_at, language, time_zone"


def insert(store: Store, row: EventRow) -> bool:
    """Add the event in a write of its own; False (nothing written) when the slug is taken (the
    primary key decides, so two processes creating one slug at once make it once)."""
    with store.write() as db:
        cursor = db.execute(
            "INSERT INTO events (slug, name, starts_on, ends_on, join_code, created_at, language,"
            " time_zone) VALUES (:slug, :name, :starts_on, :ends_on, :join_code, :created_at,"
            " :language, :time_zone) "
            "ON CONFLICT (slug) DO NOTHING",
            row._asdict(),
        )
        return cursor.rowcount == 1


def update(store: Store, slug: str, change: Callable[[EventRow], EventRow]) -> EventRow | None:
    """Replace the event's name, dates, language and time zone by `change(current)` under the
    write lock (a read-modify-write no other edit can interleave); None when there is no such
    event. An exception from `change` writes nothing."""
    with store.write() as db:
        found = db.execute(f"SELECT {_COLUMNS} FROM events WHERE slug = ?{db.for_update}", [slug])
        values = found.fetchone()
        if values is None:
            return None
        current = EventRow._make(values)
        merged = change(current)
        db.execute(
            "UPDATE events SET name = ?, starts_on = ?, ends_on = ?, language = ?, time_zone = ?"
            " WHERE slug = ?",
            [*merged[1:4], merged.language, merged.time_zone, slug],
        )
    return merged


def get(store: Store, slug: str) -> EventRow | None:
    row = store.read().execute(f"SELECT {_COLUMNS} FROM events WHERE slug = ?", [slug]).fetchone()
    return None if row is None else EventRow._make(row)


def list_all(store: Store) -> list[EventRow]:
    """Every event, newest first."""
    rows = store.read().execute(f"SELECT {_COLUMNS} FROM events ORDER BY created_at DESC")
    return list(rows_as(EventRow, rows.fetchall()))


def any_exists(store: Store) -> bool:
    return store.read().execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
