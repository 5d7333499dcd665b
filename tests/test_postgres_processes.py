"""Several `cardswap serve` processes on one PostgreSQL database (DESIGN.md section 9).

Three real server processes share one schema. They start together (the migrations and the demo
event are made once), then phones sync through all of them at once: two devices per attendee,
every batch delivered to a random process and often a second time to another one at the same
moment, a reader following one attendee's change feed while the storm goes on, and one process
SIGKILLed in the middle. Afterwards nothing is lost or doubled (read from the database, not
through the API under test), every swap is mutual, both devices of each attendee converge, and
the reader that followed the feed holds exactly what a fresh full read returns.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest

from server.storage.pg_migrations import MIGRATIONS
from tests import pg
from tests.conftest import ADMIN
from tests.live_server import LiveServer
from tests.server_state import read_rows

pytestmark = pytest.mark.slow
PROCESSES = 3
PEOPLE = 10


class Cluster:
    """The processes and the URL of their shared schema."""

    def __init__(self, url: str, servers: list[LiveServer]) -> None:
        self.url = url
        self.servers = servers
        self.down: set[int] = set()

    def live(self) -> list[LiveServer]:
        return [s for i, s in enumerate(self.servers) if i not in self.down]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    schema, url = pg.create_schema()
    servers = [
        LiveServer(db_path=tmp_path / f"p{i}.db", db=url, env={"CARDSWAP_PROCESSES": "3"})
        for i in range(PROCESSES)
    ]
    try:
        with ThreadPoolExecutor(PROCESSES) as pool:  # all at once: the migrations race
            list(pool.map(lambda server: server.start(), servers))
        yield Cluster(url, servers)
    finally:
        for server in servers:
            server.stop(kill=True)
        pg.drop_schema(schema)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _register(base: str, event: dict[str, Any], fn: str) -> dict[str, Any]:
    body = {"join_code": event["join_code"], "card": {"fn": fn}, "device_id": str(uuid.uuid4())}
    with httpx2.Client(base_url=base, timeout=30) as http:
        response = http.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return {
        "id": data["attendee"]["id"],
        "headers": {"Authorization": f"Bearer {data['token']}"},
        "card_token": data["card_url"].rsplit("/c/", 1)[1],
        "devices": [body["device_id"], str(uuid.uuid4())],
    }


class Phones:
    """Sends batches through the cluster as phones do: to any live process, again on failure."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.statuses: list[int] = []
        self.lock = threading.Lock()

    def post(self, who: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/sync until a process answers (a killed one refuses the connection)."""
        for _ in range(200):
            server = random.choice(self.cluster.live())
            try:
                with httpx2.Client(base_url=server.url, timeout=60) as http:
                    response = http.post("/api/sync", json=body, headers=who["headers"])
            except httpx2.TransportError:
                time.sleep(0.05)  # that process died mid-request: the phone tries again
                continue
            with self.lock:
                self.statuses.append(response.status_code)
            if response.status_code == 200:
                return dict(response.json())
            time.sleep(0.05)
        raise AssertionError("no process answered the sync")

    def full_read(self, who: dict[str, Any], device: str) -> dict[str, dict[str, Any]]:
        """Every contact of `who` from an empty cursor, page by page."""
        contacts: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            answer = self.post(who, {"device_id": device, "cursor": cursor, "ops": []})
            contacts.update({c["id"]: c for c in answer["changes"]})
            cursor = answer["cursor"]
            if not answer["more"]:
                return contacts


def _batches(person: dict[str, Any], people: list[dict[str, Any]], rng: random.Random) -> list:
    """Per device, a batch of swaps with the same six others (some with a note), then a batch
    of edits of those contacts: the first device sets follow_up, the second stars and tags them,
    so both devices write the same rows at the same time and each field has one writer."""
    others = rng.sample([p for p in people if p is not person], 6)
    person["follow_up"] = {other["id"]: rng.choice(["todo", "done"]) for other in others}
    person["others"] = [other["id"] for other in others]
    swaps, edits = [], []
    for number, device in enumerate(person["devices"]):
        ops = [
            {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "method": "qr",
                "card_token": other["card_token"],
                "at": _now(),
                **(
                    {"note": f"met {other['id'][:4]} on {device[:4]}"} if rng.random() < 0.5 else {}
                ),
            }
            for other in others
        ]
        swaps.append((person, device, ops))
        change = (
            (lambda other: {"follow_up": person["follow_up"][other["id"]]})
            if number == 0
            else (lambda other: {"starred": True, "tags": ["storm"]})
        )
        ops = [
            {
                "id": str(uuid.uuid4()),
                "type": "contact.update",
                "contact_id": f"att:{other['id']}",
                "at": _now(),
                "set": change(other),
            }
            for other in others
        ]
        edits.append((person, device, ops))
    return swaps + edits


def test_migrations_and_the_demo_event_are_made_once_when_processes_start_together(cluster):
    names = read_rows(cluster.url, "SELECT name FROM cardswap_migrations ORDER BY name")
    assert names == sorted((name,) for name, _ in MIGRATIONS)
    assert read_rows(cluster.url, "SELECT count(*) FROM events") == [(1,)]  # the demo event
    for server in cluster.servers:
        assert "Traceback" not in server.log_path.read_text()


def test_a_storm_through_three_processes_with_one_killed_loses_and_doubles_nothing(cluster):
    rng = random.Random(20261201)
    base = cluster.servers[0].url
    with httpx2.Client(base_url=base, timeout=30) as http:
        created = http.post(
            "/api/admin/events", json={"slug": "storm", "name": "Storm"}, headers=ADMIN
        )
    assert created.status_code == 201, created.text
    event = created.json()
    people = [
        _register(cluster.servers[i % PROCESSES].url, event, f"Person {i}") for i in range(PEOPLE)
    ]
    phones = Phones(cluster)
    batches = _batches_for_all(people, rng)
    reader, reader_device = people[0], str(uuid.uuid4())
    followed: dict[str, dict[str, Any]] = {}
    storm_over = threading.Event()

    def follow() -> None:
        """A third device of person 0 pulls the feed during the storm, keeping its cursor."""
        cursor = None
        while True:
            over = storm_over.is_set()
            answer = phones.post(reader, {"device_id": reader_device, "cursor": cursor, "ops": []})
            followed.update({c["id"]: c for c in answer["changes"]})
            cursor = answer["cursor"]
            if over and not answer["more"]:
                return

    def deliver(batch: tuple[dict[str, Any], str, list[dict[str, Any]]]) -> None:
        person, device, ops = batch
        body = {"device_id": device, "cursor": None, "ops": ops}
        copies = 2 if rng.random() < 0.6 else 1  # duplicate delivery, at the same moment
        with ThreadPoolExecutor(copies) as pool:
            answers = list(pool.map(lambda _: phones.post(person, body), range(copies)))
        for answer in answers:
            assert answer["acked"] == [op["id"] for op in ops], answer["rejected"]

    follower = threading.Thread(target=follow)
    follower.start()
    swaps = [b for b in batches if b[2][0]["type"] == "exchange"]
    edits = [b for b in batches if b[2][0]["type"] == "contact.update"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(deliver, swaps[: len(swaps) // 2]))
        killing = pool.submit(_kill_one_mid_storm, cluster, 1)
        list(pool.map(deliver, swaps[len(swaps) // 2 :]))
        killing.result()
        list(pool.map(deliver, edits))
    storm_over.set()
    follower.join(timeout=120)
    assert not follower.is_alive()

    assert [s for s in phones.statuses if s >= 500] == []
    sent = [op for _, _, ops in batches for op in ops]
    logged = read_rows(cluster.url, "SELECT id, result, count(*) FROM ops GROUP BY id, result")
    assert sorted(logged) == sorted((op["id"], "applied", 1) for op in sent)
    pairs = set(read_rows(cluster.url, "SELECT owner_id, contact_id FROM contacts"))
    for person, _, ops in swaps:
        for op in ops:
            other = next(p for p in people if p["card_token"] == op["card_token"])
            assert (person["id"], f"att:{other['id']}") in pairs
            assert (other["id"], f"att:{person['id']}") in pairs  # mutual
    for person in people:  # both devices' edits of the same rows at once: neither is lost
        first, second = (phones.full_read(person, device) for device in person["devices"])
        assert first == second
        for other_id in person["others"]:
            contact = first[f"att:{other_id}"]
            assert contact["follow_up"] == person["follow_up"][other_id]
            assert contact["starred"] is True and contact["tags"] == ["storm"]
    assert followed == phones.full_read(reader, reader_device)


def _batches_for_all(people: list[dict[str, Any]], rng: random.Random) -> list:
    out = []
    for person in people:
        out += _batches(person, people, rng)
    return out


def _kill_one_mid_storm(cluster: Cluster, index: int) -> None:
    """SIGKILL one process while requests are in flight, then start it again."""
    time.sleep(0.3)
    cluster.down.add(index)
    cluster.servers[index].stop(kill=True)
    cluster.servers[index].start()
    cluster.down.discard(index)


def _at_once(servers: list[LiveServer], count: int, send: Any) -> list[httpx2.Response]:
    """`send(http)` `count` times at the same moment (a barrier), spread over the processes."""
    ready = threading.Barrier(count)

    def one(server: LiveServer) -> httpx2.Response:
        with httpx2.Client(base_url=server.url, timeout=60) as http:
            ready.wait(30)
            return send(http)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, [servers[i % len(servers)] for i in range(count)]))


def test_a_slug_a_sign_in_link_and_an_imported_email_are_each_used_once(cluster):
    """The same request reaching every process at once: the key decides, never a read."""
    made = _at_once(
        cluster.servers,
        6,
        lambda http: http.post(
            "/api/admin/events", json={"slug": "once", "name": "Once"}, headers=ADMIN
        ),
    )
    assert sorted(r.status_code for r in made) == [201] + [409] * 5
    event = next(r.json() for r in made if r.status_code == 201)

    # long enough that the six imports' transactions overlap
    csv = "email,name\n" + "".join(f"p{n}@example.org,Person {n}\n" for n in range(300))
    imported = _at_once(
        cluster.servers,
        6,
        lambda http: http.post(
            "/api/admin/events/once/attendees.csv",
            content=csv.encode(),
            headers={**ADMIN, "Content-Type": "text/csv"},
        ),
    )
    assert [r.status_code for r in imported] == [200] * 6, [r.text for r in imported]
    emails = read_rows(
        cluster.url,
        "SELECT email, count(*) FROM attendees WHERE event_slug = 'once' GROUP BY email",
    )
    assert sorted(emails) == sorted((f"p{n}@example.org", 1) for n in range(300))

    ada = _register(cluster.servers[0].url, event, "Ada")
    with httpx2.Client(base_url=cluster.servers[0].url, timeout=30) as http:
        link = http.post("/api/me/devices", headers=ada["headers"]).json()["sign_in_url"]
    path = link.split("/signin/", 1)[1]
    used = _at_once(
        cluster.servers, 6, lambda http: http.get(f"/signin/{path}", follow_redirects=False)
    )
    assert sorted(r.status_code for r in used) == [303] + [401] * 5
