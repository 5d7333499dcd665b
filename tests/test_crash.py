"""Crash safety with a real process: a uvicorn server is killed with SIGKILL at random moments
while devices push 500-op batches, restarted on the same SQLite file, and the devices resend
whatever they have no ack for. Afterwards every op is in the log exactly once and applied, every
swap made exactly one contact (mutual ones on both sides), each device's replica built from the
change feed equals the server, and the file passes `PRAGMA integrity_check` after every kill.

CARDSWAP_CRASH_ITERATIONS sets the number of kills (8 by default; scripts/soak raises it).
Every random choice (ops, their ids, the moments of the kills) comes from one seed, printed when
the test starts and added to any failure: CARDSWAP_CRASH_SEED=<seed> runs the same choices again
(the kills still land wherever the scheduler has got to by then).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.conftest import ADMIN, LiveServer, free_port

ITERATIONS = int(os.environ.get("CARDSWAP_CRASH_ITERATIONS", "8"))
SEED = int(os.environ.get("CARDSWAP_CRASH_SEED") or random.randrange(1 << 30))
BATCH = 500
DEVICES = 3


def _replay() -> str:
    return (
        f"crash test seed {SEED}: replay with CARDSWAP_CRASH_SEED={SEED} "
        f"CARDSWAP_CRASH_ITERATIONS={ITERATIONS}"
    )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _vcard(name: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:{name.lower()}@x.example\r\nEND:VCARD"


@dataclass
class Device:
    """One install: its attendee's session, an outbox of unacked ops, a cursor and a replica."""

    name: str
    attendee_id: str
    token: str
    card_token: str
    device_id: str
    outbox: list[dict[str, Any]] = field(default_factory=list)
    cursor: str | None = None
    replica: dict[str, dict[str, Any]] = field(default_factory=dict)
    made: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    cut_off: int = 0  # requests whose connection died with the server
    in_flight: bool = False

    def sync_once(self, client: httpx.Client) -> bool:
        """One request with the head of the outbox; False when the server was unreachable."""
        batch = self.outbox[:BATCH]
        body = {"device_id": self.device_id, "cursor": self.cursor, "ops": batch}
        self.requests += 1
        self.in_flight = bool(batch)
        try:
            response = client.post(
                "/api/sync", json=body, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.TransportError:
            self.cut_off += 1
            return False
        finally:
            self.in_flight = False
        if response.status_code == 429:
            time.sleep(float(response.headers.get("retry-after", "1")))
            return True
        assert response.status_code == 200, response.text
        data = response.json()
        done = set(data["acked"]) | {r["id"] for r in data["rejected"]}
        self.rejected.extend(data["rejected"])
        self.outbox = [op for op in self.outbox if op["id"] not in done]
        for contact in data["changes"]:
            self.replica[contact["id"]] = contact
        self.cursor = data["cursor"]
        if not batch and not data["more"]:
            return True
        return True

    def drain(self, url: str, stop: threading.Event, errors: list[BaseException]) -> None:
        """Push until the outbox is empty (retrying through crashes), then pull until idle."""
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                while not stop.is_set():
                    if not self.sync_once(client):
                        time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)


def _ops_for(device: Device, others: list[Device], rng: random.Random) -> list[dict[str, Any]]:
    """500 ops: foreign cards (each a new contact), swaps with other attendees, and edits."""
    now = datetime.now(UTC).isoformat()
    ops: list[dict[str, Any]] = []
    for _ in range(BATCH):
        kind = rng.random()
        op_id = _uuid(rng)
        if kind < 0.6 or not device.made:
            contact = f"ext:{_uuid(rng)}"
            ops.append({"id": op_id, "type": "exchange", "at": now, "method": "manual",
                        "contact_id": contact, "vcard": _vcard(f"P{op_id[:8]}")})  # fmt: skip
        elif kind < 0.8:
            other = rng.choice(others)
            ops.append({"id": op_id, "type": "exchange", "at": now, "method": "qr",
                        "card_token": other.card_token})  # fmt: skip
            contact = f"att:{other.attendee_id}"
        else:
            contact = rng.choice(device.made)["contact"]
            ops.append({"id": op_id, "type": "contact.update", "at": now, "contact_id": contact,
                        "set": {"tags": [f"t{rng.randrange(5)}"], "starred": True}})  # fmt: skip
        device.made.append({"id": op_id, "contact": contact, "type": ops[-1]["type"]})
    return ops


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _setup(server: LiveServer, rng: random.Random) -> list[Device]:
    devices = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        event = client.post(
            "/api/admin/events", json={"slug": "crash", "name": "Crash"}, headers=ADMIN
        ).json()
        for i in range(DEVICES):
            device_id = _uuid(rng)
            body = {"join_code": event["join_code"], "card": {"fn": f"Person {i}"},
                    "device_id": device_id}  # fmt: skip
            data = client.post("/api/events/crash/attendees", json=body).json()
            devices.append(
                Device(
                    f"d{i}",
                    data["attendee"]["id"],
                    data["token"],
                    data["card_url"].rsplit("/c/", 1)[1],
                    device_id,
                )  # fmt: skip
            )
    return devices


def test_sigkill_mid_batch_loses_nothing_and_applies_each_op_once(tmp_path: Path) -> None:
    print(f"\n{_replay()}")  # before anything can fail: pytest shows it with the failure
    try:
        _crash_and_check(tmp_path)
    except BaseException as exc:
        exc.add_note(_replay())  # in the failure's own report too, beside the assertion
        raise


def _crash_and_check(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    server = LiveServer(db_path=tmp_path / "crash.db", port=free_port())
    server.start()
    devices = _setup(server, rng)
    kills_mid_request = 0
    try:
        for _ in range(ITERATIONS):
            for device in devices:
                device.outbox.extend(_ops_for(device, [d for d in devices if d is not device], rng))
            stop, errors = threading.Event(), []
            cut_before = sum(d.cut_off for d in devices)
            threads = [
                threading.Thread(target=d.drain, args=(server.url, stop, errors)) for d in devices
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.0, 0.3))
            wait_until = time.monotonic() + 5
            while not any(d.in_flight for d in devices) and time.monotonic() < wait_until:
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.05))  # somewhere inside a batch being applied
            server.stop(kill=True)
            assert _integrity(server.db_path) == "ok"
            server.start()
            deadline = time.monotonic() + 120
            while any(d.outbox for d in devices) and time.monotonic() < deadline:
                time.sleep(0.02)
            stop.set()
            for thread in threads:
                thread.join()
            assert not errors, errors
            if sum(d.cut_off for d in devices) > cut_before:
                kills_mid_request += 1
        # Quiescence: every device pulls the feed until it has everything.
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for device in devices:
                for _ in range(50):
                    before = device.cursor
                    device.sync_once(client)
                    if device.cursor == before:
                        break
            server_contacts = {
                d.name: {
                    c["id"]: c
                    for c in client.get(
                        "/api/contacts", headers={"Authorization": f"Bearer {d.token}"}
                    ).json()["contacts"]
                }
                for d in devices
            }
    finally:
        server.stop()
    assert kills_mid_request >= 1, "no kill hit a request in flight"
    _check(server.db_path, devices, server_contacts)
    ops, requests = sum(len(d.made) for d in devices), sum(d.requests for d in devices)
    print(
        f"crash: seed {SEED}, {ITERATIONS} kills ({kills_mid_request} mid-request), "
        f"{ops} ops, {requests} requests"
    )


def _check(db: Path, devices: list[Device], server_contacts: dict[str, Any]) -> None:
    assert _integrity(db) == "ok"
    conn = sqlite3.connect(str(db))
    try:
        log = {
            op_id: (attendee, result)
            for op_id, attendee, result in conn.execute("SELECT id, attendee_id, result FROM ops")
        }
        total = conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]
    finally:
        conn.close()
    made = [(d, op) for d in devices for op in d.made]
    assert total == len(log) == len(made)  # each op logged exactly once, nothing extra
    for device, op in made:
        assert log[op["id"]] == (device.attendee_id, "applied"), op
    for device in devices:
        assert not device.rejected and not device.outbox
        expected = {op["contact"] for op in device.made if op["type"] == "exchange"}
        # Mutual swaps: whoever swapped with this attendee is in their list too.
        expected |= {
            f"att:{other.attendee_id}"
            for other in devices
            if any(op["contact"] == f"att:{device.attendee_id}" for op in other.made)
        }
        mine = server_contacts[device.name]
        assert set(mine) == expected  # one contact per person swapped with, none lost
        assert {k: v for k, v in device.replica.items() if not v["deleted"]} == mine
        for contact_id, contact in mine.items():
            if contact_id.startswith("att:"):
                assert contact["verified"]
