"""The devices table: each install of an attendee, when it was first and last seen."""

from __future__ import annotations

from server.storage.engine import Tx


def touch(tx: Tx, attendee_id: str, device_id: str, now: str) -> None:
    """Record a device of an attendee, or refresh its last_seen (a new id is a new install)."""
    tx.execute(
        "INSERT INTO devices (attendee_id, id, created_at, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(attendee_id, id) DO UPDATE SET last_seen = excluded.last_seen",
        [attendee_id, device_id, now, now],
    )
