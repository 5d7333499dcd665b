"""The sync protocol under every network fault, against the real server code and a real SQLite
file (the Starlette app through TestClient), with a model (tests/sync_model.py) run beside it.

Three attendees with two devices each swap cards (verified by card token, and foreign vCards),
edit, delete, change their own card and their share-back setting. Devices sync random subsets of
their outbox in random order; requests are duplicated, held back and delivered late, and
responses are dropped after the server applied them (the device resends later); an op is sent
twice in one request or with its id in capitals, and attendees send ops under ids another
attendee used already. Device clocks are right, behind, a little ahead, or far ahead (clamped by
the server), in several UTC offsets.

After every step: the server equals the model (every contact, tombstones included); every op of
a response is acked or rejected as the model says (with the same reason each time an op id is
rejected again); the op log holds each op once with the model's result; every processed complete
response leaves the device's replica equal to the server (the cursor never passes data not yet
sent); an empty sync with that cursor returns no changes; mutual swaps are on both sides. At the
end every outbox is drained and every device of an attendee converges to the server and the
model.

CARDSWAP_SOAK=1 runs many more examples and steps.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from starlette.testclient import TestClient

from server.app import create_app
from server.vcard import parse_foreign
from tests.conftest import ADMIN, BASE_URL, make_settings
from tests.pg import temporary_database
from tests.server_state import read_rows
from tests.sync_model import SKEW, Model, comparable, parse, utc

SOAK = os.environ.get("CARDSWAP_SOAK") == "1"

CLOCKS = {
    "right": timedelta(0),
    "behind": timedelta(hours=-3, minutes=-7),
    "ahead": timedelta(minutes=3, seconds=30),  # inside the 5-minute allowance: kept as sent
    "far_ahead": timedelta(days=2),  # past it: counted as server time
    "year_ahead": timedelta(days=400),
}
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
NAMES = st.sampled_from(["Zoë Ā", "O'Brien, Pat", "李 雷", "Ann; Lee", "Bob \\ Smith", "Eve"])
FIELD_VALUES = {
    "notes": st.sampled_from(["", "met at booth", "ü ✓ <b>x</b>", None]),
    "tags": st.lists(st.sampled_from(["vip", "lead", " lead ", "ö"]), max_size=3),
    "follow_up": st.sampled_from(["none", "todo", "done"]),
    "follow_up_on": st.sampled_from([None, "2026-12-01", "2027-01-31"]),
    "starred": st.booleans(),
}


class Device:
    def __init__(self, attendee: Attendee, clock: str, zone: timezone) -> None:
        self.attendee = attendee
        self.id = str(uuid.uuid4())
        self.clock = CLOCKS[clock]
        self.zone = zone
        self.outbox: list[dict[str, Any]] = []
        self.meaning: dict[str, dict[str, Any]] = {}  # op id (lower case) -> for the model
        self.cursor: str | None = None
        self.replica: dict[str, dict[str, Any]] = {}
        self.known: list[str] = []  # contact ids this device can name
        self.held: list[dict[str, Any]] = []  # requests sent late

    def at(self) -> str:
        return (datetime.now(UTC) + self.clock).astimezone(self.zone).isoformat()


class Attendee:
    def __init__(self, data: dict[str, Any]) -> None:
        self.id: str = data["attendee"]["id"]
        self.token: str = data["token"]
        self.card_token: str = data["card_url"].rsplit("/c/", 1)[1]
        self.devices: list[Device] = []
        self.deleted = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class SyncMachine(RuleBasedStateMachine):
    ops = Bundle("ops")
    engine = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.database = temporary_database(self.engine)
        self.db = self.database.__enter__()
        app = create_app(make_settings(self.db, sync_rate_per_minute=1_000_000))
        self.client = TestClient(app, base_url=BASE_URL)
        self.client.__enter__()
        self.model = Model()
        self.attendees: list[Attendee] = []
        self.all_ops: dict[str, Device] = {}
        self.reasons: dict[tuple[str, str], tuple[str, str]] = {}  # (attendee, op id) -> why

    @initialize(
        clocks=st.lists(st.sampled_from(sorted(CLOCKS)), min_size=6, max_size=6),
        zones=st.lists(st.sampled_from(ZONES), min_size=6, max_size=6),
        share_back=st.lists(st.booleans(), min_size=3, max_size=3),
    )
    def setup(self, clocks: list[str], zones: list[timezone], share_back: list[bool]) -> None:
        event = self.client.post(
            "/api/admin/events", json={"slug": "sm", "name": "SM"}, headers=ADMIN
        ).json()
        for i in range(3):
            body = {"join_code": event["join_code"], "card": {"fn": f"Person {i}"},
                    "device_id": str(uuid.uuid4())}  # fmt: skip
            response = self.client.post("/api/events/sm/attendees", json=body)
            assert response.status_code == 201, response.text
            self.client.cookies.clear()
            person = Attendee(response.json())
            self.model.cards[person.id] = response.json()["attendee"]["card"]
            self.model.share_back[person.id] = True
            person.devices = [Device(person, clocks[2 * i + k], zones[2 * i + k]) for k in (0, 1)]
            self.attendees.append(person)
            if not share_back[i]:
                self._set_share_back(person, False)

    def teardown(self) -> None:
        try:
            if self.attendees:
                self._quiesce()
        finally:
            self.client.__exit__(None, None, None)
            self.database.__exit__(None, None, None)

    # -- helpers -------------------------------------------------------------------------------
    def _device(self, i: int) -> Device:
        return self.attendees[i // 2].devices[i % 2]

    def _queue(self, device: Device, op: dict[str, Any], meaning: dict[str, Any]) -> None:
        device.outbox.append(op)
        device.meaning[op["id"].lower()] = meaning
        self.all_ops.setdefault(op["id"], device)

    def _set_share_back(self, person: Attendee, value: bool) -> None:
        response = self.client.put(
            "/api/me/settings", json={"share_back": value}, headers=person.headers
        )
        if person.deleted:
            assert response.status_code == 401
            return
        assert response.status_code == 200, response.text
        assert response.json()["settings"]["share_back"] is value
        self.model.share_back[person.id] = value

    def _send(self, device: Device, body: dict[str, Any]) -> dict[str, Any] | None:
        """POST /api/sync and advance the model over the same ops in the same order."""
        owner = device.attendee
        before = datetime.now(UTC)
        logged = len(self._sql("SELECT id FROM ops"))
        response = self.client.post("/api/sync", json=body, headers=owner.headers)
        after = datetime.now(UTC)
        if owner.deleted:  # the data is gone, and so is this session: nothing is applied
            assert response.status_code == 401, response.text
            assert response.json()["error"]["code"]
            assert len(self._sql("SELECT id FROM ops")) == logged
            return None
        assert response.status_code == 200, response.text
        data = response.json()
        acked: Counter[str] = Counter()
        rejected: dict[str, set[str | None]] = {}
        for op in body["ops"]:
            fresh = op["id"].lower() not in self.model.log
            stored = self._clamped_at(op, before, after) if fresh else ""
            meaning = device.meaning[op["id"].lower()]
            want, code = self.model.apply(owner.id, body["device_id"], op, stored, meaning)
            if want == "applied":
                acked[op["id"]] += 1
            else:
                rejected.setdefault(op["id"], set()).add(code)
        assert Counter(data["acked"]) == acked, (body["ops"], data)
        got = Counter(r["id"] for r in data["rejected"])
        assert got == Counter({i: sum(1 for o in body["ops"] if o["id"] == i) for i in rejected})
        for rejection in data["rejected"]:
            assert rejection["code"] and rejection["message"]
            codes = rejected[rejection["id"]] - {""}
            assert not codes or codes == {rejection["code"]}, (rejection, codes)
            reason = (rejection["code"], rejection["message"])
            key = (owner.id, rejection["id"].lower())
            assert self.reasons.setdefault(key, reason) == reason, "rejected again otherwise"
        return data

    def _clamped_at(self, op: dict[str, Any], before: datetime, after: datetime) -> str:
        """The op's effective time: as sent, or server time when more than 5 minutes ahead."""
        sent = parse(op["at"])
        if sent <= before + SKEW:
            return utc(sent)
        assert sent > after + SKEW, "test clocks must not straddle the 5-minute edge"
        row = self._sql("SELECT at FROM ops WHERE id = ?", [op["id"].lower()])
        stored = str(row[0][0])
        assert utc(before) <= stored <= utc(after), (stored, before, after)
        return stored

    def _process(self, device: Device, data: dict[str, Any] | None) -> None:
        """The device takes a response: acked and rejected ops leave the outbox."""
        if data is None:
            return
        done = set(data["acked"]) | {r["id"] for r in data["rejected"]}
        device.outbox = [op for op in device.outbox if op["id"] not in done]
        for contact in data["changes"]:
            device.replica[contact["id"]] = contact
            if contact["id"] not in device.known:
                device.known.append(contact["id"])
        device.cursor = data["cursor"]
        if not data["more"]:
            assert self._replica(device) == self._server(device.attendee.id)
            idle = self._send(device, {"device_id": device.id, "cursor": device.cursor, "ops": []})
            assert idle is not None
            assert idle["changes"] == [] and not idle["more"], "spurious changes"
            device.cursor = idle["cursor"]

    def _replica(self, device: Device) -> dict[str, dict[str, Any]]:
        return {cid: comparable(c) for cid, c in device.replica.items()}

    def _sql(self, sql: str, args: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return read_rows(self.db, sql, args)

    def _server(self, owner: str) -> dict[str, dict[str, Any]]:
        rows = self._sql(
            "SELECT c.contact_id, c.card, c.verified, c.met_at, c.methods, c.notes, c.tags,"
            " c.follow_up, c.follow_up_on, c.starred, c.deleted, a.card FROM contacts c"
            " LEFT JOIN attendees a ON a.id = c.linked_attendee_id AND a.deleted_at IS NULL"
            " WHERE c.owner_id = ?",
            [owner],
        )
        out = {}
        for (
            cid,
            card,
            verified,
            met_at,
            methods,
            notes,
            tags,
            fu,
            fu_on,
            star,
            deleted,
            live,
        ) in rows:
            out[cid] = {"id": cid, "card": json.loads(live or card), "verified": bool(verified),
                        "met_at": met_at, "methods": sorted(json.loads(methods)), "notes": notes,
                        "tags": json.loads(tags), "follow_up": fu, "follow_up_on": fu_on,
                        "starred": bool(star), "deleted": bool(deleted)}  # fmt: skip
        return out

    # -- rules: what people do -----------------------------------------------------------------
    @rule(
        target=ops,
        d=st.integers(0, 5),
        other=st.integers(0, 2),
        method=st.sampled_from(["qr", "nfc", "link"]),
        note=st.sampled_from([None, "", "great talk", " hi "]),
        upper=st.booleans(),
    )
    def swap(self, d: int, other: int, method: str, note: str | None, upper: bool) -> str:
        device, them = self._device(d), self.attendees[other]
        token = them.card_token.upper() if upper else them.card_token
        op = {"id": str(uuid.uuid4()), "type": "exchange", "at": device.at(), "method": method,
              "card_token": token}  # fmt: skip
        if note is not None:
            op["note"] = note
        self._queue(device, op, {"other": them.id})
        if f"att:{them.id}" not in device.known and them is not device.attendee:
            device.known.append(f"att:{them.id}")
        return str(op["id"])

    @rule(target=ops, d=st.integers(0, 5), name=NAMES, email=st.booleans())
    def swap_foreign(self, d: int, name: str, email: bool) -> str:
        device = self._device(d)
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}"]
        if email:
            lines.append("EMAIL;TYPE=work:someone@example.org")
        vcard = "\r\n".join([*lines, "END:VCARD"]) + "\r\n"
        cid = f"ext:{uuid.uuid4()}"
        op = {"id": str(uuid.uuid4()), "type": "exchange", "at": device.at(), "method": "manual",
              "contact_id": cid, "vcard": vcard}  # fmt: skip
        self._queue(device, op, {"card": parse_foreign(vcard).card})
        device.known.append(cid)
        return str(op["id"])

    @rule(target=ops, d=st.integers(0, 5), pick=st.integers(0, 50), data=st.data())
    def edit(self, d: int, pick: int, data: st.DataObject) -> str:
        device = self._device(d)
        names = data.draw(st.sets(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=3))
        changes = {n: data.draw(FIELD_VALUES[n]) for n in sorted(names)}
        invalid = data.draw(st.integers(0, 9)) == 0
        if invalid:
            changes["follow_up"] = "someday"
        cid = self._pick_contact(device, pick)
        op = {"id": str(uuid.uuid4()), "type": "contact.update", "at": device.at(),
              "contact_id": cid, "set": changes}  # fmt: skip
        self._queue(device, op, {"invalid": invalid})
        return str(op["id"])

    @rule(
        target=ops,
        d=st.integers(0, 5),
        other=st.integers(0, 1),
        first=st.sampled_from([None, "first note"]),
        cleared=st.sampled_from(["", None]),
        again=st.sampled_from(["met again", " again "]),
    )
    def clear_the_note_and_meet_again(
        self, d: int, other: int, first: str | None, cleared: str | None, again: str
    ) -> MultipleResults[str]:
        """The notes rule's own story: a swap (maybe with a note), the note cleared, and a later
        swap with the same person that brings a note again."""
        device = self._device(d)
        them = [a for a in self.attendees if a is not device.attendee][other]
        index = self.attendees.index(them)
        swapped = self.swap(d, index, "qr", first, upper=False)
        op = {"id": str(uuid.uuid4()), "type": "contact.update", "at": device.at(),
              "contact_id": f"att:{them.id}", "set": {"notes": cleared}}  # fmt: skip
        self._queue(device, op, {})
        return multiple(swapped, str(op["id"]), self.swap(d, index, "nfc", again, upper=False))

    @rule(target=ops, d=st.integers(0, 5), pick=st.integers(0, 50))
    def delete(self, d: int, pick: int) -> str:
        device = self._device(d)
        op = {"id": str(uuid.uuid4()), "type": "contact.delete", "at": device.at(),
              "contact_id": self._pick_contact(device, pick)}  # fmt: skip
        self._queue(device, op, {})
        return str(op["id"])

    def _pick_contact(self, device: Device, pick: int) -> str:
        """Mostly a contact this device knows; sometimes someone else's or one that never was."""
        others = [a for a in self.attendees if a is not device.attendee]
        foreign = [c for a in others for dev in a.devices for c in dev.known]
        if device.known and pick < 40:
            return device.known[pick % len(device.known)]
        if foreign and pick < 46:
            return foreign[pick % len(foreign)]  # another attendee's contact: unknown here
        return f"ext:{uuid.uuid4()}" if pick % 2 else f"att:{others[0].id}"

    @rule(d=st.integers(0, 5), other_op=ops, upper=st.booleans(), pick=st.integers(0, 50))
    def reuse_another_attendees_op_id(self, d: int, other_op: str, upper: bool, pick: int) -> None:
        """An op id another attendee used (maybe in capitals): a delete of one of this device's
        contacts, which must not apply."""
        device, owner = self._device(d), self.all_ops[other_op]
        if owner.attendee is device.attendee or other_op in device.meaning:
            return
        op = {"id": other_op.upper() if upper else other_op, "type": "contact.delete",
              "at": device.at(), "contact_id": self._pick_contact(device, pick)}  # fmt: skip
        self._queue(device, op, {})

    @rule(a=st.integers(0, 2), fn=NAMES)
    def change_own_card(self, a: int, fn: str) -> None:
        person = self.attendees[a]
        response = self.client.put(
            "/api/me/card", json={"card": {"fn": fn}}, headers=person.headers
        )
        if person.deleted:
            assert response.status_code == 401
            return
        assert response.status_code == 200, response.text
        self.model.cards[person.id] = response.json()["attendee"]["card"]

    @precondition(lambda self: self.attendees and not any(a.deleted for a in self.attendees))
    @rule(a=st.integers(0, 2), roll=st.integers(0, 3))
    def delete_my_data(self, a: int, roll: int) -> None:
        if roll:
            return  # rarely: most runs keep all three people
        person = self.attendees[a]
        response = self.client.delete("/api/me", headers=person.headers)
        assert response.status_code == 204, response.text
        person.deleted = True
        self.model.delete_attendee(person.id)
        assert self.client.get(f"/c/{person.card_token}").status_code == 404

    @rule(a=st.integers(0, 2), value=st.booleans())
    def toggle_share_back(self, a: int, value: bool) -> None:
        self._set_share_back(self.attendees[a], value)

    # -- rules: the network --------------------------------------------------------------------
    def _request(self, device: Device, data: st.DataObject) -> dict[str, Any]:
        subset: list[dict[str, Any]] = []
        if device.outbox:
            pick = st.lists(st.sampled_from(device.outbox), unique_by=lambda o: o["id"])
            subset = data.draw(pick)
        if subset and data.draw(st.integers(0, 3)) == 0:  # one op twice in the request
            again = data.draw(st.sampled_from(subset))
            if data.draw(st.booleans()):
                again = {**again, "id": again["id"].upper()}
            subset.insert(data.draw(st.integers(0, len(subset))), again)
        return {"device_id": device.id, "cursor": device.cursor, "ops": subset}

    @precondition(lambda self: self.attendees)
    @rule(d=st.integers(0, 5), data=st.data(), fault=st.sampled_from(
        ["none", "none", "drop_response", "duplicate", "hold"]))  # fmt: skip
    def sync(self, d: int, data: st.DataObject, fault: str) -> None:
        device = self._device(d)
        body = self._request(device, data)
        if fault == "hold":
            device.held.append(body)  # delivered later, maybe after newer requests
            return
        response = self._send(device, body)
        if fault == "drop_response":
            return  # applied on the server, but the device never hears of it
        if fault == "duplicate" and response is not None:
            again = self._send(device, body)
            assert again is not None
            assert sorted(again["acked"]) == sorted(response["acked"])
            response = again
        self._process(device, response)

    @precondition(lambda self: any(dev.held for a in self.attendees for dev in a.devices))
    @rule(d=st.integers(0, 5), pick=st.integers(0, 10), deliver=st.booleans())
    def deliver_held(self, d: int, pick: int, deliver: bool) -> None:
        held = [dev for a in self.attendees for dev in a.devices if dev.held]
        device = held[d % len(held)]
        body = device.held.pop(pick % len(device.held))
        response = self._send(device, body)
        if deliver:
            self._process(device, response)

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def server_equals_model(self) -> None:
        for person in self.attendees:
            assert self._server(person.id) == self.model.view(person.id)

    @invariant()
    def op_log_holds_each_op_once_with_the_models_result(self) -> None:
        if not self.attendees:
            return
        rows = self._sql("SELECT id, attendee_id, result, code, message FROM ops")
        assert len(rows) == len(self.model.log)
        for op_id, attendee_id, result, code, message in rows:
            owner, want, _ = self.model.log[op_id]
            assert (attendee_id, result) == (owner, want)
            assert result == "applied" or (code and message)

    @invariant()
    def mutual_swaps_are_on_both_sides(self) -> None:
        for other, owner in self.model.mutual:
            assert f"att:{owner}" in self._server(other), "a swap is missing its reciprocal"

    # -- the end: everything delivered ---------------------------------------------------------
    def _quiesce(self) -> None:
        for person in self.attendees:
            for device in person.devices:
                for body in device.held:
                    self._send(device, body)
                device.held = []
        for _ in range(20):
            busy = False
            for person in self.attendees:
                for device in person.devices:
                    body = {"device_id": device.id, "cursor": device.cursor, "ops": device.outbox}
                    data = self._send(device, body)
                    if data is None:
                        continue  # deleted their data: the outbox has nowhere to go
                    busy = busy or data["more"] or bool(device.outbox)
                    self._process(device, data)
            if not busy:
                break
        for person in self.attendees:
            server = self._server(person.id)
            assert server == self.model.view(person.id)
            if person.deleted:
                assert server == {}
                continue
            for device in person.devices:
                assert device.outbox == [] and device.held == []
                assert self._replica(device) == server  # both devices converge to the server
        logged = {row[0] for row in self._sql("SELECT id FROM ops")}
        unsent = {op["id"] for a in self.attendees if a.deleted for d in a.devices
                  for op in d.outbox}  # fmt: skip
        for op_id in self.all_ops:
            if op_id not in unsent:
                assert op_id.lower() in logged  # applied or rejected, reason in the log


SyncMachine.TestCase.settings = settings(
    max_examples=400 if SOAK else 60,
    stateful_step_count=80 if SOAK else 50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncStateMachine = SyncMachine.TestCase


class SyncMachineOnPostgres(SyncMachine):
    """The same machine on the PostgreSQL engine (fewer runs: the rules are the same code)."""

    engine = "postgresql"


SyncMachineOnPostgres.TestCase.settings = settings(
    max_examples=200 if SOAK else 25,
    stateful_step_count=80 if SOAK else 50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncStateMachineOnPostgres = SyncMachineOnPostgres.TestCase
