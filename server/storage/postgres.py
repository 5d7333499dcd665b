"""The PostgreSQL engine: several app processes, on one or several machines, share one database.

psycopg 3 with a connection pool (psycopg-pool). Reads borrow a connection for one statement
(autocommit: each sees the last committed state). A write is one transaction at READ COMMITTED on
a borrowed connection; what the single SQLite writer guaranteed by running alone is kept here by
locks and keys (DESIGN.md section 9):

- every write to an owner's contacts first locks that owner's row of `feed_seqs`, all of a
  write's owners in one sorted statement, so writes of one owner's contacts run one after the
  other, and the sync's read-merge-write of a contact never interleaves with another's;
- the change seq is per owner, taken from that locked row: within one owner's feed the numbers
  rise in commit order, so a reader at cursor N never later meets a change numbered below N (a
  global sequence breaks this when the holder of 7 commits after the holder of 8 is visible);
- uniqueness comes from keys (op ids, event slugs, nonces, an email per event), not from a read
  before the write: a concurrent duplicate fails on the key, and `transact` runs the whole write
  again, which then sees the other one's row (a replayed op answers as a replay);
- a deadlock (two writes locking owners in different statements) or a serialization failure is
  answered the same way: PostgreSQL aborts one, and `transact` runs it again.

Pool budget: each process opens at most `CARDSWAP_PG_POOL` connections (default 8): the sync
writer uses that many threads, other requests wait for a free connection. Keep processes x pool
below the server's `max_connections` (100 by default) with room for psql and pg_dump.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar, cast

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from server.errors import Busy
from server.storage.engine import Args, Tx, Writer
from server.storage.pg_migrations import apply_migrations

T = TypeVar("T")
log = logging.getLogger("cardswap.db")
DEFAULT_POOL_SIZE = 8
MAX_ATTEMPTS = 12  # a write that conflicts this often in a row answers 503 (nothing stored)
RETRYABLE = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.UniqueViolation,
    pg_errors.LockNotAvailable,
)
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def _translate(sql: str, named: bool) -> str:
    """The query modules' SQL (`?` or `:name` placeholders) in psycopg's `%s` / `%(name)s`.

    A plain text rewrite: the query modules never put `?` or `:name` inside a string literal
    (server/storage/engine.py says so); a `%` anywhere is kept as one."""
    sql = sql.replace("%", "%%")
    if named:
        return _NAMED.sub(r"%(\1)s", sql)
    return sql.replace("?", "%s")


def _sql(sql: str, args: Args) -> str:
    return _translate(sql, isinstance(args, dict))


class PgResult:
    """A statement's rows, fetched whole (the connection goes back to the pool at once)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        row = self._rows[self._next]
        self._next += 1
        return row

    def fetchall(self) -> list[Any]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


def _run(conn: psycopg.Connection[Any], sql: str, args: Args) -> PgResult:
    # `args` as given, even empty: psycopg then always formats, so the doubled `%` is one again.
    cursor = conn.execute(_sql(sql, args), args)
    rows = cursor.fetchall() if cursor.description is not None else []
    return PgResult(rows, cursor.rowcount)


@contextmanager
def _connection(pool: ConnectionPool[Any]) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection; 503 (nothing done) when none frees up within the pool's timeout."""
    try:
        conn_context = pool.connection()
        conn = conn_context.__enter__()
    except PoolTimeout as exc:
        raise Busy("The server is busy: no database connection is free. Try again.") from exc
    try:
        yield conn
    except BaseException as exc:
        if not conn_context.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        conn_context.__exit__(None, None, None)


class PgReader:
    """Reads outside any write: each statement on a pooled connection of its own."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def execute(self, sql: str, args: Args = ()) -> PgResult:
        with _connection(self.pool) as conn:
            return _run(conn, sql, args)


class PgTx:
    """One write transaction on a pooled connection (server.storage.engine.Tx)."""

    engine = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._locked: set[str] = set()
        self._savepoints = 0

    def execute(self, sql: str, args: Args = ()) -> PgResult:
        return _run(self.conn, sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(_translate(sql, False), rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """COPY: one round trip and no statement per row (executemany sends one per row, and
        its Python cost per row was most of a sync's app time on this engine)."""
        if rows:
            with self.conn.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    def lock_owners(self, owner_ids: Iterable[str]) -> None:
        """Lock the owners' feed rows not yet locked by this write, in id order, in one
        statement (every write takes its locks in that order: no two writes wait on each other
        in a circle, except when one write locks twice, which PostgreSQL breaks and `transact`
        runs again)."""
        wanted = sorted(set(owner_ids) - self._locked)
        if wanted:
            self.conn.execute(
                "SELECT owner_id FROM feed_seqs WHERE owner_id = ANY(%s)"
                " ORDER BY owner_id FOR UPDATE",
                [wanted],
            ).fetchall()
            self._locked.update(wanted)

    def next_seqs(self, owner_ids: Sequence[str]) -> list[int]:
        """Per-owner change seqs from the owners' locked feed rows, in list order."""
        if not owner_ids:
            return []
        counts = Counter(owner_ids)
        self.lock_owners(counts)
        owners = sorted(counts)
        rows = self.conn.execute(
            "UPDATE feed_seqs f SET value = f.value + v.n"
            " FROM unnest(%s::text[], %s::bigint[]) AS v(owner_id, n)"
            " WHERE f.owner_id = v.owner_id RETURNING f.owner_id, f.value",
            [owners, [counts[o] for o in owners]],
        ).fetchall()
        following = {owner: int(value) - counts[owner] + 1 for owner, value in rows}
        if len(following) != len(owners):
            missing = sorted(set(owners) - set(following))
            raise LookupError(f"no change feed for owners {missing}")
        out = []
        for owner in owner_ids:
            out.append(following[owner])
            following[owner] += 1
        return out

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"job{self._savepoints}"
        locked = set(self._locked)
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self._locked = locked  # PostgreSQL released the row locks taken since the savepoint
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {name}")


class PgWriter:
    """The sync's writes on PostgreSQL: each in a transaction of its own on a pool thread.

    No group commit here: concurrent commits share their WAL flush inside PostgreSQL, and one
    transaction per request keeps a conflict's retry to that request alone."""

    def __init__(self, store: PgStore, threads: int) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="cardswap-pg-write")

    def submit(self, run: Callable[[Tx], T], weight: int = 1) -> Future[T]:
        return self._executor.submit(self.store.transact, run)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def pool_size() -> int:
    """CARDSWAP_PG_POOL: the most connections one process opens (default 8)."""
    raw = os.environ.get("CARDSWAP_PG_POOL", "")
    return max(2, int(raw)) if raw.strip().isdigit() else DEFAULT_POOL_SIZE


class PgStore:
    """One PostgreSQL database (a URL), through a pool of at most `pool_size()` connections."""

    engine = "postgresql"

    def __init__(self, url: str, size: int | None = None) -> None:
        self.url = url
        self.name = url
        self.size = size or pool_size()
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=self.size,
            kwargs={"autocommit": True},
            # A connection the server dropped (a restart, a failover) is replaced on checkout
            # instead of failing a user's request: one round trip per checkout.
            check=ConnectionPool.check_connection,
            open=True,
            timeout=30,
            name="cardswap",
        )
        self._writer: PgWriter | None = None
        self._writer_lock = threading.Lock()

    def migrate(self) -> None:
        """Apply every pending migration, once even when several processes start together."""
        with self.pool.connection() as conn:
            apply_migrations(conn)

    def read(self) -> PgReader:
        return PgReader(self.pool)

    @contextmanager
    def write(self) -> Iterator[PgTx]:
        """One transaction: all of it commits, or none of it does."""
        with _connection(self.pool) as conn:
            with conn.transaction():
                yield PgTx(conn)

    def transact(self, run: Callable[[Tx], T]) -> T:
        """`run(tx)` in one transaction, run again from the start when PostgreSQL aborts it for
        a conflict with a concurrent write (at most MAX_ATTEMPTS times, then 503)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.write() as tx:
                    return run(tx)
            except RETRYABLE as exc:
                if attempt == MAX_ATTEMPTS:
                    log.warning("write gave up after %d conflicts: %s", attempt, exc)
                    raise Busy(
                        "The server is busy with other writes; nothing was saved. Try again."
                    ) from exc
                time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
        raise AssertionError("unreachable")

    def writer(self) -> Writer:
        with self._writer_lock:
            if self._writer is None:
                self._writer = PgWriter(self, self.size)
            return cast(Writer, self._writer)

    def close(self) -> None:
        with self._writer_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        self.pool.close()
