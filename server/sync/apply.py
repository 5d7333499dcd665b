"""Sync: a device's queued ops applied, and the change feed read, as plain functions over the db.

One `POST /api/sync` is applied whole or not at all (DESIGN.md section 5, "Sync"): in a write
transaction of its own, or in a savepoint of one shared with the syncs waiting beside it
(server.storage.group_commit). The work that needs no database (card token signatures, vCard
parsing, field limits, the clock rule: server.sync.ops) happens first, outside the writer lock.
Inside it the ops are applied in request order to an in-memory copy of the contact rows they touch;
each op works on its own overlay that is dropped when the op is rejected (a savepoint in
memory), so a bad op leaves nothing behind and never stops the others (the rules of each op:
server.sync.merge). The changed rows are then written once, each with a fresh change seq, with
the op log rows and the change-feed read, all in the same transaction: a crash anywhere leaves
nothing half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server import clock, contacts
from server.cards import card_photo_id
from server.context import AppContext
from server.errors import CardswapError, Unauthorized
from server.photos import Encoded
from server.storage import Store, Tx, devices
from server.storage import attendees as stored_attendees
from server.storage import contacts as stored_contacts
from server.storage import ops as stored_ops
from server.storage import photos as stored_photos
from server.storage.attendees import SharedCard, SyncOwner
from server.storage.contacts import ContactRow, ContactState
from server.storage.ops import OpLogRow
from server.storage.photos import PhotoRow
from server.sync.merge import Key, Row, apply_op
from server.sync.ops import Op, SyncRequest, prepare
from server.tokens import Tokens

PAGE_SIZE = 500
_FIELDS = ContactState._fields


# -- phase 2: applied inside the write transaction -----------------------------------------------
class Batch:
    """The contact rows and attendees one request touches, and which rows it changed.

    A row is the sync's mutable working copy of a stored ContactState: a dict with the same
    keys in the same order (its fields, or merge.new_row), so it goes back as
    `new_state(row.values())` with no per-field work."""

    def __init__(self, tx: Tx, owner: SyncOwner, device_id: str) -> None:
        self.tx = tx
        self.owner = owner
        self.device_id = device_id
        self.rows: dict[Key, Row | None] = {}
        self.attendees: dict[str, SharedCard | None] = {}
        self.changed: dict[Key, None] = {}  # insertion-ordered set
        self.stored: set[Key] = set()  # rows that exist in the database (loaded from it)
        self._work: dict[Key, Row | None] = {}

    def prefetch(self, ops: list[Op]) -> None:
        """Load in a few queries what the ops will need (one pass instead of one per op)."""
        owner_id = self.owner.id
        mine = sorted({op.contact_id for op in ops if op.contact_id and op.error is None})
        others = sorted({op.other_id for op in ops if op.other_id and op.error is None})
        self._keep(stored_contacts.load_own(self.tx, owner_id, mine))
        for cid in mine:
            self.rows.setdefault((owner_id, cid), None)
        self._keep(stored_contacts.load_held(self.tx, owner_id, others))
        for other in others:
            self.rows.setdefault((other, f"att:{owner_id}"), None)
        self.attendees.update(stored_attendees.shared_cards(self.tx, others))
        for other in others:
            self.attendees.setdefault(other, None)

    def _keep(self, states: list[ContactState]) -> None:
        for state in states:
            key = (state.owner_id, state.contact_id)
            self.rows[key] = dict(zip(_FIELDS, state, strict=True))
            self.stored.add(key)

    def get(self, key: Key) -> Row | None:
        """The op's working copy of a row (None if there is no such contact)."""
        if key in self._work:
            return self._work[key]
        if key not in self.rows:
            found = stored_contacts.load_one(self.tx, *key)
            self._keep([] if found is None else [found])
            self.rows.setdefault(key, None)
        base = self.rows[key]
        copy = None if base is None else {**base, "versions": dict(base["versions"])}
        self._work[key] = copy
        return copy

    def put(self, key: Key, row: Row) -> None:
        self._work[key] = row

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


def apply_ops(batch: Batch, ops: list[Op], received_at: str) -> Outcome:
    """Apply checked ops in request order; each op is logged, replays answered from the log."""
    owner_id = batch.owner.id
    outcome = Outcome()
    seen = stored_ops.results(batch.tx, sorted({op.op_id for op in ops if op.op_id}))
    batch.prefetch([op for op in ops if op.op_id not in seen])
    log: list[OpLogRow] = []
    for op in ops:
        if op.op_id is None:
            assert op.error is not None
            outcome.rejected.append({"id": op.raw_id, "code": op.error[0], "message": op.error[1]})
            continue
        prior = seen.get(op.op_id)
        if prior is not None:
            if prior.attendee_id != owner_id:
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
                apply_op(batch, op)
                batch.commit_op()
            except CardswapError as exc:
                batch.drop_op()
                error = (exc.code, exc.message)
        code, message = error if error else (None, None)
        result = "rejected" if error else "applied"
        seen[op.op_id] = stored_ops.new_result((owner_id, result, code, message))
        if error:
            outcome.rejected.append({"id": op.raw_id, "code": code, "message": message})
        else:
            outcome.acked.append(op.raw_id)
        log.append(stored_ops.new_log_row((op.op_id, owner_id, batch.owner.event_slug,
                   batch.device_id, op.type, op.payload, op.client_at, op.at, received_at,
                   result, code, message)))  # fmt: skip
    stored_ops.append(batch.tx, log)
    return outcome


def write_changes(batch: Batch, updated_at: str) -> None:
    """Write every changed row once, each with a fresh change seq, in the order they changed."""
    rows = []
    for key in batch.changed:
        row = batch.rows[key]
        assert row is not None
        rows.append(stored_contacts.new_state(row.values()))
    stored_contacts.write_changed(batch.tx, rows, batch.stored, updated_at)


def write_photos(batch: Batch, ops: list[Op], updated_at: str) -> None:
    """The photos of the foreign cards this request stored: each changed external contact keeps
    the photo its new card shows (or loses the one it had when the new card has none)."""
    found: dict[str, Encoded] = {op.photo[0]: op.photo[1] for op in ops if op.photo is not None}
    for key in batch.changed:
        row = batch.rows[key]
        if row is None or not isinstance(row["card"], dict):
            continue  # a card text copied from an attendee, or unchanged: not a foreign card
        photo_id = card_photo_id(row["card"])
        if photo_id is None:
            stored_photos.remove(batch.tx, *key)
        elif photo_id in found:
            image = found[photo_id]
            stored_photos.put(
                batch.tx, PhotoRow(photo_id, *key, image.small, image.large, updated_at)
            )


def _owner(tx: Tx, attendee_id: str) -> SyncOwner:
    owner = stored_attendees.sync_owner(tx, attendee_id)
    if owner is None:
        raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
    return owner


@dataclass(frozen=True)
class PreparedSync:
    """A sync request with every op checked: what the write transaction needs."""

    attendee_id: str
    request: SyncRequest
    ops: list[Op]
    now_iso: str


@dataclass(frozen=True)
class WrittenSync:
    outcome: Outcome
    rows: list[ContactRow]  # one page of the change feed
    more: bool


def prepare_sync(context: AppContext, attendee_id: str, request: SyncRequest) -> PreparedSync:
    """Phase 1, no database: each op checked and parsed (outside the write lock)."""
    now = clock.now()
    ops = [prepare(raw, context.tokens, attendee_id, now) for raw in request.ops]
    return PreparedSync(attendee_id, request, ops, clock.iso(now))


def write_sync(store: Store, prepared: PreparedSync, tx: Tx) -> WrittenSync:
    """Phase 2, inside a write transaction: ops applied, rows written, the feed page read."""
    attendee_id, device_id = prepared.attendee_id, prepared.request.device_id
    # Every feed this sync may write (mine, and the other side of each swap) is locked before
    # any row is read: on PostgreSQL no other process then changes them until this commits.
    others = {op.other_id for op in prepared.ops if op.other_id and op.error is None}
    tx.lock_owners({attendee_id, *others})
    batch = Batch(tx, _owner(tx, attendee_id), device_id)
    devices.touch(tx, attendee_id, device_id, prepared.now_iso)
    outcome = apply_ops(batch, prepared.ops, prepared.now_iso)
    write_changes(batch, prepared.now_iso)
    write_photos(batch, prepared.ops, prepared.now_iso)
    after = prepared.request.after_seq
    rows, more = stored_contacts.feed_page(tx, attendee_id, after, PAGE_SIZE)
    return WrittenSync(outcome, rows, more)


def answer(tokens: Tokens, prepared: PreparedSync, written: WrittenSync) -> dict[str, Any]:
    """The response body, once the transaction has committed."""
    rows = written.rows
    last = rows[-1].seq if rows else prepared.request.after_seq
    return {
        "acked": written.outcome.acked,
        "rejected": written.outcome.rejected,
        "cursor": tokens.cursor(prepared.attendee_id, int(last)),
        "changes": [contacts.feed_dict(row) for row in rows],
        "more": written.more,
    }


def run_sync(context: AppContext, attendee_id: str, request: SyncRequest) -> dict[str, Any]:
    """The whole `POST /api/sync` in one transaction of its own (the endpoint shares one with
    the other syncs waiting: server.storage.group_commit)."""
    prepared = prepare_sync(context, attendee_id, request)
    written = context.store.transact(lambda tx: write_sync(context.store, prepared, tx))
    return answer(context.tokens, prepared, written)
