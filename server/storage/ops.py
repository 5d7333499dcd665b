"""The op log: every op a device sent, with its result; the ids make a replay idempotent.

Append-only, except that deleting an attendee empties the payloads of their ops (attendees.py).
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Tx, chunks, maker


class OpResult(NamedTuple):
    """What the log says of an op id seen before: whose it was and how it was answered."""

    attendee_id: str
    result: str  # 'applied' or 'rejected'
    code: str | None
    message: str | None


class OpLogRow(NamedTuple):
    """One row of the log (the columns of `ops`, in their order)."""

    id: str
    attendee_id: str
    event_slug: str
    device_id: str
    type: str
    payload: str  # the op as JSON text
    client_at: str | None
    at: str | None
    received_at: str
    result: str
    code: str | None
    message: str | None


# Both made once per op of a sync, so with no Python call each.
new_result = maker(OpResult)
new_log_row = maker(OpLogRow)


def results(tx: Tx, ids: list[str]) -> dict[str, OpResult]:
    """The logged result of each of `ids` already in the log."""
    seen: dict[str, OpResult] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        sql = f"SELECT id, attendee_id, result, code, message FROM ops WHERE id IN ({marks})"
        for op_id, attendee_id, result, code, message in tx.execute(sql, part):
            seen[op_id] = new_result((attendee_id, result, code, message))
    return seen


def append(tx: Tx, rows: list[OpLogRow]) -> None:
    tx.insert_rows("ops", OpLogRow._fields, rows)
