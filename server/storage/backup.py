"""`cardswap backup PATH`: a consistent copy of the live database, taken while the server runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the file page by page through a
connection of its own, so the server keeps serving; a step that meets a concurrent write restarts
from a consistent snapshot, and the copy is always one committed state, never a torn file (which
`cp` of a WAL database can give). The copy is written beside the target under a temporary name,
checked with `PRAGMA integrity_check`, and only then renamed into place, so a crash or a failed
check never leaves a half-written backup where the last good one was.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from server.errors import CardswapError

PAGES_PER_STEP = 1024  # ~4 MiB a step at 4 KiB pages: short read locks, few restarts


class BackupFailed(CardswapError):
    """The source is missing, or the copy did not pass the integrity check."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup produced: where, how many pages and bytes, how long it took."""

    path: Path
    pages: int
    bytes: int
    seconds: float


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` of a SQLite file: "ok", or SQLite's list of problems."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    return "\n".join(str(row[0]) for row in rows)


def backup(source: Path, target: Path, pages_per_step: int = PAGES_PER_STEP) -> BackupResult:
    """Copy the live database `source` to `target` with the online backup API; checked, atomic."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupFailed(f"There is no database at {source}.")
    if target.resolve() == source.resolve():
        raise BackupFailed("The backup must not overwrite the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(str(partial))
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=pages_per_step, sleep=0.005)
        # The copy is a single self-contained file: no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
    finally:
        dst.close()
        src.close()
    report = integrity(partial)
    if report != "ok":
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"The copy failed SQLite's integrity check: {report}")
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)
    return BackupResult(target, pages, target.stat().st_size, time.monotonic() - started)
