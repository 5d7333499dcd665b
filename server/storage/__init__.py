"""Storage: the only package that holds SQL or imports sqlite3, sqlite_utils or psycopg.

The interface the rest of the server uses is `open_store(db)` -> a `Store` (engine.py: reads,
writes, `transact`, the sync's `writer`, migrations), and one query module per table or concern:
attendees, devices, events, ops, contacts (with the change feed), photos, stats, vcard_cache,
app_passwords (the CardDAV sign-ins). Their functions take a Store (a read, or a write
transaction of their own) or the `Tx` of a write already open, and take and return typed rows
(NamedTuples and frozen dataclasses), never cursors, connections or positional tuples.

Two engines implement Store and Tx: SQLite (sqlite.py, the embedded default: one file, one
writer, group commit) and PostgreSQL (postgres.py: a connection pool, several processes, row
locks per change feed; DESIGN.md section 9). The query modules' SQL is written once for both.
"""

from server.storage.engine import Store, Tx, Writer, is_postgres_url, open_store

__all__ = ["Store", "Tx", "Writer", "is_postgres_url", "open_store"]
