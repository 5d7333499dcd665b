"""Each exported contact's vCard text, kept while the contact's seq and the event name hold.

Triggers (migration m002) drop a text when its contact changes or goes, so no note outlives its
contact; a text is stored only while the contact still has the seq it was written from.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from server.errors import Busy
from server.storage.engine import Store, Tx

log = logging.getLogger("cardswap.vcard_cache")


class CacheEntry(NamedTuple):
    """A text to keep (fields in the order the statement binds them)."""

    event_name: str
    fmt: int
    text: str
    owner_id: str
    contact_id: str
    seq: int  # the contact's seq the text was written from


def texts(store: Store, owner_id: str, event_name: str, fmt: int) -> dict[str, tuple[int, str]]:
    """contact id -> (the seq it was written from, text) of the owner's texts for this event
    name and format; the caller uses one only while its contact still has that seq."""
    rows = store.read().execute(
        "SELECT contact_id, seq, text FROM vcard_cache"
        " WHERE owner_id = ? AND event_name = ? AND fmt = ?",
        [owner_id, event_name, fmt],
    )
    return {contact_id: (seq, text) for contact_id, seq, text in rows}


def keep(store: Store, entries: list[CacheEntry]) -> None:
    """Store the texts in one write, each only while its contact still has that seq.

    Run again when it meets a concurrent sync of the same owner (PostgreSQL), and given up
    when that keeps happening: the cache only saves work, and the export is already written."""

    def write(db: Tx) -> None:
        db.executemany(
            "INSERT INTO vcard_cache (owner_id, contact_id, seq, event_name, fmt, text)"
            " SELECT c.owner_id, c.contact_id, c.seq, ?, ?, ? FROM contacts c"
            " WHERE c.owner_id = ? AND c.contact_id = ? AND c.seq = ?"
            " ON CONFLICT (owner_id, contact_id) DO UPDATE SET seq = excluded.seq,"
            " event_name = excluded.event_name, fmt = excluded.fmt, text = excluded.text",
            entries,
        )

    try:
        store.transact(write)
    except Busy:
        log.warning("vCard cache not kept for %d contacts: busy", len(entries))
