"""Sync: a device's queued ops applied, and the change feed read, as plain functions over the db.

One `POST /api/sync` is applied whole or not at all (DESIGN.md section 5, "Sync"): in a write
transaction of its own, or in a savepoint of one shared with the syncs waiting beside it
(server.group_commit). The work that needs no database (card token signatures, vCard parsing,
field limits, the clock rule: server.sync.ops) happens first, outside the writer lock. Inside
it the ops are applied in request order to an in-memory copy of the contact rows they touch;
each op works on its own overlay that is dropped when the op is rejected (a savepoint in
memory), so a bad op leaves nothing behind and never stops the others (the rules of each op:
server.sync.merge). The changed rows are then written once, each with a fresh change seq, with
the op log rows and the change-feed read, all in the same transaction: a crash anywhere leaves
nothing half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlite_utils import Database

from server import clock, contacts
from server.context import AppContext
from server.db import Store
from server.errors import CardswapError, Unauthorized
from server.jsontext import dumps_text
from server.sync.merge import Key, Row, apply_op
from server.sync.ops import Op, SyncRequest, prepare
from server.tokens import Tokens

PAGE_SIZE = 500


# -- phase 2: applied inside the write transaction -----------------------------------------------
_COLUMNS = ("owner_id", "contact_id", "card", "verified", "linked_attendee_id", "met_at",
            "methods", "notes", "tags", "follow_up", "follow_up_on", "starred", "deleted",
            "vcard", "versions")  # fmt: skip
# `card` stays the stored JSON text: a swap copies an attendee's card into a contact row as is,
# and nothing here reads its fields, so it is never parsed and written again (an external card,
# parsed from its vCard, is the one card that arrives as an object).
_JSON_COLUMNS = ("methods", "tags", "versions")
_BOOL_COLUMNS = ("verified", "starred", "deleted")


def _decode(values: tuple[Any, ...]) -> Row:
    row = dict(zip(_COLUMNS, values, strict=True))
    for name in _JSON_COLUMNS:
        row[name] = orjson.loads(row[name])
    for name in _BOOL_COLUMNS:
        row[name] = bool(row[name])
    row["versions"] = {
        k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
        for k, v in row["versions"].items()
    }
    return row


def _memo_text(memo: dict[Any, str], key: Any, value: Any) -> str:
    text = memo.get(key)
    if text is None:
        text = memo[key] = dumps_text(value)
    return text


def _encode(row: Row, memo: dict[Any, str]) -> list[Any]:
    """The row's values in _COLUMNS order; `memo` reuses the text of a card object or list seen
    before in this write (most rows have the same few methods and tags lists). Spelled out
    column by column: it runs for every changed row."""
    card, methods, tags = row["card"], row["methods"], row["tags"]
    card_text = card if isinstance(card, str) else _memo_text(memo, id(card), card)
    return [row["owner_id"], row["contact_id"], card_text,
            int(row["verified"]), row["linked_attendee_id"], row["met_at"],
            _memo_text(memo, tuple(methods), methods), row["notes"],
            _memo_text(memo, tuple(tags), tags), row["follow_up"], row["follow_up_on"],
            int(row["starred"]), int(row["deleted"]), row["vcard"],
            dumps_text(row["versions"])]  # fmt: skip


def _chunks(items: list[Any], size: int = 400) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Batch:
    """The contact rows and attendees one request touches, and which rows it changed."""

    def __init__(self, db: Database, owner: Row, device_id: str) -> None:
        self.db = db
        self.owner = owner
        self.device_id = device_id
        self.rows: dict[Key, Row | None] = {}
        self.attendees: dict[str, Row | None] = {}
        self.changed: dict[Key, None] = {}  # insertion-ordered set
        self.stored: set[Key] = set()  # rows that exist in the database (loaded from it)
        self._work: dict[Key, Row | None] = {}

    def prefetch(self, ops: list[Op]) -> None:
        """Load in a few queries what the ops will need (one pass instead of one per op)."""
        owner_id = self.owner["id"]
        mine = sorted({op.contact_id for op in ops if op.contact_id and op.error is None})
        others = sorted({op.other_id for op in ops if op.other_id and op.error is None})
        for part in _chunks(mine):
            marks = ",".join("?" * len(part))
            self._load(f"owner_id = ? AND contact_id IN ({marks})", [owner_id, *part])
            for cid in part:
                self.rows.setdefault((owner_id, cid), None)
        for part in _chunks(others):
            marks = ",".join("?" * len(part))
            self._load(f"contact_id = ? AND owner_id IN ({marks})", [f"att:{owner_id}", *part])
            for other in part:
                self.rows.setdefault((other, f"att:{owner_id}"), None)
            cursor = self.db.execute(
                f"SELECT id, card, deleted_at, share_back FROM attendees WHERE id IN ({marks})",
                part,
            )
            for aid, card, deleted_at, share_back in cursor.fetchall():
                alive = card is not None and deleted_at is None
                self.attendees[aid] = (
                    {"id": aid, "card": card, "share_back": bool(share_back)} if alive else None
                )
            for other in part:
                self.attendees.setdefault(other, None)

    def _load(self, where: str, args: list[Any]) -> None:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM contacts WHERE {where}"
        for values in self.db.execute(sql, args).fetchall():
            row = _decode(values)
            key = (row["owner_id"], row["contact_id"])
            self.rows[key] = row
            self.stored.add(key)

    def get(self, key: Key) -> Row | None:
        """The op's working copy of a row (None if there is no such contact)."""
        if key in self._work:
            return self._work[key]
        if key not in self.rows:
            self._load("owner_id = ? AND contact_id = ?", list(key))
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
    owner_id = batch.owner["id"]
    outcome = Outcome()
    ids = sorted({op.op_id for op in ops if op.op_id})
    seen: dict[str, tuple[str, str, str | None, str | None]] = {}
    for part in _chunks(ids):
        marks = ",".join("?" * len(part))
        sql = f"SELECT id, attendee_id, result, code, message FROM ops WHERE id IN ({marks})"
        for op_id, attendee_id, result, code, message in batch.db.execute(sql, part):
            seen[op_id] = (attendee_id, result, code, message)
    batch.prefetch([op for op in ops if op.op_id not in seen])
    log: list[list[Any]] = []
    for op in ops:
        if op.op_id is None:
            assert op.error is not None
            outcome.rejected.append({"id": op.raw_id, "code": op.error[0], "message": op.error[1]})
            continue
        prior = seen.get(op.op_id)
        if prior is not None:
            if prior[0] != owner_id:
                message = "This op id was already used by someone else."
                outcome.rejected.append(
                    {"id": op.raw_id, "code": "duplicate_op_id", "message": message}
                )
            elif prior[1] == "applied":
                outcome.acked.append(op.raw_id)
            else:
                outcome.rejected.append({"id": op.raw_id, "code": prior[2], "message": prior[3]})
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
        seen[op.op_id] = (owner_id, result, code, message)
        if error:
            outcome.rejected.append({"id": op.raw_id, "code": code, "message": message})
        else:
            outcome.acked.append(op.raw_id)
        event_slug = batch.owner["event_slug"]
        log.append([op.op_id, owner_id, event_slug, batch.device_id, op.type, op.payload,
                    op.client_at, op.at, received_at, result, code, message])  # fmt: skip
    batch.db.conn.executemany(
        "INSERT INTO ops (id, attendee_id, event_slug, device_id, type, payload, client_at, at,"
        " received_at, result, code, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        log,
    )
    return outcome


def write_changes(batch: Batch, store: Store, updated_at: str) -> None:
    """Write every changed row once, each with a fresh change seq.

    The batch knows which rows it loaded from the database (it holds the write lock), so new
    rows are plain INSERTs and the others UPDATEs: an upsert cost ~20% more per row."""
    keys = list(batch.changed)
    if not keys:
        return
    first = store.next_seq(batch.db, len(keys))
    inserts, updates = [], []
    memo: dict[Any, str] = {}  # card texts by object id: valid while the batch holds the rows
    for offset, key in enumerate(keys):
        row = batch.rows[key]
        assert row is not None
        values = [*_encode(row, memo), first + offset, updated_at]
        if key in batch.stored:
            updates.append([*values[2:], key[0], key[1]])
        else:
            inserts.append(values)
    if inserts:
        batch.db.conn.executemany(_INSERT_CONTACT, inserts)
    if updates:
        batch.db.conn.executemany(_UPDATE_CONTACT, updates)


_INSERT_CONTACT = (
    f"INSERT INTO contacts ({', '.join((*_COLUMNS, 'seq', 'updated_at'))})"
    f" VALUES ({','.join('?' * (len(_COLUMNS) + 2))})"
)
_UPDATE_CONTACT = (
    f"UPDATE contacts SET {', '.join(f'{c} = ?' for c in (*_COLUMNS[2:], 'seq', 'updated_at'))}"
    " WHERE owner_id = ? AND contact_id = ?"
)


def _owner(db: Database, attendee_id: str) -> Row:
    found = db.execute(
        "SELECT event_slug, card FROM attendees WHERE id = ? AND deleted_at IS NULL",
        [attendee_id],
    ).fetchone()
    if found is None or found[1] is None:
        raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
    return {"id": attendee_id, "event_slug": found[0], "card": found[1]}


def _touch_device(db: Database, attendee_id: str, device_id: str, now: str) -> None:
    """A device id not seen before is a new install of this attendee (never refused)."""
    db.execute(
        "INSERT INTO devices (attendee_id, id, created_at, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(attendee_id, id) DO UPDATE SET last_seen = excluded.last_seen",
        [attendee_id, device_id, now, now],
    )


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
    rows: list[Any]  # one page of the change feed (contacts.feed_page rows)
    more: bool


def prepare_sync(context: AppContext, attendee_id: str, request: SyncRequest) -> PreparedSync:
    """Phase 1, no database: each op checked and parsed (outside the write lock)."""
    now = clock.now()
    ops = [prepare(raw, context.tokens, attendee_id, now) for raw in request.ops]
    return PreparedSync(attendee_id, request, ops, clock.iso(now))


def write_sync(store: Store, prepared: PreparedSync, db: Database) -> WrittenSync:
    """Phase 2, inside a write transaction: ops applied, rows written, the feed page read."""
    attendee_id, device_id = prepared.attendee_id, prepared.request.device_id
    batch = Batch(db, _owner(db, attendee_id), device_id)
    _touch_device(db, attendee_id, device_id, prepared.now_iso)
    outcome = apply_ops(batch, prepared.ops, prepared.now_iso)
    write_changes(batch, store, prepared.now_iso)
    rows, more = contacts.feed_page(db, attendee_id, prepared.request.after_seq, PAGE_SIZE)
    return WrittenSync(outcome, rows, more)


def answer(tokens: Tokens, prepared: PreparedSync, written: WrittenSync) -> dict[str, Any]:
    """The response body, once the transaction has committed."""
    rows = written.rows
    last = rows[-1][12] if rows else prepared.request.after_seq
    return {
        "acked": written.outcome.acked,
        "rejected": written.outcome.rejected,
        "cursor": tokens.cursor(prepared.attendee_id, int(last)),
        "changes": [contacts.feed_dict(row) for row in rows],
        "more": written.more,
    }


def run_sync(context: AppContext, attendee_id: str, request: SyncRequest) -> dict[str, Any]:
    """The whole `POST /api/sync` in one transaction of its own (the endpoint shares one with
    the other syncs waiting: server.group_commit)."""
    prepared = prepare_sync(context, attendee_id, request)
    with context.store.write() as db:
        written = write_sync(context.store, prepared, db)
    return answer(context.tokens, prepared, written)
