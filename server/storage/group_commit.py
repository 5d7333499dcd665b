"""Group commit: the syncs that arrive together share one write transaction.

A reconnect storm is thousands of small syncs at once. Each one paid its own COMMIT, which writes
every page it dirtied to the WAL: for a 25-op sync about 0.6 ms, a fifth of its cost
(scripts/bench/README.md). One writer thread takes every write job waiting in the queue (up to
MAX_JOBS of them, or MAX_WEIGHT ops), runs each in its own SAVEPOINT of one transaction, and
answers them all only after the COMMIT: no request hears "acked" before its ops are committed,
a job that fails is rolled back alone, and a failed COMMIT fails the whole group (every device
keeps its ops and sends them again).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from server.storage.sqlite import SqliteStore, SqliteTx

T = TypeVar("T")
MAX_JOBS = 64
MAX_WEIGHT = 2_000  # ops, so a group holds the write lock for about 0.1 s at most
log = logging.getLogger("cardswap.group_commit")


@dataclass
class _Job:
    run: Callable[[SqliteTx], Any]
    weight: int
    future: Future[Any] = field(default_factory=Future)


class GroupCommit:
    """A writer thread over one SQLite store; `submit` queues a job and returns its future."""

    def __init__(self, store: SqliteStore, max_jobs: int = MAX_JOBS, max_weight: int = MAX_WEIGHT):
        self.store = store
        self.max_jobs = max_jobs
        self.max_weight = max_weight
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.groups = 0  # transactions committed (tests and logs)

    def submit(self, run: Callable[[SqliteTx], T], weight: int = 1) -> Future[T]:
        """Queue `run(db)` to be done inside a shared write transaction."""
        job = _Job(run, max(1, weight))
        self._ensure_thread()
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        """Finish the queued jobs and stop the thread (at shutdown)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="cardswap-group-commit", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while True:
            group, stop = self._take()
            if group:
                self._run_group(group)
            if stop:
                return

    def _take(self) -> tuple[list[_Job], bool]:
        """The first waiting job (blocking), then every other one already queued, within limits."""
        first = self._queue.get()
        if first is None:
            return [], True
        group, weight = [first], first.weight
        while len(group) < self.max_jobs and weight < self.max_weight:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return group, True
            group.append(job)
            weight += job.weight
        return group, False

    def _run_group(self, group: list[_Job]) -> None:
        # A job whose request gave up while it waited (its future cancelled) is not run: nobody
        # hears its answer, and its device sends the ops again. Once running it cannot be
        # cancelled, so every answer below has a future to go to.
        group = [job for job in group if job.future.set_running_or_notify_cancel()]
        if not group:
            return
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with self.store.write() as db:
                for job in group:
                    outcomes.append(_run_in_savepoint(db, job))
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the group is stored
            log.exception("group commit of %d jobs failed", len(group))
            for job in group:
                job.future.set_exception(exc)
            return
        self.groups += 1
        for job, value, error in outcomes:
            if error is None:
                job.future.set_result(value)
            else:
                job.future.set_exception(error)


def _run_in_savepoint(db: SqliteTx, job: _Job) -> tuple[_Job, Any, BaseException | None]:
    """One job in a savepoint: its writes stay only if it returns."""
    try:
        with db.savepoint():
            value = job.run(db)
    except Exception as exc:  # the job's own refusal (or bug): roll back only its writes
        return job, None, exc
    return job, value, None
