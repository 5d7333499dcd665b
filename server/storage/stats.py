"""The organizer's aggregate counts: attendees, active attendees, exchanges, sign-ups and booth
leads by hour.

Every query is a COUNT grouped by event and hour; none returns an attendee id, a contact or an
op payload (organizers see aggregates only, DESIGN.md section 7).
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Store

# `received_at` is fixed-width ISO UTC ("2026-05-04T09:41:07.123456Z"): its first 13 characters
# are the hour, so grouping by that prefix is grouping by the server's receive hour.
_HOUR = "substr({col}, 1, 13) || ':00:00Z'"
# Served from the ops_event_stats index alone (no table rows read), even with millions of ops.
_APPLIED_EXCHANGE = "event_slug = ? AND type = 'exchange' AND result = 'applied'"


class HourCount(NamedTuple):
    hour: str  # "2026-05-04T09:00:00Z"
    total: int


class EventCounts(NamedTuple):
    attendees: int  # live ones
    active_attendees: int  # with at least one applied op
    exchanges_by_hour: list[HourCount]  # applied exchanges by receive hour, oldest first


def event_counts(store: Store, slug: str) -> EventCounts:
    db = store.read()
    attendees = db.execute(
        "SELECT count(*) FROM attendees WHERE event_slug = ? AND deleted_at IS NULL", [slug]
    ).fetchone()[0]
    active = db.execute(
        "SELECT count(DISTINCT attendee_id) FROM ops WHERE event_slug = ? AND result = 'applied'",
        [slug],
    ).fetchone()[0]
    by_hour = [
        HourCount(hour, int(count))
        for hour, count in db.execute(
            f"SELECT {_HOUR.format(col='received_at')} AS hour, count(*) FROM ops "
            f"WHERE {_APPLIED_EXCHANGE} GROUP BY hour ORDER BY hour",
            [slug],
        ).fetchall()
    ]
    return EventCounts(int(attendees), int(active), by_hour)


def registrations_by_hour(store: Store, slug: str) -> list[HourCount]:
    """Live attendees per hour of `created_at`, oldest first."""
    rows = store.read().execute(
        f"SELECT {_HOUR.format(col='created_at')} AS hour, count(*) FROM attendees "
        "WHERE event_slug = ? AND deleted_at IS NULL GROUP BY hour ORDER BY hour",
        [slug],
    )
    return [HourCount(hour, int(count)) for hour, count in rows.fetchall()]


def attendees_per_event(store: Store) -> dict[str, int]:
    """Live attendees per event slug."""
    rows = store.read().execute(
        "SELECT event_slug, count(*) FROM attendees WHERE deleted_at IS NULL GROUP BY event_slug"
    )
    return {slug: int(count) for slug, count in rows.fetchall()}


def leads_by_hour(store: Store, slug: str) -> list[HourCount]:
    """The event's live booth leads per hour of their first capture (server time), all booths
    together, oldest first: how busy the floor was, never whose card."""
    rows = store.read().execute(
        f"SELECT {_HOUR.format(col='l.created_at')} AS hour, count(*) FROM leads l"
        " JOIN booths b ON b.id = l.booth_id WHERE b.event_slug = ? AND l.deleted = 0"
        " GROUP BY hour ORDER BY hour",
        [slug],
    )
    return [HourCount(hour, int(count)) for hour, count in rows.fetchall()]
