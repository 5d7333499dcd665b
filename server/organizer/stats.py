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

from server.events import get_event
from server.storage import Store
from server.storage import booths as stored_booths
from server.storage import stats as stored_stats

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
    key = (store.name, slug)
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
    counts = stored_stats.event_counts(store, slug)
    by_hour: list[dict[str, Any]] = [
        {"hour": h.hour, "count": h.total} for h in counts.exchanges_by_hour
    ]
    return {
        "attendees": counts.attendees,
        "active_attendees": counts.active_attendees,
        "exchanges": sum(int(h["count"]) for h in by_hour),
        "exchanges_by_hour": by_hour,
        # Booths (DESIGN.md section 13): how many leads each booth holds, and per hour, never
        # whose cards.
        "leads_by_booth": [
            {"booth_id": c.booth.id, "name": c.booth.name, "leads": c.leads}
            for c in stored_booths.of_event(store, slug)
        ],
        "leads_by_hour": [
            {"hour": h.hour, "count": h.total} for h in stored_stats.leads_by_hour(store, slug)
        ],
    }


def registrations_by_hour(store: Store, slug: str) -> list[dict[str, Any]]:
    """New attendees per hour of `created_at` (self-registered and imported), oldest first.

    Only live attendees, so the running total ends at the `attendees` count of the stats.
    """
    get_event(store, slug)
    return [
        {"hour": h.hour, "count": h.total} for h in stored_stats.registrations_by_hour(store, slug)
    ]


def attendee_counts(store: Store) -> dict[str, int]:
    """Live attendees per event slug (for the organizer's event list)."""
    return stored_stats.attendees_per_event(store)
