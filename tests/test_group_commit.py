"""Group commit over a real SQLite file: jobs waiting together share one transaction, a failing
job is rolled back alone, nobody is answered before the COMMIT, and a failed COMMIT stores
nothing and fails every job of its group."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from sqlite_utils import Database

from server.storage.group_commit import GroupCommit
from server.storage.sqlite import SqliteStore as Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "g.db")
    store.migrate()
    with store.write() as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        db.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        db.execute(
            "CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER"
            " REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)"
        )
    yield store
    store.close()


def _insert(text: str) -> Callable[[Database], str]:
    def job(db: Database) -> str:
        db.execute("INSERT INTO notes (text) VALUES (?)", [text])
        return text

    return job


def _stored(store: Store) -> list[str]:
    return [r[0] for r in store.read().execute("SELECT text FROM notes ORDER BY id").fetchall()]


def _hold_writer(writer: GroupCommit) -> tuple[threading.Event, Future[None]]:
    """A first job that keeps the writer busy until released, so the next ones queue up."""
    started, release = threading.Event(), threading.Event()

    def blocker(db: Database) -> None:
        started.set()
        assert release.wait(10)

    held = writer.submit(blocker)
    assert started.wait(10)
    return release, held


def test_jobs_waiting_together_share_one_transaction(store: Store) -> None:
    writer = GroupCommit(store)
    release, held = _hold_writer(writer)
    futures = [writer.submit(_insert(f"n{i}")) for i in range(5)]
    release.set()
    assert [f.result(10) for f in futures] == [f"n{i}" for i in range(5)]
    held.result(10)
    assert writer.groups == 2  # the blocker's, then all five together
    assert _stored(store) == [f"n{i}" for i in range(5)]
    writer.close()


def test_a_failing_job_is_rolled_back_alone(store: Store) -> None:
    writer = GroupCommit(store)
    release, _ = _hold_writer(writer)

    def half_then_fail(db: Database) -> None:
        db.execute("INSERT INTO notes (text) VALUES ('half')")
        raise ValueError("refused")

    first = writer.submit(_insert("before"))
    failing = writer.submit(half_then_fail)
    last = writer.submit(_insert("after"))
    release.set()
    assert first.result(10) == "before" and last.result(10) == "after"
    with pytest.raises(ValueError, match="refused"):
        failing.result(10)
    assert writer.groups == 2
    assert _stored(store) == ["before", "after"]
    writer.close()


def test_no_job_is_answered_before_its_group_commits(store: Store) -> None:
    writer = GroupCommit(store)
    release, _ = _hold_writer(writer)
    first = writer.submit(_insert("one"))
    seen: dict[str, bool] = {}

    def second(db: Database) -> None:
        # `first` has run in this transaction already, but it is not committed yet
        seen["first answered"] = first.done()
        fresh = sqlite3.connect(store.path)
        seen["visible outside"] = bool(fresh.execute("SELECT count(*) FROM notes").fetchone()[0])
        fresh.close()

    other = writer.submit(second)
    release.set()
    other.result(10)
    assert seen == {"first answered": False, "visible outside": False}
    assert first.result(10) == "one"
    writer.close()


def test_a_failed_commit_stores_nothing_and_fails_the_whole_group(store: Store) -> None:
    writer = GroupCommit(store)
    release, _ = _hold_writer(writer)
    good = writer.submit(_insert("kept?"))

    def orphan(db: Database) -> None:  # a deferred foreign key: refused only at COMMIT
        db.execute("INSERT INTO children (parent) VALUES (42)")

    bad = writer.submit(orphan)
    release.set()
    for future in (good, bad):
        with pytest.raises(sqlite3.IntegrityError):
            future.result(10)
    assert _stored(store) == []
    # the connection is usable again: the next group commits
    assert writer.submit(_insert("later")).result(10) == "later"
    assert _stored(store) == ["later"]
    writer.close()


def test_close_finishes_queued_jobs_then_a_new_submit_starts_again(store: Store) -> None:
    writer = GroupCommit(store)
    futures = [writer.submit(_insert(f"q{i}")) for i in range(20)]
    writer.close()
    assert all(f.done() for f in futures)
    assert writer.submit(_insert("again")).result(10) == "again"
    assert _stored(store)[-1] == "again" and len(_stored(store)) == 21
    writer.close()


def test_a_job_given_up_while_waiting_is_skipped_and_the_writer_goes_on(store: Store) -> None:
    writer = GroupCommit(store)
    release, _ = _hold_writer(writer)
    gone = writer.submit(_insert("gone"))
    kept = writer.submit(_insert("kept"))
    assert gone.cancel()  # what asyncio.wrap_future does when the request is cancelled
    release.set()
    assert kept.result(10) == "kept"
    assert writer.submit(_insert("next")).result(10) == "next"
    assert _stored(store) == ["kept", "next"]
    writer.close()


def test_a_running_job_cannot_be_cancelled_and_is_answered(store: Store) -> None:
    writer = GroupCommit(store)
    started, release = threading.Event(), threading.Event()

    def slow(db: Database) -> str:
        db.execute("INSERT INTO notes (text) VALUES ('slow')")
        started.set()
        assert release.wait(10)
        return "done"

    future = writer.submit(slow)
    assert started.wait(10)
    assert not future.cancel()
    release.set()
    assert future.result(10) == "done"
    assert _stored(store) == ["slow"]
    writer.close()
