"""The sync path through a real `cardswap serve` (uvicorn on 127.0.0.1): duplicate deliveries,
concurrent retries and a server restart between sends keep every swap exactly once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from tests.conftest import ADMIN, LiveServer
from tests.server_state import read_rows

pytestmark = pytest.mark.slow


def _register(http: httpx2.Client, event: dict[str, Any], fn: str) -> dict[str, Any]:
    device = str(uuid.uuid4())
    body = {"join_code": event["join_code"], "card": {"fn": fn}, "device_id": device}
    response = http.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201, response.text
    http.cookies.clear()
    data = response.json()
    return {
        "id": data["attendee"]["id"],
        "device": device,
        "headers": {"Authorization": f"Bearer {data['token']}"},
        "card_token": data["card_url"].rsplit("/c/", 1)[1],
    }


def _sync(
    http: httpx2.Client, who: dict[str, Any], ops: list[Any], cursor: str | None = None
) -> dict[str, Any]:
    body = {"device_id": who["device"], "cursor": cursor, "ops": ops}
    response = http.post("/api/sync", json=body, headers=who["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return dict(response.json())


def _exchange(token: str, note: str | None = None) -> dict[str, Any]:
    op = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": "qr",
        "card_token": token,
        "at": datetime.now(UTC).isoformat(),
    }
    if note:
        op["note"] = note
    return op


@pytest.fixture
def people(live_server: LiveServer) -> tuple[dict[str, Any], dict[str, Any]]:
    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        created = http.post(
            "/api/admin/events", json={"slug": "live", "name": "Live"}, headers=ADMIN
        )
        assert created.status_code == 201, created.text
        event = created.json()
        return _register(http, event, "Ada Lovelace"), _register(http, event, "Bob Babbage")


def test_swap_survives_duplicate_delivery_and_a_restart(live_server, people):
    ada, bob = people
    ops = [_exchange(bob["card_token"], note="met at the live test")]
    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        first = _sync(http, ada, ops)
        assert first["acked"] == [ops[0]["id"]] and len(first["changes"]) == 1
        again = _sync(http, ada, ops, cursor=first["cursor"])  # the response was lost; resend
        assert again["acked"] == [ops[0]["id"]] and again["changes"] == []

    live_server.stop()
    live_server.start()

    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        after = _sync(http, ada, ops, cursor=again["cursor"])  # still acked, still once
        assert after["acked"] == [ops[0]["id"]] and after["changes"] == []
        edit = {
            "id": str(uuid.uuid4()),
            "type": "contact.update",
            "contact_id": f"att:{bob['id']}",
            "at": datetime.now(UTC).isoformat(),
            "set": {"follow_up": "todo"},
        }
        edited = _sync(http, ada, [edit], cursor=after["cursor"])
        (contact,) = edited["changes"]
        assert contact["notes"] == "met at the live test" and contact["follow_up"] == "todo"
        theirs = _sync(http, bob, [])
        assert [(c["id"], c["methods"]) for c in theirs["changes"]] == [
            (f"att:{ada['id']}", ["reciprocal"])
        ]
        listed = http.get("/api/contacts", headers=ada["headers"]).json()["contacts"]
        assert [c["id"] for c in listed] == [f"att:{bob['id']}"]


def test_a_killed_server_loses_no_acked_op(live_server, people):
    ada, bob = people
    ops = [_exchange(bob["card_token"])]
    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        acked = _sync(http, ada, ops)["acked"]
    live_server.stop(kill=True)
    live_server.start()
    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        assert _sync(http, ada, ops)["acked"] == acked
        assert [c["id"] for c in _sync(http, ada, [])["changes"]] == [f"att:{bob['id']}"]


def test_concurrent_retries_of_one_batch_apply_it_once(live_server, people):
    ada, bob = people
    ops = [_exchange(bob["card_token"])]
    body = {"device_id": ada["device"], "cursor": None, "ops": ops}

    def send(_: int) -> httpx2.Response:
        with httpx2.Client(base_url=live_server.url, timeout=20) as http:
            return http.post("/api/sync", json=body, headers=ada["headers"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, range(6)))
    assert [r.status_code for r in responses] == [200] * 6
    assert all(r.json()["acked"] == [ops[0]["id"]] for r in responses)
    with httpx2.Client(base_url=live_server.url, timeout=10) as http:
        theirs = _sync(http, bob, [])["changes"]
        assert [c["methods"] for c in theirs] == [["reciprocal"]]
    # the op log (and so the stats) has it once
    logged = read_rows(live_server.database, "SELECT result FROM ops WHERE id = ?", [ops[0]["id"]])
    assert logged == [("applied",)]
