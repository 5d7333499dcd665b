"""What every engine provides, and the helpers the query modules share.

Query modules (attendees.py, contacts.py, ...) hold the SQL, written once for both engines: `?`
placeholders (or `:name` with a dict), standard SQL that SQLite and PostgreSQL read alike
(`INSERT ... ON CONFLICT`, `RETURNING`), integers 0/1 for booleans, ISO text for times. Where the
engines must differ (the change seq, row locks, `FOR UPDATE`) the `Tx` of the engine answers.
Never put `?` or `:name` inside a string literal of a statement: PostgreSQL's engine rewrites
placeholders as text (pass such values as parameters instead).

- `Store` is one database: `read()` for a statement outside any write (it sees the last committed
  state), `write()` for one transaction (all of it commits or none), `transact(fn)` for a
  transaction that is run again when the engine reports a conflict with a concurrent one (only
  PostgreSQL with several processes does), `writer()` for the sync's writes.
- `Tx` is a write in progress: code outside server/storage only hands it back to the query
  functions; it never runs a statement itself.

`open_store(db)` picks the engine: a `postgresql://` URL (server.storage.postgres) or a file path
(server.storage.sqlite, the embedded default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
Args = Sequence[Any] | dict[str, Any]


class Cursor(Protocol):
    """What a statement returns on either engine: rows as tuples, and the rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Reader(Protocol):
    """Something a read runs on: a Store's reads, or an open write (which sees its own changes)."""

    def execute(self, sql: str, args: Args = (), /) -> Cursor: ...


class Tx(Reader, Protocol):
    """One write transaction of an engine."""

    engine: str  # "sqlite" or "postgresql"
    for_update: str  # appended to a SELECT whose rows the write will change ("" on SQLite)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> None: ...

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """New rows, values in `columns` order (a duplicate key fails the write): the sync's
        bulk path, each engine's fastest (executemany on SQLite, COPY on PostgreSQL)."""

    def lock_owners(self, owner_ids: Iterable[str]) -> None:
        """Serialise this write with every other write of these owners' contacts (their change
        feeds), locks taken in one fixed order; SQLite's single writer already does."""

    def next_seqs(self, owner_ids: Sequence[str]) -> list[int]:
        """A fresh change seq for each entry of `owner_ids` (a row of that owner to write), in
        list order; numbers of one owner rise in the order their writes commit."""

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested part of the write that an exception rolls back alone."""


class Writer(Protocol):
    """Runs the sync's writes: `submit(job)` -> a future of `job(tx)`'s result once committed."""

    def submit(self, run: Callable[[Tx], T], weight: int = 1) -> Any: ...

    def close(self) -> None: ...


class Store(Protocol):
    """One database of either engine."""

    engine: str
    name: str  # the file path or the URL (a cache key; never printed with a password)

    def migrate(self) -> None: ...

    def read(self) -> Reader: ...

    def write(self) -> AbstractContextManager[Tx]: ...

    def transact(self, run: Callable[[Tx], T]) -> T: ...

    def writer(self) -> Writer: ...

    def close(self) -> None: ...


def is_postgres_url(db: str | Path) -> bool:
    return str(db).startswith(("postgresql://", "postgres://"))


def open_store(db: str | Path) -> Store:
    """The store for CARDSWAP_DB: a PostgreSQL URL, or else a SQLite file path."""
    if is_postgres_url(db):
        from server.storage.postgres import PgStore

        return PgStore(str(db))
    from server.storage.sqlite import SqliteStore

    return SqliteStore(Path(db))


def reader(source: Store | Tx) -> Reader:
    """Where a read runs: the store's reads, or the open write's own (a read inside a write
    transaction must see that transaction's changes)."""
    return cast(Reader, source) if _is_tx(source) else cast(Store, source).read()


def _is_tx(source: object) -> bool:
    return hasattr(source, "next_seqs")


def chunks(items: list[T], size: int = 400) -> list[list[T]]:
    """`items` in runs of at most `size`: SQLite binds at most 999 parameters per statement."""
    return [items[i : i + size] for i in range(0, len(items), size)]


R = TypeVar("R", bound=tuple[Any, ...])


def maker(cls: type[R]) -> Callable[[Iterable[Any]], R]:
    """A constructor of `cls` (a NamedTuple) from its fields in order that runs in C: no Python
    frame per row as `cls(...)` and `cls._make` have, for the rows the sync makes per op."""
    return cast(Callable[[Iterable[Any]], R], partial(tuple.__new__, cls))


def rows_as(cls: type[R], rows: Iterable[tuple[Any, ...]]) -> Iterator[R]:
    """`rows` as `cls` NamedTuples, built in C with no Python call per row, one at a time as
    they are consumed: an export reads 10,000, and NamedTuples stay tracked by the garbage
    collector (plain tuples of strings are untracked), so a reader that turns each into
    something else keeps only one alive. The SELECT lists exactly cls's fields, in order."""
    return map(maker(cls), rows)
