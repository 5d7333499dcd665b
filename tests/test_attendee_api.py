"""Registration and the attendee's own endpoints: /api/me, card edits with live links, the QR,
settings, device sign-in links, deletion, and the session and Origin rules around them."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import zxingcpp
from itsdangerous.timed import TimestampSigner
from PIL import Image, ImageDraw
from starlette.testclient import TestClient

from server import qr
from server.app import create_app
from server.tokens import Tokens
from tests.conftest import ADMIN, BASE_URL, SECRET, Attendee, make_settings
from tests.test_events_api import error

ORIGIN = {"Origin": BASE_URL}
ME_KEYS = {"attendee", "card_url", "event", "settings"}


def store(client: TestClient) -> Any:
    return client.app.state.ctx.store  # type: ignore[attr-defined]


def query(client: TestClient, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store(client).read().execute(sql, params or []).fetchall()]


def registration(event: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "join_code": event["join_code"],
        "card": {"fn": "Grace Hopper"},
        "device_id": str(uuid.uuid4()),
    }
    return {**body, **overrides}


def signed_in_the_past(seconds_ago: int, sign: Callable[[], str]) -> str:
    """A token signed by the real serializer with its timestamp `seconds_ago` in the past."""
    stamp = int(time.time()) - seconds_ago
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: stamp  # type: ignore[method-assign]
    try:
        return sign()
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]


# -- registration ---------------------------------------------------------------------------
def test_registration_returns_attendee_token_card_url_and_a_session_cookie(
    client: TestClient, event: dict[str, Any]
):
    body = registration(
        event, card={"fn": "Grace Hopper", "org": "US Navy", "emails": ["grace@navy.example"]}
    )
    response = client.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"attendee", "token", "card_url"}
    assert set(data["attendee"]) == {"id", "card"}
    assert data["attendee"]["card"] == {
        "fn": "Grace Hopper",
        "given": "Grace",
        "family": "Hopper",
        "org": "US Navy",
        "emails": ["grace@navy.example"],
        "phones": [],
        "urls": [],
        "socials": [],
        "photo": None,
    }
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", data["attendee"]["id"])
    assert data["card_url"].startswith(f"{BASE_URL}/c/")
    payload = Tokens([SECRET]).read_card_token(data["card_url"].rsplit("/", 1)[1])
    assert (payload.attendee_id, payload.event_slug, payload.card_version) == (
        data["attendee"]["id"],
        "devconf",
        1,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"cardswap_session={data['token']};")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain-HTTP base URL
    # The cookie alone is a session.
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["attendee"]["id"] == data["attendee"]["id"]
    devices = query(
        client, "SELECT id FROM devices WHERE attendee_id = ?", [data["attendee"]["id"]]
    )
    assert devices == [(body["device_id"],)]


def test_attendee_ids_are_distinct_and_unguessable(register: Callable[..., Attendee]):
    ids = {register(f"Person {i}").id for i in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 16 and "\n" not in i for i in ids)


def test_cookie_is_secure_when_the_base_url_is_https(tmp_path: Path):
    settings = make_settings(tmp_path / "s.db", base_url="https://cards.example.org")
    with TestClient(create_app(settings), base_url="https://cards.example.org") as client:
        event = client.post(
            "/api/admin/events", json={"slug": "s", "name": "S"}, headers=ADMIN
        ).json()
        assert event["join_url"].startswith("https://cards.example.org/join/s?code=")
        response = client.post("/api/events/s/attendees", json=registration(event))
        assert response.status_code == 201
        assert "Secure" in response.headers["set-cookie"]
        assert response.json()["card_url"].startswith("https://cards.example.org/c/")


def test_join_code_is_accepted_in_any_case_with_spaces(client: TestClient, event: dict[str, Any]):
    body = registration(event, join_code=f"  {event['join_code'].lower()} ")
    assert client.post(f"/api/events/{event['slug']}/attendees", json=body).status_code == 201


def test_wrong_join_code_is_403_and_registers_nobody(client: TestClient, event: dict[str, Any]):
    body = registration(event, join_code="WRONG123")
    error(client.post(f"/api/events/{event['slug']}/attendees", json=body), 403, "bad_join_code")
    assert query(client, "SELECT count(*) FROM attendees") == [(0,)]


def test_another_events_join_code_is_403(client: TestClient, event: dict[str, Any]):
    other = client.post(
        "/api/admin/events", json={"slug": "other", "name": "O"}, headers=ADMIN
    ).json()
    body = registration(event, join_code=other["join_code"])
    error(client.post(f"/api/events/{event['slug']}/attendees", json=body), 403, "bad_join_code")


def test_registration_for_an_unknown_event_is_404(client: TestClient, event: dict[str, Any]):
    error(client.post("/api/events/nope/attendees", json=registration(event)), 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"card": {"org": "No name"}}, "card.fn"),
        ({"card": {"fn": "A", "emails": ["nope"]}}, "card.emails.0"),
        ({"card": {"fn": "A", "photo": "x"}}, "card.photo"),
        (
            {"card": {"fn": "A", "photo": {"small": "/photos/a/small.jpg", "large": "/l"}}},
            "card.photo",
        ),
        ({"card": {"fn": "A", "pronouns": "x" * 41}}, "card.pronouns"),
        (
            {"card": {"fn": "A", "socials": [{"network": "x", "url": "javascript:alert(1)"}]}},
            "card.socials.0.url",
        ),
        ({"card": "Grace"}, "card"),
        ({"card": None}, "card"),
        ({"device_id": "not-a-uuid"}, "device_id"),
        ({"device_id": None}, "device_id"),
        ({"device_id": 42}, "device_id"),
        ({"join_code": None}, "join_code"),
        ({"join_code": 12345678}, "join_code"),
        ({"email": "x@y.example"}, "email"),
    ],
)
def test_invalid_registration_is_422_naming_the_field(
    client: TestClient, event: dict[str, Any], change: dict[str, Any], field: str
):
    response = client.post(
        f"/api/events/{event['slug']}/attendees", json=registration(event, **change)
    )
    assert error(response, 422, "invalid_field")["field"] == field
    assert query(client, "SELECT count(*) FROM attendees") == [(0,)]
    assert query(client, "SELECT count(*) FROM devices") == [(0,)]
    assert "set-cookie" not in response.headers


def test_registration_body_errors_400_413_415(client: TestClient, event: dict[str, Any]):
    url = f"/api/events/{event['slug']}/attendees"
    json_type = {"Content-Type": "application/json"}
    error(client.post(url, content=b'{"join_code":', headers=json_type), 400, "malformed")
    error(client.post(url, content=b"[]", headers=json_type), 400, "malformed")
    error(client.post(url, content=b"\xff\xfe", headers=json_type), 400, "malformed")
    error(
        client.post(
            url,
            content=json.dumps(registration(event)).encode(),
            headers={"Content-Type": "text/plain"},
        ),
        415,
        "unsupported_media_type",
    )
    error(client.post(url, content=json.dumps(registration(event)).encode()), 415)
    big = registration(event, card={"fn": "A", "note": "x" * (1024 * 1024 + 10)})
    error(client.post(url, json=big), 413, "too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        yield b'{"join_code":"' + event["join_code"].encode() + b'","card":{"fn":"'
        for _ in range(70):
            yield b"a" * 16384
        yield b'"}}'

    error(client.post(url, content=chunks(), headers=json_type), 413, "too_large")
    assert query(client, "SELECT count(*) FROM attendees") == [(0,)]


def test_a_venue_crowd_behind_one_ip_is_not_throttled(client: TestClient, event: dict[str, Any]):
    """More registrations from one address with one code than the per-minute setting (600)."""
    limit = client.app.state.ctx.settings.register_rate_per_minute  # type: ignore[attr-defined]
    url = f"/api/events/{event['slug']}/attendees"
    statuses = [client.post(url, json=registration(event)).status_code for _ in range(limit + 100)]
    assert statuses.count(201) == limit + 100


def test_a_registration_flood_is_429_with_retry_after(tmp_path: Path):
    settings = make_settings(tmp_path / "r.db", register_rate_per_minute=1)
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        event = client.post(
            "/api/admin/events", json={"slug": "r", "name": "R"}, headers=ADMIN
        ).json()
        other = client.post(
            "/api/admin/events", json={"slug": "q", "name": "Q"}, headers=ADMIN
        ).json()
        statuses = [
            client.post("/api/events/r/attendees", json=registration(event)).status_code
            for _ in range(25)
        ]
        assert statuses[:20] == [201] * 20  # a 1/min setting still lets a crowd of 20 in at once
        response = client.post("/api/events/r/attendees", json=registration(event))
        error(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) >= 1
        assert query(client, "SELECT count(*) FROM attendees") == [(20,)]
        # Another event's code has its own budget.
        assert client.post("/api/events/q/attendees", json=registration(other)).status_code == 201


# -- /api/me ----------------------------------------------------------------------------------
def test_me_shows_card_card_url_event_and_settings(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register("Ada Lovelace", org="Analytical Engines")
    response = client.get("/api/me", headers=ada.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ME_KEYS
    assert body["attendee"] == {"id": ada.id, "card": ada.card}
    assert body["card_url"] == ada.card_url
    assert body["event"] == {
        "slug": "devconf",
        "name": "DevConf",
        "starts_on": None,
        "ends_on": None,
        "language": "en",
        "time_zone": "UTC",
    }
    assert body["settings"] == {"share_back": True, "language": None}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Token abc"},
    ],
)
def test_me_without_a_valid_session_is_401(client: TestClient, headers: dict[str, str]):
    error(client.get("/api/me", headers=headers), 401)


def test_altered_or_foreign_session_tokens_are_401(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    altered = ada.token[:-3] + ("AAA" if not ada.token.endswith("AAA") else "BBB")
    error(client.get("/api/me", headers={"Authorization": f"Bearer {altered}"}), 401)
    foreign = Tokens(["another-key"]).session(ada.id, ada.device_id)
    error(client.get("/api/me", headers={"Authorization": f"Bearer {foreign}"}), 401)
    client.cookies.set("cardswap_session", altered)
    error(client.get("/api/me"), 401)


def test_expired_session_is_401(client: TestClient, register: Callable[..., Attendee]):
    ada = register()
    tokens = Tokens([SECRET])
    old = signed_in_the_past(181 * 24 * 3600, lambda: tokens.session(ada.id, ada.device_id))
    error(client.get("/api/me", headers={"Authorization": f"Bearer {old}"}), 401)
    recent = signed_in_the_past(179 * 24 * 3600, lambda: tokens.session(ada.id, ada.device_id))
    assert client.get("/api/me", headers={"Authorization": f"Bearer {recent}"}).status_code == 200


def test_tokens_of_other_purposes_are_not_sessions(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    link = client.post("/api/me/devices", headers=ada.headers).json()["sign_in_url"]
    for token in (
        link.rsplit("/", 1)[1],
        ada.card_token,
        Tokens([SECRET]).attendee_signin(ada.id, int(time.time()) + 3600),
    ):
        error(client.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)


# -- PUT /api/me/card -------------------------------------------------------------------------
def test_put_card_returns_me_with_a_new_card_url_and_bumped_version(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register("Ada Lovelace")
    new_card = {"fn": "Ada King", "title": "Countess", "urls": ["https://ada.example"]}
    response = client.put("/api/me/card", json={"card": new_card}, headers=ada.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ME_KEYS
    assert body["attendee"]["card"] == {
        "fn": "Ada King",
        "given": "Ada",
        "family": "King",
        "title": "Countess",
        "emails": [],
        "phones": [],
        "urls": ["https://ada.example"],
        "socials": [],
        "photo": None,
    }
    assert body["card_url"] != ada.card_url
    tokens = Tokens([SECRET])
    new = tokens.read_card_token(body["card_url"].rsplit("/", 1)[1])
    old = tokens.read_card_token(ada.card_token)
    assert (new.attendee_id, new.card_version, new.fn) == (ada.id, 2, "Ada King")
    assert (old.attendee_id, old.card_version) == (ada.id, 1)  # still valid: same attendee
    assert client.get("/api/me", headers=ada.headers).json() == body


def test_put_card_pushes_the_card_into_live_linked_contacts(
    client: TestClient, register: Callable[..., Attendee]
):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Byte"), register("Cy Cipher")
    now = "2026-01-01T00:00:00.000000Z"
    s = store(client)
    with s.write() as db:
        for owner, linked, seq in (
            (bob.id, ada.id, db.next_seqs([bob.id])[0]),
            (cy.id, bob.id, db.next_seqs([cy.id])[0]),
        ):
            db.execute(
                "INSERT INTO contacts (owner_id, contact_id, card, verified, linked_attendee_id,"
                " seq, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                [owner, f"att:{linked}", json.dumps({"fn": "old"}), linked, seq, now],
            )
    before = dict(query(client, "SELECT owner_id, seq FROM contacts"))
    response = client.put("/api/me/card", json={"card": {"fn": "Ada King"}}, headers=ada.headers)
    assert response.status_code == 200
    card, seq, updated = query(
        client, "SELECT card, seq, updated_at FROM contacts WHERE owner_id = ?", [bob.id]
    )[0]
    assert json.loads(card) == response.json()["attendee"]["card"]
    assert seq > max(before.values()) and updated > now
    # A contact linked to someone else is untouched.
    assert query(client, "SELECT card, seq FROM contacts WHERE owner_id = ?", [cy.id]) == [
        (json.dumps({"fn": "old"}), before[cy.id])
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "card"),
        ({"card": {"fn": ""}}, "card.fn"),
        ({"card": {"fn": "A", "phones": ["call me"]}}, "card.phones.0"),
        ({"card": {"fn": "A"}, "share_back": False}, "share_back"),
        ({"card": [{"fn": "A"}]}, "card"),
    ],
)
def test_invalid_card_edit_is_422_and_changes_nothing(
    client: TestClient, register: Callable[..., Attendee], body: dict[str, Any], field: str
):
    ada = register("Ada Lovelace")
    response = client.put("/api/me/card", json=body, headers=ada.headers)
    assert error(response, 422, "invalid_field")["field"] == field
    me = client.get("/api/me", headers=ada.headers).json()
    assert me["card_url"] == ada.card_url and me["attendee"]["card"] == ada.card


def test_put_card_needs_a_session_and_json(client: TestClient, register: Callable[..., Attendee]):
    ada = register()
    error(client.put("/api/me/card", json={"card": {"fn": "X"}}), 401)
    error(
        client.put(
            "/api/me/card",
            content=b"fn=X",
            headers={**ada.headers, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    error(
        client.put(
            "/api/me/card",
            content=b"{",
            headers={**ada.headers, "Content-Type": "application/json"},
        ),
        400,
    )
    error(
        client.put(
            "/api/me/card",
            content=b"x" * (1024 * 1024 + 1),
            headers={**ada.headers, "Content-Type": "application/json"},
        ),
        413,
    )


# -- cookie sessions and Origin --------------------------------------------------------------
@pytest.fixture
def cookie_attendee(client: TestClient, event: dict[str, Any]) -> dict[str, Any]:
    """An attendee whose session is only the cookie the registration set."""
    response = client.post(f"/api/events/{event['slug']}/attendees", json=registration(event))
    assert response.status_code == 201
    return dict(response.json())


@pytest.mark.parametrize(
    "origin", [None, "https://evil.example", "http://testserver.evil.example", "null"]
)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/me/card", {"card": {"fn": "Mallory"}}),
        ("PUT", "/api/me/settings", {"share_back": False}),
        ("POST", "/api/me/devices", None),
        ("DELETE", "/api/me", None),
    ],
)
def test_cookie_writes_need_our_origin(
    client: TestClient,
    cookie_attendee: dict[str, Any],
    origin: str | None,
    method: str,
    path: str,
    body: dict[str, Any] | None,
):
    headers = {"Origin": origin} if origin else {}
    response = client.request(method, path, json=body, headers=headers)
    error(response, 403, "bad_origin")
    me = client.get("/api/me").json()
    assert me["attendee"]["card"]["fn"] == "Grace Hopper" and me["settings"]["share_back"]


def test_cookie_writes_from_our_origin_work(client: TestClient, cookie_attendee: dict[str, Any]):
    response = client.put("/api/me/card", json={"card": {"fn": "Grace B. Hopper"}}, headers=ORIGIN)
    assert response.status_code == 200
    assert (
        client.put(
            "/api/me/settings", json={"share_back": False}, headers={"Origin": BASE_URL + "/"}
        ).status_code
        == 200
    )
    assert client.post("/api/me/devices", headers=ORIGIN).status_code == 201
    assert client.delete("/api/me", headers=ORIGIN).status_code == 204


def test_bearer_writes_need_no_origin(client: TestClient, register: Callable[..., Attendee]):
    ada = register()
    assert (
        client.put("/api/me/card", json={"card": {"fn": "A B"}}, headers=ada.headers).status_code
        == 200
    )
    assert client.post("/api/me/devices", headers=ada.headers).status_code == 201
    assert client.delete("/api/me", headers=ada.headers).status_code == 204


def test_bearer_wins_over_a_cookie(
    client: TestClient, cookie_attendee: dict[str, Any], register: Callable[..., Attendee]
):
    client.cookies.set("cardswap_session", cookie_attendee["token"])
    bob = register("Bob Byte")
    client.cookies.set("cardswap_session", cookie_attendee["token"])
    assert client.get("/api/me", headers=bob.headers).json()["attendee"]["id"] == bob.id


# -- QR ---------------------------------------------------------------------------------------
def decode_svg_qr(svg: str) -> str:
    """Rasterise segno's path-based SVG (M/m moves, h runs) and decode it with zxing-cpp."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))  # type: ignore[union-attr]
    path = re.search(r'class="qrline"[^>]*\sd="([^"]+)"', svg)
    path = path or re.search(r'\sd="([^"]+)"[^>]*class="qrline"', svg)
    assert path, svg[:300]
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for cmd, a, b in re.findall(r"([MmHhVv])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?", path.group(1)):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        elif cmd == "h":
            row = int(y)
            draw.rectangle(
                [x * scale, row * scale, (x + float(a)) * scale - 1, (row + 1) * scale - 1], fill=0
            )
            x += float(a)
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return str(results[0].text)


def test_qr_svg_encodes_the_card_url(client: TestClient, register: Callable[..., Attendee]):
    ada = register("Ada Lovelace", org="Analytical Engines", emails=["ada@analytical.example"])
    response = client.get("/api/me/qr.svg", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "private" in response.headers["cache-control"]
    assert response.text.lstrip().startswith("<svg")
    text = decode_svg_qr(response.text)
    assert text.lower() == ada.card_url.lower()
    assert Tokens([SECRET]).read_card_token(text.rsplit("/", 1)[1]).attendee_id == ada.id
    # Revalidation: unchanged card → 304; a new card → a new QR.
    etag = response.headers["etag"]
    again = client.get("/api/me/qr.svg", headers={**ada.headers, "If-None-Match": etag})
    assert again.status_code == 304
    new_url = client.put(
        "/api/me/card", json={"card": {"fn": "Ada King"}}, headers=ada.headers
    ).json()["card_url"]
    fresh = client.get("/api/me/qr.svg", headers={**ada.headers, "If-None-Match": etag})
    assert fresh.status_code == 200 and decode_svg_qr(fresh.text).lower() == new_url.lower()


def test_qr_svg_needs_a_session(client: TestClient):
    error(client.get("/api/me/qr.svg"), 401)


def test_a_typical_registered_card_fits_qr_version_10(tmp_path: Path):
    settings = make_settings(tmp_path / "q.db", base_url="https://cardswap.example.org")
    with TestClient(create_app(settings), base_url="https://cardswap.example.org") as client:
        event = client.post(
            "/api/admin/events", json={"slug": "devconf-2026", "name": "D"}, headers=ADMIN
        ).json()
        card = {
            "fn": "Jane Doe",
            "org": "Acme Corporation",
            "title": "Head of Engineering",
            "emails": ["jane.doe@acme-corp.example"],
            "phones": ["+1 415 555 0100"],
            "urls": ["https://acme-corp.example/jane"],
        }
        url = client.post(
            "/api/events/devconf-2026/attendees", json=registration(event, card=card)
        ).json()["card_url"]
        assert qr.version(qr.qr_text(url)) <= 10


# -- settings ---------------------------------------------------------------------------------
def test_share_back_setting_round_trips(client: TestClient, register: Callable[..., Attendee]):
    ada = register()
    response = client.put("/api/me/settings", json={"share_back": False}, headers=ada.headers)
    assert response.status_code == 200
    assert set(response.json()) == ME_KEYS
    assert response.json()["settings"] == {"share_back": False, "language": None}
    assert client.get("/api/me", headers=ada.headers).json()["settings"] == {
        "share_back": False,
        "language": None,
    }
    assert client.put("/api/me/settings", json={"share_back": True}, headers=ada.headers).json()[
        "settings"
    ] == {"share_back": True, "language": None}


def test_the_language_setting_round_trips_and_leaves_share_back_alone(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    client.put("/api/me/settings", json={"share_back": False}, headers=ada.headers)
    for language in ("ja", "ar", "pt-BR", "zh-Hans", None):
        response = client.put("/api/me/settings", json={"language": language}, headers=ada.headers)
        assert response.status_code == 200, response.text
        expected = {"share_back": False, "language": language}
        assert response.json()["settings"] == expected
        assert client.get("/api/me", headers=ada.headers).json()["settings"] == expected
    both = {"share_back": True, "language": "de"}
    assert client.put("/api/me/settings", json=both, headers=ada.headers).json()["settings"] == both


def test_me_carries_the_events_language_and_time_zone(
    client: TestClient, register: Callable[..., Attendee]
):
    event = register().headers  # the fixture's event: created with the defaults
    me = client.get("/api/me", headers=event).json()
    assert (me["event"]["language"], me["event"]["time_zone"]) == ("en", "UTC")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "share_back"),
        ({"share_back": "yes"}, "share_back"),
        ({"share_back": 0}, "share_back"),
        ({"share_back": None}, "share_back"),
        ({"share_back": False, "theme": "dark"}, "theme"),
        ({"language": "klingon"}, "language"),
        ({"language": "pt"}, "language"),
        ({"language": ["ja"]}, "language"),
        ({"share_back": True, "language": "xx"}, "language"),
        ({"share_back": "no", "language": "ja"}, "share_back"),
    ],
)
def test_invalid_settings_are_422(
    client: TestClient, register: Callable[..., Attendee], body: dict[str, Any], field: str
):
    ada = register()
    response = client.put("/api/me/settings", json=body, headers=ada.headers)
    assert error(response, 422, "invalid_field")["field"] == field
    assert client.get("/api/me", headers=ada.headers).json()["settings"] == {
        "share_back": True,
        "language": None,
    }


def test_settings_need_a_session(client: TestClient):
    error(client.put("/api/me/settings", json={"share_back": False}), 401)


# -- device sign-in ---------------------------------------------------------------------------
def test_device_link_signs_a_new_device_in_once(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    response = client.post("/api/me/devices", headers=ada.headers)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"sign_in_url", "expires_at"}
    assert body["sign_in_url"].startswith(f"{BASE_URL}/signin/")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["expires_at"])  # UTC
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs((expires - datetime.now(UTC)).total_seconds() - 600) < 5

    path = body["sign_in_url"].removeprefix(BASE_URL)
    first = client.get(path, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "HttpOnly" in first.headers["set-cookie"]
    assert client.get("/api/me").json()["attendee"]["id"] == ada.id  # the new device's cookie

    client.cookies.clear()
    second = client.get(path, follow_redirects=False)
    assert second.status_code == 401
    assert second.headers["content-type"].startswith("text/html")
    assert "already been used" in second.text
    assert "set-cookie" not in second.headers


def test_a_link_previewer_head_request_does_not_use_the_link(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    path = (
        client.post("/api/me/devices", headers=ada.headers)
        .json()["sign_in_url"]
        .removeprefix(BASE_URL)
    )
    assert client.head(path).status_code == 200
    assert client.get(path, follow_redirects=False).status_code == 303


def test_forged_altered_and_expired_sign_in_links_are_refused(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    tokens = Tokens([SECRET])
    good = tokens.device_signin(ada.id)
    expired = signed_in_the_past(601, lambda: tokens.device_signin(ada.id))
    personal_expired = tokens.attendee_signin(ada.id, int(time.time()) - 1)
    for token in (
        Tokens(["another-key"]).device_signin(ada.id),
        good[:-2] + ("xx" if not good.endswith("xx") else "yy"),
        expired,
        personal_expired,
        ada.token,  # a session is not a sign-in link
        ada.card_token,
        "nonsense",
    ):
        response = client.get(f"/signin/{token}", follow_redirects=False)
        assert response.status_code == 401, token
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>" in response.text and "set-cookie" not in response.headers
    still = signed_in_the_past(590, lambda: tokens.device_signin(ada.id))
    assert client.get(f"/signin/{still}", follow_redirects=False).status_code == 303


def test_personal_sign_in_link_from_an_import_works_once(
    client: TestClient, register: Callable[..., Attendee]
):
    ada = register()
    token = Tokens([SECRET]).attendee_signin(ada.id, int(time.time()) + 30 * 24 * 3600)
    first = client.get(f"/signin/{token}", follow_redirects=False)
    assert first.status_code == 303
    assert client.get("/api/me").json()["attendee"]["id"] == ada.id
    assert client.get(f"/signin/{token}", follow_redirects=False).status_code == 401


def test_sign_in_links_need_a_session_to_make(client: TestClient, event: dict[str, Any]):
    error(client.post("/api/me/devices"), 401)


# -- DELETE /api/me ---------------------------------------------------------------------------
def test_delete_me_removes_card_contacts_and_devices_and_unlinks_others(
    client: TestClient, register: Callable[..., Attendee]
):
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    link = client.post("/api/me/devices", headers=ada.headers).json()["sign_in_url"]
    s = store(client)
    with s.write() as db:
        for owner, other in ((ada.id, bob.id), (bob.id, ada.id)):
            db.execute(
                "INSERT INTO contacts (owner_id, contact_id, card, verified, linked_attendee_id,"
                " seq, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                [
                    owner,
                    f"att:{other}",
                    json.dumps({"fn": "snapshot"}),
                    other,
                    db.next_seqs([owner])[0],
                    "2026-01-01T00:00:00.000000Z",
                ],
            )
    response = client.delete("/api/me", headers=ada.headers)
    assert response.status_code == 204 and response.content == b""
    assert "cardswap_session=" in response.headers["set-cookie"]
    assert query(
        client, "SELECT card, email, deleted_at IS NOT NULL FROM attendees WHERE id = ?", [ada.id]
    ) == [(None, None, 1)]
    assert query(client, "SELECT count(*) FROM contacts WHERE owner_id = ?", [ada.id]) == [(0,)]
    assert query(client, "SELECT count(*) FROM devices WHERE attendee_id = ?", [ada.id]) == [(0,)]
    # Bob keeps Ada's card as last captured, no longer live-linked.
    assert query(
        client, "SELECT card, linked_attendee_id FROM contacts WHERE owner_id = ?", [bob.id]
    ) == [(json.dumps({"fn": "snapshot"}), None)]
    # Her session, her QR, her card edits and her sign-in links are dead.
    error(client.get("/api/me", headers=ada.headers), 401)
    error(client.get("/api/me/qr.svg", headers=ada.headers), 401)
    error(client.put("/api/me/card", json={"card": {"fn": "Back"}}, headers=ada.headers), 401)
    error(client.put("/api/me/settings", json={"share_back": True}, headers=ada.headers), 401)
    error(client.put("/api/me/card", json={"card": {}}, headers=ada.headers), 401)
    error(client.put("/api/me/settings", json={"x": 1}, headers=ada.headers), 401)
    error(client.post("/api/me/devices", headers=ada.headers), 401)
    error(client.delete("/api/me", headers=ada.headers), 401)
    assert client.get(link.removeprefix(BASE_URL), follow_redirects=False).status_code == 401
    # Bob is untouched.
    assert client.get("/api/me", headers=bob.headers).status_code == 200


def test_delete_me_needs_a_session(client: TestClient, register: Callable[..., Attendee]):
    register()
    error(client.delete("/api/me"), 401)
    assert query(client, "SELECT count(*) FROM attendees WHERE deleted_at IS NULL") == [(1,)]


def test_unsupported_methods_are_405(client: TestClient):
    error(client.post("/api/me", json={}), 405)
    error(client.get("/api/me/devices"), 405)


def allow(response: Any) -> set[str]:
    return {m.strip() for m in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    "path,methods",
    [
        ("/api/me", {"GET", "HEAD", "DELETE", "OPTIONS"}),  # a route per method, one Allow
        ("/api/me/card", {"PUT", "OPTIONS"}),
        ("/api/admin/events/x/attendees.csv", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_allow_names_every_method_of_the_path(client: TestClient, path: str, methods: set[str]):
    refused = client.request("PATCH", path)
    error(refused, 405, "method_not_allowed")
    assert allow(refused) == methods
    options = client.options(path)
    assert options.status_code == 204 and options.content == b""
    assert allow(options) == methods


# -- through the sync API: live links, share-back, withdrawn cards ------------------------------
def swap(
    client: TestClient, who: Attendee, other: Attendee, cursor: str | None = None
) -> dict[str, Any]:
    """`who` scans `other`'s card QR; returns the sync response."""
    op = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": "qr",
        "card_token": other.card_token,
        "at": datetime.now(UTC).isoformat(),
    }
    body = {"device_id": who.device_id, "cursor": cursor, "ops": [op]}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def pull(client: TestClient, who: Attendee, cursor: str | None) -> dict[str, Any]:
    body = {"device_id": who.device_id, "cursor": cursor, "ops": []}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_card_edit_reaches_the_phones_of_everyone_who_has_it(
    client: TestClient, register: Callable[..., Attendee]
):
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    first = swap(client, bob, ada)
    assert [c["id"] for c in first["changes"]] == [f"att:{ada.id}"]
    ada_cursor = pull(client, ada, None)["cursor"]  # Ada got Bob back (share-back is on)

    edited = client.put(
        "/api/me/card",
        headers=ada.headers,
        json={"card": {"fn": "Ada King", "org": "Analytical Engines"}},
    ).json()
    changes = pull(client, bob, first["cursor"])["changes"]
    assert [(c["id"], c["card"]) for c in changes] == [
        (f"att:{ada.id}", edited["attendee"]["card"])
    ]
    assert changes[0]["verified"] is True
    # Bob's edit reaches Ada's reciprocal contact the same way; her own card is not echoed.
    bob_card = client.put(
        "/api/me/card", headers=bob.headers, json={"card": {"fn": "Robert Byte"}}
    ).json()["attendee"]["card"]
    assert [(c["id"], c["card"]) for c in pull(client, ada, ada_cursor)["changes"]] == [
        (f"att:{bob.id}", bob_card)
    ]
    # An old card URL still swaps, and gives the current card.
    cy = register("Cy Cipher")
    got = swap(client, cy, ada)["changes"]
    assert got[0]["card"] == edited["attendee"]["card"]


def test_share_back_off_keeps_the_scanner_out_of_my_list(
    client: TestClient, register: Callable[..., Attendee]
):
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    assert (
        client.put("/api/me/settings", json={"share_back": False}, headers=ada.headers).status_code
        == 200
    )
    swap(client, bob, ada)
    assert pull(client, ada, None)["changes"] == []
    assert (
        client.put("/api/me/settings", json={"share_back": True}, headers=ada.headers).status_code
        == 200
    )
    cy = register("Cy Cipher")
    swap(client, cy, ada)
    assert [c["id"] for c in pull(client, ada, None)["changes"]] == [f"att:{cy.id}"]


def test_after_delete_me_others_keep_the_card_but_new_swaps_are_card_withdrawn(
    client: TestClient, register: Callable[..., Attendee]
):
    ada, bob, cy = register("Ada Lovelace"), register("Bob Byte"), register("Cy Cipher")
    first = swap(client, bob, ada)
    ada_card = first["changes"][0]["card"]
    assert client.delete("/api/me", headers=ada.headers).status_code == 204

    held = {c["id"]: c for c in pull(client, bob, None)["changes"]}
    assert held[f"att:{ada.id}"]["card"] == ada_card and not held[f"att:{ada.id}"]["deleted"]
    response = swap(client, cy, ada)
    assert response["acked"] == [] and response["changes"] == []
    assert [r["code"] for r in response["rejected"]] == ["card_withdrawn"]
    # Her session can no longer sync either.
    body = {"device_id": ada.device_id, "cursor": None, "ops": []}
    error(client.post("/api/sync", json=body, headers=ada.headers), 401)
    # Bob's card edits no longer reach a deleted attendee (her contacts are gone).
    client.put("/api/me/card", json={"card": {"fn": "Robert"}}, headers=bob.headers)
    assert query(client, "SELECT count(*) FROM contacts WHERE owner_id = ?", [ada.id]) == [(0,)]


# -- a real server ----------------------------------------------------------------------------
def test_second_device_sign_in_over_a_real_server(live_server: Any):
    """Register, make a link, open it on a 'new phone' (its own cookie jar), use the cookie."""
    base = live_server.url
    with (
        httpx.Client(base_url=base, timeout=10) as phone,
        httpx.Client(base_url=base, timeout=10) as laptop,
    ):
        demo = phone.post(
            "/api/admin/events", json={"slug": "live", "name": "Live"}, headers=ADMIN
        ).json()
        registered = phone.post("/api/events/live/attendees", json=registration(demo))
        assert registered.status_code == 201
        assert "cardswap_session" in phone.cookies
        link = phone.post("/api/me/devices", headers={"Origin": base})
        assert link.status_code == 201
        path = link.json()["sign_in_url"].removeprefix(base)
        assert link.json()["sign_in_url"].startswith(f"{base}/signin/")

        signed_in = laptop.get(path)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        me = laptop.get("/api/me").json()
        assert me["attendee"]["id"] == registered.json()["attendee"]["id"]
        assert laptop.put("/api/me/card", json={"card": {"fn": "From Laptop"}}).status_code == 403
        edited = laptop.put(
            "/api/me/card", json={"card": {"fn": "From Laptop"}}, headers={"Origin": base}
        )
        assert edited.status_code == 200
        assert phone.get("/api/me").json()["attendee"]["card"]["fn"] == "From Laptop"
        assert laptop.get(path).status_code == 401  # used
