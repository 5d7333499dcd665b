"""The PostgreSQL engine's own guarantees, each shown with two real transactions at once.

What the single SQLite writer gave for free must hold here by locks and keys (DESIGN.md
section 9): writes of one owner's feed wait for each other, change seqs of one owner rise in
commit order, a duplicate key makes the write run again rather than fail, migrations run once
when several processes start together. A second transaction that would have to wait is given a
short `lock_timeout`, so "it waits" is seen as PostgreSQL's own refusal, not as a timing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from server.cli import main
from server.errors import Busy
from server.storage import open_store
from server.storage.pg_migrations import MIGRATIONS
from server.storage.postgres import PgStore, _translate
from tests import pg

NOW = "2026-12-01T09:00:00.000000Z"


@pytest.fixture
def store() -> Iterator[PgStore]:
    schema, url = pg.create_schema()
    store = open_store(url)
    assert isinstance(store, PgStore)
    store.migrate()
    with store.write() as tx:
        tx.execute(
            "INSERT INTO events (slug, name, join_code, created_at) VALUES ('ev', 'Ev', 'J', ?)",
            [NOW],
        )
        for attendee in ("ada", "bob", "cy"):
            tx.execute(
                "INSERT INTO attendees (id, event_slug, card, created_at)"
                " VALUES (?, 'ev', '{}', ?)",
                [attendee, NOW],
            )
    try:
        yield store
    finally:
        store.close()
        pg.drop_schema(schema)


def _impatient(tx: Any) -> None:
    """This transaction gives up on a lock after 200 ms instead of waiting for it."""
    tx.execute("SET LOCAL lock_timeout = '200ms'")


def test_a_write_of_an_owners_feed_waits_for_the_one_holding_it(store: PgStore) -> None:
    with store.write() as first:  # held open while the others run on other pooled connections
        first.lock_owners(["bob", "ada"])
        with pytest.raises(psycopg.errors.LockNotAvailable), store.write() as tx:
            _impatient(tx)
            tx.lock_owners(["ada"])
        with store.write() as tx:  # another owner's feed is free
            _impatient(tx)
            tx.lock_owners(["cy"])
    with store.write() as tx:  # and once the first commits, so is ada's
        _impatient(tx)
        tx.lock_owners(["ada"])


def test_change_seqs_of_one_owner_rise_in_commit_order(store: PgStore) -> None:
    """The holder of ada's next seq keeps it until it commits; a later write of ada's feed
    cannot take a number meanwhile, so no reader ever sees seq 2 while 1 is uncommitted."""
    with store.write() as first:
        taken = first.next_seqs(["ada", "bob", "ada"])
        with pytest.raises(psycopg.errors.LockNotAvailable), store.write() as tx:
            _impatient(tx)
            tx.next_seqs(["ada"])
    with store.write() as tx:
        after = tx.next_seqs(["ada", "cy"])
    assert taken == [1, 1, 2]  # per owner, in list order
    assert after == [3, 1]


def test_a_duplicate_key_runs_the_write_again_and_then_it_sees_the_other(store: PgStore) -> None:
    """Two writes insert one op id at once: the loser is run again from the start, finds the op
    logged, and takes the other path (what the sync does with a duplicate delivery)."""
    both_read = threading.Barrier(2)
    attempts: list[str] = []

    def log_op(who: str) -> str:
        def run(tx: Any) -> str:
            attempts.append(who)
            seen = tx.execute("SELECT attendee_id FROM ops WHERE id = 'op-1'").fetchone()
            if seen is not None:
                return f"{who} found {seen[0]}'s"
            if len(attempts) <= 2:
                both_read.wait(10)  # both have read "not logged" before either inserts
            tx.execute(
                "INSERT INTO ops (id, attendee_id, event_slug, device_id, type, payload,"
                " received_at, result) VALUES ('op-1', ?, 'ev', 'd', 'exchange', '{}', ?,"
                " 'applied')",
                [who, NOW],
            )
            return f"{who} logged it"

        return store.transact(run)

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(log_op, ["ada", "bob"]))
    assert len(attempts) == 3  # the loser ran twice
    winner = next(a.split()[0] for a in answers if a.endswith("logged it"))
    loser = "bob" if winner == "ada" else "ada"
    assert answers == sorted([f"{winner} logged it", f"{loser} found {winner}'s"])
    assert store.read().execute("SELECT count(*) FROM ops").fetchone() == (1,)


def test_a_write_that_keeps_conflicting_answers_busy_and_keeps_nothing(store: PgStore) -> None:
    def always_conflicts(tx: Any) -> None:
        tx.execute("INSERT INTO used_nonces (nonce, used_at) VALUES ('n', ?)", [NOW])
        raise psycopg.errors.SerializationFailure("conflict")

    with pytest.raises(Busy):
        store.transact(always_conflicts)
    assert store.read().execute("SELECT count(*) FROM used_nonces").fetchone() == (0,)


def test_migrations_run_once_when_several_processes_start_together() -> None:
    schema, url = pg.create_schema()
    stores = [open_store(url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda s: s.migrate(), stores))
        rows = stores[0].read().execute("SELECT name FROM cardswap_migrations ORDER BY name")
        assert [r[0] for r in rows] == sorted(name for name, _ in MIGRATIONS)
    finally:
        for s in stores:
            s.close()
        pg.drop_schema(schema)


def test_the_query_modules_placeholders_become_psycopgs() -> None:
    assert _translate("SELECT a FROM t WHERE b = ? AND c LIKE '%x'", False) == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '%%x'"
    )
    assert _translate("VALUES (:id, :event_slug) -- at 10:00", True) == (
        "VALUES (%(id)s, %(event_slug)s) -- at 10:00"
    )
    assert _translate("SELECT substr(x, 1, 13) || ':00:00Z'", False) == (
        "SELECT substr(x, 1, 13) || ':00:00Z'"
    )


def test_text_sorts_byte_by_byte_as_on_sqlite(store: PgStore) -> None:
    """The lists sort by contact id: PostgreSQL's locale order would put 'att:b' before 'att:B'
    differently from SQLite; every text column is COLLATE "C"."""
    ids = ["att:b", "att:B", "att:_x", "att:a-1", "att:a1"]
    with store.write() as tx:
        seqs = tx.next_seqs(["ada"] * len(ids))
        for contact_id, seq in zip(ids, seqs, strict=True):
            tx.execute(
                "INSERT INTO contacts (owner_id, contact_id, card, seq, updated_at)"
                " VALUES ('ada', ?, '{}', ?, ?)",
                [contact_id, seq, NOW],
            )
    rows = store.read().execute("SELECT contact_id FROM contacts ORDER BY contact_id")
    assert [r[0] for r in rows] == sorted(ids)


def test_a_postgresql_server_refuses_to_start_without_shared_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several processes must sign with the same key and accept the same admin token: a key
    generated beside the database (as on SQLite) cannot be shared, so none is generated."""
    url = pg.server_url()
    for name in ("CARDSWAP_SECRET_KEY", "CARDSWAP_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve", "--db", url, "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert "CARDSWAP_SECRET_KEY and CARDSWAP_ADMIN_TOKEN" in error
    monkeypatch.setenv("CARDSWAP_SECRET_KEY", "k" * 40)
    assert main(["event", "list", "--db", url]) == 2
    assert "set CARDSWAP_ADMIN_TOKEN in the environment" in capsys.readouterr().err


def test_backup_points_to_pg_dump_on_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "/tmp/never-written.db", "--db", pg.server_url()]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not Path("/tmp/never-written.db").exists()


def test_no_free_connection_is_a_503_busy_and_the_pool_recovers() -> None:
    schema, url = pg.create_schema()
    store = PgStore(url, size=2)
    store.pool.timeout = 0.3
    release = threading.Event()
    held = threading.Barrier(3)

    def hold() -> None:
        with store.write():
            held.wait(10)
            release.wait(10)

    try:
        store.migrate()
        threads = [threading.Thread(target=hold) for _ in range(2)]
        for thread in threads:
            thread.start()
        held.wait(10)  # both connections are taken
        with pytest.raises(Busy):
            store.read().execute("SELECT 1")
        release.set()
        for thread in threads:
            thread.join()
        assert store.read().execute("SELECT 1").fetchone() == (1,)
    finally:
        release.set()
        store.close()
        pg.drop_schema(schema)
