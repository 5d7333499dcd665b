"""The SQLite file: connections, the one writer, and the named schema migrations.

Every query lives in a module named for its area (sync.py, attendees.py, ...); they all reach the
database through a Store: `store.read()` for a thread's own connection, `store.write()` for the
single writer's transaction (BEGIN IMMEDIATE ... COMMIT, rolled back whole on any error).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("cardswap")
log = logging.getLogger("cardswap.db")
# SQLite's own auto-checkpoint runs inside the COMMIT that crosses 1000 WAL pages and fsyncs the
# database there: every ~10th sync request paid 8-30 ms (scripts/bench/README.md). A thread of
# the Store checkpoints instead, off the request path, at most this often.
CHECKPOINT_INTERVAL = 0.25


@migrations()
def m001_initial(db: Database) -> None:
    """Events, attendees, devices, the op log, contacts with per-field versions, the change seq."""
    db.executescript(
        """
        CREATE TABLE events (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            starts_on TEXT,
            ends_on TEXT,
            join_code TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE attendees (
            id TEXT PRIMARY KEY,
            event_slug TEXT NOT NULL REFERENCES events(slug),
            card TEXT,                      -- JSON card; NULL once deleted
            card_version INTEGER NOT NULL DEFAULT 1,
            email TEXT,                     -- lower-cased, the CSV import's idempotency key
            share_back INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            deleted_at TEXT                 -- a tombstone: card tokens then resolve to 404
        );
        CREATE INDEX attendees_event_email ON attendees(event_slug, email);
        CREATE TABLE devices (
            attendee_id TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (attendee_id, id)
        );
        CREATE TABLE ops (
            id TEXT PRIMARY KEY,            -- client UUID, global
            attendee_id TEXT NOT NULL,
            event_slug TEXT NOT NULL,
            device_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            client_at TEXT,
            at TEXT,                        -- effective UTC instant after the clock rule
            received_at TEXT NOT NULL,
            result TEXT NOT NULL,           -- 'applied' or 'rejected'
            code TEXT,
            message TEXT
        );
        CREATE INDEX ops_event_stats ON ops(event_slug, type, result, received_at);
        CREATE TABLE contacts (
            owner_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,       -- 'att:<attendee id>' or 'ext:<uuid>'
            card TEXT NOT NULL,             -- JSON card snapshot
            verified INTEGER NOT NULL DEFAULT 0,
            linked_attendee_id TEXT,        -- live link to that attendee's current card
            met_at TEXT,
            methods TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            follow_up TEXT NOT NULL DEFAULT 'none',
            follow_up_on TEXT,
            starred INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            vcard TEXT,                     -- original text of a foreign card
            versions TEXT NOT NULL DEFAULT '{}',  -- field -> [at, device_id, op_id]
            seq INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (owner_id, contact_id)
        );
        CREATE INDEX contacts_feed ON contacts(owner_id, seq);
        CREATE INDEX contacts_linked ON contacts(linked_attendee_id);
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT INTO counters(name, value) VALUES ('change_seq', 0);
        CREATE TABLE used_nonces (
            nonce TEXT PRIMARY KEY,
            used_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_vcard_cache(db: Database) -> None:
    """Each exported contact's vCard text, reused while the contact's seq and event name hold.

    vobject writes ~4.4k cards a second (DESIGN.md section 8); an export renders only the contacts
    changed since the last one. A changed or deleted contact's text goes with it (triggers), so
    no note outlives its contact.
    """
    db.executescript(
        """
        CREATE TABLE vcard_cache (
            owner_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            seq INTEGER NOT NULL,           -- contacts.seq the text was written from
            event_name TEXT NOT NULL,       -- the NOTE says where we met
            fmt INTEGER NOT NULL,           -- server.vcard.writer.FORMAT
            text TEXT NOT NULL,
            PRIMARY KEY (owner_id, contact_id)
        );
        CREATE TRIGGER vcard_cache_contact_changed AFTER UPDATE OF seq ON contacts BEGIN
            DELETE FROM vcard_cache WHERE owner_id = old.owner_id AND contact_id = old.contact_id;
        END;
        CREATE TRIGGER vcard_cache_contact_deleted AFTER DELETE ON contacts BEGIN
            DELETE FROM vcard_cache WHERE owner_id = old.owner_id AND contact_id = old.contact_id;
        END;
        """
    )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a COMMIT returns only once the WAL is on disk. The sync answers "acked" after its
    # COMMIT and the phone then forgets those ops, so with NORMAL a power cut (a venue's mini PC
    # unplugged) could lose swaps every phone believes are stored. Group commit
    # (server.group_commit) pays that fsync once for all the syncs waiting together.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # the Store's checkpointer thread does it
    return conn


class Store:
    """One SQLite file: a connection per thread for reads and a lock that makes one writer."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self._writer: Database | None = None

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
    def write(self) -> Iterator[Database]:
        """The single writer's transaction: all of it commits, or none of it does.

        Every write goes through one connection, whichever thread runs it, so its page cache
        stays warm from one transaction to the next: SQLite drops a connection's cache when
        another connection has written since its last transaction."""
        with self._write_lock:
            db = self._writer_db()
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

    def _writer_db(self) -> Database:
        """The writer's own connection (used only under the write lock)."""
        if self._writer is None:
            conn = _connect(self.path)
            with self._all_lock:
                self._all.append(conn)
            self._writer = Database(conn)
        return self._writer

    def next_seq(self, db: Database, count: int = 1) -> int:
        """Reserve `count` change sequence numbers inside the current write; returns the first."""
        row = db.execute(
            "UPDATE counters SET value = value + ? WHERE name = 'change_seq' RETURNING value",
            [count],
        ).fetchone()
        return int(row[0]) - count + 1

    def close(self) -> None:
        """Stop the checkpointer and close every connection this store opened (at shutdown)."""
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
