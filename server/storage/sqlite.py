"""The SQLite engine (the embedded default): connections, the one writer, the change seq, the
checkpointer.

Every query lives in a module of this package named for its table (attendees.py, contacts.py,
...); they reach the file through a SqliteStore: `store.read()` for a thread's own connection,
`store.write()` for the single writer's transaction (BEGIN IMMEDIATE ... COMMIT, rolled back
whole on any error). One writer makes every write serial, so the change seq is one counter, row
locks are not needed and no write ever conflicts with another (`transact` runs once).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlite_utils import Database

from server.storage.engine import Args, Tx, Writer
from server.storage.migrations import migrations

if TYPE_CHECKING:
    from server.storage.group_commit import GroupCommit

log = logging.getLogger("cardswap.db")
T = TypeVar("T")
# SQLite's own auto-checkpoint runs inside the COMMIT that crosses 1000 WAL pages and fsyncs the
# database there: every ~10th sync request paid 8-30 ms (scripts/bench/README.md). A thread of
# the Store checkpoints instead, off the request path, at most this often.
CHECKPOINT_INTERVAL = 0.25


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a COMMIT returns only once the WAL is on disk. The sync answers "acked" after its
    # COMMIT and the phone then forgets those ops, so with NORMAL a power cut (a venue's mini PC
    # unplugged) could lose swaps every phone believes are stored. Group commit
    # (server.storage.group_commit) pays that fsync once for all the syncs waiting together.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # the Store's checkpointer thread does it
    return conn


class SqliteTx:
    """The single writer's open transaction (server.storage.engine.Tx)."""

    engine = "sqlite"
    for_update = ""  # the one writer holds the whole database

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn

    def execute(self, sql: str, args: Args = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            marks = ",".join("?" * len(columns))
            self.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def lock_owners(self, owner_ids: Iterable[str]) -> None:
        """Nothing to do: no other write runs while this one does."""

    def next_seqs(self, owner_ids: Sequence[str]) -> list[int]:
        first = next_seq(self, len(owner_ids))
        return list(range(first, first + len(owner_ids)))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT job")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO job")
            self.conn.execute("RELEASE job")
            raise
        self.conn.execute("RELEASE job")


class SqliteStore:
    """One SQLite file: a connection per thread for reads and a lock that makes one writer."""

    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self._writer: SqliteTx | None = None
        self._group_commit: GroupCommit | None = None
        self.name = str(self.path)

    def migrate(self) -> None:
        """Apply every pending named migration (at start-up)."""
        with self._write_lock:
            migrations.apply(self.read())

    def read(self) -> Database:
        """This thread's connection (autocommit; reads see the last committed state)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            conn = _connect(self.path)
            with self._all_lock:
                self._all.append(conn)
            db = Database(conn)
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[SqliteTx]:
        """The single writer's transaction: all of it commits, or none of it does.

        Every write goes through one connection, whichever thread runs it, so its page cache
        stays warm from one transaction to the next: SQLite drops a connection's cache when
        another connection has written since its last transaction."""
        with self._write_lock:
            db = self._writer_tx()
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    db.conn.execute("COMMIT")
                except BaseException:  # e.g. a deferred constraint: the transaction is still open
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
                self._after_commit()

    def _after_commit(self) -> None:
        """Wake the checkpointer (started on the first write, again if it ever died)."""
        if self._checkpointer is None or not self._checkpointer.is_alive():
            self._stop.clear()
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="cardswap-checkpoint", daemon=True
            )
            self._checkpointer.start()
        self._wake.set()

    def _checkpoint_loop(self) -> None:
        """Copy committed WAL pages into the database (PASSIVE: never blocks a reader or the
        writer), so the WAL is rewound and stays small; the fsyncs happen here, not in COMMIT."""
        conn = _connect(self.path)
        try:
            while not self._stop.is_set():
                self._wake.wait()
                self._wake.clear()
                if self._stop.is_set():
                    break
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    log.exception("WAL checkpoint failed; retrying on the next commit")
                self._stop.wait(CHECKPOINT_INTERVAL)
        finally:
            conn.close()

    def transact(self, run: Callable[[Tx], T]) -> T:
        """`run(tx)` in one write (no write here ever conflicts with another: it runs once)."""
        with self.write() as tx:
            return run(tx)

    def writer(self) -> Writer:
        """The group commit: the syncs waiting together share one transaction."""
        from server.storage.group_commit import GroupCommit

        if self._group_commit is None:
            self._group_commit = GroupCommit(self)
        return cast(Writer, self._group_commit)

    def _writer_tx(self) -> SqliteTx:
        """The writer's own connection (used only under the write lock)."""
        if self._writer is None:
            conn = _connect(self.path)
            with self._all_lock:
                self._all.append(conn)
            self._writer = SqliteTx(Database(conn))
        return self._writer

    def close(self) -> None:
        """Stop the writer and the checkpointer and close every connection (at shutdown)."""
        if self._group_commit is not None:
            self._group_commit.close()
            self._group_commit = None
        if self._checkpointer is not None:
            self._stop.set()
            self._wake.set()
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._all_lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass
            self._all.clear()
        self._local = threading.local()
        self._writer = None


def next_seq(tx: SqliteTx, count: int = 1) -> int:
    """Reserve `count` change sequence numbers inside the write `tx`; returns the first."""
    row = tx.execute(
        "UPDATE counters SET value = value + ? WHERE name = 'change_seq' RETURNING value",
        [count],
    ).fetchone()
    return int(row[0]) - count + 1
