"""Storage: the only package that holds SQL or imports sqlite3/sqlite_utils.

The interface the rest of the server uses is `Store` (engine.py: connections, the one writer,
the change seq, migrations, the checkpointer), `GroupCommit` (several writes to a transaction),
`backup`, and one query module per table or concern: attendees, devices, events, ops, contacts
(with the change feed), stats, vcard_cache, app_passwords (the CardDAV sign-ins). Their
functions take a Store (a read, or a write transaction of their own) or the `Tx` of a write
already open, and take and return typed rows (NamedTuples and frozen dataclasses), never
cursors, connections or positional tuples.

A second engine (PostgreSQL, DESIGN.md section 9) is a second implementation of these same
modules and signatures behind its own Store; nothing outside this package changes.
"""

from server.storage.engine import Store, Tx
from server.storage.group_commit import GroupCommit

__all__ = ["GroupCommit", "Store", "Tx"]
