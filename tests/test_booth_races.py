"""Two processes writing one booth's leads on PostgreSQL at once, each race forced step by step
(as tests/test_postgres_races.py does): a first staff sync's transaction is held open while a
second, from another store (another process's pool), runs in a thread; the test waits until
PostgreSQL reports the second waiting for the first's lock, then lets the first commit.

- Two phones capturing one attendee make one lead, with both captures in it (the booth's feed
  lock serialises them; the (booth, attendee) primary key would refuse a second row anyway).
- The booth's change feed never skips a late commit: a capture holding seq N that commits
  after one that would take N+1 cannot be overtaken, because the second waits for the lock and
  takes its seq after the first committed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from server.booths.apply import prepare_staff_sync, write_staff_sync
from server.storage import leads as stored_leads
from server.storage import open_store
from server.storage.postgres import PgStore
from server.sync.ops import SyncRequest
from server.tokens import Tokens
from tests import pg
from tests.test_postgres_races import _in_thread, _waiting_for

NOW = "2026-12-01T09:00:00.000000Z"
TOKENS = Tokens(["race-secret"])


@pytest.fixture
def stores() -> Iterator[tuple[PgStore, PgStore]]:
    """Two stores on one schema (two processes), an event, a booth and attendees ada and bob."""
    schema, url = pg.create_schema()
    first, second = open_store(url), open_store(url)
    assert isinstance(first, PgStore) and isinstance(second, PgStore)
    first.migrate()
    with first.write() as tx:
        tx.execute(
            "INSERT INTO events (slug, name, join_code, created_at) VALUES ('ev', 'Ev', 'J', ?)",
            [NOW],
        )
        for attendee in ("ada", "bob"):
            tx.execute(
                "INSERT INTO attendees (id, event_slug, card, created_at) VALUES (?, 'ev', ?, ?)",
                [attendee, json.dumps({"fn": attendee.title()}), NOW],
            )
        tx.execute(
            "INSERT INTO booths (id, event_slug, name, name_key, questions, created_at)"
            " VALUES ('b1', 'ev', 'Acme', 'acme', '[]', ?)",
            [NOW],
        )
    try:
        yield first, second
    finally:
        first.close()
        second.close()
        pg.drop_schema(schema)


def _capture(attendee: str, note: str, minutes: int) -> Any:
    """A prepared staff sync of one phone: one capture of `attendee`."""
    token = TOKENS.card_token(attendee, "ev", 1, {"fn": attendee.title()})
    op = {
        "id": str(uuid.uuid4()),
        "type": "lead.capture",
        "at": f"2026-11-30T09:{minutes:02d}:00Z",
        "card_token": token,
        "note": note,
    }
    return prepare_staff_sync(TOKENS, "b1", SyncRequest(str(uuid.uuid4()), 0, [op]))


def test_two_processes_capturing_one_attendee_make_one_lead(
    stores: tuple[PgStore, PgStore],
) -> None:
    first, second = stores
    with first.write() as held:
        mine = write_staff_sync(_capture("ada", "from phone one", 5), held)
        assert mine.outcome.rejected == []
        thread, out = _in_thread(
            lambda: second.transact(
                lambda tx: write_staff_sync(_capture("ada", "phone two", 1), tx)
            )
        )
        _waiting_for(held)  # the second process waits for the booth's feed lock
    thread.join(20)
    assert out and not isinstance(out[0], Exception), out
    assert out[0].outcome.rejected == []
    rows, _ = stored_leads.feed_page(first, "b1", 0, 10)
    assert [r.attendee_id for r in rows] == ["ada"]
    [lead] = rows
    assert lead.notes == "phone two\n\nfrom phone one"  # both kept, in capture order
    assert lead.captured_at == "2026-11-30T09:01:00.000000Z"


def test_a_booth_feed_never_skips_a_late_commit(stores: tuple[PgStore, PgStore]) -> None:
    first, second = stores
    with first.write() as held:
        write_staff_sync(_capture("ada", "", 1), held)  # takes seq 1, not yet committed
        thread, out = _in_thread(
            lambda: second.transact(lambda tx: write_staff_sync(_capture("bob", "", 2), tx))
        )
        _waiting_for(held)
        # A reader now sees nothing past cursor 0: bob's capture has not taken seq 2 ahead.
        assert stored_leads.feed_page(second, "b1", 0, 10) == ([], False)
    thread.join(20)
    assert out and not isinstance(out[0], Exception), out
    rows, _ = stored_leads.feed_page(first, "b1", 0, 10)
    assert [(r.attendee_id, r.seq) for r in rows] == [("ada", 1), ("bob", 2)]
