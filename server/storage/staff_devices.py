"""The staff_devices table: the phones that joined a booth (they belong to the booth, not to an
attendee), when each was first and last seen."""

from __future__ import annotations

from server.storage.engine import Tx


def touch(tx: Tx, booth_id: str, device_id: str, now: str) -> None:
    """Record a staff phone of a booth, or refresh its last_seen (a new id is a new phone)."""
    tx.execute(
        "INSERT INTO staff_devices (booth_id, id, created_at, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (booth_id, id) DO UPDATE SET last_seen = excluded.last_seen",
        [booth_id, device_id, now, now],
    )


def count(tx: Tx, booth_id: str) -> int:
    """How many phones have joined the booth."""
    row = tx.execute("SELECT count(*) FROM staff_devices WHERE booth_id = ?", [booth_id]).fetchone()
    return int(row[0])
