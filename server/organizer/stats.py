"""Event statistics for organizers: counts over the op log and the attendee table, nothing more.

Organizers see aggregates only, never who met whom (DESIGN.md section 7): every query here is a
COUNT grouped by event and hour; none returns an attendee id, a contact or an op payload.
Exchanges are counted from the append-only op log (`ops`), so they stay counted after an attendee
deletes their data; reciprocal cards created by a swap are not ops of their own and never count.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from server.db import Store
from server.events import get_event

# `received_at` is fixed-width ISO UTC ("2026-05-04T09:41:07.123456Z"): its first 13 characters
# are the hour, so grouping by that prefix is grouping by the server's receive hour.
_HOUR = "substr({col}, 1, 13) || ':00:00Z'"
# Served from the ops_event_stats index alone (no table rows read), even with millions of ops.
_APPLIED_EXCHANGE = "event_slug = ? AND type = 'exchange' AND result = 'applied'"


# A dashboard polls every few seconds. On a small event the counts take milliseconds and are
# always fresh; on a huge one (a million ops: about 2 s on a 2-core machine, mostly counting
# distinct active attendees) a result is reused for 5x the time it took, at most 30 s, so open
# dashboards never take more than a fifth of a core from the sync path. The threshold is far
# above what a scheduling hiccup adds to a small event's count, which must never go stale.
SLOW_SECONDS = 1.0
REUSE_FACTOR = 5
MAX_REUSE_SECONDS = 30.0
_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def event_stats(store: Store, slug: str) -> dict[str, Any]:
    """`GET /api/admin/events/{slug}/stats`: attendees, active attendees, exchanges by hour."""
    get_event(store, slug)
    key = (str(store.path), slug)
    with _cache_lock:
        cached = _cache.get(key)
    if cached and cached[0] > time.monotonic():
        return copy.deepcopy(cached[1])
    started = time.monotonic()
    stats = _count(store, slug)
    elapsed = time.monotonic() - started
    if elapsed > SLOW_SECONDS:
        with _cache_lock:
            reuse = min(REUSE_FACTOR * elapsed, MAX_REUSE_SECONDS)
            _cache[key] = (time.monotonic() + reuse, copy.deepcopy(stats))
    return stats


def _count(store: Store, slug: str) -> dict[str, Any]:
    db = store.read()
    attendees = db.execute(
        "SELECT count(*) FROM attendees WHERE event_slug = ? AND deleted_at IS NULL", [slug]
    ).fetchone()[0]
    active = db.execute(
        "SELECT count(DISTINCT attendee_id) FROM ops WHERE event_slug = ? AND result = 'applied'",
        [slug],
    ).fetchone()[0]
    by_hour = [
        {"hour": hour, "count": count}
        for hour, count in db.execute(
            f"SELECT {_HOUR.format(col='received_at')} AS hour, count(*) FROM ops "
            f"WHERE {_APPLIED_EXCHANGE} GROUP BY hour ORDER BY hour",
            [slug],
        ).fetchall()
    ]
    return {
        "attendees": int(attendees),
        "active_attendees": int(active),
        "exchanges": sum(int(h["count"]) for h in by_hour),
        "exchanges_by_hour": by_hour,
    }


def registrations_by_hour(store: Store, slug: str) -> list[dict[str, Any]]:
    """New attendees per hour of `created_at` (self-registered and imported), oldest first.

    Only live attendees, so the running total ends at the `attendees` count of the stats.
    """
    get_event(store, slug)
    rows = store.read().execute(
        f"SELECT {_HOUR.format(col='created_at')} AS hour, count(*) FROM attendees "
        "WHERE event_slug = ? AND deleted_at IS NULL GROUP BY hour ORDER BY hour",
        [slug],
    )
    return [{"hour": hour, "count": int(count)} for hour, count in rows.fetchall()]


def attendee_counts(store: Store) -> dict[str, int]:
    """Live attendees per event slug (for the organizer's event list)."""
    rows = store.read().execute(
        "SELECT event_slug, count(*) FROM attendees WHERE deleted_at IS NULL GROUP BY event_slug"
    )
    return {slug: int(count) for slug, count in rows.fetchall()}
