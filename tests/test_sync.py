"""POST /api/sync: every rule of DESIGN.md section 5 "Sync" and its clarifications, one by one."""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.storage import Store
from tests.conftest import ADMIN, BASE_URL, Attendee, make_settings

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(minutes: float = 0, base: datetime = T0) -> str:
    return (base + timedelta(minutes=minutes)).isoformat()


def exchange(who: Attendee, minutes: float = 0, method: str = "qr", **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": method,
        "card_token": who.card_token,
        "at": at(minutes),
        **extra,
    }


def update(contact_id: str, minutes: float = 0, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "contact.update",
        "contact_id": contact_id,
        "at": at(minutes),
        "set": fields,
    }


def delete(contact_id: str, minutes: float = 0) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "contact.delete",
        "contact_id": contact_id,
        "at": at(minutes),
    }


def sync(
    client: TestClient,
    who: Attendee,
    ops: list[Any] | None = None,
    cursor: str | None = None,
    device: str | None = None,
    status: int = 200,
) -> dict[str, Any]:
    body = {"device_id": device or who.device_id, "cursor": cursor, "ops": ops or []}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == status, response.text
    return dict(response.json())


def contacts_of(client: TestClient, who: Attendee) -> dict[str, dict[str, Any]]:
    """Every contact of `who` (tombstones included) from a full feed read."""
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        data = sync(client, who, cursor=cursor)
        out.update({c["id"]: c for c in data["changes"]})
        cursor = data["cursor"]
        if not data["more"]:
            return out


def db(client: TestClient) -> Store:
    store: Store = client.app.state.ctx.store  # type: ignore[attr-defined]
    return store


# -- the swap ----------------------------------------------------------------------------------
def test_mutual_swap_gives_both_sides_the_verified_live_card(client, register):
    ada = register("Ada Lovelace", org="Analytical")
    bob = register("Bob Babbage", emails=["bob@example.org"])
    op = exchange(bob, method="nfc")
    data = sync(client, ada, [op])
    assert data["acked"] == [op["id"]] and data["rejected"] == [] and data["more"] is False
    (contact,) = data["changes"]
    assert contact["id"] == f"att:{bob.id}"
    assert contact["card"] == bob.card and contact["verified"] is True
    assert contact["methods"] == ["nfc"] and contact["deleted"] is False
    assert datetime.fromisoformat(contact["met_at"]) == T0
    assert set(contact) == {
        "id",
        "card",
        "verified",
        "met_at",
        "methods",
        "notes",
        "tags",
        "follow_up",
        "follow_up_on",
        "starred",
        "deleted",
        "updated_at",
    }
    assert (contact["notes"], contact["tags"], contact["follow_up"]) == ("", [], "none")
    assert (contact["follow_up_on"], contact["starred"]) == (None, False)
    theirs = contacts_of(client, bob)
    assert list(theirs) == [f"att:{ada.id}"]
    back = theirs[f"att:{ada.id}"]
    assert back["card"] == ada.card and back["verified"] is True
    assert back["methods"] == ["reciprocal"] and back["notes"] == ""


def test_contact_follows_the_other_attendees_card_edits(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    first = sync(client, ada, [exchange(bob)])
    new_card = {"fn": "Robert Babbage", "org": "Difference Engines"}
    assert (
        client.put("/api/me/card", json={"card": new_card}, headers=bob.headers).status_code == 200
    )
    data = sync(client, ada, cursor=first["cursor"])
    (contact,) = data["changes"]
    assert (
        contact["card"]["fn"] == "Robert Babbage" and contact["card"]["org"] == "Difference Engines"
    )


def test_forged_token_is_rejected_beside_a_good_op_that_applies(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    forged = exchange(bob)
    token = bob.card_token
    forged["card_token"] = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    good = exchange(bob, 1)
    data = sync(client, ada, [forged, good])
    assert data["acked"] == [good["id"]]
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(forged["id"], "invalid_token")]
    assert data["rejected"][0]["message"]
    assert [c["id"] for c in data["changes"]] == [f"att:{bob.id}"]


def test_exchange_with_own_card_is_rejected(client, register):
    ada = register("Ada Lovelace")
    data = sync(client, ada, [exchange(ada)])
    assert [r["code"] for r in data["rejected"]] == ["self_exchange"]
    assert data["changes"] == []


def test_exchange_with_a_deleted_attendees_card_is_card_withdrawn(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    assert client.delete("/api/me", headers=bob.headers).status_code == 204
    data = sync(client, ada, [exchange(bob)])
    assert [r["code"] for r in data["rejected"]] == ["card_withdrawn"]
    assert data["changes"] == []


def test_exchange_across_events_is_allowed(client, register):
    ada = register("Ada Lovelace")
    other = client.post("/api/admin/events", json={"slug": "other", "name": "Other"}, headers=ADMIN)
    body = {
        "join_code": other.json()["join_code"],
        "card": {"fn": "Cy Other"},
        "device_id": str(uuid.uuid4()),
    }
    registered = client.post("/api/events/other/attendees", json=body).json()
    client.cookies.clear()
    cy_token = registered["card_url"].rsplit("/c/", 1)[1]
    op = {**exchange(ada), "card_token": cy_token}
    data = sync(client, ada, [op])
    assert data["acked"] == [op["id"]]
    assert data["changes"][0]["id"] == f"att:{registered['attendee']['id']}"


def test_share_back_off_keeps_the_swap_one_sided(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    response = client.put("/api/me/settings", json={"share_back": False}, headers=bob.headers)
    assert response.status_code == 200
    assert sync(client, ada, [exchange(bob)])["acked"]
    assert contacts_of(client, bob) == {}
    assert list(contacts_of(client, ada)) == [f"att:{bob.id}"]


def test_both_scanning_each_other_merges_methods_and_keeps_earliest_met_at(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    sync(client, ada, [exchange(bob, 10, method="qr")])
    sync(client, bob, [exchange(ada, 5, method="link")])
    mine = contacts_of(client, ada)[f"att:{bob.id}"]
    assert mine["methods"] == ["qr", "reciprocal"]
    assert datetime.fromisoformat(mine["met_at"]) == T0 + timedelta(minutes=5)
    theirs = contacts_of(client, bob)[f"att:{ada.id}"]
    assert theirs["methods"] == ["link", "reciprocal"]


def test_exchange_note_becomes_notes_only_when_there_are_none(client, register):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Babbage"), register("Cy Young")
    sync(
        client,
        ada,
        [exchange(bob, 0, note="talked about engines"), exchange(bob, 5, note="second note")],
    )
    sync(
        client,
        ada,
        [
            exchange(cy, 0),
            update(f"att:{cy.id}", 1, notes="typed first"),
            exchange(cy, 2, note="late note"),
        ],
    )
    contacts = contacts_of(client, ada)
    assert contacts[f"att:{bob.id}"]["notes"] == "talked about engines"
    assert contacts[f"att:{cy.id}"]["notes"] == "typed first"
    assert contacts_of(client, bob)[f"att:{ada.id}"]["notes"] == ""


def test_a_cleared_note_is_filled_by_a_later_swap_note_but_not_an_earlier_one(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    contact = f"att:{bob.id}"
    sync(client, ada, [exchange(bob, 0, note="first"), update(contact, 1, notes="")])
    assert contacts_of(client, ada)[contact]["notes"] == ""
    sync(client, ada, [exchange(bob, 2, note="met again")])
    assert contacts_of(client, ada)[contact]["notes"] == "met again"


def test_an_edit_arriving_after_a_later_swap_note_still_wins(client, register):
    """Explicit notes beat a swap's note whatever the arrival order (an offline second phone)."""
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    contact = f"att:{bob.id}"
    sync(client, ada, [exchange(bob, 0), exchange(bob, 9, note="from the swap")])
    sync(client, ada, [update(contact, 5, notes="typed offline")])
    assert contacts_of(client, ada)[contact]["notes"] == "typed offline"


# The notes rule (DESIGN.md "Exchanges"): a swap's note becomes the notes "only when it has none
# (as a notes edit at the op's at)". Each case is what happened, at minutes after the first swap;
# the notes are written by hand, and must be the same in every order the ops can arrive in.
NOTE_CASES = {
    "the first swap note": ([("swap", 1, "first"), ("swap", 2, "second")], "first"),
    "typed before a swap": ([("edit", 1, "typed"), ("swap", 2, "from the swap")], "typed"),
    "typed after a swap": ([("swap", 1, "from the swap"), ("edit", 2, "typed")], "typed"),
    "cleared after a swap": ([("swap", 1, "first"), ("edit", 2, "")], ""),
    "cleared with null": ([("swap", 1, "first"), ("edit", 2, None)], ""),
    "cleared, then a later swap": (
        [("swap", 1, "first"), ("edit", 2, ""), ("swap", 3, "again")],
        "again",
    ),
    "typed, nulled, then a later swap": (
        [("edit", 1, "typed"), ("edit", 2, None), ("swap", 3, "again")],
        "again",
    ),
    "a swap between a note and its clearing": (
        [("swap", 1, "first"), ("swap", 2, "between"), ("edit", 3, "")],
        "",
    ),
    "the earliest swap after the clearing": (
        [("swap", 1, "before"), ("edit", 2, ""), ("swap", 4, "later"), ("swap", 3, "after")],
        "after",
    ),
    "blank swap notes are none": ([("swap", 1, "   "), ("swap", 2, " padded ")], "padded"),
    "an edit after a later swap still wins": (
        [("swap", 3, "from the swap"), ("edit", 2, "typed"), ("edit", 1, "older")],
        "typed",
    ),
}


@pytest.mark.parametrize("case", sorted(NOTE_CASES))
def test_the_notes_rule_in_every_arrival_order(client, register, case):
    happened, notes = NOTE_CASES[case]
    ada = register("Ada Lovelace")
    for order in itertools.permutations(happened):
        bob, device = register("Bob Babbage"), str(uuid.uuid4())  # (one rate limit per device)
        contact = f"att:{bob.id}"
        sync(client, ada, [exchange(bob, 0)], device=device)  # the contact exists first
        ops = [
            exchange(bob, minute, note=text)
            if kind == "swap"
            else update(contact, minute, notes=text)
            for kind, minute, text in order
        ]
        for op in ops:  # one request each: the arrival order is `order`
            assert sync(client, ada, [op], device=device)["acked"] == [op["id"]]
        changes = sync(client, ada, device=device)["changes"]
        assert {c["id"]: c["notes"] for c in changes}[contact] == notes, order
        assert contacts_of(client, bob)[f"att:{ada.id}"]["notes"] == ""  # never the other side


# -- idempotency ---------------------------------------------------------------------------------
def test_replaying_a_batch_acks_again_and_applies_once(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    ops = [exchange(bob), update(f"att:{bob.id}", 1, notes="hello", tags=["x"])]
    first = sync(client, ada, ops)
    assert first["acked"] == [o["id"] for o in ops]
    second = sync(client, ada, ops, cursor=first["cursor"])
    assert second["acked"] == [o["id"] for o in ops] and second["rejected"] == []
    assert second["changes"] == []
    store = db(client).read()
    assert (
        store.execute("SELECT count(*) FROM ops WHERE attendee_id = ?", [ada.id]).fetchone()[0] == 2
    )
    assert contacts_of(client, bob)[f"att:{ada.id}"]["methods"] == ["reciprocal"]


def test_the_same_op_twice_in_one_batch_applies_once(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    op = exchange(bob)
    data = sync(client, ada, [op, op])
    assert data["acked"] == [op["id"], op["id"]]
    assert len(data["changes"]) == 1


def test_a_rejected_op_replayed_is_rejected_again_with_the_same_reason(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    op = update(f"att:{bob.id}", notes="too early")
    first = sync(client, ada, [op])["rejected"]
    assert [r["code"] for r in first] == ["unknown_contact"]
    sync(client, ada, [exchange(bob)])  # now the contact exists; the op id stays rejected
    assert sync(client, ada, [op])["rejected"] == first


def test_an_op_id_used_by_another_attendee_is_duplicate_op_id(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    op = exchange(bob)
    assert sync(client, ada, [op])["acked"] == [op["id"]]
    stolen = {**exchange(ada), "id": op["id"]}
    data = sync(client, bob, [stolen])
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(op["id"], "duplicate_op_id")]
    assert [c["methods"] for c in data["changes"]] == [["reciprocal"]]


def _logged(client: TestClient, op_id: str) -> list[tuple[Any, ...]]:
    sql = "SELECT attendee_id, result, code FROM ops WHERE lower(id) = lower(?)"
    return list(db(client).read().execute(sql, [op_id]).fetchall())


def test_a_rejected_op_id_of_another_attendee_is_duplicate_op_id_not_their_reason(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    op = update(f"att:{bob.id}", notes="too early")  # Ada has no such contact yet
    assert [r["code"] for r in sync(client, ada, [op])["rejected"]] == ["unknown_contact"]
    stolen = {**exchange(ada, note="mine"), "id": op["id"]}
    data = sync(client, bob, [stolen])
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(op["id"], "duplicate_op_id")]
    assert data["acked"] == [] and data["changes"] == []  # Bob's swap did not happen
    assert _logged(client, op["id"]) == [(ada.id, "rejected", "unknown_contact")]


@pytest.mark.parametrize("spelling", [str.upper, str.lower])
def test_an_op_id_of_another_attendee_in_any_case_is_duplicate_op_id(client, register, spelling):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    op = {**exchange(bob), "id": str(uuid.uuid4()).upper()}
    assert sync(client, ada, [op])["acked"] == [op["id"]]
    stolen = {**delete(f"att:{ada.id}"), "id": spelling(op["id"])}
    data = sync(client, bob, [stolen])
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(stolen["id"], "duplicate_op_id")]
    assert contacts_of(client, bob)[f"att:{ada.id}"]["deleted"] is False
    assert _logged(client, op["id"]) == [(ada.id, "applied", None)]
    again = {**op, "id": spelling(op["id"])}  # Ada's own replay, in any case: acked, once
    assert sync(client, ada, [again])["acked"] == [again["id"]]
    assert len(_logged(client, op["id"])) == 1


def test_a_stolen_op_id_changes_nothing_does_not_stop_the_others_and_stays_refused(
    client, register
):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    theirs = update(f"att:{bob.id}", 5, notes="Ada's")
    sync(client, ada, [exchange(bob), theirs])
    contact = f"att:{ada.id}"
    stolen = {**update(contact, 9, notes="stolen", starred=True), "id": theirs["id"]}
    fine = update(contact, 9, tags=["mine"])
    first = sync(client, bob, [stolen, fine])
    assert first["acked"] == [fine["id"]]
    assert [r["code"] for r in first["rejected"]] == ["duplicate_op_id"]
    again = sync(client, bob, [stolen])
    assert again["rejected"] == first["rejected"] and again["acked"] == []
    mine = contacts_of(client, bob)[contact]
    assert (mine["notes"], mine["starred"], mine["tags"]) == ("", False, ["mine"])
    assert contacts_of(client, ada)[f"att:{bob.id}"]["notes"] == "Ada's"


def test_one_op_id_twice_in_a_request_applies_the_first_and_acks_both(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    contact = f"att:{bob.id}"
    sync(client, ada, [exchange(bob)])
    first = update(contact, 5, notes="first")
    second = {**update(contact, 9, notes="second", starred=True), "id": first["id"].upper()}
    data = sync(client, ada, [first, second])
    assert data["acked"] == [first["id"], second["id"]] and data["rejected"] == []
    mine = contacts_of(client, ada)[contact]
    assert (mine["notes"], mine["starred"]) == ("first", False)
    assert _logged(client, first["id"]) == [(ada.id, "applied", None)]


def test_op_ids_may_be_any_uuid_version_in_any_case(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    upper = {**exchange(bob), "id": str(uuid.uuid1()).upper()}
    data = sync(client, ada, [upper])
    assert data["acked"] == [upper["id"]]
    again = sync(client, ada, [{**upper, "id": upper["id"].lower()}])
    assert again["acked"] == [upper["id"].lower()] and again["changes"][0]["methods"] == ["qr"]


def test_every_op_is_logged_with_its_result(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    good, bad = exchange(bob, note="n"), exchange(ada)
    sync(client, ada, [good, bad])
    rows = (
        db(client)
        .read()
        .execute(
            "SELECT id, event_slug, device_id, type, result, code, client_at, at, payload FROM ops"
            " ORDER BY result"
        )
        .fetchall()
    )
    assert [(r[0], r[4], r[5]) for r in rows] == [
        (good["id"], "applied", None),
        (bad["id"], "rejected", "self_exchange"),
    ]
    assert all(r[1] == "devconf" and r[2] == ada.device_id and r[3] == "exchange" for r in rows)
    assert rows[0][6] == good["at"] and rows[0][7] == "2026-03-01T09:00:00.000000Z"
    assert json.loads(rows[0][8])["note"] == "n"


# -- last writer wins ----------------------------------------------------------------------------
def test_a_late_arriving_older_edit_loses_to_the_newer_one(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    sync(client, ada, [exchange(bob), update(cid, 10, notes="newer", starred=True)])
    old_device = str(uuid.uuid4())
    data = sync(client, ada, [update(cid, 5, notes="older", tags=["met"])], device=old_device)
    assert data["rejected"] == [] and len(data["acked"]) == 1
    contact = contacts_of(client, ada)[cid]
    assert contact["notes"] == "newer" and contact["starred"] is True
    assert contact["tags"] == ["met"]  # a field the newer edit did not touch still applies


@pytest.mark.parametrize("winner_first", [True, False])
def test_equal_times_break_ties_by_device_then_op_id(client, register, winner_first):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    sync(client, ada, [exchange(bob)])
    low, high = "00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff"
    # The higher device wins whichever arrives first.
    edits = [(update(cid, 3, notes="high device"), high), (update(cid, 3, notes="low device"), low)]
    for op, device in edits if winner_first else edits[::-1]:
        sync(client, ada, [op], device=device)
    assert contacts_of(client, ada)[cid]["notes"] == "high device"
    # Same time, same device: the higher op id wins.
    big = {**update(cid, 4, follow_up="done"), "id": "ffffffff-0000-4000-8000-000000000000"}
    small = {**update(cid, 4, follow_up="todo"), "id": "00000000-ffff-4000-8000-000000000000"}
    sync(client, ada, [big, small] if winner_first else [small, big], device=low)
    assert contacts_of(client, ada)[cid]["follow_up"] == "done"


def test_times_compare_as_instants_across_offsets(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    later_in_tokyo = {**update(cid, notes="tokyo"), "at": "2026-03-01T18:30:00+09:00"}  # 09:30Z
    earlier_in_utc = {**update(cid, notes="utc"), "at": "2026-03-01T09:20:00Z"}
    sync(client, ada, [exchange(bob), later_in_tokyo, earlier_in_utc])
    assert contacts_of(client, ada)[cid]["notes"] == "tokyo"


def test_a_far_future_clock_counts_as_server_time(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    future = datetime.now(UTC) + timedelta(days=365)
    wrong_clock = {**exchange(bob), "at": future.isoformat()}
    edit = {**update(cid, notes="from the future"), "at": future.isoformat()}
    before = datetime.now(UTC)
    data = sync(client, ada, [wrong_clock, edit])
    after = datetime.now(UTC)
    met = datetime.fromisoformat(data["changes"][0]["met_at"])
    assert before - timedelta(seconds=1) <= met <= after + timedelta(seconds=1)
    fix = {**update(cid, notes="correct clock"), "at": (after + timedelta(seconds=1)).isoformat()}
    sync(client, ada, [fix])
    assert contacts_of(client, ada)[cid]["notes"] == "correct clock"


def test_a_slightly_fast_clock_within_five_minutes_is_kept(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=4)
    data = sync(client, ada, [{**exchange(bob), "at": soon.isoformat()}])
    assert datetime.fromisoformat(data["changes"][0]["met_at"]) == soon


# -- tombstones ----------------------------------------------------------------------------------
def test_delete_is_a_tombstone_and_a_later_exchange_brings_it_back(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    first = sync(client, ada, [exchange(bob), update(cid, 1, notes="keep me", tags=["vip"])])
    gone = sync(client, ada, [delete(cid, 2)], cursor=first["cursor"])
    assert [(c["id"], c["deleted"]) for c in gone["changes"]] == [(cid, True)]
    assert client.get("/api/contacts", headers=ada.headers).json()["contacts"] == []
    stale = sync(client, ada, [exchange(bob, 1.5)], cursor=gone["cursor"])  # older than the delete
    assert all(c["deleted"] for c in stale["changes"])
    back = sync(client, ada, [exchange(bob, 3, method="link")], cursor=stale["cursor"])
    (contact,) = back["changes"]
    assert contact["deleted"] is False
    assert (contact["notes"], contact["tags"]) == ("keep me", ["vip"])
    assert contact["methods"] == ["link", "qr"]
    listed = client.get("/api/contacts", headers=ada.headers).json()["contacts"]
    assert [c["id"] for c in listed] == [cid]


def test_an_older_delete_arriving_late_does_not_remove_a_newer_swap(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    sync(client, ada, [exchange(bob, 0), exchange(bob, 10)])
    sync(client, ada, [delete(cid, 5)], device=str(uuid.uuid4()))
    assert contacts_of(client, ada)[cid]["deleted"] is False


def test_a_reciprocal_swap_does_not_bring_back_a_deleted_contact(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    sync(client, ada, [exchange(bob, 0)])
    assert sync(client, bob, [delete(f"att:{ada.id}", 1)])["acked"]
    sync(client, ada, [exchange(bob, 30)])
    theirs = contacts_of(client, bob)[f"att:{ada.id}"]
    assert theirs["deleted"] is True
    assert client.get("/api/contacts", headers=bob.headers).json()["contacts"] == []


def test_editing_a_deleted_contact_applies_but_leaves_it_deleted(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    sync(client, ada, [exchange(bob), delete(cid, 5)])
    data = sync(client, ada, [update(cid, 3, notes="edited offline")])
    assert data["rejected"] == []
    contact = contacts_of(client, ada)[cid]
    assert contact["deleted"] is True and contact["notes"] == "edited offline"


# -- contact.update fields -----------------------------------------------------------------------
def test_update_sets_every_field(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    fields = {
        "notes": "Ünïcode ✓\nline two",
        "tags": [" lead ", "vip", "lead"],
        "follow_up": "todo",
        "follow_up_on": "2026-03-09",
        "starred": True,
    }
    data = sync(client, ada, [exchange(bob), update(cid, 1, **fields)])
    (contact,) = data["changes"]
    assert contact["notes"] == fields["notes"] and contact["tags"] == ["lead", "vip"]
    assert (contact["follow_up"], contact["follow_up_on"], contact["starred"]) == (
        "todo",
        "2026-03-09",
        True,
    )
    cleared = sync(client, ada, [update(cid, 2, follow_up_on=None, tags=[])], cursor=data["cursor"])
    assert cleared["changes"][0]["follow_up_on"] is None and cleared["changes"][0]["tags"] == []


@pytest.mark.parametrize(
    "fields",
    [
        {"notes": "x" * 10_001},
        {"notes": 5},
        {"tags": "vip"},
        {"tags": [""]},
        {"tags": ["x" * 65]},
        {"tags": [f"t{i}" for i in range(51)]},
        {"tags": [1]},
        {"follow_up": "later"},
        {"follow_up_on": "2026-02-30"},
        {"follow_up_on": "9 March"},
        {"starred": "yes"},
        {"starred": 1},
        {"card": {"fn": "Hacked"}},
        {"deleted": False},
    ],
)
def test_invalid_update_fields_are_rejected_and_change_nothing(client, register, fields):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cid = f"att:{bob.id}"
    first = sync(client, ada, [exchange(bob)])
    op = (
        update(cid, 1, notes="not this", **fields)
        if "notes" not in fields
        else update(cid, 1, starred=True, **fields)
    )
    data = sync(client, ada, [op], cursor=first["cursor"])
    assert [r["code"] for r in data["rejected"]] == ["invalid_field"] and data["changes"] == []


def test_fifty_distinct_tags_are_allowed(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    tags = [f"t{i}" for i in range(50)] + ["t0"]
    data = sync(client, ada, [exchange(bob), update(f"att:{bob.id}", 1, tags=tags)])
    assert data["changes"][0]["tags"] == tags[:50]


# -- malformed ops ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mutate,code",
    [
        (lambda op: {**op, "type": "contact.merge"}, "invalid_op"),
        (lambda op: {k: v for k, v in op.items() if k != "type"}, "invalid_op"),
        (lambda op: {**op, "at": "2026-03-01T09:00:00"}, "invalid_field"),  # no offset
        (lambda op: {**op, "at": "yesterday"}, "invalid_field"),
        (lambda op: {k: v for k, v in op.items() if k != "at"}, "invalid_field"),
        (lambda op: {**op, "method": "telepathy"}, "invalid_field"),
        (lambda op: {**op, "method": "reciprocal"}, "invalid_field"),
        (lambda op: {**op, "card_token": 42}, "invalid_token"),
        (lambda op: {**op, "card_token": "not-a-token"}, "invalid_token"),
        (lambda op: {**op, "note": ["x"]}, "invalid_field"),
        (lambda op: {k: v for k, v in op.items() if k != "card_token"}, "invalid_field"),
    ],
)
def test_malformed_ops_are_rejected_with_a_code(client, register, mutate, code):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    bad, good = mutate(exchange(bob)), exchange(register("Cy Young"))
    data = sync(client, ada, [bad, good])
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(bad["id"], code)]
    assert data["acked"] == [good["id"]]


@pytest.mark.parametrize(
    "bad_op",
    [
        "exchange",
        17,
        None,
        [],
        {"type": "exchange"},
        {"id": "not-a-uuid", "type": "exchange"},
        {"id": 12345, "type": "exchange"},
    ],
)
def test_ops_without_a_uuid_id_are_invalid_op(client, register, bad_op):
    ada = register("Ada Lovelace")
    data = sync(client, ada, [bad_op])
    (rejected,) = data["rejected"]
    assert rejected["code"] == "invalid_op" and rejected["message"]


def test_unknown_contact_and_isolation_between_attendees(client, register):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Babbage"), register("Cy Young")
    sync(client, ada, [exchange(bob)])
    cid = f"att:{bob.id}"
    attack = sync(
        client,
        cy,
        [update(cid, 9, notes="mine now"), delete(cid, 9), update("att:nobody", notes="x")],
    )
    assert [r["code"] for r in attack["rejected"]] == ["unknown_contact"] * 3
    assert attack["changes"] == []
    assert contacts_of(client, ada)[cid]["notes"] == ""
    assert client.get("/api/contacts", headers=cy.headers).json()["contacts"] == []
    assert [
        c["id"] for c in client.get("/api/contacts", headers=bob.headers).json()["contacts"]
    ] == [f"att:{ada.id}"]


# -- the change feed -----------------------------------------------------------------------------
def test_changes_page_at_500_with_more_and_the_cursor(client, register):
    ada = register("Ada Lovelace")
    others = [register(f"Person {i}") for i in range(501)]
    first = sync(client, ada, [exchange(o, i / 100) for i, o in enumerate(others[:500])])
    assert len(first["acked"]) == 500 and len(first["changes"]) == 500 and first["more"] is False
    second = sync(client, ada, [exchange(others[500], 9)])
    assert second["more"] is True and len(second["changes"]) == 500  # cursor null: from the start
    assert second["changes"][0]["id"] == f"att:{others[0].id}"
    third = sync(client, ada, cursor=second["cursor"])
    assert third["more"] is False
    assert [c["id"] for c in third["changes"]] == [f"att:{others[500].id}"]
    fourth = sync(client, ada, cursor=third["cursor"])
    assert fourth["changes"] == [] and fourth["more"] is False
    seen = [c["id"] for c in second["changes"] + third["changes"]]
    assert len(set(seen)) == 501


def test_each_sync_returns_only_what_changed_since_the_cursor_oldest_first(client, register):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Babbage"), register("Cy Young")
    first = sync(client, ada, [exchange(bob), exchange(cy)])
    assert [c["id"] for c in first["changes"]] == [f"att:{bob.id}", f"att:{cy.id}"]
    second = sync(client, ada, [update(f"att:{bob.id}", 1, starred=True)], cursor=first["cursor"])
    assert [c["id"] for c in second["changes"]] == [f"att:{bob.id}"]
    assert second["changes"][0]["updated_at"] >= first["changes"][0]["updated_at"]
    # a change made by someone else (a reciprocal) reaches the feed too
    sync(client, cy, [exchange(ada, 2)])
    third = sync(client, ada, cursor=second["cursor"])
    assert [c["id"] for c in third["changes"]] == [f"att:{cy.id}"]
    assert third["changes"][0]["methods"] == ["qr", "reciprocal"]


@pytest.mark.parametrize("cursor", ["garbage", "", 42, {"seq": 1}])
def test_a_cursor_we_did_not_issue_is_400(client, register, cursor):
    ada = register("Ada Lovelace")
    response = client.post(
        "/api/sync",
        json={"device_id": ada.device_id, "cursor": cursor, "ops": []},
        headers=ada.headers,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_another_attendees_cursor_is_400_and_nothing_is_applied(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    cursor = sync(client, ada)["cursor"]
    op = exchange(ada)
    response = client.post(
        "/api/sync",
        json={"device_id": bob.device_id, "cursor": cursor, "ops": [op]},
        headers=bob.headers,
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    assert contacts_of(client, bob) == {}


# -- the request ---------------------------------------------------------------------------------
def test_more_than_500_ops_is_413_and_nothing_is_applied(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    ops = [exchange(bob)] + [update(f"att:{bob.id}", 1, notes=str(i)) for i in range(500)]
    response = client.post(
        "/api/sync",
        json={"device_id": ada.device_id, "cursor": None, "ops": ops},
        headers=ada.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_ops"
    assert contacts_of(client, ada) == {}


def test_without_a_session_it_is_401(client, register):
    ada = register("Ada Lovelace")
    body = {"device_id": ada.device_id, "cursor": None, "ops": []}
    assert client.post("/api/sync", json=body).status_code == 401
    bad = client.post("/api/sync", json=body, headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"


def test_a_deleted_attendees_session_is_401(client, register):
    ada = register("Ada Lovelace")
    assert client.delete("/api/me", headers=ada.headers).status_code == 204
    sync(client, ada, status=401)


def test_wrong_content_type_is_415_and_bad_json_is_400(client, register):
    ada = register("Ada Lovelace")
    text = client.post(
        "/api/sync", content=b"{}", headers={**ada.headers, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415 and text.json()["error"]["code"] == "unsupported_media_type"
    broken = client.post(
        "/api/sync", content=b"{nope", headers={**ada.headers, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed"
    array = client.post("/api/sync", json=[], headers=ada.headers)
    assert array.status_code == 400


@pytest.mark.parametrize(
    "body,field",
    [
        ({"cursor": None, "ops": []}, "device_id"),
        ({"device_id": "phone-1", "cursor": None, "ops": []}, "device_id"),
        ({"device_id": 7, "cursor": None, "ops": []}, "device_id"),
        ({"device_id": str(uuid.uuid4()), "cursor": None, "ops": {"id": "x"}}, "ops"),
    ],
)
def test_bad_device_id_or_ops_is_422(client, register, body, field):
    ada = register("Ada Lovelace")
    response = client.post("/api/sync", json=body, headers=ada.headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_a_new_device_id_is_recorded_never_refused(client, register):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    reinstall = str(uuid.uuid4())
    assert sync(client, ada, [exchange(bob)], device=reinstall)["acked"]
    devices = (
        db(client)
        .read()
        .execute("SELECT id FROM devices WHERE attendee_id = ? ORDER BY created_at", [ada.id])
        .fetchall()
    )
    assert [d[0] for d in devices] == [ada.device_id, reinstall]


def test_cookie_session_works_from_our_origin_only(client, register):
    ada = register("Ada Lovelace")
    body = {"device_id": ada.device_id, "cursor": None, "ops": []}
    client.cookies.set("cardswap_session", ada.token)
    try:
        ok = client.post("/api/sync", json=body, headers={"Origin": BASE_URL})
        assert ok.status_code == 200
        foreign = client.post("/api/sync", json=body, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
    finally:
        client.cookies.clear()


def test_a_crash_mid_request_leaves_nothing_half_applied(client, register, engine):
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    good, doomed = exchange(bob), update(f"att:{bob.id}", 1, notes="never")
    # A real failure inside the transaction: the database refuses to log the second op.
    if engine == "sqlite":
        db(client).read().execute(
            f"CREATE TRIGGER boom BEFORE INSERT ON ops WHEN NEW.id = '{doomed['id']}'"
            " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        failure: type[Exception] = sqlite3.IntegrityError
    else:
        db(client).read().execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF NEW.id = '{doomed['id']}' THEN RAISE EXCEPTION 'disk on fire'; END IF;"
            " RETURN NEW; END $$; CREATE TRIGGER boom BEFORE INSERT ON ops"
            " FOR EACH ROW EXECUTE FUNCTION boom()"
        )
        failure = psycopg.errors.RaiseException
    with pytest.raises(failure):
        client.post(
            "/api/sync",
            json={"device_id": ada.device_id, "cursor": None, "ops": [good, doomed]},
            headers=ada.headers,
        )
    store = db(client).read()
    assert store.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert store.execute("SELECT count(*) FROM ops").fetchone()[0] == 0
    db(client).read().execute("DROP TRIGGER boom" + ("" if engine == "sqlite" else " ON ops"))
    assert sync(client, ada, [good])["acked"] == [good["id"]]


def test_sync_is_rate_limited_per_attendee_and_device(tmp_path):
    app = create_app(make_settings(tmp_path / "limited.db", sync_rate_per_minute=3))
    with TestClient(app, base_url=BASE_URL) as client:
        event = client.post("/api/admin/events", json={"slug": "ev", "name": "Ev"}, headers=ADMIN)
        body = {
            "join_code": event.json()["join_code"],
            "card": {"fn": "Ada Lovelace"},
            "device_id": str(uuid.uuid4()),
        }
        token = client.post("/api/events/ev/attendees", json=body).json()["token"]
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}"}
        device = str(uuid.uuid4())
        request = {"device_id": device, "cursor": None, "ops": []}
        codes = [
            client.post("/api/sync", json=request, headers=headers).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        other_device = {**request, "device_id": str(uuid.uuid4())}
        assert client.post("/api/sync", json=other_device, headers=headers).status_code == 200


# -- foreign cards -------------------------------------------------------------------------------
VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
    "ORG:Navy\\, Reserve\r\nEMAIL:grace@navy.example\r\nEMAIL:gh@cobol.example\r\n"
    "TEL:+1 555 0100\r\nNOTE:Compilers\\, bugs\\nand moths\r\nEND:VCARD\r\n"
)


def foreign(text: str = VCARD, minutes: float = 0, method: str = "qr", **extra: Any) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": method,
        "contact_id": f"ext:{uuid.uuid4()}",
        "vcard": text,
        "at": at(minutes),
        **extra,
    }


def test_a_foreign_vcard_becomes_an_unverified_contact_with_its_text_kept(client, register):
    ada = register("Ada Lovelace")
    op = foreign(note="met at the coffee line")
    data = sync(client, ada, [op])
    assert data["acked"] == [op["id"]]
    (contact,) = data["changes"]
    assert contact["id"] == op["contact_id"] and contact["verified"] is False
    card = contact["card"]
    assert card["fn"] == "Grace Hopper" and card["org"] == "Navy, Reserve"
    assert card["emails"] == ["grace@navy.example", "gh@cobol.example"]
    assert card["note"] == "Compilers, bugs\nand moths"
    assert contact["methods"] == ["qr"] and contact["notes"] == "met at the coffee line"
    stored = (
        db(client)
        .read()
        .execute(
            "SELECT vcard, linked_attendee_id FROM contacts WHERE contact_id = ?",
            [op["contact_id"]],
        )
        .fetchone()
    )
    assert stored == (VCARD, None)
    edit = update(op["contact_id"], 1, tags=["navy"])
    assert sync(client, ada, [edit])["acked"] == [edit["id"]]
    listed = client.get("/api/contacts", params={"tag": "navy"}, headers=ada.headers).json()
    assert [c["id"] for c in listed["contacts"]] == [op["contact_id"]]


def test_a_typed_in_mecard_is_accepted(client, register):
    ada = register("Ada Lovelace")
    op = foreign("MECARD:N:Doe,Jane;TEL:+15550100;EMAIL:jane@example.org;;", method="manual")
    (contact,) = sync(client, ada, [op])["changes"]
    assert contact["card"]["fn"] and contact["card"]["emails"] == ["jane@example.org"]
    assert contact["methods"] == ["manual"]


@pytest.mark.parametrize(
    "mutate,code",
    [
        (lambda op: {**op, "vcard": "hello, I am not a card"}, "invalid_vcard"),
        (lambda op: {**op, "vcard": "BEGIN:VCARD\r\nVERSION:3.0\r\n"}, "invalid_vcard"),
        (
            lambda op: {**op, "vcard": VCARD.replace("NOTE:", "NOTE:" + "x" * 17000)},
            "invalid_field",
        ),
        (lambda op: {**op, "vcard": None}, "invalid_field"),
        (lambda op: {**op, "contact_id": "ext:not-a-uuid"}, "invalid_field"),
        (lambda op: {**op, "contact_id": f"att:{uuid.uuid4()}"}, "invalid_field"),
        (lambda op: {**op, "method": "link"}, "invalid_field"),
    ],
)
def test_bad_foreign_cards_are_rejected(client, register, mutate, code):
    ada = register("Ada Lovelace")
    bad, good = mutate(foreign()), foreign()
    data = sync(client, ada, [bad, good])
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(bad["id"], code)]
    assert [c["id"] for c in data["changes"]] == [good["contact_id"]]


def test_rescanning_a_foreign_card_refreshes_it_and_keeps_the_first_meeting(client, register):
    ada = register("Ada Lovelace")
    first = foreign(minutes=10)
    sync(client, ada, [first])
    newer = {
        **foreign(VCARD.replace("Navy\\, Reserve", "Yale"), 20),
        "contact_id": first["contact_id"],
    }
    older = {
        **foreign(VCARD.replace("Navy\\, Reserve", "Harvard"), 5),
        "contact_id": first["contact_id"],
    }
    (contact,) = sync(client, ada, [newer, older])["changes"]
    assert contact["card"]["org"] == "Yale"
    assert datetime.fromisoformat(contact["met_at"]) == T0 + timedelta(minutes=5)


def test_the_card_url_in_any_letter_case_works_as_the_token(client, register):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Babbage"), register("Cy Young")
    data = sync(
        client,
        ada,
        [
            {**exchange(bob), "card_token": bob.card_url},
            {**exchange(cy), "card_token": cy.card_url.upper()},
        ],
    )
    assert len(data["acked"]) == 2 and data["rejected"] == []
