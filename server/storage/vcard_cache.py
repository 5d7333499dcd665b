"""Each exported contact's vCard text, kept while the contact's seq and the event name hold.

Triggers (migration m002) drop a text when its contact changes or goes, so no note outlives its
contact; a text is stored only while the contact still has the seq it was written from.
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Store


class Cached(NamedTuple):
    """The owner's live contacts: each one's seq, and the texts still valid for them."""

    seqs: dict[str, int]  # contact id -> its current seq
    texts: dict[str, str]  # contact id -> text written from that seq (this event name, format)


class CacheEntry(NamedTuple):
    """A text to keep (fields in the order the statement binds them)."""

    event_name: str
    fmt: int
    text: str
    owner_id: str
    contact_id: str
    seq: int  # the contact's seq the text was written from


def cached(store: Store, owner_id: str, event_name: str, fmt: int) -> Cached:
    """Every live contact of the owner with the text cached for this event name and format,
    when it was written from the contact's current seq."""
    rows = store.read().execute(
        "SELECT c.contact_id, c.seq, v.seq, v.text FROM contacts c LEFT JOIN vcard_cache v"
        " ON v.owner_id = c.owner_id AND v.contact_id = c.contact_id AND v.event_name = ?"
        " AND v.fmt = ? WHERE c.owner_id = ? AND c.deleted = 0",
        [event_name, fmt, owner_id],
    )
    found = Cached({}, {})
    for contact_id, seq, cached_seq, text in rows:
        found.seqs[contact_id] = seq
        if cached_seq == seq:
            found.texts[contact_id] = text
    return found


def keep(store: Store, entries: list[CacheEntry]) -> None:
    """Store the texts in one write, each only while its contact still has that seq."""
    with store.write() as db:
        db.conn.executemany(
            "INSERT OR REPLACE INTO vcard_cache (owner_id, contact_id, seq, event_name, fmt,"
            " text) SELECT c.owner_id, c.contact_id, c.seq, ?, ?, ? FROM contacts c"
            " WHERE c.owner_id = ? AND c.contact_id = ? AND c.seq = ?",
            entries,
        )
