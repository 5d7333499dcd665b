"""Races between writes of different processes on PostgreSQL, each forced step by step.

A first transaction is held open by hand while a second write runs in a thread; the test waits
until PostgreSQL reports that second write waiting for a lock (pg_stat_activity), then lets the
first commit. Each would go wrong without the lock it checks (found by a second read of the
engine, each first shown failing): a delete pushing a card older than a concurrent card change,
a delete unlinking a contact under a sync that writes the link back, the app-password cap.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest

from server.app import create_app
from server.app_passwords import MAX_PER_ATTENDEE, create
from server.attendees import delete_attendee, set_card
from server.errors import Conflict
from server.storage import app_passwords as stored_passwords
from server.storage import contacts as stored_contacts
from server.storage import open_store
from server.storage.postgres import PgStore
from tests import pg
from tests.conftest import make_settings

NOW = "2026-12-01T09:00:00.000000Z"
PHOTO = {"small": "/photos/p1/small.jpg", "large": "/photos/p1/large.jpg"}


@pytest.fixture
def url() -> Iterator[str]:
    schema, url = pg.create_schema()
    try:
        yield url
    finally:
        pg.drop_schema(schema)


@pytest.fixture
def store(url: str) -> Iterator[PgStore]:
    """Ada (a card with a photo) and Bob, who holds Ada's card live-linked."""
    store = open_store(url)
    assert isinstance(store, PgStore)
    store.migrate()
    with store.write() as tx:
        tx.execute(
            "INSERT INTO events (slug, name, join_code, created_at) VALUES ('ev', 'Ev', 'J', ?)",
            [NOW],
        )
        for attendee, card in (("ada", {"fn": "Ada Old", "photo": PHOTO}), ("bob", {"fn": "B"})):
            tx.execute(
                "INSERT INTO attendees (id, event_slug, card, created_at) VALUES (?, 'ev', ?, ?)",
                [attendee, json.dumps(card), NOW],
            )
        [seq] = tx.next_seqs(["bob"])
        tx.execute(
            "INSERT INTO contacts (owner_id, contact_id, card, verified, linked_attendee_id,"
            " seq, updated_at) VALUES ('bob', 'att:ada', ?, 1, 'ada', ?, ?)",
            [json.dumps({"fn": "Ada Old"}), seq, NOW],
        )
    try:
        yield store
    finally:
        store.close()


def _waiting_for(holder: Any, count: int = 1) -> None:
    """Until `count` other backends wait, directly or in a queue behind one another, for a lock
    the open write `holder` holds (20 s at most)."""
    pid = holder.execute("SELECT pg_backend_pid()").fetchone()[0]
    deadline = time.monotonic() + 20
    with psycopg.connect(pg.server_url(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            blocked_by = dict(
                conn.execute(
                    "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock'"
                ).fetchall()
            )
            behind, grew = {pid}, True
            while grew:
                more = {p for p, blockers in blocked_by.items() if behind & set(blockers)}
                grew = not more <= behind
                behind |= more
            if len(behind) - 1 >= count:
                return
            time.sleep(0.02)
    pytest.fail(f"{count} write(s) never waited for this one: nothing serialises them")


def _in_thread(run: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(run())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def _bobs_copy(store: PgStore) -> tuple[dict[str, Any], str | None]:
    card, linked = (
        store.read()
        .execute(
            "SELECT card, linked_attendee_id FROM contacts"
            " WHERE owner_id = 'bob' AND contact_id = 'att:ada'"
        )
        .fetchone()
    )
    return json.loads(card), linked


def test_a_delete_waits_for_a_card_change_and_keeps_the_newer_card(store: PgStore) -> None:
    with ExitStack() as changing:  # closing it commits; a failure rolls it back
        tx = changing.enter_context(store.write())
        set_card(tx, "ada", {"fn": "Ada New"})  # Ada's other phone, not yet committed
        thread, _ = _in_thread(lambda: delete_attendee(store, "ada"))
        _waiting_for(tx)
    thread.join(30)
    card, linked = _bobs_copy(store)
    assert card["fn"] == "Ada New" and linked is None  # not the card she had replaced


def test_a_delete_unlinks_bobs_contact_only_after_his_sync_commits(store: PgStore) -> None:
    """Ada without a photo: the delete pushes no last card, and must still take Bob's lock."""
    with store.write() as tx:
        tx.execute("UPDATE attendees SET card = '{\"fn\": \"Ada\"}' WHERE id = 'ada'")
    with ExitStack() as syncing:
        tx = syncing.enter_context(store.write())
        tx.lock_owners(["bob"])  # Bob's sync (an edit of his contact of Ada) loaded the row
        [state] = stored_contacts.load_own(tx, "bob", ["att:ada"])
        thread, _ = _in_thread(lambda: delete_attendee(store, "ada"))
        _waiting_for(tx)
        changed = [state._replace(notes="met at the bar")]
        stored_contacts.write_changed(tx, changed, {state[:2]}, NOW)
    thread.join(30)
    card, linked = _bobs_copy(store)
    assert linked is None  # never linked again to a deleted attendee
    assert store.read().execute("SELECT notes FROM contacts WHERE owner_id = 'bob'").fetchone() == (
        "met at the bar",
    )


def test_two_processes_creating_app_passwords_at_once_keep_the_cap(url: str) -> None:
    app = create_app(make_settings(url, base_url="https://cards.example"))
    context = app.state.ctx
    try:
        with context.store.write() as tx:
            tx.execute(
                "INSERT INTO events (slug, name, join_code, created_at) VALUES ('ev', 'E', 'J', ?)",
                [NOW],
            )
            tx.execute(
                "INSERT INTO attendees (id, event_slug, card, created_at)"
                " VALUES ('ada', 'ev', '{\"fn\": \"Ada\"}', ?)",
                [NOW],
            )
            for n in range(MAX_PER_ATTENDEE - 1):
                stored_passwords.insert(
                    tx, stored_passwords.NewAppPassword(f"p{n}", "ada", "old", "h", NOW)
                )
        with ExitStack() as holding:  # Ada's row held, as a third create would hold it
            tx = holding.enter_context(context.store.write())
            tx.execute("SELECT id FROM attendees WHERE id = 'ada' FOR UPDATE")
            create_one = lambda: create(context, "ada", {"label": "phone"})  # noqa: E731
            threads = [_in_thread(create_one) for _ in "ab"]
            _waiting_for(tx, 2)
        for thread, _ in threads:
            thread.join(30)
        outcomes = sorted(type(out[0]).__name__ for _, out in threads)
        assert outcomes == [Conflict.__name__, "dict"]
        with context.store.write() as tx:
            assert stored_passwords.count(tx, "ada") == MAX_PER_ATTENDEE
    finally:
        context.store.close()


def test_a_savepoint_rolled_back_gives_up_its_feed_locks(store: PgStore) -> None:
    """PostgreSQL releases the row locks taken since a savepoint that is rolled back; the next
    lock_owners of that owner takes the lock again."""
    with store.write() as tx:
        with pytest.raises(RuntimeError), tx.savepoint():
            tx.lock_owners(["bob"])
            raise RuntimeError("a rejected job")
        tx.lock_owners(["bob"])
        with pytest.raises(psycopg.errors.LockNotAvailable), store.write() as other:
            other.execute("SET LOCAL lock_timeout = '200ms'")
            other.lock_owners(["bob"])


def test_a_percent_sign_in_a_statement_stays_one(store: PgStore) -> None:
    assert store.read().execute("SELECT 'a%'").fetchone() == ("a%",)
    assert store.read().execute("SELECT 'a%', ?", [1]).fetchone() == ("a%", 1)
