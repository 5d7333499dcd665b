"""`cardswap db copy SOURCE TARGET`: every row from one database into an empty one, any engines.

For the user who outgrows one machine (SQLite -> PostgreSQL) or goes back. The rows travel as
they are, change seqs included, so every phone's sync cursor and every CardDAV sync token stays
valid on the target. The target is filled in one transaction that is committed only when its
row counts and content digest equal the source's; the vCard cache is not copied (it is rebuilt
by the next export). Run it with the servers stopped: the source is read table by table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from server.errors import CardswapError
from server.storage.engine import Reader, Store, Tx, is_postgres_url, open_store

# Each copied table: its columns, and the key that orders the digest (parents before children).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "events": (
        (
            "slug",
            "name",
            "starts_on",
            "ends_on",
            "join_code",
            "created_at",
            "language",
            "time_zone",
        ),
        ("slug",),
    ),
    "attendees": (
        (
            "id",
            "event_slug",
            "card",
            "card_version",
            "email",
            "share_back",
            "created_at",
            "deleted_at",
            "language",
        ),
        ("id",),
    ),  # fmt: skip
    "devices": (
        ("attendee_id", "id", "created_at", "last_seen", "revoked"),
        ("attendee_id", "id"),
    ),
    "ops": (
        (
            "id",
            "attendee_id",
            "event_slug",
            "device_id",
            "type",
            "payload",
            "client_at",
            "at",
            "received_at",
            "result",
            "code",
            "message",
        ),
        ("id",),
    ),  # fmt: skip
    "contacts": (
        (
            "owner_id",
            "contact_id",
            "card",
            "verified",
            "linked_attendee_id",
            "met_at",
            "methods",
            "notes",
            "tags",
            "follow_up",
            "follow_up_on",
            "starred",
            "deleted",
            "vcard",
            "versions",
            "seq",
            "updated_at",
        ),
        ("owner_id", "contact_id"),
    ),  # fmt: skip
    "used_nonces": (("nonce", "used_at"), ("nonce",)),
    # CardDAV sign-ins: phones keep their address book account across the move.
    "app_password_users": (("attendee_id", "username", "created_at"), ("attendee_id",)),
    "app_passwords": (
        ("id", "attendee_id", "label", "hash", "created_at", "last_used_at"),
        ("id",),
    ),
    # Card photos: their bytes travel as they are (BLOB on SQLite, bytea on PostgreSQL).
    "photos": (("id", "owner_id", "card_of", "small", "large", "created_at"), ("id",)),
}
BATCH = 1000


class CopyFailed(CardswapError):
    """The target is not empty, or the copy does not read back the same: nothing was kept."""


@dataclass(frozen=True)
class CopyResult:
    counts: dict[str, int]  # rows per table
    digest: str  # sha256 of every copied row, table by table in key order


def _rows(source: Reader, table: str) -> Iterable[tuple[Any, ...]]:
    columns, key = TABLES[table]
    return source.execute(
        f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(key)}"
    ).fetchall()


def digest(source: Reader) -> CopyResult:
    """Row counts and one sha256 over every row of the copied tables (engine-neutral: values
    are written as JSON, and both engines give the same ints and texts for the same data)."""
    hasher = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in TABLES:
        hasher.update(f"\x00{table}\x00".encode())
        count = 0
        for row in _rows(source, table):
            hasher.update(orjson.dumps([_hashable(value) for value in row]))
            hasher.update(b"\n")
            count += 1
        counts[table] = count
    return CopyResult(counts, hasher.hexdigest())


def _hashable(value: Any) -> Any:
    """A column value as JSON can hold it: bytes (a photo) by their own sha256."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value


def _require_empty(tx: Tx) -> None:
    for table in TABLES:
        if tx.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise CopyFailed(
                f"The target already holds data (table {table}); copy into an empty one."
            )


def _restore_feed_counters(tx: Tx) -> None:
    """New change seqs on the target continue above the copied ones, per engine."""
    if tx.engine == "sqlite":
        tx.execute(
            "UPDATE counters SET value = (SELECT coalesce(max(seq), 0) FROM contacts)"
            " WHERE name = 'change_seq'"
        )
    else:  # per-owner counters, one row per attendee (made by the attendee insert trigger)
        tx.execute(
            "UPDATE feed_seqs SET value = m.top FROM (SELECT owner_id, max(seq) AS top"
            " FROM contacts GROUP BY owner_id) AS m WHERE feed_seqs.owner_id = m.owner_id"
        )


def _fill(tx: Tx, source: Reader) -> None:
    for table, (columns, _) in TABLES.items():
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        batch: list[tuple[Any, ...]] = []
        for row in _rows(source, table):
            batch.append(tuple(row))
            if len(batch) == BATCH:
                tx.executemany(sql, batch)
                batch = []
        tx.executemany(sql, batch)


def copy_between(source: Store, target: Store) -> CopyResult:
    """Copy every row of `source` into the empty `target`, kept only when it reads back equal."""
    expected = digest(source.read())
    with target.write() as tx:
        _require_empty(tx)
        _fill(tx, source.read())
        _restore_feed_counters(tx)
        got = digest(tx)
        if got != expected:
            raise CopyFailed(
                f"The copy does not read back the same ({got.counts} rows, digest {got.digest};"
                f" source {expected.counts}, {expected.digest}); nothing was kept."
            )
    return got


def copy_database(source_db: str, target_db: str) -> CopyResult:
    """`cardswap db copy`: both databases migrated to the current schema, then copy_between."""
    if source_db == target_db:
        raise CopyFailed("The source and the target are the same database.")
    if not is_postgres_url(source_db) and not Path(source_db).is_file():
        raise CopyFailed(f"There is no database at {source_db}.")
    source, target = open_store(source_db), open_store(target_db)
    try:
        source.migrate()
        target.migrate()
        return copy_between(source, target)
    finally:
        source.close()
        target.close()
