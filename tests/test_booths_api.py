"""Booths (DESIGN.md section 13) through the API, on both engines: the organizer's booths, staff
phones joining, lead ops through POST /api/sync, the merge of two phones' captures, the
attendee's shares and withdrawal, the CRM exports, and who may see what (every endpoint and op
with every wrong credential)."""

from __future__ import annotations

import csv
import io
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import vobject
from itsdangerous import URLSafeTimedSerializer
from starlette.testclient import TestClient

from server.tokens import Tokens
from tests.conftest import ADMIN, SECRET, Attendee

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
QUESTIONS = [
    {"kind": "rating", "label": "Interest"},
    {"kind": "choice", "label": "Budget", "options": ["< 10k", "10-50k", "> 50k"]},
    {"kind": "multi", "label": "Products", "options": ["Kiln", "Glaze", "Wheel"]},
    {"kind": "yesno", "label": "Wants a demo"},
    {"kind": "text", "label": "Timeline"},
]


def at(minutes: float = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@dataclass
class Staff:
    """A phone that joined a booth: its bearer token, install id and the booth it sees."""

    token: str
    device_id: str
    booth: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def qid(self, label: str) -> str:
        return next(q["id"] for q in self.booth["questions"] if q["label"] == label)


def make_booth(
    client: TestClient, slug: str = "devconf", name: str = "Acme Kilns", questions: Any = None
) -> dict[str, Any]:
    body = {"name": name, "questions": QUESTIONS if questions is None else questions}
    response = client.post(f"/api/admin/events/{slug}/booths", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


def join_token(booth: dict[str, Any]) -> str:
    return str(booth["staff_join_url"].rsplit("/booth/join/", 1)[1])


def join(client: TestClient, booth: dict[str, Any]) -> Staff:
    device = str(uuid.uuid4())
    response = client.post(
        "/api/booth/staff", json={"token": join_token(booth), "device_id": device}
    )
    assert response.status_code == 201, response.text
    client.cookies.clear()  # tests authenticate with the bearer token
    data = response.json()
    return Staff(data["token"], device, data["booth"])


def capture(who: Attendee, minutes: float = 0, **extra: Any) -> dict[str, Any]:
    op = {"id": str(uuid.uuid4()), "type": "lead.capture", "card_token": who.card_token}
    return {**op, "at": at(minutes), **extra}


def lead_update(who: Attendee, minutes: float = 0, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "lead.update",
        "lead_id": f"lead:{who.id}",
        "at": at(minutes),
        "set": changes,
    }


def lead_delete(who: Attendee, minutes: float = 0) -> dict[str, Any]:
    op = {"id": str(uuid.uuid4()), "type": "lead.delete", "lead_id": f"lead:{who.id}"}
    return {**op, "at": at(minutes)}


def staff_sync(
    client: TestClient, staff: Staff, ops: list[Any] | None = None, cursor: str | None = None
) -> dict[str, Any]:
    body = {"device_id": staff.device_id, "cursor": cursor, "ops": ops or []}
    response = client.post("/api/sync", json=body, headers=staff.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def leads_of(client: TestClient, staff: Staff) -> dict[str, dict[str, Any]]:
    """Every lead of the staff's booth (tombstones included) from a full feed read."""
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        data = staff_sync(client, staff, cursor=cursor)
        out.update({lead["id"]: lead for lead in data["changes"]})
        cursor = data["cursor"]
        if not data["more"]:
            return out


def csv_rows(client: TestClient, staff: Staff, fmt: str) -> list[list[str]]:
    response = client.get(f"/api/booth/leads.csv?format={fmt}", headers=staff.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.text, newline="")))


# === The organizer's booths ====================================================================
def test_organizer_creates_lists_and_edits_booths(client: TestClient, event: Any) -> None:
    booth = make_booth(client)
    assert set(booth) == {"id", "name", "questions", "staff_join_url"}
    assert booth["staff_join_url"].startswith("http://testserver/booth/join/")
    assert [q["kind"] for q in booth["questions"]] == [q["kind"] for q in QUESTIONS]
    assert len({q["id"] for q in booth["questions"]}) == len(QUESTIONS)
    assert booth["questions"][2]["options"] == ["Kiln", "Glaze", "Wheel"]

    listed = client.get("/api/admin/events/devconf/booths", headers=ADMIN).json()["booths"]
    assert [(b["id"], b["name"], b["leads"]) for b in listed] == [(booth["id"], "Acme Kilns", 0)]

    kept = booth["questions"][0]
    response = client.patch(
        f"/api/admin/events/devconf/booths/{booth['id']}",
        json={"name": "Acme Kiln Co", "questions": [{**kept, "label": "How hot?"}, QUESTIONS[4]]},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["name"] == "Acme Kiln Co" and edited["leads"] == 0
    assert edited["questions"][0] == {**kept, "label": "How hot?"}  # the id (and answers) stay
    assert edited["questions"][1]["id"] not in {q["id"] for q in booth["questions"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "colour": "red"}, "colour"),
        ({"name": "A", "questions": "rate them"}, "questions"),
        ({"name": "A", "questions": [{"kind": "rating", "label": "Q"}] * 11}, "questions"),
        ({"name": "A", "questions": [{"kind": "stars", "label": "Q"}]}, "questions[0].kind"),
        ({"name": "A", "questions": [{"kind": "rating", "label": ""}]}, "questions[0].label"),
        ({"name": "A", "questions": [{"kind": "choice", "label": "Q"}]}, "questions[0].options"),
        (
            {"name": "A", "questions": [{"kind": "choice", "label": "Q", "options": ["a", "A"]}]},
            "questions[0].options",
        ),
        (
            {"name": "A", "questions": [{"kind": "text", "label": "Q", "options": ["a", "b"]}]},
            "questions[0].options",
        ),
        (
            {"name": "A", "questions": [{"kind": "text", "label": "Q", "weight": 2}]},
            "questions[0].weight",
        ),
    ],
)
def test_bad_booth_fields_are_422_and_create_nothing(
    client: TestClient, event: Any, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/admin/events/devconf/booths", json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get("/api/admin/events/devconf/booths", headers=ADMIN).json() == {"booths": []}


def test_booth_names_are_unique_per_event_and_edits_keep_question_kinds(
    client: TestClient, event: Any
) -> None:
    booth = make_booth(client)
    other = make_booth(client, name="Glaze Works")
    again = client.post(
        "/api/admin/events/devconf/booths", json={"name": "acme  KILNS"}, headers=ADMIN
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "booth_exists"
    path = f"/api/admin/events/devconf/booths/{other['id']}"
    taken = client.patch(path, json={"name": "ACME Kilns"}, headers=ADMIN)
    assert taken.status_code == 409
    rating = booth["questions"][0]
    changed_kind = client.patch(
        f"/api/admin/events/devconf/booths/{booth['id']}",
        json={"questions": [{**rating, "kind": "text"}]},
        headers=ADMIN,
    )
    assert changed_kind.status_code == 422
    foreign_id = client.patch(
        path, json={"questions": [{**rating, "label": "Stolen"}]}, headers=ADMIN
    )
    assert foreign_id.status_code == 422  # a question id another booth has
    listed = client.get("/api/admin/events/devconf/booths", headers=ADMIN).json()["booths"]
    assert {b["name"]: len(b["questions"]) for b in listed} == {"Acme Kilns": 5, "Glaze Works": 5}


def test_exhibitor_list_import_is_idempotent_and_reports_bad_lines(
    client: TestClient, event: Any
) -> None:
    make_booth(client)
    text = "Exhibitor;Hall\nAcme Kilns;A\nGlaze Works;B\n;C\nGlaze works;B\n" + "x" * 201 + ";D\n"
    headers = {**ADMIN, "Content-Type": "text/csv"}
    first = client.post("/api/admin/events/devconf/booths.csv", content=text, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["created"] == 1
    assert [b["name"] for b in body["booths"]] == ["Acme Kilns", "Glaze Works"]
    assert all(
        b["staff_join_url"].startswith("http://testserver/booth/join/") for b in body["booths"]
    )
    assert [e["line"] for e in body["errors"]] == [4, 5, 6]
    second = client.post("/api/admin/events/devconf/booths.csv", content=text, headers=headers)
    assert second.json()["created"] == 0
    listed = client.get("/api/admin/events/devconf/booths", headers=ADMIN).json()["booths"]
    assert sorted(b["name"] for b in listed) == ["Acme Kilns", "Glaze Works"]
    no_column = client.post(
        "/api/admin/events/devconf/booths.csv", content="hall\nA\n", headers=headers
    )
    assert no_column.status_code == 422
    wrong_type = client.post(
        "/api/admin/events/devconf/booths.csv",
        content=text,
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415


# === Staff phones join ==========================================================================
def _crafted_link(booth_id: str, slug: str, expires_at: int) -> str:
    return Tokens([SECRET]).booth_join(booth_id, slug, expires_at)


def test_a_phone_joins_with_the_staff_link(client: TestClient, event: Any) -> None:
    booth = make_booth(client)
    device = str(uuid.uuid4())
    response = client.post(
        "/api/booth/staff", json={"token": join_token(booth), "device_id": device}
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert set(data) == {"token", "booth"}
    assert data["booth"]["id"] == booth["id"] and data["booth"]["questions"] == booth["questions"]
    assert data["booth"]["event"] == {"slug": "devconf", "name": "DevConf"}
    assert "cardswap_staff" in response.cookies  # the phone's downloads carry it
    exported = client.get("/api/booth/leads.csv")  # the cookie alone signs the download in
    assert exported.status_code == 200
    client.cookies.clear()
    info = client.get("/api/booth", headers={"Authorization": f"Bearer {data['token']}"})
    assert info.json()["name"] == "Acme Kilns"


def test_staff_links_last_until_30_days_after_the_event(client: TestClient) -> None:
    body = {"slug": "expo", "name": "Expo", "starts_on": "2026-05-04", "ends_on": "2026-05-06"}
    assert client.post("/api/admin/events", json=body, headers=ADMIN).status_code == 201
    booth = make_booth(client, slug="expo")
    serializer = URLSafeTimedSerializer([SECRET], salt="cardswap.booth-join")
    _, slug, expires_at = serializer.loads(join_token(booth))
    end = datetime.combine(date(2026, 5, 6), datetime.min.time(), UTC) + timedelta(days=31)
    assert (slug, expires_at) == ("expo", int(end.timestamp()))


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        ("not-a-token", 401, "invalid_staff_link"),
        ("expired", 401, "invalid_staff_link"),
        ("other-event", 403, "wrong_event"),
        ("no-booth", 404, "booth_not_found"),
        ("attendee-session", 401, "invalid_staff_link"),
    ],
)
def test_bad_staff_links_are_refused_and_join_nobody(
    client: TestClient, register: Any, token: str, status: int, code: str
) -> None:
    booth = make_booth(client)
    later = int(time.time()) + 3600
    value = {
        "not-a-token": "not-a-token",
        "expired": _crafted_link(booth["id"], "devconf", int(time.time()) - 1),
        "other-event": _crafted_link(booth["id"], "otherconf", later),
        "no-booth": _crafted_link("no-such-booth", "devconf", later),
        "attendee-session": register().token,
    }[token]
    response = client.post(
        "/api/booth/staff", json={"token": value, "device_id": str(uuid.uuid4())}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert "cardswap_staff" not in response.cookies


def test_join_needs_a_device_id(client: TestClient, event: Any) -> None:
    booth = make_booth(client)
    response = client.post("/api/booth/staff", json={"token": join_token(booth), "device_id": "x"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "device_id"


# === Lead ops ===================================================================================
def test_capture_answers_notes_and_the_feed(client: TestClient, register: Any) -> None:
    ada = register("Ada Lovelace", org="Analytical Engines", emails=["ada@example.org"])
    staff = join(client, make_booth(client))
    interest, products = staff.qid("Interest"), staff.qid("Products")
    first = staff_sync(
        client,
        staff,
        [capture(ada, 0, answers={interest: "warm", products: ["Wheel", "Kiln"]}, note="Kilns")],
    )
    assert first["rejected"] == [] and len(first["acked"]) == 1
    assert set(first) == {"acked", "rejected", "cursor", "changes", "more"}
    [lead] = first["changes"]
    assert set(lead) == {"id", "card", "answers", "notes", "captured_at", "deleted", "updated_at"}
    assert lead["id"] == f"lead:{ada.id}"
    assert lead["card"]["fn"] == "Ada Lovelace" and lead["card"]["org"] == "Analytical Engines"
    assert lead["answers"] == {interest: "warm", products: ["Kiln", "Wheel"]}
    assert lead["notes"] == "Kilns" and lead["deleted"] is False
    assert lead["captured_at"] == "2026-03-01T09:00:00.000000Z"

    later = staff_sync(
        client,
        staff,
        [
            lead_update(ada, 5, answers={interest: "hot", products: None}, notes="Call Monday"),
            lead_update(ada, 2, answers={interest: "cold"}),  # older: loses
        ],
        cursor=first["cursor"],
    )
    assert len(later["acked"]) == 2
    [lead] = later["changes"]
    assert lead["answers"] == {interest: "hot"} and lead["notes"] == "Call Monday"

    gone = staff_sync(client, staff, [lead_delete(ada, 6)], cursor=later["cursor"])
    assert gone["changes"][0]["deleted"] is True
    back = staff_sync(client, staff, [capture(ada, 7)], cursor=gone["cursor"])
    assert back["changes"][0]["deleted"] is False
    assert back["changes"][0]["answers"] == {interest: "hot"}  # kept through the tombstone


def test_two_phones_scanning_one_attendee_make_one_lead(client: TestClient, register: Any) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Builder")
    booth = make_booth(client)
    one, two = join(client, booth), join(client, booth)
    interest, demo = one.qid("Interest"), one.qid("Wants a demo")
    staff_sync(client, one, [capture(ada, 10, answers={interest: "warm"}, note="Met at noon")])
    staff_sync(
        client,
        two,
        [
            capture(ada, 3, answers={interest: "hot", demo: True}, note="Asked for a demo"),
            capture(bob, 4),
        ],
    )
    for phone in (one, two):  # every phone sees the one shared list
        leads = leads_of(client, phone)
        assert sorted(leads) == sorted([f"lead:{ada.id}", f"lead:{bob.id}"])
        lead = leads[f"lead:{ada.id}"]
        assert lead["answers"] == {interest: "warm", demo: True}  # per answer, last writer
        assert lead["notes"] == "Asked for a demo\n\nMet at noon"  # both notes kept, in time
        assert lead["captured_at"] == "2026-03-01T09:03:00.000000Z"  # the earliest
    listed = client.get("/api/admin/events/devconf/booths", headers=ADMIN).json()["booths"]
    assert listed[0]["leads"] == 2


def test_a_replayed_op_is_applied_once_and_op_ids_are_per_booth(
    client: TestClient, register: Any
) -> None:
    ada = register()
    staff = join(client, make_booth(client))
    other = join(client, make_booth(client, name="Glaze Works"))
    op = capture(ada, note="once")
    first = staff_sync(client, staff, [op])
    again = staff_sync(client, staff, [op, op])
    assert again["acked"] == [op["id"], op["id"]] and again["rejected"] == []
    assert leads_of(client, staff)[f"lead:{ada.id}"]["notes"] == "once"
    assert again["changes"] == [] or again["changes"] == first["changes"]
    stolen = staff_sync(client, other, [op])
    assert stolen["rejected"][0]["code"] == "duplicate_op_id"
    assert leads_of(client, other) == {}


def test_bad_answers_refuse_their_op_and_the_others_apply(
    client: TestClient, register: Any
) -> None:
    ada, bob, cy = register("Ada"), register("Bob"), register("Cy")
    booth = make_booth(client)
    staff = join(client, booth)
    interest, budget, timeline = staff.qid("Interest"), staff.qid("Budget"), staff.qid("Timeline")
    staff_sync(client, staff, [capture(ada, answers={interest: "warm"})])
    # The organizer deletes the Timeline question while the phone still asks it (offline).
    kept = [q for q in booth["questions"] if q["id"] != timeline]
    path = f"/api/admin/events/devconf/booths/{booth['id']}"
    assert client.patch(path, json={"questions": kept}, headers=ADMIN).status_code == 200
    ops = [
        capture(bob, 1, answers={interest: "lukewarm"}),
        capture(cy, 2, answers={timeline: "Q3"}),
        lead_update(ada, 3, answers={budget: "a million"}),
        lead_update(ada, 4, answers={interest: 3}),
        lead_update(ada, 5, answers={"no-such": "x"}),
        capture(cy, 6, answers={budget: "10-50k"}),
    ]
    data = staff_sync(client, staff, ops)
    assert [r["code"] for r in data["rejected"]] == [
        "invalid_answer",
        "unknown_question",
        "invalid_answer",
        "invalid_answer",
        "unknown_question",
    ]
    assert data["acked"] == [ops[-1]["id"]]
    leads = leads_of(client, staff)
    assert sorted(leads) == sorted([f"lead:{ada.id}", f"lead:{cy.id}"])  # Bob was not captured
    assert leads[f"lead:{ada.id}"]["answers"] == {interest: "warm"}  # nothing of the bad ops
    assert leads[f"lead:{cy.id}"]["answers"] == {budget: "10-50k"}
    booth_now = client.get("/api/booth", headers=staff.headers).json()
    assert booth_now["questions"] == kept  # what the phone reads after its sync


def test_lead_ops_are_refused_for_what_they_cannot_apply_to(
    client: TestClient, register: Any
) -> None:
    ada, gone = register("Ada"), register("Gone Away")
    staff = join(client, make_booth(client))
    assert client.delete("/api/me", headers=gone.headers).status_code == 204
    forged = capture(ada)
    forged["card_token"] = ada.card_token[:-4] + (
        "aaaa" if ada.card_token[-4:] != "aaaa" else "bbbb"
    )
    ops = [
        capture(gone),
        forged,
        lead_update(ada, answers={}),  # no such lead yet
        lead_delete(ada),
        {**capture(ada), "at": "yesterday"},
        {**capture(ada), "answers": ["hot"]},
        {**lead_update(ada), "set": {"tags": ["x"]}},
        {**lead_update(ada), "lead_id": "att:" + ada.id},
        {"id": str(uuid.uuid4()), "type": "lead.merge", "at": at()},
        capture(ada, note="fine"),
    ]
    data = staff_sync(client, staff, ops)
    assert [r["code"] for r in data["rejected"]] == [
        "card_withdrawn",
        "invalid_token",
        "unknown_lead",
        "unknown_lead",
        "invalid_field",
        "invalid_answer",
        "invalid_field",
        "invalid_field",
        "invalid_op",
    ]
    assert data["acked"] == [ops[-1]["id"]]


def test_sessions_send_only_their_own_ops(client: TestClient, register: Any) -> None:
    ada, bob = register("Ada"), register("Bob")
    staff = join(client, make_booth(client))
    swap = {"id": str(uuid.uuid4()), "type": "exchange", "method": "qr", "at": at()}
    staff_ops = [
        {**swap, "card_token": ada.card_token},
        {
            "id": str(uuid.uuid4()),
            "type": "contact.update",
            "contact_id": "att:x",
            "at": at(),
            "set": {},
        },
        {"id": str(uuid.uuid4()), "type": "contact.delete", "contact_id": "att:x", "at": at()},
        capture(ada),
    ]
    data = staff_sync(client, staff, staff_ops)
    assert [r["code"] for r in data["rejected"]] == ["wrong_session"] * 3
    assert data["acked"] == [staff_ops[-1]["id"]]

    attendee_ops = [
        capture(bob),
        lead_update(bob),
        lead_delete(bob),
        {**swap, "card_token": bob.card_token},
    ]
    body = {"device_id": ada.device_id, "cursor": None, "ops": attendee_ops}
    answer = client.post("/api/sync", json=body, headers=ada.headers).json()
    assert [r["code"] for r in answer["rejected"]] == ["wrong_session"] * 3
    assert answer["acked"] == [attendee_ops[-1]["id"]]
    assert [c["id"] for c in answer["changes"]] == [f"att:{bob.id}"]
    # A capture is no swap: neither the attendee's contacts nor anyone else's changed.
    bobs = client.post(
        "/api/sync",
        json={"device_id": bob.device_id, "cursor": None, "ops": []},
        headers=bob.headers,
    ).json()
    assert [c["id"] for c in bobs["changes"]] == [f"att:{ada.id}"]  # from the swap only


def test_a_booth_captures_only_its_own_events_attendees(client: TestClient, register: Any) -> None:
    ada = register("Ada")
    other = client.post(
        "/api/admin/events", json={"slug": "otherconf", "name": "Other"}, headers=ADMIN
    ).json()
    body = {"join_code": other["join_code"], "card": {"fn": "Olga"}, "device_id": str(uuid.uuid4())}
    olga = client.post("/api/events/otherconf/attendees", json=body).json()
    client.cookies.clear()
    staff = join(client, make_booth(client))
    olga_token = olga["card_url"].rsplit("/c/", 1)[1]
    ops = [{**capture(ada), "card_token": olga_token}, capture(ada)]
    data = staff_sync(client, staff, ops)
    assert [r["code"] for r in data["rejected"]] == ["wrong_event"]
    assert list(leads_of(client, staff)) == [f"lead:{ada.id}"]


# === The attendee's shares ======================================================================
def test_a_withdrawn_card_leaves_the_booth_and_its_exports(
    client: TestClient, register: Any
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Builder")
    booth = make_booth(client)
    staff, second = join(client, booth), join(client, booth)
    first = staff_sync(client, staff, [capture(ada, note="Fan of glazes"), capture(bob, 1)])
    shares = client.get("/api/me/shares", headers=ada.headers).json()
    assert shares == {
        "shares": [
            {
                "booth_id": booth["id"],
                "booth_name": "Acme Kilns",
                "shared_at": "2026-03-01T09:00:00.000000Z",
            }
        ]
    }
    gone = client.delete(f"/api/me/shares/{booth['id']}", headers=ada.headers)
    assert gone.status_code == 204
    changed = staff_sync(client, staff, cursor=first["cursor"])["changes"]
    assert changed == [
        {
            **changed[0],
            "id": f"lead:{ada.id}",
            "deleted": True,
            "card": {},
            "answers": {},
            "notes": "",
        }
    ]
    assert leads_of(client, second)[f"lead:{ada.id}"]["deleted"] is True
    names = [row[0] for row in csv_rows(client, staff, "plain")[1:]]
    assert names == ["Bob Builder"]
    vcf = client.get("/api/booth/leads.vcf", headers=staff.headers).text
    assert "Lovelace" not in vcf and "glazes" not in vcf and "Bob Builder" in vcf
    refused = staff_sync(
        client,
        second,
        [capture(ada, 9), lead_update(ada, 9, notes="again"), lead_delete(ada, 9)],
    )
    assert [r["code"] for r in refused["rejected"]] == ["withdrawn", "withdrawn"]
    assert client.get("/api/me/shares", headers=ada.headers).json() == {"shares": []}
    again = client.delete(f"/api/me/shares/{booth['id']}", headers=ada.headers)
    assert again.status_code == 204
    listed = client.get("/api/admin/events/devconf/booths", headers=ADMIN).json()["booths"]
    assert listed[0]["leads"] == 1


def test_withdrawing_from_a_booth_one_never_met_is_404(client: TestClient, register: Any) -> None:
    ada, bob = register("Ada"), register("Bob")
    booth = make_booth(client)
    staff_sync(client, join(client, booth), [capture(bob)])
    for booth_id in (booth["id"], "no-such-booth", "x" * 100):
        response = client.delete(f"/api/me/shares/{booth_id}", headers=ada.headers)
        assert response.status_code == 404 and response.json()["error"]["code"] == "share_not_found"
    assert len(client.get("/api/me/shares", headers=bob.headers).json()["shares"]) == 1


# === Exports ===================================================================================
HEADERS = {
    "plain": ["Name", "Email", "Company", "Title", "Phone", "Website", "Captured At", "Notes"],
    "hubspot": [
        "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Job Title",
        "Website URL", "Notes",
    ],
    "salesforce": [
        "First Name", "Last Name", "Email", "Company", "Title", "Phone", "Website", "Rating",
        "Description",
    ],
}  # fmt: skip
LABELS = ["Interest", "Budget", "Products", "Wants a demo", "Timeline"]


@pytest.fixture
def exported(client: TestClient, register: Any) -> Staff:
    """A booth whose leads are Ada (every answer) and =Mallory (a formula in her name)."""
    ada = register(
        "Ada Lovelace",
        org="Analytical Engines",
        title="Countess",
        emails=["ada@example.org"],
        phones=["+44 20 7946 0000"],
        urls=["https://ada.example.org"],
    )
    mallory = register('=HYPERLINK("x")')
    staff = join(client, make_booth(client))
    answers = {
        staff.qid("Interest"): "hot",
        staff.qid("Budget"): "10-50k",
        staff.qid("Products"): ["Kiln", "Glaze"],
        staff.qid("Wants a demo"): True,
        staff.qid("Timeline"): "Q3",
    }
    staff_sync(
        client, staff, [capture(ada, answers=answers, note="Loves kilns"), capture(mallory, 1)]
    )
    return staff


@pytest.mark.parametrize("fmt", ["plain", "hubspot", "salesforce"])
def test_crm_csv_has_the_importers_columns_and_one_per_question(
    client: TestClient, exported: Staff, fmt: str
) -> None:
    header, ada, mallory = csv_rows(client, exported, fmt)
    assert header == HEADERS[fmt] + LABELS
    row = dict(zip(header, ada, strict=True))
    answers = {k: row[k] for k in LABELS}
    assert answers == {
        "Interest": "Hot",
        "Budget": "10-50k",
        "Products": "Kiln; Glaze",
        "Wants a demo": "Yes",
        "Timeline": "Q3",
    }
    assert row["Email"] == "ada@example.org"
    assert "+44 20 7946 0000" in ada  # a phone number stays a number
    assert all(not cell.startswith("=") for cell in mallory)  # a formula never runs
    if fmt == "plain":
        assert (row["Name"], row["Company"], row["Notes"]) == (
            "Ada Lovelace", "Analytical Engines", "Loves kilns",
        )  # fmt: skip
    elif fmt == "hubspot":
        assert (row["First Name"], row["Last Name"], row["Company Name"], row["Job Title"]) == (
            "Ada", "Lovelace", "Analytical Engines", "Countess",
        )  # fmt: skip
    else:
        assert (row["Last Name"], row["Company"], row["Rating"]) == (
            "Lovelace", "Analytical Engines", "Hot",
        )  # fmt: skip
        assert row["Description"].startswith("Met at Acme Kilns (DevConf) on 2026-03-01.")
        assert "Loves kilns" in row["Description"]
        no_company = dict(zip(header, mallory, strict=True))
        assert no_company["Company"] == "[not provided]" and no_company["Last Name"]


def test_vcf_export_carries_the_answers_and_notes(client: TestClient, exported: Staff) -> None:
    response = client.get("/api/booth/leads.vcf", headers=exported.headers)
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    cards = list(vobject.readComponents(response.text))
    assert len(cards) == 2
    ada = next(c for c in cards if c.fn.value == "Ada Lovelace")
    note = ada.note.value
    assert "Met at Acme Kilns (DevConf) on 2026-03-01." in note
    assert "Interest: Hot" in note and "Products: Kiln; Glaze" in note
    assert "Notes: Loves kilns" in note
    assert ada.uid.value and ada.email.value == "ada@example.org"


def test_unknown_export_format_is_422(client: TestClient, exported: Staff) -> None:
    response = client.get("/api/booth/leads.csv?format=excel", headers=exported.headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "format"


# === Who sees what =============================================================================
def test_each_booth_sees_only_its_own_leads(client: TestClient, register: Any) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Builder")
    acme = join(client, make_booth(client))
    glaze = join(client, make_booth(client, name="Glaze Works"))
    first = staff_sync(client, acme, [capture(ada, note="acme only")])
    staff_sync(client, glaze, [capture(bob)])
    assert list(leads_of(client, acme)) == [f"lead:{ada.id}"]
    assert list(leads_of(client, glaze)) == [f"lead:{bob.id}"]
    # Another booth's lead is no lead of this one, and its cursor no window into it.
    refused = staff_sync(client, glaze, [lead_update(ada, notes="mine now"), lead_delete(ada)])
    assert [r["code"] for r in refused["rejected"]] == ["unknown_lead", "unknown_lead"]
    body = {"device_id": glaze.device_id, "cursor": first["cursor"], "ops": []}
    stolen = client.post("/api/sync", json=body, headers=glaze.headers)
    assert stolen.status_code == 400 and stolen.json()["error"]["code"] == "invalid_cursor"
    attendee_body = {"device_id": ada.device_id, "cursor": first["cursor"], "ops": []}
    assert client.post("/api/sync", json=attendee_body, headers=ada.headers).status_code == 400
    for fmt in ("plain", "hubspot", "salesforce"):
        assert (
            "Ada"
            not in client.get(f"/api/booth/leads.csv?format={fmt}", headers=glaze.headers).text
        )
    assert "Ada" not in client.get("/api/booth/leads.vcf", headers=glaze.headers).text
    assert leads_of(client, acme)[f"lead:{ada.id}"]["notes"] == "acme only"


def test_booths_of_another_event_are_out_of_reach(client: TestClient, event: Any) -> None:
    booth = make_booth(client)
    client.post("/api/admin/events", json={"slug": "otherconf", "name": "Other"}, headers=ADMIN)
    patched = client.patch(
        f"/api/admin/events/otherconf/booths/{booth['id']}", json={"name": "Mine"}, headers=ADMIN
    )
    assert patched.status_code == 404 and patched.json()["error"]["code"] == "booth_not_found"
    assert client.get("/api/admin/events/otherconf/booths", headers=ADMIN).json() == {"booths": []}
    stats = client.get("/api/admin/events/otherconf/stats", headers=ADMIN).json()
    assert stats["leads_by_booth"] == [] and stats["leads_by_hour"] == []
    missing = client.get("/api/admin/events/nosuch/booths", headers=ADMIN)
    assert missing.status_code == 404


def test_every_endpoint_refuses_every_other_credential(client: TestClient, register: Any) -> None:
    ada = register("Ada")
    booth = make_booth(client)
    staff = join(client, booth)
    staff_sync(client, staff, [capture(ada)])
    creds = {
        "none": {},
        "attendee": ada.headers,
        "staff": staff.headers,
        "admin": ADMIN,
        "forged": {"Authorization": "Bearer " + staff.token[:-3] + "abc"},
    }
    organizer = [
        ("POST", "/api/admin/events/devconf/booths", {"name": "X"}),
        ("GET", "/api/admin/events/devconf/booths", None),
        ("PATCH", f"/api/admin/events/devconf/booths/{booth['id']}", {"name": "X"}),
        ("GET", "/api/admin/events/devconf/stats", None),
    ]
    staff_only = [
        ("GET", "/api/booth", None),
        ("PATCH", "/api/booth", {"questions": []}),
        ("GET", "/api/booth/leads.csv", None),
        ("GET", "/api/booth/leads.vcf", None),
    ]
    attendee_only = [
        ("GET", "/api/me/shares", None),
        ("DELETE", f"/api/me/shares/{booth['id']}", None),
    ]
    for endpoints, allowed in (
        (organizer, "admin"),
        (staff_only, "staff"),
        (attendee_only, "attendee"),
    ):
        for method, path, body in endpoints:
            for name, headers in creds.items():
                if name == allowed:
                    continue
                response = client.request(method, path, json=body, headers=headers)
                assert response.status_code == 401, (method, path, name, response.text)
    # Nothing changed meanwhile: the booth, its lead, the share.
    assert leads_of(client, staff)[f"lead:{ada.id}"]["deleted"] is False
    assert client.get("/api/booth", headers=staff.headers).json()["questions"] == booth["questions"]
    assert len(client.get("/api/me/shares", headers=ada.headers).json()["shares"]) == 1


def test_stats_count_leads_per_booth_and_hour_never_who(client: TestClient, register: Any) -> None:
    ada, bob = register("Ada"), register("Bob")
    acme = make_booth(client)
    glaze = make_booth(client, name="Glaze Works")
    staff_sync(client, join(client, acme), [capture(ada), capture(bob)])
    staff_sync(client, join(client, glaze), [capture(ada)])
    client.delete(f"/api/me/shares/{glaze['id']}", headers=ada.headers)
    stats = client.get("/api/admin/events/devconf/stats", headers=ADMIN).json()
    assert stats["leads_by_booth"] == [
        {"booth_id": acme["id"], "name": "Acme Kilns", "leads": 2},
        {"booth_id": glaze["id"], "name": "Glaze Works", "leads": 0},
    ]
    [hour] = stats["leads_by_hour"]
    assert hour["count"] == 2 and hour["hour"].endswith(":00:00Z")
    text = str(stats)
    assert ada.id not in text and bob.id not in text and "Ada" not in text
    assert stats["exchanges"] == 0 and stats["active_attendees"] == 0  # a capture is no swap


def test_the_booth_lead_edits_questions_from_a_phone(client: TestClient, register: Any) -> None:
    staff = join(client, make_booth(client, questions=[]))
    response = client.patch(
        "/api/booth",
        json={"questions": [{"kind": "yesno", "label": "Met before?"}]},
        headers=staff.headers,
    )
    assert response.status_code == 200, response.text
    [question] = response.json()["questions"]
    assert question["label"] == "Met before?"
    assert client.get("/api/booth", headers=staff.headers).json()["questions"] == [question]
    bad = client.patch("/api/booth", json={"name": "Renamed"}, headers=staff.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("bad_id", [{}, [], 7, None, True, "x" * 41, "a b"])
def test_a_question_id_that_is_no_id_is_422(client: TestClient, event: Any, bad_id: Any) -> None:
    body = {"name": "A", "questions": [{"id": bad_id, "kind": "text", "label": "Q"}]}
    response = client.post("/api/admin/events/devconf/booths", json=body, headers=ADMIN)
    if bad_id is None:  # no id: a new question
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "questions[0].id"
