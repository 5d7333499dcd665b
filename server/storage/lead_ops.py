"""The staff's op log: every op a booth's phones sent, with its result; the ids make a replay
idempotent (the primary key: two phones, or two processes, sending one op apply it once).

Kept apart from the attendees' `ops` so that the organizer's attendee counts and an attendee's
deletion never meet a booth's ops.
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Tx, chunks


class LeadOpResult(NamedTuple):
    """What the log says of an op id seen before: whose it was and how it was answered."""

    booth_id: str
    result: str  # 'applied' or 'rejected'
    code: str | None
    message: str | None


class LeadOpRow(NamedTuple):
    """One row of the log (the columns of `lead_ops`, in their order)."""

    id: str
    booth_id: str
    device_id: str
    type: str
    payload: str  # the op as JSON text
    client_at: str | None
    at: str | None
    received_at: str
    result: str
    code: str | None
    message: str | None


def results(tx: Tx, ids: list[str]) -> dict[str, LeadOpResult]:
    """The logged result of each of `ids` already in the log."""
    seen: dict[str, LeadOpResult] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        sql = f"SELECT id, booth_id, result, code, message FROM lead_ops WHERE id IN ({marks})"
        for op_id, booth_id, result, code, message in tx.execute(sql, part):
            seen[op_id] = LeadOpResult(booth_id, result, code, message)
    return seen


def append(tx: Tx, rows: list[LeadOpRow]) -> None:
    tx.insert_rows("lead_ops", LeadOpRow._fields, rows)
