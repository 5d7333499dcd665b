"""The merge is commutative, associative and idempotent: one set of ops, applied to fresh databases
in different orders, in different groupings into sync requests, and twice over, leaves the same
contacts everywhere (the real server code on real SQLite files, through the HTTP API). And what
it leaves is what DESIGN.md says: the contacts equal the model of tests/sync_model.py (written
from DESIGN.md's words), for generated ops and for hand-picked cases of every merge rule.

Every contact the ops name exists first (a common prefix of swaps), since an edit of a contact
the server has never heard of is rejected, whatever the order.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.vcard import parse_foreign
from tests.conftest import ADMIN, BASE_URL, make_settings
from tests.pg import temporary_database
from tests.server_state import read_rows
from tests.sync_model import Model, parse, utc

SOAK = os.environ.get("CARDSWAP_SOAK") == "1"
ROLES = ("A", "B", "C")
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
DEVICES = {(r, k): str(uuid.UUID(int=(i * 2 + k + 1) << 64)) for i, r in enumerate(ROLES)
           for k in (0, 1)}  # fmt: skip
EXT = [f"ext:{uuid.UUID(int=n + 7)}" for n in range(2)]
VCARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{}\r\nEND:VCARD\r\n"

# One abstract op: (owner role, device 0/1, minutes after T0, kind, target, payload)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "notes": st.sampled_from(["", "a", "b"]),
        "tags": st.lists(st.sampled_from(["x", "y"]), max_size=2, unique=True),
        "follow_up": st.sampled_from(["none", "todo", "done"]),
        "follow_up_on": st.sampled_from([None, "2026-06-01"]),
        "starred": st.booleans(),
    },
).filter(bool)
TARGETS = st.sampled_from([("att", r) for r in ROLES] + [("ext", 0), ("ext", 1)])


@st.composite
def abstract_op(draw: st.DrawFn) -> dict[str, Any]:
    owner = draw(st.sampled_from(ROLES))
    target = draw(TARGETS.filter(lambda t: t != ("att", owner)))
    kind = draw(st.sampled_from(["exchange", "contact.update", "contact.delete"]))
    op: dict[str, Any] = {
        "owner": owner,
        "device": draw(st.integers(0, 1)),
        "minute": draw(st.integers(1, 30)),
        "kind": kind,
        "target": target,
        "id": str(uuid.UUID(int=draw(st.integers(1, 2**120)))),
    }
    if kind == "exchange":
        op["note"] = draw(st.sampled_from([None, "n1", "n2"]))
        op["name"] = draw(st.sampled_from(["Ext One", "Ext Two"]))
    if kind == "contact.update":
        op["set"] = draw(FIELDS)
    return op


class World:
    """A fresh database with attendees A, B, C; ops are turned into real requests for it."""

    def __init__(self, client: TestClient, db: str) -> None:
        self.client, self.db = client, db
        event = client.post("/api/admin/events", json={"slug": "m", "name": "M"}, headers=ADMIN)
        code = event.json()["join_code"]
        self.people: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            body = {"join_code": code, "card": {"fn": f"Person {role}"},
                    "device_id": DEVICES[(role, 0)]}  # fmt: skip
            data = client.post("/api/events/m/attendees", json=body).json()
            client.cookies.clear()
            self.people[role] = {"id": data["attendee"]["id"], "token": data["token"],
                                 "card_token": data["card_url"].rsplit("/c/", 1)[1],
                                 "card": data["attendee"]["card"]}  # fmt: skip
        self.roles = {p["id"]: role for role, p in self.people.items()}

    def concrete(self, op: dict[str, Any]) -> dict[str, Any]:
        at = (T0 + timedelta(minutes=op["minute"])).isoformat()
        kind, (space, which) = op["kind"], op["target"]
        cid = f"att:{self.people[which]['id']}" if space == "att" else EXT[which]
        out: dict[str, Any] = {"id": op["id"], "type": kind, "at": at}
        if kind == "exchange" and space == "att":
            out.update(method="qr", card_token=self.people[which]["card_token"])
        elif kind == "exchange":
            out.update(method="manual", contact_id=cid, vcard=VCARD.format(op["name"]))
        else:
            out["contact_id"] = cid
        if op.get("note"):
            out["note"] = op["note"]
        if kind == "contact.update":
            out["set"] = op["set"]
        return out

    def send(self, group: list[dict[str, Any]]) -> None:
        owner, device = group[0]["owner"], group[0]["device"]
        body = {"device_id": DEVICES[(owner, device)], "cursor": None,
                "ops": [self.concrete(op) for op in group]}  # fmt: skip
        headers = {"Authorization": f"Bearer {self.people[owner]['token']}"}
        response = self.client.post("/api/sync", json=body, headers=headers)
        assert response.status_code == 200, response.text
        data = response.json()
        assert len(data["acked"]) + len(data["rejected"]) == len(group)
        assert not data["rejected"], data["rejected"]

    def state(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every contact row (tombstones too), attendee ids replaced by roles."""
        rows = read_rows(
            self.db,
            "SELECT owner_id, contact_id, card, verified, met_at, methods, notes, tags,"
            " follow_up, follow_up_on, starred, deleted FROM contacts",
        )
        out = {}
        for owner, cid, card, verified, met_at, methods, notes, tags, fu, fu_on, star, dead in rows:
            if cid.startswith("att:"):
                cid = "att:" + self.roles[cid[4:]]
            out[(self.roles[owner], cid)] = {
                "card": json.loads(card), "verified": bool(verified), "met_at": met_at,
                "methods": sorted(json.loads(methods)), "notes": notes, "tags": json.loads(tags),
                "follow_up": fu, "follow_up_on": fu_on, "starred": bool(star),
                "deleted": bool(dead),
            }  # fmt: skip
        return out

    def expected(self, sent: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        """What the model says the same ops, in the order sent, leave: the same shape as state."""
        model = Model()
        for person in self.people.values():
            model.cards[person["id"]] = person["card"]
            model.share_back[person["id"]] = True
        for op in sent:
            concrete = self.concrete(op)
            space, which = op["target"]
            meaning: dict[str, Any] = {}
            if op["kind"] == "exchange" and space == "att":
                meaning = {"other": self.people[which]["id"]}
            elif op["kind"] == "exchange":
                meaning = {"card": parse_foreign(concrete["vcard"]).card}
            owner = self.people[op["owner"]]["id"]
            at = utc(parse(concrete["at"]))
            result = model.apply(owner, DEVICES[(op["owner"], op["device"])], concrete, at, meaning)
            assert result == ("applied", None)
        out = {}
        for role, person in self.people.items():
            for cid, contact in model.view(person["id"]).items():
                if cid.startswith("att:"):
                    cid = "att:" + self.roles[cid[4:]]
                out[(role, cid)] = {k: v for k, v in contact.items() if k != "id"}
        return out


# `engine` is a parameter (the same for every example), not state a fixture resets.
SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]


@contextmanager
def world(engine: str = "sqlite") -> Iterator[World]:
    with temporary_database(engine) as db:
        app = create_app(make_settings(db, sync_rate_per_minute=1_000_000))
        with TestClient(app, base_url=BASE_URL) as client:
            yield World(client, db)


def _prefix() -> list[dict[str, Any]]:
    """Everyone swaps with everyone and scans both foreign cards, at T0: every contact exists."""
    ops = []
    for owner in ROLES:
        targets = [("att", r) for r in ROLES if r != owner] + [("ext", 0), ("ext", 1)]
        for n, target in enumerate(targets):
            op_id = str(uuid.UUID(int=(ROLES.index(owner) * 10 + n + 1) << 100))
            ops.append({"owner": owner, "device": 0, "minute": 0, "kind": "exchange",
                        "target": target, "name": "Ext Zero", "id": op_id})  # fmt: skip
    return ops


def _groups(ops: list[dict[str, Any]], cuts: set[int]) -> list[list[dict[str, Any]]]:
    """Consecutive ops of one owner and device in one request, cut where `cuts` says."""
    groups: list[list[dict[str, Any]]] = []
    for i, op in enumerate(ops):
        head = groups[-1][0] if groups else None
        same = head is not None and (head["owner"], head["device"]) == (op["owner"], op["device"])
        if same and i not in cuts:
            groups[-1].append(op)
        else:
            groups.append([op])
    return groups


def _run(
    ops: list[dict[str, Any]], cuts: set[int], replay: bool = False, engine: str = "sqlite"
) -> dict[Any, Any]:
    with world(engine) as w:
        for group in _groups(_prefix(), set()):
            w.send(group)
        for group in _groups(ops, cuts):
            w.send(group)
        if replay:  # idempotence: everything again, backwards, one op per request
            for op in reversed(_prefix() + ops):
                w.send([op])
        return w.state()


@settings(
    max_examples=300 if SOAK else 25,
    deadline=None,
    suppress_health_check=SUPPRESSED,
)
@given(
    ops=st.lists(abstract_op(), min_size=1, max_size=12, unique_by=lambda o: o["id"]),
    data=st.data(),
)
def test_merge_is_commutative_associative_and_idempotent(
    ops: list[dict[str, Any]], data: st.DataObject, engine: str
) -> None:
    one_by_one = _run(ops, set(range(len(ops))), engine=engine)
    batched = _run(ops, set(), engine=engine)
    assert batched == one_by_one  # grouping does not matter
    shuffled = data.draw(st.permutations(ops))
    cuts = data.draw(st.sets(st.integers(0, len(ops))))
    assert _run(shuffled, cuts, engine=engine) == one_by_one  # order does not matter
    assert _run(ops, set(), replay=True, engine=engine) == one_by_one  # twice changes nothing


def _op(owner: str, minute: int, kind: str, target: tuple[str, Any], n: int, **extra: Any) -> Any:
    return {"owner": owner, "device": 0, "minute": minute, "kind": kind, "target": target,
            "id": str(uuid.UUID(int=0xA0 + n)), "name": "x", **extra}  # fmt: skip


def _edit(minute: int, n: int, target: tuple[str, Any] = ("att", "B"), **fields: Any) -> Any:
    return _op("C", minute, "contact.update", target, n, set=fields)


def _swap(minute: int, n: int, note: str | None = None, target: tuple[str, Any] = ("att", "B"),
          owner: str = "C") -> Any:  # fmt: skip
    return _op(owner, minute, "exchange", target, n, note=note)


# Each merge rule of DESIGN.md section 5, as ops listed in the order they arrive.
RULES = {
    "a swap note fills empty notes": [_swap(5, 1, "n1")],
    "the earliest swap note, whatever arrives first": [_swap(9, 1, "n2"), _swap(5, 2, "n1")],
    "a note typed before the swap wins": [_edit(5, 1, notes="mine"), _swap(9, 2, "n1")],
    "a note typed offline arrives after a later swap note and wins": [
        _swap(9, 1, "n1"),
        _edit(5, 2, notes="mine"),
    ],
    "a cleared note is filled by a later swap note": [
        _swap(3, 1, "n1"),
        _edit(5, 2, notes=""),
        _swap(9, 3, "n2"),
    ],
    "a cleared note is filled by a later swap note arriving first": [
        _swap(9, 1, "n2"),
        _swap(3, 2, "n1"),
        _edit(5, 3, notes=""),
    ],
    "a swap note before the clearing edit does not fill it": [
        _swap(5, 1, "n1"),
        _edit(9, 2, notes=""),
    ],
    "the same, arriving the other way round": [_edit(9, 1, notes=""), _swap(5, 2, "n1")],
    "a swap note on a foreign card": [
        _edit(5, 1, ("ext", 0), notes=""),
        _swap(9, 2, "n1", ("ext", 0)),
    ],
    "an older edit arriving late loses, field by field": [
        _edit(9, 1, starred=True, follow_up="done"),
        _edit(5, 2, starred=False, tags=["x"]),
    ],
    "equal times: the greater device id wins, arriving first": [
        {**_edit(5, 1, starred=True), "device": 1},
        _edit(5, 2, starred=False),
    ],
    "equal times: the greater device id wins, arriving last": [
        _edit(5, 1, starred=False),
        {**_edit(5, 2, starred=True), "device": 1},
    ],
    "equal times and device: the greater op id wins, arriving first": [
        _edit(5, 9, follow_up="todo"),
        _edit(5, 8, follow_up="done"),
    ],
    "equal times and device: the greater op id wins, arriving last": [
        _edit(5, 8, follow_up="done"),
        _edit(5, 9, follow_up="todo"),
    ],
    "an older exchange does not undo a newer delete": [
        _op("C", 9, "contact.delete", ("att", "B"), 1),
        _swap(5, 2),
    ],
    "a newer exchange brings a deleted contact back": [
        _op("C", 9, "contact.delete", ("att", "B"), 1),
        _swap(12, 2),
    ],
    "a reciprocal never brings a contact back": [
        _op("B", 9, "contact.delete", ("att", "C"), 1),
        _swap(12, 2),
    ],
    "a foreign card: the newer scan's card": [
        _swap(9, 1, target=("ext", 0)),
        {**_swap(5, 2, target=("ext", 0)), "name": "Ext Two"},
    ],
}


def _every_rule(test: Any) -> Any:
    """Each case of RULES as an explicit example, run before the generated ones."""
    for name, ops in RULES.items():
        test = example(ops=ops, cuts=set()).via(name)(test)
    return test


@settings(
    max_examples=150 if SOAK else 15,
    deadline=None,
    suppress_health_check=SUPPRESSED,
)
@given(
    ops=st.lists(abstract_op(), min_size=1, max_size=12, unique_by=lambda o: o["id"]),
    cuts=st.sets(st.integers(0, 12)),
)
@_every_rule
def test_the_merged_contacts_are_what_design_md_says(
    ops: list[dict[str, Any]], cuts: set[int], engine: str
) -> None:
    with world(engine) as w:
        for group in _groups(_prefix(), set()):
            w.send(group)
        for group in _groups(ops, cuts):
            w.send(group)
        assert w.state() == w.expected(_prefix() + ops)


def test_replayed_exchange_notes_and_edits_are_idempotent() -> None:
    edit = _op("C", 5, "contact.update", ("att", "B"), 1, set={"notes": "mine"})
    swap = _op("C", 9, "exchange", ("att", "B"), 2, note="from the swap")
    once = _run([edit, swap], set())
    assert _run([edit, swap], set(), replay=True) == once
    assert once[("C", "att:B")]["notes"] == "mine"


def test_an_exchange_note_does_not_depend_on_arrival_order() -> None:
    edit = _op("C", 5, "contact.update", ("att", "B"), 1, set={"notes": "mine"})
    swap = _op("C", 9, "exchange", ("att", "B"), 2, note="from the swap")
    first = _run([edit, swap], set())[("C", "att:B")]["notes"]
    second = _run([swap, edit], set())[("C", "att:B")]["notes"]
    assert first == second


def _state_after(ops: list[dict[str, Any]]) -> dict[Any, Any]:
    with world() as w:
        for op in ops:
            w.send([op])
        return w.state()


def test_a_reciprocal_meets_a_deleted_contact_the_same_in_either_order() -> None:
    bob_scans_ada = _op("B", 10, "exchange", ("att", "A"), 1)
    bob_deletes = _op("B", 20, "contact.delete", ("att", "A"), 2)
    ada_scanned_bob_earlier = _op("A", 5, "exchange", ("att", "B"), 3)
    bob_scans_again = _op("B", 30, "exchange", ("att", "A"), 4)
    first = _state_after([bob_scans_ada, ada_scanned_bob_earlier, bob_deletes, bob_scans_again])
    second = _state_after([bob_scans_ada, bob_deletes, ada_scanned_bob_earlier, bob_scans_again])
    assert first[("B", "att:A")] == second[("B", "att:A")]
