"""A staff phone's sync: its lead ops applied, and the booth's change feed read, in one write.

The same shape as an attendee's sync (server.sync.apply), through the same `POST /api/sync`:
ops checked first without the database (server.booths.ops), then in one write transaction (or a
savepoint of the group commit's) the booth's feed is locked, the ops applied in request order to
working copies of the leads they touch (each op on its own overlay, dropped when it is refused),
every changed lead written once with a fresh seq of the booth's feed, the op log appended and the
feed page read. A replayed op id is answered from the log and changes nothing, whichever of the
booth's phones (or processes) sent it first: the log's primary key decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from server import clock
from server.booths.booths import questions_of
from server.booths.merge import apply_lead_op
from server.booths.ops import LeadOp, lead_id, prepare
from server.context import AppContext
from server.errors import CardswapError, Unauthorized
from server.storage import Tx, lead_ops, staff_devices
from server.storage import booths as stored_booths
from server.storage import leads as stored_leads
from server.storage.booths import BoothRow
from server.storage.lead_ops import LeadOpRow
from server.storage.leads import CaptureCard, LeadRow, LeadState, feed_owner
from server.sync.merge import Row
from server.sync.ops import SyncRequest
from server.tokens import Tokens

PAGE_SIZE = 500


class LeadBatch:
    """The leads and attendees one staff sync touches, and which leads it changed."""

    def __init__(self, tx: Tx, booth: BoothRow, device_id: str, now: str) -> None:
        self.tx = tx
        self.booth = booth
        self.questions = questions_of(booth)
        self.device_id = device_id
        self.now = now
        self.rows: dict[str, Row | None] = {}  # by attendee id
        self.attendees: dict[str, CaptureCard | None] = {}
        self.changed: dict[str, None] = {}  # insertion-ordered set
        self.stored: set[tuple[str, str]] = set()
        self._work: dict[str, Row | None] = {}

    def prefetch(self, ops: list[LeadOp]) -> None:
        """Load what the ops need in a few queries: their leads, the captured attendees."""
        wanted = sorted({op.attendee_id for op in ops if op.attendee_id and op.error is None})
        for state in stored_leads.load(self.tx, self.booth.id, wanted):
            self.rows[state.attendee_id] = state._asdict()
            self.stored.add((state.booth_id, state.attendee_id))
        for attendee_id in wanted:
            self.rows.setdefault(attendee_id, None)
        captured = sorted(
            {op.attendee_id for op in ops if op.type == "lead.capture" and op.error is None}
        )
        self.attendees.update(stored_leads.capture_cards(self.tx, captured))

    def get(self, attendee_id: str) -> Row | None:
        """The op's working copy of a lead (None if the booth has no such lead)."""
        if attendee_id in self._work:
            return self._work[attendee_id]
        base = self.rows.get(attendee_id)
        copy = None
        if base is not None:
            copy = {**base, "answers": dict(base["answers"]), "versions": dict(base["versions"])}
        self._work[attendee_id] = copy
        return copy

    def put(self, attendee_id: str, row: Row) -> None:
        self._work[attendee_id] = row

    def commit_op(self) -> None:
        for key, row in self._work.items():
            if row is not None and row != self.rows.get(key):
                self.rows[key] = row
                self.changed[key] = None
        self._work = {}

    def drop_op(self) -> None:
        self._work = {}


@dataclass
class Outcome:
    acked: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def apply_ops(batch: LeadBatch, ops: list[LeadOp]) -> Outcome:
    """Apply checked ops in request order; each op is logged, replays answered from the log."""
    booth_id = batch.booth.id
    outcome = Outcome()
    seen = lead_ops.results(batch.tx, sorted({op.op_id for op in ops if op.op_id}))
    batch.prefetch([op for op in ops if op.op_id not in seen])
    log: list[LeadOpRow] = []
    for op in ops:
        if op.op_id is None:
            assert op.error is not None
            outcome.rejected.append({"id": op.raw_id, "code": op.error[0], "message": op.error[1]})
            continue
        prior = seen.get(op.op_id)
        if prior is not None:
            if prior.booth_id != booth_id:
                taken = "This op id was already used by someone else."
                outcome.rejected.append(
                    {"id": op.raw_id, "code": "duplicate_op_id", "message": taken}
                )
            elif prior.result == "applied":
                outcome.acked.append(op.raw_id)
            else:
                outcome.rejected.append(
                    {"id": op.raw_id, "code": prior.code, "message": prior.message}
                )
            continue
        error = op.error
        if error is None:
            try:
                apply_lead_op(batch, op)
                batch.commit_op()
            except CardswapError as exc:
                batch.drop_op()
                error = (exc.code, exc.message)
        code, message = error if error else (None, None)
        result = "rejected" if error else "applied"
        seen[op.op_id] = lead_ops.LeadOpResult(booth_id, result, code, message)
        if error:
            outcome.rejected.append({"id": op.raw_id, "code": code, "message": message})
        else:
            outcome.acked.append(op.raw_id)
        log.append(LeadOpRow(op.op_id, booth_id, batch.device_id, op.type, op.payload,
                             op.client_at, op.at, batch.now, result, code, message))  # fmt: skip
    lead_ops.append(batch.tx, log)
    return outcome


@dataclass(frozen=True)
class PreparedStaffSync:
    booth_id: str
    request: SyncRequest
    ops: list[LeadOp]
    now_iso: str


@dataclass(frozen=True)
class WrittenStaffSync:
    outcome: Outcome
    rows: list[LeadRow]  # one page of the booth's feed
    more: bool


def prepare_staff_sync(tokens: Tokens, booth_id: str, request: SyncRequest) -> PreparedStaffSync:
    """Phase 1, no database: each op checked (outside the write lock)."""
    now = clock.now()
    ops = [prepare(raw, tokens, now) for raw in request.ops]
    return PreparedStaffSync(booth_id, request, ops, clock.iso(now))


def write_staff_sync(prepared: PreparedStaffSync, tx: Tx) -> WrittenStaffSync:
    """Phase 2, inside a write transaction: ops applied, leads written, the feed page read."""
    booth_id, device_id = prepared.booth_id, prepared.request.device_id
    tx.lock_owners([feed_owner(booth_id)])  # before any lead is read: one writer of the booth
    booth = stored_booths.get(tx, booth_id)
    if booth is None:
        raise Unauthorized("This booth no longer exists.", code="booth_deleted")
    staff_devices.touch(tx, booth_id, device_id, prepared.now_iso)
    batch = LeadBatch(tx, booth, device_id, prepared.now_iso)
    outcome = apply_ops(batch, prepared.ops)
    changed = [LeadState(**batch.rows[key]) for key in batch.changed]  # type: ignore[arg-type]
    stored_leads.write_changed(tx, changed, batch.stored, prepared.now_iso)
    rows, more = stored_leads.feed_page(tx, booth_id, prepared.request.after_seq, PAGE_SIZE)
    return WrittenStaffSync(outcome, rows, more)


def lead_dict(row: LeadRow) -> dict[str, Any]:
    """The contract's lead: `{"id","card","answers","notes","captured_at","deleted",
    "updated_at"}`; the stored JSON goes out as it is (orjson fragments)."""
    return {
        "id": lead_id(row.attendee_id),
        "card": orjson.Fragment(row.card),
        "answers": orjson.Fragment(row.answers),
        "notes": row.notes,
        "captured_at": row.captured_at,
        "deleted": bool(row.deleted),
        "updated_at": row.updated_at,
    }


def answer(
    tokens: Tokens, prepared: PreparedStaffSync, written: WrittenStaffSync
) -> dict[str, Any]:
    """The response body, once the transaction has committed: the contract's sync fields, the
    changes being the booth's leads (a phone reads its booth's questions at `GET /api/booth`)."""
    rows = written.rows
    last = rows[-1].seq if rows else prepared.request.after_seq
    return {
        "acked": written.outcome.acked,
        "rejected": written.outcome.rejected,
        "cursor": tokens.cursor(feed_owner(prepared.booth_id), int(last)),
        "changes": [lead_dict(row) for row in rows],
        "more": written.more,
    }


def run_staff_sync(ctx: AppContext, booth_id: str, request: SyncRequest) -> dict[str, Any]:
    """A whole staff sync in one transaction of its own (the endpoint joins the group commit)."""
    prepared = prepare_staff_sync(ctx.tokens, booth_id, request)
    written = ctx.store.transact(lambda tx: write_staff_sync(prepared, tx))
    return answer(ctx.tokens, prepared, written)
