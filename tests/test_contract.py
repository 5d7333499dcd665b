"""DESIGN.md section 5 as an independent client sees it, against a real `cardswap serve`.

Written from the design text only (sections 3-5 and 7): every path, status code, top-level field,
header and error shape the contract names, and the sync rules one by one. One server process serves
the whole module; each test makes its own event and attendees so tests stay independent."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import pytest
import segno
import vobject
import zxingcpp
from PIL import Image

from tests import pg
from tests.conftest import ADMIN_TOKEN, ENGINES, LiveServer, free_port
from tests.contract_client import (
    CONTACT_KEYS,
    JSON_TYPE,
    ME_KEYS,
    Api,
    Attendee,
    assert_error,
    delete,
    exchange,
    foreign,
    iso,
    minutes,
    now,
    op_id,
    parse_time,
    raw_post,
    update,
)

MiB = 1024 * 1024


@pytest.fixture(scope="module", params=ENGINES)
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """One live server per engine for the whole contract: a SQLite file, or a PostgreSQL schema."""
    schema, url = pg.create_schema() if request.param == "postgresql" else (None, None)
    folder = tmp_path_factory.mktemp("contract")
    live = LiveServer(db_path=folder / "contract.db", port=free_port(), db=url)
    live.start()
    try:
        yield live
    finally:
        live.stop()
        if schema:
            pg.drop_schema(schema)


@pytest.fixture
def api(server: LiveServer) -> Iterator[Api]:
    client = Api(server.url, ADMIN_TOKEN)
    yield client
    client.close()


@pytest.fixture
def event(api: Api) -> dict[str, Any]:
    return api.create_event()


def by_id(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last state of each contact in a change list (oldest first)."""
    return {change["id"]: change for change in changes}


def assert_contact_shape(contact: dict[str, Any]) -> None:
    assert set(contact) == CONTACT_KEYS, set(contact) ^ CONTACT_KEYS
    assert isinstance(contact["card"], dict) and contact["card"].get("fn")
    assert isinstance(contact["verified"], bool)
    assert isinstance(contact["methods"], list)
    assert isinstance(contact["tags"], list)
    assert contact["follow_up"] in ("none", "todo", "done")
    assert isinstance(contact["starred"], bool)
    assert isinstance(contact["deleted"], bool)
    parse_time(contact["met_at"])
    parse_time(contact["updated_at"])


def assert_security_headers(headers: Any) -> None:
    csp = headers.get("content-security-policy", "")
    assert csp, "no Content-Security-Policy"
    script_src = re.search(r"script-src([^;]*)", csp) or re.search(r"default-src([^;]*)", csp)
    assert script_src and "'unsafe-inline'" not in script_src.group(1), csp
    assert headers.get("referrer-policy") == "no-referrer"
    assert headers.get("x-content-type-options") == "nosniff"


# === Errors, limits, content types =========================================================
def test_unknown_api_path_is_a_404_in_the_error_shape(api: Api) -> None:
    assert_error(api.get("/api/no-such-thing"), 404)


def test_malformed_json_is_400(api: Api, event: dict[str, Any]) -> None:
    response = api.post(
        f"/api/events/{event['slug']}/attendees",
        content=b'{"join_code": ',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400)


def test_wrong_content_type_is_415(api: Api, event: dict[str, Any]) -> None:
    body = (
        f'{{"join_code": "{event["join_code"]}", "card": {{"fn": "X"}}, '
        f'"device_id": "{uuid.uuid4()}"}}'
    )
    response = api.post(
        f"/api/events/{event['slug']}/attendees",
        content=body.encode(),
        headers={"Content-Type": "text/plain"},
    )
    assert_error(response, 415)
    response = api.post(
        "/api/admin/events",
        content=b'{"slug":"x-415","name":"X"}',
        headers={**api.admin, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 415)
    assert api.get("/api/events/x-415").status_code == 404  # nothing was created


def test_json_with_charset_is_accepted(api: Api) -> None:
    slug = f"cs-{uuid.uuid4().hex[:8]}"
    response = api.post(
        "/api/admin/events",
        content=f'{{"slug":"{slug}","name":"C"}}'.encode(),
        headers={**api.admin, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


def test_body_over_one_mib_is_413(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Big Body")
    big = b'{"device_id": "x", "cursor": null, "ops": [], "pad": "' + b"a" * (MiB + 10) + b'"}'
    response = api.post(
        "/api/sync", content=big, headers={**who.auth, "Content-Type": "application/json"}
    )
    assert_error(response, 413)


def test_413_comes_without_reading_the_whole_body(
    server: LiveServer, api: Api, event: dict[str, Any]
) -> None:
    """A declared 64 MiB body is refused after the head; the client never sends it all."""
    who = api.register(event, "Huge Body")
    status, headers, body = raw_post(
        "127.0.0.1",
        server.port,
        "/api/sync",
        {**who.auth, "Content-Type": "application/json", "Content-Length": str(64 * MiB)},
        [b'{"ops": [' + b" " * 65536],
        timeout=10,
    )
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert b'"error"' in body


def test_chunked_body_over_one_mib_is_413(
    server: LiveServer, api: Api, event: dict[str, Any]
) -> None:
    who = api.register(event, "Chunked Body")
    piece = b" " * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status, _, body = raw_post(
        "127.0.0.1",
        server.port,
        "/api/sync",
        {**who.auth, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        [chunk] * 20 + [b"0\r\n\r\n"],
        timeout=10,
    )
    assert status == 413
    assert b'"error"' in body


def test_json_responses_are_json_utf8(api: Api, event: dict[str, Any]) -> None:
    response = api.get(f"/api/events/{event['slug']}")
    assert response.headers["content-type"] == JSON_TYPE
    assert_security_headers(response.headers)


# === Events ================================================================================
def test_admin_creates_an_event(api: Api, server: LiveServer) -> None:
    slug = f"ev-{uuid.uuid4().hex[:10]}"
    response = api.post("/api/admin/events", json={"slug": slug, "name": "Expo"}, headers=api.admin)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == JSON_TYPE
    data = response.json()
    assert set(data) == {"slug", "name", "join_code", "join_url"}
    assert data["slug"] == slug and data["name"] == "Expo"
    assert isinstance(data["join_code"], str) and data["join_code"]
    assert data["join_url"] == f"{server.url}/join/{slug}?code={data['join_code']}"


def test_join_url_opens_a_page(api: Api, event: dict[str, Any]) -> None:
    response = api.get(event["join_url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_public_event_with_and_without_dates(api: Api) -> None:
    dated = api.create_event(name="Dated", starts_on="2026-05-01", ends_on="2026-05-03")
    response = api.get(f"/api/events/{dated['slug']}")
    assert response.status_code == 200
    assert response.json() == {
        "slug": dated["slug"],
        "name": "Dated",
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-03",
        "language": "en",
        "time_zone": "UTC",
    }
    plain = api.create_event(name="Plain")
    assert api.get(f"/api/events/{plain['slug']}").json() == {
        "slug": plain["slug"],
        "name": "Plain",
        "starts_on": None,
        "ends_on": None,
        "language": "en",
        "time_zone": "UTC",
    }


def test_demo_event_exists_on_a_fresh_database(api: Api) -> None:
    response = api.get("/api/events/demo")
    assert response.status_code == 200
    assert set(response.json()) == {
        "slug", "name", "starts_on", "ends_on", "language", "time_zone"
    }  # fmt: skip


def test_unknown_event_is_404(api: Api) -> None:
    assert_error(api.get("/api/events/no-such-event-here"), 404)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}]
)
def test_admin_event_creation_needs_the_admin_token(api: Api, headers: dict[str, str]) -> None:
    slug = f"na-{uuid.uuid4().hex[:8]}"
    response = api.post("/api/admin/events", json={"slug": slug, "name": "N"}, headers=headers)
    assert_error(response, 401)
    assert api.get(f"/api/events/{slug}").status_code == 404


def test_attendee_token_is_not_an_admin_token(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Not Admin")
    response = api.post(
        "/api/admin/events", json={"slug": "not-admin-ev", "name": "N"}, headers=who.auth
    )
    assert response.status_code in (401, 403)  # bad admin credentials or not allowed
    assert_error(response, response.status_code)


def test_duplicate_slug_is_409(api: Api, event: dict[str, Any]) -> None:
    response = api.post(
        "/api/admin/events", json={"slug": event["slug"], "name": "Again"}, headers=api.admin
    )
    assert_error(response, 409)
    assert api.get(f"/api/events/{event['slug']}").json()["name"] == "Contract Conf"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Not A Slug!", "name": "X"}, "slug"),
        ({"slug": "no-name-ev"}, "name"),
        ({"name": "No slug"}, "slug"),
        ({"slug": "bad-date-ev", "name": "X", "starts_on": "2026-13-45"}, "starts_on"),
    ],
)
def test_invalid_event_fields_are_422(api: Api, body: dict[str, Any], field: str) -> None:
    assert_error(
        api.post("/api/admin/events", json=body, headers=api.admin), 422, field_prefix=field
    )


# === Registration ==========================================================================
def test_registration_returns_attendee_token_card_url_and_cookie(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    body = {
        "join_code": event["join_code"],
        "device_id": str(uuid.uuid4()),
        "card": {"fn": "Ada Lovelace", "org": "Analytical", "emails": ["ada@example.com"]},
    }
    response = api.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == JSON_TYPE
    data = response.json()
    assert set(data) == {"attendee", "token", "card_url"}
    assert set(data["attendee"]) == {"id", "card"}
    card = data["attendee"]["card"]
    assert card["fn"] == "Ada Lovelace" and card["org"] == "Analytical"
    assert card["given"] == "Ada" and card["family"] == "Lovelace"  # derived and returned
    assert card["emails"] == ["ada@example.com"]
    assert re.fullmatch(re.escape(server.url) + r"/c/[^/?#]+", data["card_url"])
    cookie = response.headers.get("set-cookie", "")
    assert cookie, "registration sets the session cookie"
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered
    assert "secure" not in lowered.replace("samesite", "")  # plain http here
    # the bearer token and the cookie both authenticate
    me = api.get("/api/me", headers={"Authorization": f"Bearer {data['token']}"})
    assert me.status_code == 200 and me.json()["attendee"]["id"] == data["attendee"]["id"]
    with api.cookie_client(dict(response.cookies)) as browser:
        assert browser.get("/api/me").json()["attendee"]["id"] == data["attendee"]["id"]


def test_attendee_ids_are_random_and_url_safe(api: Api, event: dict[str, Any]) -> None:
    first, second = api.register(event, "One"), api.register(event, "Two")
    assert first.id != second.id
    for who in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9_-]{12,}", who.id), who.id


def test_wrong_join_code_is_403(api: Api, event: dict[str, Any]) -> None:
    body = {"join_code": "wrong-code", "card": {"fn": "X"}, "device_id": str(uuid.uuid4())}
    response = api.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert_error(response, 403)
    assert "set-cookie" not in response.headers


def test_registration_for_unknown_event_is_404(api: Api, event: dict[str, Any]) -> None:
    body = {"join_code": event["join_code"], "card": {"fn": "X"}, "device_id": str(uuid.uuid4())}
    assert_error(api.post("/api/events/no-such-event-here/attendees", json=body), 404)


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({}, "card.fn"),
        ({"fn": ""}, "card.fn"),
        ({"fn": "x" * 201}, "card.fn"),
        ({"fn": "X", "org": "o" * 201}, "card.org"),
        ({"fn": "X", "title": "t" * 201}, "card.title"),
        ({"fn": "X", "given": "g" * 201}, "card.given"),
        ({"fn": "X", "family": "f" * 201}, "card.family"),
        ({"fn": "X", "note": "n" * 501}, "card.note"),
        ({"fn": "X", "emails": ["not-an-email"]}, "card.emails"),
        ({"fn": "X", "emails": [f"a{i}@example.com" for i in range(6)]}, "card.emails"),
        ({"fn": "X", "emails": ["a" * 243 + "@example.com"]}, "card.emails"),
        ({"fn": "X", "phones": ["call me maybe"]}, "card.phones"),
        ({"fn": "X", "phones": ["1" * 41]}, "card.phones"),
        ({"fn": "X", "phones": [f"+1 555 010{i}" for i in range(6)]}, "card.phones"),
        ({"fn": "X", "urls": ["ftp://example.com"]}, "card.urls"),
        ({"fn": "X", "urls": ["javascript:alert(1)"]}, "card.urls"),
        ({"fn": "X", "urls": [f"https://e.com/{i}" for i in range(6)]}, "card.urls"),
        ({"fn": "X", "nickname": "unknown key"}, "card"),
        ({"fn": 42}, "card.fn"),
        ({"fn": "X", "emails": "a@example.com"}, "card.emails"),
        ({"fn": "X", "urls": ["https://"]}, "card.urls"),
    ],
)
def test_invalid_cards_are_422_and_register_nobody(
    api: Api, event: dict[str, Any], card: dict[str, Any], field: str
) -> None:
    body = {"join_code": event["join_code"], "card": card, "device_id": str(uuid.uuid4())}
    response = api.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert_error(response, 422, field_prefix=field)
    assert "set-cookie" not in response.headers


def test_card_limits_are_inclusive(api: Api, event: dict[str, Any]) -> None:
    who = api.register(
        event,
        "x" * 200,
        org="o" * 200,
        title="t" * 200,
        note="n" * 500,
        emails=["a" * 242 + "@example.com"] + [f"b{i}@example.com" for i in range(4)],
        phones=["+1 (555) 010-0100 x12", "1" * 40],
        urls=["https://example.com", "http://example.org/path"],
    )
    assert who.card["fn"] == "x" * 200 and len(who.card["emails"]) == 5


def test_empty_strings_and_nulls_mean_absent(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Empty Fields", org="", title=None, note="")
    for key in ("org", "title", "note"):
        assert who.card.get(key) in (None,), (key, who.card)


def test_registration_needs_a_device_id(api: Api, event: dict[str, Any]) -> None:
    body = {"join_code": event["join_code"], "card": {"fn": "No Device"}}
    response = api.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert_error(response, 422, field_prefix="device_id")


def test_registration_body_must_be_an_object(api: Api, event: dict[str, Any]) -> None:
    response = api.post(f"/api/events/{event['slug']}/attendees", json=["not", "an", "object"])
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


# === /api/me ===============================================================================
def test_me_shape(api: Api, server: LiveServer) -> None:
    event = api.create_event(name="Me Conf", starts_on="2026-09-01", ends_on="2026-09-02")
    who = api.register(event, "Grace Hopper", org="Navy")
    response = api.get("/api/me", headers=who.auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert_security_headers(response.headers)
    data = response.json()
    assert set(data) == ME_KEYS
    assert set(data["attendee"]) == {"id", "card"}
    assert data["attendee"]["id"] == who.id
    assert data["attendee"]["card"]["fn"] == "Grace Hopper"
    assert data["card_url"].startswith(f"{server.url}/c/")
    assert data["event"]["slug"] == event["slug"] and data["event"]["name"] == "Me Conf"
    assert "join_code" not in data["event"] or data["event"]["join_code"] == event["join_code"]
    assert data["settings"] == {"share_back": True, "language": None}


@pytest.mark.parametrize("auth", [None, "Bearer nonsense", "Bearer", "Token abc"])
def test_me_needs_credentials(api: Api, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    assert_error(api.get("/api/me", headers=headers), 401)


def test_altered_session_token_is_401(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Altered Session")
    token = who.token
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert_error(api.get("/api/me", headers={"Authorization": f"Bearer {flipped}"}), 401)
    assert_error(api.get("/api/me", headers={"Authorization": f"Bearer {who.card_token}"}), 401)


def test_put_card_returns_me_and_a_new_card_url_old_urls_follow(
    api: Api, event: dict[str, Any]
) -> None:
    who = api.register(event, "Old Name", org="Old Org")
    response = api.put(
        "/api/me/card", json={"card": {"fn": "New Name", "org": "New Org"}}, headers=who.auth
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == ME_KEYS
    assert data["attendee"]["card"]["fn"] == "New Name"
    assert data["card_url"] != who.card_url
    old = api.get(f"/c/{who.card_token}.vcf")
    assert old.status_code == 200 and "New Name" in old.text and "Old Name" not in old.text
    new_token = data["card_url"].rsplit("/c/", 1)[1]
    assert "New Org" in api.get(f"/c/{new_token}.vcf").text


def test_put_invalid_card_is_422_and_changes_nothing(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Stays Put")
    response = api.put(
        "/api/me/card", json={"card": {"fn": "X", "urls": ["ftp://x"]}}, headers=who.auth
    )
    assert_error(response, 422, field_prefix="card.urls")
    assert api.me(who)["attendee"]["card"]["fn"] == "Stays Put"
    assert_error(api.put("/api/me/card", json={"card": {"fn": "X"}}), 401)


def test_settings_share_back(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Settings Person")
    response = api.put("/api/me/settings", json={"share_back": False}, headers=who.auth)
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == ME_KEYS and data["settings"] == {"share_back": False, "language": None}
    assert api.me(who)["settings"] == {"share_back": False, "language": None}
    response = api.put("/api/me/settings", json={"share_back": "no"}, headers=who.auth)
    assert_error(response, 422, field_prefix="share_back")
    assert api.me(who)["settings"] == {"share_back": False, "language": None}
    assert_error(api.put("/api/me/settings", json={"share_back": True}), 401)


def test_qr_svg(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "QR Person")
    response = api.get("/api/me/qr.svg", headers=who.auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text
    assert_error(api.get("/api/me/qr.svg"), 401)


def test_delete_me(api: Api, event: dict[str, Any]) -> None:
    leaver, keeper = api.register(event, "Leaving Person"), api.register(event, "Keeper")
    link = api.post("/api/me/devices", headers=leaver.auth).json()["sign_in_url"]
    second_device = api.cookie_client({})
    assert second_device.get(link).status_code == 303
    api.sync(keeper, [exchange(leaver.card_token, method="nfc")])
    api.sync(leaver, [exchange(keeper.card_token)])
    response = api.delete("/api/me", headers=leaver.auth)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get("/api/me", headers=leaver.auth), 401)
    assert_error(second_device.get("/api/me"), 401)  # every device of theirs
    second_device.close()
    assert api.get(f"/c/{leaver.card_token}").status_code == 404
    assert api.get(f"/c/{leaver.card_token}.vcf").status_code == 404
    kept = {c["id"]: c for c in api.contacts(keeper)}
    assert kept[f"att:{leaver.id}"]["card"]["fn"] == "Leaving Person"  # as last captured
    late = exchange(leaver.card_token)
    data = api.sync(keeper, [late])
    assert [r["id"] for r in data["rejected"]] == [late["id"]]
    assert data["rejected"][0]["code"] == "card_withdrawn"
    assert_error(api.delete("/api/me"), 401)


# === Devices and sign-in links =============================================================
def test_device_sign_in_link_works_once(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    who = api.register(event, "Two Devices")
    api.sync(who, [foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Shared Contact\r\nEND:VCARD\r\n")])
    before = now()
    response = api.post("/api/me/devices", headers=who.auth)
    assert response.status_code == 201, response.text
    data = response.json()
    assert set(data) == {"sign_in_url", "expires_at"}
    assert data["sign_in_url"].startswith(f"{server.url}/signin/")
    expires = parse_time(data["expires_at"])
    assert before + timedelta(minutes=9) <= expires <= now() + timedelta(minutes=11)
    with api.cookie_client({}) as phone:
        signed_in = phone.get(data["sign_in_url"])
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] in ("/", f"{server.url}/")
        assert "httponly" in signed_in.headers.get("set-cookie", "").lower()
        me = phone.get("/api/me")
        assert me.status_code == 200 and me.json()["attendee"]["id"] == who.id
        contacts = phone.get("/api/contacts").json()["contacts"]
        assert [c["card"]["fn"] for c in contacts] == ["Shared Contact"]
    with api.cookie_client({}) as thief:
        again = thief.get(data["sign_in_url"])
        assert 400 <= again.status_code < 500  # a used link signs nobody in
        assert "set-cookie" not in again.headers
        assert thief.get("/api/me").status_code == 401


def test_forged_sign_in_link_signs_nobody_in(api: Api) -> None:
    with api.cookie_client({}) as phone:
        response = phone.get("/signin/forged.token.value")
        assert 400 <= response.status_code < 500
        assert "set-cookie" not in response.headers


def test_devices_needs_credentials(api: Api) -> None:
    assert_error(api.post("/api/me/devices"), 401)


# === Cookie-authenticated writes and Origin =================================================
def test_cookie_writes_need_the_same_origin(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    who = api.register(event, "Cookie Person")
    assert who.cookies
    with api.cookie_client(who.cookies) as browser:
        assert browser.get("/api/me").status_code == 200  # reads need no Origin
        for origin in (None, "http://evil.example", "null"):
            headers = {"Origin": origin} if origin else {}
            assert_error(
                browser.put("/api/me/card", json={"card": {"fn": "Hacked"}}, headers=headers), 403
            )
            assert_error(browser.post("/api/me/devices", headers=headers), 403)
            assert_error(
                browser.put("/api/me/settings", json={"share_back": False}, headers=headers), 403
            )
            assert_error(
                browser.post(
                    "/api/sync",
                    headers=headers,
                    json={
                        "device_id": who.device_id,
                        "cursor": None,
                        "ops": [foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Csrf\r\nEND:VCARD\r\n")],
                    },
                ),
                403,
            )
            assert_error(browser.delete("/api/me", headers=headers), 403)
        assert api.me(who)["attendee"]["card"]["fn"] == "Cookie Person"
        assert api.me(who)["settings"] == {"share_back": True, "language": None}
        assert api.contacts(who) == []
        same = {"Origin": server.url}
        response = browser.put("/api/me/card", json={"card": {"fn": "Own Edit"}}, headers=same)
        assert response.status_code == 200, response.text
        assert browser.post("/api/me/devices", headers=same).status_code == 201  # bodiless
        response = browser.post(
            "/api/sync", headers=same, json={"device_id": who.device_id, "cursor": None, "ops": []}
        )
        assert response.status_code == 200
        text = browser.put(
            "/api/me/settings",
            content=b'{"share_back": false}',
            headers={**same, "Content-Type": "text/plain"},
        )
        assert_error(text, 415)
        assert browser.delete("/api/me", headers=same).status_code == 204


def test_bearer_writes_need_no_origin(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Bearer Person")
    response = api.put("/api/me/card", json={"card": {"fn": "Bearer Edit"}}, headers=who.auth)
    assert response.status_code == 200


# === Sync: shape and the swap ==============================================================
def test_sync_needs_credentials(api: Api) -> None:
    body = {"device_id": str(uuid.uuid4()), "cursor": None, "ops": []}
    assert_error(api.post("/api/sync", json=body), 401)
    assert_error(api.post("/api/sync", json=body, headers={"Authorization": "Bearer x"}), 401)


def test_empty_sync_shape(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Empty Sync")
    data = api.sync(who, [])
    assert data["acked"] == [] and data["rejected"] == [] and data["changes"] == []
    assert data["more"] is False
    assert isinstance(data["cursor"], str) and data["cursor"]
    again = api.sync(who, [], data["cursor"])
    assert again["changes"] == [] and again["more"] is False


def test_swap_is_mutual(api: Api, server: LiveServer, event: dict[str, Any]) -> None:
    ada = api.register(event, "Ada Lovelace", org="Analytical", emails=["ada@example.com"])
    bob = api.register(event, "Bob Byron", title="Poet", phones=["+44 20 7946 0000"])
    at = now() - minutes(3)
    op = exchange(bob.card_token, at=at)
    data = api.sync(ada, [op])
    assert data["acked"] == [op["id"]] and data["rejected"] == []
    contact = by_id(data["changes"])[f"att:{bob.id}"]
    assert_contact_shape(contact)
    assert contact["verified"] is True
    assert contact["methods"] == ["qr"]
    assert contact["card"]["fn"] == "Bob Byron" and contact["card"]["title"] == "Poet"
    assert contact["card"]["phones"] == ["+44 20 7946 0000"]
    assert abs(parse_time(contact["met_at"]) - at) < timedelta(seconds=1)
    assert abs(parse_time(contact["updated_at"]) - now()) < timedelta(seconds=30)
    assert contact["notes"] in ("", None) and contact["tags"] == []
    assert contact["follow_up"] == "none" and contact["follow_up_on"] is None
    assert contact["starred"] is False and contact["deleted"] is False
    back = by_id(api.sync(bob, [])["changes"])
    assert set(back) == {f"att:{ada.id}"}
    assert back[f"att:{ada.id}"]["methods"] == ["reciprocal"]
    assert back[f"att:{ada.id}"]["card"]["org"] == "Analytical"
    assert [c["id"] for c in api.contacts(bob)] == [f"att:{ada.id}"]


def test_share_back_off_means_no_reciprocal(api: Api, event: dict[str, Any]) -> None:
    ada, shy = api.register(event, "Ada Outgoing"), api.register(event, "Shy Person")
    api.put("/api/me/settings", json={"share_back": False}, headers=shy.auth)
    assert api.sync(ada, [exchange(shy.card_token)])["rejected"] == []
    assert api.contacts(shy) == []
    assert [c["id"] for c in api.contacts(ada)] == [f"att:{shy.id}"]


def test_exchange_methods_accumulate(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Method Ada"), api.register(event, "Method Bob")
    api.sync(
        ada,
        [
            exchange(bob.card_token, method="qr"),
            exchange(bob.card_token, method="nfc"),
            exchange(bob.card_token, method="link"),
        ],
    )
    contact = by_id(api.contacts(ada))[f"att:{bob.id}"]
    assert set(contact["methods"]) == {"qr", "nfc", "link"}


def test_swaps_across_events_are_allowed(api: Api, event: dict[str, Any]) -> None:
    other = api.create_event(name="Other Event")
    ada, zed = api.register(event, "Here Ada"), api.register(other, "There Zed")
    data = api.sync(ada, [exchange(zed.card_token)])
    assert data["rejected"] == [] and f"att:{zed.id}" in by_id(data["changes"])


def test_own_card_is_rejected_self_exchange(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Narcissus")
    op = exchange(ada.card_token)
    data = api.sync(ada, [op])
    assert data["acked"] == []
    assert data["rejected"] == [
        {"id": op["id"], "code": "self_exchange", "message": data["rejected"][0]["message"]}
    ]
    assert isinstance(data["rejected"][0]["message"], str) and data["rejected"][0]["message"]
    assert api.contacts(ada) == []


def test_card_edits_reach_the_holders(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Live Ada"), api.register(event, "Live Bob")
    cursor = api.sync(ada, [exchange(bob.card_token)])["cursor"]
    api.put("/api/me/card", json={"card": {"fn": "Robert Byron"}}, headers=bob.auth)
    assert by_id(api.contacts(ada))[f"att:{bob.id}"]["card"]["fn"] == "Robert Byron"
    changes, _ = api.all_changes(ada, cursor)
    assert by_id(changes)[f"att:{bob.id}"]["card"]["fn"] == "Robert Byron"


# === Sync rules ============================================================================
def test_replayed_op_is_acked_and_changes_nothing(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Replay Ada"), api.register(event, "Replay Bob")
    op = exchange(bob.card_token, note="first time")
    first = api.sync(ada, [op])
    second = api.sync(ada, [op], first["cursor"])
    assert second["acked"] == [op["id"]] and second["rejected"] == []
    assert second["changes"] == []
    assert len(api.contacts(ada)) == 1
    bob_side = api.contacts(bob)
    assert len(bob_side) == 1


def test_forged_token_beside_a_good_op(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Forge Ada"), api.register(event, "Forge Bob")
    token = bob.card_token
    altered = token[:-2] + ("x" if token[-2] != "x" else "y") + token[-1]
    forged, tampered, good = (
        exchange("not-a-real-token"),
        exchange(altered),
        exchange(bob.card_token),
    )
    data = api.sync(ada, [forged, tampered, good])
    assert data["acked"] == [good["id"]]
    rejected = {r["id"]: r for r in data["rejected"]}
    assert set(rejected) == {forged["id"], tampered["id"]}
    for item in rejected.values():
        assert set(item) == {"id", "code", "message"}
        assert re.fullmatch(r"[a-z][a-z0-9_]*", item["code"]) and item["message"]
    assert [c["id"] for c in api.contacts(ada)] == [f"att:{bob.id}"]


def test_replayed_rejected_op_is_rejected_again_with_the_same_reason(
    api: Api, event: dict[str, Any]
) -> None:
    ada = api.register(event, "Reject Twice")
    op = update("att:nobody-at-all", notes="x")
    first = api.sync(ada, [op])["rejected"]
    second = api.sync(ada, [op])["rejected"]
    assert [r["id"] for r in first] == [op["id"]]
    assert [(r["id"], r["code"]) for r in second] == [(r["id"], r["code"]) for r in first]


def test_op_ids_are_global(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Global Ada"), api.register(event, "Global Bob")
    op = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ext One\r\nEND:VCARD\r\n")
    api.sync(ada, [op])
    data = api.sync(bob, [op])
    assert data["acked"] == []
    assert [(r["id"], r["code"]) for r in data["rejected"]] == [(op["id"], "duplicate_op_id")]
    assert api.contacts(bob) == []


@pytest.mark.parametrize(
    "bad",
    [
        {
            "type": "contact.update",
            "contact_id": "ext:00000000-0000-4000-8000-000000000000",
            "set": {"notes": "no such contact"},
        },
        {"type": "contact.delete", "contact_id": "att:no-such-contact"},
        {"type": "teleport", "contact_id": "x"},
        {"type": "exchange", "method": "carrier-pigeon", "card_token": "x"},
        {"type": "exchange", "method": "qr", "contact_id": "not-ext", "vcard": "BEGIN:VCARD"},
        {
            "type": "exchange",
            "method": "manual",
            "contact_id": "ext:oversized",
            "vcard": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nNOTE:"
            + "n" * 17000
            + "\r\nEND:VCARD\r\n",
        },
    ],
)
def test_bad_ops_are_rejected_and_do_not_stop_the_others(
    api: Api, event: dict[str, Any], bad: dict[str, Any]
) -> None:
    ada = api.register(event, "Bad Ops")
    bad_op = {"id": op_id(), "at": iso(now()), **bad}
    good = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nEND:VCARD\r\n")
    data = api.sync(ada, [bad_op, good])
    assert data["acked"] == [good["id"]]
    assert [r["id"] for r in data["rejected"]] == [bad_op["id"]]
    assert [c["card"]["fn"] for c in api.contacts(ada)] == ["Good One"]


@pytest.mark.parametrize(
    "values",
    [
        {"follow_up": "maybe"},
        {"follow_up_on": "tomorrow"},
        {"starred": "yes"},
        {"tags": "not-a-list"},
        {"tags": [1, 2]},
        {"notes": 42},
        {"colour": "red"},
        {"follow_up_on": "2026-02-30"},
        {"notes": "n" * 100_000},
    ],
)
def test_invalid_update_fields_are_rejected(
    api: Api, event: dict[str, Any], values: dict[str, Any]
) -> None:
    ada = api.register(event, "Invalid Fields")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Target\r\nEND:VCARD\r\n")
    bad = update(ext["contact_id"], **values)
    data = api.sync(ada, [ext, bad])
    assert data["acked"] == [ext["id"]]
    assert [r["id"] for r in data["rejected"]] == [bad["id"]]
    contact = api.contacts(ada)[0]
    assert contact["follow_up"] == "none" and contact["starred"] is False


def test_ops_without_a_valid_at_are_rejected(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "No Clock")
    missing = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n")
    del missing["at"]
    garbage = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nEND:VCARD\r\n", at="yesterday")
    naive = foreign(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:C\r\nEND:VCARD\r\n", at="2026-06-01T10:00:00"
    )  # the contract asks for an offset
    data = api.sync(ada, [missing, garbage, naive])
    assert data["acked"] == []
    assert {r["id"] for r in data["rejected"]} == {missing["id"], garbage["id"], naive["id"]}
    assert api.contacts(ada) == []


def test_contact_update_sets_every_field(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Updater")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Updated One\r\nEND:VCARD\r\n")
    first = api.sync(ada, [ext])
    op = update(
        ext["contact_id"],
        notes="met at booth 4",
        tags=["lead", "python"],
        follow_up="todo",
        follow_up_on="2026-12-01",
        starred=True,
    )
    data = api.sync(ada, [op], first["cursor"])
    assert data["acked"] == [op["id"]]
    contact = by_id(data["changes"])[ext["contact_id"]]  # own ops' effects are in changes
    assert contact["notes"] == "met at booth 4"
    assert set(contact["tags"]) == {"lead", "python"}
    assert contact["follow_up"] == "todo" and contact["follow_up_on"] == "2026-12-01"
    assert contact["starred"] is True
    clear = update(ext["contact_id"], follow_up_on=None, follow_up="done")
    contact = by_id(api.sync(ada, [clear], data["cursor"])["changes"])[ext["contact_id"]]
    assert contact["follow_up_on"] is None and contact["follow_up"] == "done"
    assert contact["notes"] == "met at booth 4"  # fields not set are untouched


def test_last_writer_wins_per_field_by_at(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "LWW")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Contested\r\nEND:VCARD\r\n")
    t = now() - minutes(60)
    api.sync(ada, [ext, update(ext["contact_id"], at=t + minutes(10), notes="newer")])
    # a late, older edit: its notes lose, its tags (never set later) win
    late = update(ext["contact_id"], at=t + minutes(5), notes="older", tags=["late"])
    assert api.sync(ada, [late])["acked"] == [late["id"]]
    contact = api.contacts(ada)[0]
    assert contact["notes"] == "newer" and contact["tags"] == ["late"]


def test_at_compares_as_a_utc_instant(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Time Zones")
    ext = foreign(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoned\r\nEND:VCARD\r\n", at="2026-06-01T09:00:00Z"
    )
    # 12:00+02:00 is 10:00Z, earlier than 11:00Z although its text sorts later
    api.sync(
        ada,
        [
            ext,
            update(ext["contact_id"], at="2026-06-01T11:00:00Z", notes="utc eleven"),
            update(ext["contact_id"], at="2026-06-01T12:00:00+02:00", notes="ten utc"),
        ],
    )
    assert api.contacts(ada)[0]["notes"] == "utc eleven"


def test_ties_on_at_break_by_device_then_op_id(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Ties")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tied\r\nEND:VCARD\r\n")
    at = "2026-06-01T10:00:00Z"
    low_dev, high_dev = (
        "00000000-0000-4000-8000-000000000001",
        "ffffffff-0000-4000-8000-000000000001",
    )
    api.sync(ada, [ext])
    high = update(ext["contact_id"], at=at, notes="high device")
    low = update(ext["contact_id"], at=at, notes="low device")
    api.sync(ada, [high], device_id=high_dev)
    api.sync(ada, [low], device_id=low_dev)
    assert api.contacts(ada)[0]["notes"] == "high device"
    # same time, same device: the greater op id wins, whichever arrives last
    small = {
        **update(ext["contact_id"], at=at, tags=["small"]),
        "id": "00000000-0000-4000-8000-00000000000a",
    }
    big = {
        **update(ext["contact_id"], at=at, tags=["big"]),
        "id": "ffffffff-ffff-4fff-8fff-" + uuid.uuid4().hex[:12],
    }
    api.sync(ada, [big], device_id=low_dev)
    api.sync(ada, [small], device_id=low_dev)
    assert api.contacts(ada)[0]["tags"] == ["big"]


def test_far_future_clock_counts_as_server_time(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Wrong Clock"), api.register(event, "Clock Target")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Future\r\nEND:VCARD\r\n")
    future = "2099-01-01T00:00:00+00:00"
    api.sync(
        ada,
        [
            ext,
            update(ext["contact_id"], at=future, notes="from the future"),
            exchange(bob.card_token, at=future),
        ],
    )
    # an honest edit a minute from now (within the 5-minute allowance) is later than "server time"
    api.sync(ada, [update(ext["contact_id"], at=now() + minutes(1), notes="honest")])
    contacts = by_id(api.contacts(ada))
    assert contacts[ext["contact_id"]]["notes"] == "honest"
    met = parse_time(contacts[f"att:{bob.id}"]["met_at"])
    assert abs(met - now()) < timedelta(minutes=1), met


def test_at_within_five_minutes_is_kept(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Slightly Fast"), api.register(event, "Fast Target")
    at = now() + minutes(4)
    api.sync(ada, [exchange(bob.card_token, at=at)])
    met = parse_time(by_id(api.contacts(ada))[f"att:{bob.id}"]["met_at"])
    assert abs(met - at) < timedelta(seconds=1)


def test_met_at_is_the_earliest_exchange(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Early Ada"), api.register(event, "Early Bob")
    early, later = now() - minutes(90), now() - minutes(30)
    api.sync(ada, [exchange(bob.card_token, at=later)])
    api.sync(ada, [exchange(bob.card_token, at=early)])
    api.sync(ada, [exchange(bob.card_token, at=now())])
    met = parse_time(by_id(api.contacts(ada))[f"att:{bob.id}"]["met_at"])
    assert abs(met - early) < timedelta(seconds=1)


def test_exchange_note_fills_empty_notes_only(api: Api, event: dict[str, Any]) -> None:
    ada, bob, cat = (
        api.register(event, "Note Ada"),
        api.register(event, "Note Bob"),
        api.register(event, "Note Cat"),
    )
    api.sync(ada, [exchange(bob.card_token, note="talked about sqlite")])
    assert by_id(api.contacts(ada))[f"att:{bob.id}"]["notes"] == "talked about sqlite"
    api.sync(ada, [exchange(bob.card_token, note="second note")])
    assert by_id(api.contacts(ada))[f"att:{bob.id}"]["notes"] == "talked about sqlite"
    # the note is an edit at the op's `at`: a later explicit edit wins over it
    t = now() - minutes(20)
    api.sync(
        ada,
        [
            exchange(cat.card_token, at=t, note="exchange note"),
            update(f"att:{cat.id}", at=t + minutes(1), notes="my own notes"),
        ],
    )
    assert by_id(api.contacts(ada))[f"att:{cat.id}"]["notes"] == "my own notes"


def test_delete_is_a_tombstone_and_a_later_exchange_brings_it_back(
    api: Api, event: dict[str, Any]
) -> None:
    ada, bob = api.register(event, "Tomb Ada"), api.register(event, "Tomb Bob")
    t = now() - minutes(60)
    cid = f"att:{bob.id}"
    first = api.sync(
        ada,
        [
            exchange(bob.card_token, at=t),
            update(cid, at=t + minutes(1), notes="keep me", tags=["vip"]),
        ],
    )
    gone = delete(cid, at=t + minutes(10))
    data = api.sync(ada, [gone], first["cursor"])
    assert data["acked"] == [gone["id"]]
    tomb = by_id(data["changes"])[cid]
    assert_contact_shape(tomb)
    assert tomb["deleted"] is True
    assert api.contacts(ada) == []
    # an exchange older than the tombstone does not bring it back
    stale = exchange(bob.card_token, at=t + minutes(5))
    assert api.sync(ada, [stale])["acked"] == [stale["id"]]
    assert api.contacts(ada) == []
    back = api.sync(ada, [exchange(bob.card_token, at=t + minutes(20))], data["cursor"])
    contact = by_id(back["changes"])[cid]
    assert contact["deleted"] is False
    assert contact["notes"] == "keep me" and contact["tags"] == ["vip"]
    assert [c["id"] for c in api.contacts(ada)] == [cid]


def test_reciprocal_swap_does_not_undelete(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Recip Ada"), api.register(event, "Recip Bob")
    t = now() - minutes(30)
    api.sync(ada, [exchange(bob.card_token, at=t)])
    api.sync(bob, [delete(f"att:{ada.id}", at=t + minutes(1))])
    api.sync(ada, [exchange(bob.card_token, at=t + minutes(5))])
    assert api.contacts(bob) == []
    # but Bob's own later scan does bring Ada back
    api.sync(bob, [exchange(ada.card_token, at=t + minutes(6))])
    assert [c["id"] for c in api.contacts(bob)] == [f"att:{ada.id}"]


def test_new_device_id_is_a_new_device_not_a_refusal(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Reinstall")
    op = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:After Reinstall\r\nEND:VCARD\r\n")
    data = api.sync(ada, [op], device_id=str(uuid.uuid4()))
    assert data["acked"] == [op["id"]]


def test_attendees_are_isolated(api: Api, event: dict[str, Any]) -> None:
    ada, bob, eve = (
        api.register(event, "Iso Ada"),
        api.register(event, "Iso Bob"),
        api.register(event, "Iso Eve"),
    )
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Private\r\nEND:VCARD\r\n")
    api.sync(ada, [ext, exchange(bob.card_token)])
    snoop = update(ext["contact_id"], notes="eve was here")
    data = api.sync(eve, [snoop, delete(f"att:{bob.id}")])
    assert data["acked"] == [] and len(data["rejected"]) == 2
    assert data["changes"] == []
    assert api.contacts(eve) == []
    assert {c["id"]: c["notes"] for c in api.contacts(ada)}[ext["contact_id"]] in ("", None)
    path = f"/api/contacts/{ext['contact_id']}.vcf"
    assert api.get(path, headers=ada.auth).status_code == 200
    assert_error(api.get(path, headers=eve.auth), 404)


def test_more_than_500_ops_is_413(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Too Many")
    ops = [update("ext:x", notes="n") for _ in range(501)]
    response = api.sync_raw(ada, ops)
    assert_error(response, 413)
    assert api.sync(ada, [])["changes"] == []


def test_invalid_cursor_is_400(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Bad Cursor")
    op = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Not Applied\r\nEND:VCARD\r\n")
    assert_error(
        api.sync_raw(ada, [op], cursor="not-a-cursor-we-issued"), 400, code="invalid_cursor"
    )
    assert api.contacts(ada) == []


def test_another_attendees_cursor_is_no_window_into_their_contacts(
    api: Api, event: dict[str, Any]
) -> None:
    ada, eve = api.register(event, "Cursor Ada"), api.register(event, "Cursor Eve")
    ada_cursor = api.sync(ada, [])["cursor"]
    api.sync(ada, [foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Secret\r\nEND:VCARD\r\n")])
    response = api.sync_raw(eve, [], cursor=ada_cursor)
    if response.status_code == 200:
        assert response.json()["changes"] == []
    else:
        assert_error(response, 400, code="invalid_cursor")


DEVICE = "6f1c0c4e-58a4-4b43-9a5e-6d3f2b1a0c9d"


@pytest.mark.parametrize(
    "body",
    [
        {"cursor": None, "ops": []},
        {"device_id": "not-a-uuid", "cursor": None, "ops": []},
        {"device_id": DEVICE, "cursor": None, "ops": "not a list"},
        {"device_id": DEVICE, "cursor": 42, "ops": []},
        {"device_id": DEVICE, "cursor": None, "ops": {"id": "x"}},
    ],
)
def test_sync_request_fields_are_checked(
    api: Api, event: dict[str, Any], body: dict[str, Any]
) -> None:
    ada = api.register(event, "Body Checks")
    response = api.post("/api/sync", json=body, headers=ada.auth)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_sync_without_ops_is_a_pull_or_a_refusal(api: Api, event: dict[str, Any]) -> None:
    """Interpretation: a body without `ops` may be read as "no ops" or refused; never a 5xx."""
    ada = api.register(event, "Pull Only")
    response = api.post("/api/sync", json={"device_id": DEVICE, "cursor": None}, headers=ada.auth)
    if response.status_code == 200:
        assert set(response.json()) == {"acked", "rejected", "cursor", "changes", "more"}
    else:
        assert_error(response, 422, field_prefix="ops")


def test_changes_page_with_more(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Many Contacts")
    ops = [
        foreign(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nEND:VCARD\r\n") for i in range(520)
    ]
    api.sync(ada, ops[:500])
    api.sync(ada, ops[500:])
    first = api.sync(ada, [])
    assert first["more"] is True and 0 < len(first["changes"]) <= 500
    changes, cursor = api.all_changes(ada, first["cursor"])
    changes = first["changes"] + changes
    ids = [c["id"] for c in changes]
    assert len(ids) == len(set(ids)) == 520
    stamps = [parse_time(c["updated_at"]) for c in changes]
    assert stamps == sorted(stamps)  # oldest first
    final = api.sync(ada, [], cursor)
    assert final["changes"] == [] and final["more"] is False


def test_500_ops_in_one_request_are_fine(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Exactly 500")
    ops = [foreign(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P {i}\r\nEND:VCARD\r\n") for i in range(500)]
    data = api.sync(ada, ops)
    assert len(data["acked"]) == 500 and data["rejected"] == []
    assert data["acked"] == [op["id"] for op in ops]  # request order


# === Foreign cards =========================================================================
def test_foreign_vcard_is_parsed_unverified_and_uncapped(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Foreign Ada")
    emails = [f"p{i}@example.com" for i in range(7)]
    note = "Long foreign note. " * 150
    vcard = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nORG:Acme\r\n"
        + "".join(f"EMAIL:{e}\r\n" for e in emails)
        + "TEL:+1 555 0100\r\nTEL:+1 555 0101\r\nURL:https://acme.example\r\n"
        + f"NOTE:{note}\r\nEND:VCARD\r\n"
    )
    op = foreign(vcard, method="manual")
    data = api.sync(ada, [op])
    contact = by_id(data["changes"])[op["contact_id"]]
    assert_contact_shape(contact)
    assert contact["verified"] is False
    assert contact["methods"] == ["manual"]
    card = contact["card"]
    assert card["fn"] == "Jane Doe" and card["org"] == "Acme"
    assert card["given"] == "Jane" and card["family"] == "Doe"
    assert card["emails"] == emails
    assert card["phones"] == ["+1 555 0100", "+1 555 0101"]
    assert card["urls"] == ["https://acme.example"]
    assert card["note"].strip() == note.strip()


@pytest.mark.parametrize(
    ("vcard", "fn"),
    [
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Only Org Inc\r\n"
            "EMAIL:x@example.com\r\nEND:VCARD\r\n",
            "Only Org Inc",
        ),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:only@example.com\r\nEND:VCARD\r\n",
            "only@example.com",
        ),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n", "Unknown"),
    ],
)
def test_foreign_card_without_a_name(api: Api, event: dict[str, Any], vcard: str, fn: str) -> None:
    ada = api.register(event, "Nameless")
    op = foreign(vcard)
    data = api.sync(ada, [op])
    assert data["acked"] == [op["id"]], data
    assert by_id(data["changes"])[op["contact_id"]]["card"]["fn"] == fn


def test_mecard_name_is_family_given(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Mecard Reader")
    op = foreign("MECARD:N:Doe,Jane;TEL:+15550100;EMAIL:jane@example.com;;")
    data = api.sync(ada, [op])
    card = by_id(data["changes"])[op["contact_id"]]["card"]
    assert card["family"] == "Doe" and card["given"] == "Jane"
    assert card["emails"] == ["jane@example.com"] and card["phones"] == ["+15550100"]
    assert "Jane" in card["fn"] and "Doe" in card["fn"]


# === Contacts ==============================================================================
@pytest.fixture
def address_book(api: Api, event: dict[str, Any]) -> tuple[Attendee, dict[str, str]]:
    """An attendee with four contacts in distinct states; returns (owner, name -> contact id)."""
    owner = api.register(event, "Book Owner")
    names = ["Todo Tina", "Done Dan", "Star Sam", "Plain Pat", "Gone Gil"]
    ops = [
        foreign(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{n}\r\nORG:{n.split()[1]} Corp\r\nEND:VCARD\r\n")
        for n in names
    ]
    ids = {n: op["contact_id"] for n, op in zip(names, ops, strict=True)}
    ops += [
        update(ids["Todo Tina"], follow_up="todo", tags=["lead"]),
        update(ids["Done Dan"], follow_up="done", tags=["lead", "investor"]),
        update(ids["Star Sam"], starred=True, notes="knows the kraken"),
        delete(ids["Gone Gil"]),
    ]
    assert len(api.sync(owner, ops)["acked"]) == len(ops)
    return owner, ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Todo Tina", "Done Dan", "Star Sam", "Plain Pat"}),
        ({"follow_up": "todo"}, {"Todo Tina"}),
        ({"follow_up": "done"}, {"Done Dan"}),
        ({"follow_up": "none"}, {"Star Sam", "Plain Pat"}),
        ({"tag": "lead"}, {"Todo Tina", "Done Dan"}),
        ({"tag": "investor"}, {"Done Dan"}),
        ({"starred": "true"}, {"Star Sam"}),
        ({"q": "tina"}, {"Todo Tina"}),
        ({"q": "Pat"}, {"Plain Pat"}),
        ({"tag": "lead", "follow_up": "done"}, {"Done Dan"}),
    ],
)
def test_contacts_filters(
    api: Api,
    address_book: tuple[Attendee, dict[str, str]],
    params: dict[str, str],
    expected: set[str],
) -> None:
    owner, _ = address_book
    contacts = api.contacts(owner, **params)
    for contact in contacts:
        assert_contact_shape(contact)
        assert contact["deleted"] is False
    assert {c["card"]["fn"] for c in contacts} == expected


def test_contacts_need_credentials(api: Api) -> None:
    for path in (
        "/api/contacts",
        "/api/contacts.vcf",
        "/api/contacts.csv",
        "/api/contacts/ext:00000000-0000-4000-8000-000000000000.vcf",
    ):
        assert_error(api.get(path), 401)


def assert_vcard_download(response: Any, extension: str = ".vcf") -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].lower().replace(" ", "") == "text/vcard;charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="[^"/\\]+' + re.escape(extension) + r'"(; filename\*=UTF-8\'\'\S+)?',
        disposition,
    ), disposition
    text = response.content.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75, line
    cards = list(vobject.readComponents(text))
    for card in cards:
        assert card.version.value == "3.0"
        assert card.uid.value
    return text


def test_vcf_export_of_all_and_of_some(
    api: Api, address_book: tuple[Attendee, dict[str, str]]
) -> None:
    owner, ids = address_book
    text = assert_vcard_download(api.get("/api/contacts.vcf", headers=owner.auth))
    names = {card.fn.value for card in vobject.readComponents(text)}
    assert names == {"Todo Tina", "Done Dan", "Star Sam", "Plain Pat"}
    some = f"{ids['Todo Tina']},{ids['Star Sam']}"
    text = assert_vcard_download(
        api.get("/api/contacts.vcf", params={"ids": some}, headers=owner.auth)
    )
    assert {card.fn.value for card in vobject.readComponents(text)} == {"Todo Tina", "Star Sam"}


def test_one_contact_vcf(api: Api, address_book: tuple[Attendee, dict[str, str]]) -> None:
    owner, ids = address_book
    text = assert_vcard_download(
        api.get(f"/api/contacts/{ids['Plain Pat']}.vcf", headers=owner.auth)
    )
    cards = list(vobject.readComponents(text))
    assert [c.fn.value for c in cards] == ["Plain Pat"]
    assert_error(
        api.get("/api/contacts/ext:00000000-0000-4000-8000-000000000000.vcf", headers=owner.auth),
        404,
    )


def test_vcf_escaping_survives_a_round_trip(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Escaper")
    tricky = api.register(
        event,
        "O'Neil, Pat; Jr.",
        org="Smith, Jones; Partners",
        title="VP, Sales; EMEA",
        note="line one\nline two, with; marks",
    )
    api.sync(ada, [exchange(tricky.card_token)])
    text = assert_vcard_download(api.get("/api/contacts.vcf", headers=ada.auth))
    card = next(iter(vobject.readComponents(text)))
    assert card.fn.value == "O'Neil, Pat; Jr."
    assert card.title.value == "VP, Sales; EMEA"
    org = card.org.value
    assert ("; ".join(org) if isinstance(org, list) else org) == "Smith, Jones; Partners"
    assert "line one\nline two, with; marks" in card.note.value
    public = assert_vcard_download(api.get(f"/c/{tricky.card_token}.vcf"))
    assert next(iter(vobject.readComponents(public))).title.value == "VP, Sales; EMEA"


def test_csv_export_google_columns(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Csv Owner")
    bob = api.register(
        event,
        "Bob Csv",
        org='=HYPERLINK("http://evil")',
        title="CTO",
        emails=["bob@example.com"],
        phones=["+44 20 7946 0000"],
        urls=["https://bob.example"],
    )
    api.sync(
        ada, [exchange(bob.card_token), update(f"att:{bob.id}", notes="great chat", tags=["lead"])]
    )
    response = api.get("/api/contacts.csv", headers=ada.auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="[^"/\\]+\.csv"(; filename\*=UTF-8\'\'\S+)?', disposition
    ), disposition
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    columns = set(rows[0])
    assert {
        "First Name",
        "Last Name",
        "E-mail 1 - Label",
        "E-mail 1 - Value",
        "Phone 1 - Value",
        "Organization Name",
        "Organization Title",
        "Website 1 - Value",
        "Notes",
        "Labels",
    } <= columns
    assert any(c.startswith("Phone 1 - ") and c != "Phone 1 - Value" for c in columns)
    [row] = rows
    assert row["First Name"] == "Bob" and row["Last Name"] == "Csv"
    assert row["E-mail 1 - Value"] == "bob@example.com"
    assert row["Phone 1 - Value"] == "+44 20 7946 0000"  # + kept, not mangled
    assert row["Organization Title"] == "CTO"
    assert row["Website 1 - Value"] == "https://bob.example"
    assert not row["Organization Name"].startswith("=")  # formula injection guarded
    assert "HYPERLINK" in row["Organization Name"]
    assert "great chat" in row["Notes"] and "lead" in row["Labels"]


# === Public card ===========================================================================
def test_public_card_page(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Public Person", org="Public Org", emails=["public@example.com"])
    response = api.get(f"/c/{who.card_token}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_security_headers(response.headers)
    assert "Public Person" in response.text and "Public Org" in response.text
    join_links = re.findall(r'href="([^"]*/join/[^"]*)"', response.text)
    assert join_links, "links to the event's join page"
    for link in join_links:
        assert f"/join/{event['slug']}" in link and "code=" not in link
    assert event["join_code"] not in response.text
    assert f"{who.card_token}.vcf" in response.text  # "Save to contacts"
    join = api.get(join_links[0].replace(api.base, ""))
    assert join.status_code == 200 and join.headers["content-type"].startswith("text/html")


def test_public_card_vcf(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Vcf Person", emails=["vcf@example.com"], phones=["+1 555 0100"])
    text = assert_vcard_download(api.get(f"/c/{who.card_token}.vcf"))
    [card] = list(vobject.readComponents(text))
    assert card.fn.value == "Vcf Person"
    assert card.email.value == "vcf@example.com"


def test_public_card_escapes_user_text(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "<script>alert(1)</script>", org="<img src=x onerror=alert(2)>")
    text = api.get(f"/c/{who.card_token}").text
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize("suffix", ["", ".vcf"])
def test_forged_card_tokens_are_404(api: Api, event: dict[str, Any], suffix: str) -> None:
    who = api.register(event, "Secret Name", org="Secret Org")
    token = who.card_token
    altered = token[:-2] + ("x" if token[-2] != "x" else "y") + token[-1]
    for bad in ("forged-token", altered, token[:-4], "a" * 40):
        response = api.get(f"/c/{bad}{suffix}")
        assert response.status_code == 404, bad
        assert "Secret Name" not in response.text and "Secret Org" not in response.text
        if not suffix:
            assert response.headers["content-type"].startswith("text/html")


# === Organizer =============================================================================
ATTENDEES_CSV = (
    "name,email,org,title,phone,url\r\n"
    "Alice Import,alice@example.com,Acme,CEO,+1 555 0100,https://alice.example\r\n"
    "No Email,,Acme,CTO,,\r\n"
    "Bob Import,bob@example.com,Beta,,,\r\n"
)


def post_csv(api: Api, slug: str, text: str, **headers: str) -> Any:
    return api.post(
        f"/api/admin/events/{slug}/attendees.csv",
        content=text.encode(),
        headers={**api.admin, "Content-Type": "text/csv", **headers},
    )


def test_attendee_csv_import(api: Api, server: LiveServer, event: dict[str, Any]) -> None:
    response = post_csv(api, event["slug"], ATTENDEES_CSV)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_TYPE
    data = response.json()
    assert set(data) == {"created", "attendees", "errors"}
    assert data["created"] == 2
    assert [set(a) for a in data["attendees"]] == [{"id", "fn", "sign_in_url", "card_url"}] * 2
    assert [a["fn"] for a in data["attendees"]] == ["Alice Import", "Bob Import"]
    assert [set(e) for e in data["errors"]] == [{"line", "message"}]
    assert data["errors"][0]["line"] == 3
    alice = data["attendees"][0]
    assert alice["card_url"].startswith(f"{server.url}/c/")
    assert alice["sign_in_url"].startswith(f"{server.url}/signin/")
    vcf = api.get(alice["card_url"].replace(server.url, "") + ".vcf").text
    assert "Alice Import" in vcf and "alice@example.com" in vcf and "Acme" in vcf
    with api.cookie_client({}) as phone:
        signed_in = phone.get(alice["sign_in_url"])
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] in ("/", f"{server.url}/")
        me = phone.get("/api/me").json()
        assert me["attendee"]["id"] == alice["id"]
        assert me["attendee"]["card"]["title"] == "CEO"
    # re-import is idempotent by email and updates cards
    again = post_csv(api, event["slug"], ATTENDEES_CSV.replace("Acme,CEO", "Acme,Chair"))
    assert again.status_code == 200
    data2 = again.json()
    assert data2["created"] == 0
    assert [a["id"] for a in data2["attendees"]] == [a["id"] for a in data["attendees"]]
    assert "Chair" in api.get(alice["card_url"].replace(server.url, "") + ".vcf").text


def test_attendee_csv_import_refusals(api: Api, event: dict[str, Any]) -> None:
    slug = event["slug"]
    assert_error(
        api.post(
            f"/api/admin/events/{slug}/attendees.csv",
            content=ATTENDEES_CSV.encode(),
            headers={"Content-Type": "text/csv"},
        ),
        401,
    )
    assert_error(post_csv(api, slug, ATTENDEES_CSV, **{"Content-Type": "application/json"}), 415)
    assert_error(post_csv(api, "no-such-event-here", ATTENDEES_CSV), 404)
    stats = api.get(f"/api/admin/events/{slug}/stats", headers=api.admin).json()
    assert stats["attendees"] == 0


def test_badges(api: Api, event: dict[str, Any]) -> None:
    post_csv(api, event["slug"], ATTENDEES_CSV)
    response = api.get(f"/admin/events/{event['slug']}/badges", headers=api.admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Alice Import" in response.text and "Bob Import" in response.text
    assert response.text.count("<svg") + response.text.count("<img") >= 2
    unauthorised = api.get(f"/admin/events/{event['slug']}/badges")
    assert unauthorised.status_code in (401, 403, 302, 303)
    assert "Alice Import" not in unauthorised.text


def test_stats(api: Api, event: dict[str, Any]) -> None:
    ada, bob, _idle = (
        api.register(event, "Stat Ada"),
        api.register(event, "Stat Bob"),
        api.register(event, "Stat Idle"),
    )
    swap = exchange(bob.card_token)
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Stat Ext\r\nEND:VCARD\r\n")
    api.sync(ada, [swap, ext, exchange("forged")])
    api.sync(ada, [swap])  # a replay counts once
    api.sync(bob, [update(f"att:{ada.id}", starred=True)])
    response = api.get(f"/api/admin/events/{event['slug']}/stats", headers=api.admin)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"attendees", "active_attendees", "exchanges", "exchanges_by_hour"}
    assert data["attendees"] == 3
    assert data["active_attendees"] == 2
    assert data["exchanges"] == 2
    hour = datetime.now(UTC).strftime("%Y-%m-%dT%H:00:00Z")
    assert all(set(h) == {"hour", "count"} for h in data["exchanges_by_hour"])
    for bucket in data["exchanges_by_hour"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", bucket["hour"]), bucket
    assert sum(h["count"] for h in data["exchanges_by_hour"]) == 2
    assert data["exchanges_by_hour"][-1]["hour"] in (
        hour,
        (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:00:00Z"),
    )
    assert api.delete("/api/me", headers=ada.auth).status_code == 204
    after = api.get(f"/api/admin/events/{event['slug']}/stats", headers=api.admin).json()
    assert after["exchanges"] == 2  # exchanges stay counted


def test_stats_refusals(api: Api, event: dict[str, Any]) -> None:
    assert_error(api.get(f"/api/admin/events/{event['slug']}/stats"), 401)
    assert_error(api.get("/api/admin/events/no-such-event-here/stats", headers=api.admin), 404)


# === Additions: QR content, order, rate limits, admin cookie, sign-in links ===================
def test_qr_svg_encodes_the_card_url(
    api: Api, server: LiveServer, event: dict[str, Any], chromium: Any
) -> None:
    who = api.register(
        event,
        "Scannable Person",
        org="Scan Org",
        emails=["scan@example.com"],
        phones=["+1 555 0100"],
        urls=["https://scan.example"],
    )
    svg = api.get("/api/me/qr.svg", headers=who.auth).text
    page = chromium.new_page(viewport={"width": 900, "height": 900})
    try:
        page.set_content(f"<body style='margin:0;background:#fff'>{svg}</body>")
        image = Image.open(io.BytesIO(page.screenshot())).convert("L")
    finally:
        page.close()
    [result] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert result.text.lower() == who.card_url.lower()  # the URL, or its upper-case twin
    # the server resolves the QR's form to the same card
    path = "/" + result.text.split("/", 3)[3]
    page_response = api.get(path)
    assert page_response.status_code == 200 and "Scannable Person" in page_response.text
    vcf = api.get(path + ".vcf")
    assert vcf.status_code == 200 and "Scannable Person" in vcf.text
    # a typical card's URL fits a QR of version 10 or below at error correction M
    assert segno.make(result.text, error="m", micro=False, boost_error=False).version <= 10


def test_ops_apply_in_request_order(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "In Order")
    ext = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ordered\r\nEND:VCARD\r\n")
    early_update = update(ext["contact_id"], notes="before it exists")
    later_update = update(ext["contact_id"], notes="after it exists")
    data = api.sync(ada, [early_update, ext, later_update])
    assert data["acked"] == [ext["id"], later_update["id"]]
    assert [r["id"] for r in data["rejected"]] == [early_update["id"]]
    assert by_id(data["changes"])[ext["contact_id"]]["notes"] == "after it exists"


def test_exchange_with_an_old_card_url_gets_the_current_card(
    api: Api, event: dict[str, Any]
) -> None:
    ada, bob = api.register(event, "Old Url Ada"), api.register(event, "Bob Before")
    response = api.put(
        "/api/me/card", json={"card": {"fn": "Bob After", "title": "Boss"}}, headers=bob.auth
    )
    assert re.fullmatch(re.escape(api.base) + r"/c/[^/?#]+", response.json()["card_url"])
    data = api.sync(ada, [exchange(bob.card_token)])
    card = by_id(data["changes"])[f"att:{bob.id}"]["card"]
    assert card["fn"] == "Bob After" and card["title"] == "Boss"


def test_settings_need_share_back(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Settings Missing")
    assert_error(api.put("/api/me/settings", json={}, headers=who.auth), 422)
    assert_error(
        api.put(
            "/api/me/settings",
            content=b"{",
            headers={**who.auth, "Content-Type": "application/json"},
        ),
        400,
    )
    assert api.me(who)["settings"] == {"share_back": True, "language": None}


def test_a_crowd_behind_one_address_registers_without_429(api: Api) -> None:
    event = api.create_event(name="Crowded Venue")
    statuses = set()
    for i in range(150):
        body = {
            "join_code": event["join_code"],
            "card": {"fn": f"Crowd {i}"},
            "device_id": str(uuid.uuid4()),
        }
        statuses.add(api.post(f"/api/events/{event['slug']}/attendees", json=body).status_code)
    assert statuses == {201}


def test_sync_is_rate_limited_per_attendee_not_per_address(api: Api, event: dict[str, Any]) -> None:
    noisy, quiet = api.register(event, "Noisy Phone"), api.register(event, "Quiet Phone")
    for _ in range(1000):
        response = api.sync_raw(noisy, [])
        if response.status_code != 200:
            break
    assert_error(response, 429)
    assert response.headers.get("retry-after")
    assert api.sync_raw(quiet, []).status_code == 200  # same address, another attendee


def test_personal_sign_in_link_works_once(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    data = post_csv(api, event["slug"], "name,email\r\nOnce Only,once@example.com\r\n").json()
    link = data["attendees"][0]["sign_in_url"]
    with api.cookie_client({}) as phone:
        assert phone.get(link).status_code == 303
        assert phone.get("/api/me").json()["attendee"]["id"] == data["attendees"][0]["id"]
    with api.cookie_client({}) as other:
        again = other.get(link)
        assert 400 <= again.status_code < 500 and "set-cookie" not in again.headers
    # a re-import hands out a fresh link that works
    fresh = post_csv(api, event["slug"], "name,email\r\nOnce Only,once@example.com\r\n").json()
    assert fresh["created"] == 0
    with api.cookie_client({}) as phone:
        assert phone.get(fresh["attendees"][0]["sign_in_url"]).status_code == 303


def test_personal_sign_in_links_expire_30_days_after_the_event(api: Api) -> None:
    past = api.create_event(name="Long Ago", starts_on="2020-01-01", ends_on="2020-01-02")
    data = post_csv(api, past["slug"], "name,email\r\nLate Comer,late@example.com\r\n").json()
    with api.cookie_client({}) as phone:
        response = phone.get(data["attendees"][0]["sign_in_url"])
        assert 400 <= response.status_code < 500 and "set-cookie" not in response.headers
    future = api.create_event(name="Soon", starts_on="2099-01-01", ends_on="2099-01-02")
    data = post_csv(api, future["slug"], "name,email\r\nEarly Bird,early@example.com\r\n").json()
    with api.cookie_client({}) as phone:
        assert phone.get(data["attendees"][0]["sign_in_url"]).status_code == 303


def test_admin_cookie_from_signing_in_at_admin(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    with api.cookie_client({}) as browser:
        wrong = browser.post(
            "/admin/signin",
            data={"token": "wrong", "next": "/admin"},
            headers={"Origin": server.url},
        )
        assert wrong.status_code >= 400 or "set-cookie" not in wrong.headers
        signed = browser.post(
            "/admin/signin",
            data={"token": ADMIN_TOKEN, "next": "/admin"},
            headers={"Origin": server.url},
        )
        assert signed.status_code in (302, 303), signed.status_code
        assert "httponly" in signed.headers.get("set-cookie", "").lower()
        stats = browser.get(f"/api/admin/events/{event['slug']}/stats")
        assert stats.status_code == 200 and "exchanges" in stats.json()
        assert browser.get(f"/admin/events/{event['slug']}/badges").status_code == 200
        slug = f"ck-{uuid.uuid4().hex[:8]}"
        assert_error(browser.post("/api/admin/events", json={"slug": slug, "name": "C"}), 403)
        created = browser.post(
            "/api/admin/events", json={"slug": slug, "name": "C"}, headers={"Origin": server.url}
        )
        assert created.status_code == 201, created.text


def test_tokens_of_one_purpose_do_not_work_for_another(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Purpose Ada"), api.register(event, "Purpose Bob")
    link_token = api.post("/api/me/devices", headers=ada.auth).json()["sign_in_url"]
    link_token = link_token.rsplit("/signin/", 1)[1]
    assert_error(api.get("/api/me", headers={"Authorization": f"Bearer {link_token}"}), 401)
    assert api.get(f"/c/{ada.token}").status_code == 404
    assert api.get(f"/c/{link_token}.vcf").status_code == 404
    with api.cookie_client({}) as phone:
        response = phone.get(f"/signin/{ada.token}")
        assert 400 <= response.status_code < 500 and "set-cookie" not in response.headers
    op = exchange(ada.token)
    assert [r["id"] for r in api.sync(bob, [op])["rejected"]] == [op["id"]]


def test_sync_body_needs_the_json_content_type(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Content Type")
    body = f'{{"device_id": "{ada.device_id}", "cursor": null, "ops": []}}'.encode()
    assert_error(api.post("/api/sync", content=body, headers=ada.auth), 415)
    assert_error(
        api.post("/api/sync", content=body, headers={**ada.auth, "Content-Type": "text/plain"}), 415
    )
    assert_error(
        api.post(
            "/api/sync", content=b"{nope", headers={**ada.auth, "Content-Type": "application/json"}
        ),
        400,
    )


def test_csv_import_reads_the_header_and_counts_physical_lines(
    api: Api, event: dict[str, Any]
) -> None:
    text = (
        "email,name,title\r\n"
        "zed@example.com,Zed Zulu,Boss\r\n"
        "not-an-email,Bad Mail,\r\n"
        ",No Mail,\r\n"
    )
    data = post_csv(api, event["slug"], text, **{"Content-Type": "text/csv; charset=utf-8"}).json()
    assert data["created"] == 1
    assert [a["fn"] for a in data["attendees"]] == ["Zed Zulu"]
    assert [e["line"] for e in data["errors"]] == [3, 4]
    assert all(isinstance(e["message"], str) and e["message"] for e in data["errors"])


def test_event_end_before_start_is_422(api: Api) -> None:
    body = {
        "slug": f"ev-{uuid.uuid4().hex[:8]}",
        "name": "Backwards",
        "starts_on": "2026-05-03",
        "ends_on": "2026-05-01",
    }
    assert_error(api.post("/api/admin/events", json=body, headers=api.admin), 422)
    assert api.get(f"/api/events/{body['slug']}").status_code == 404


def test_reciprocal_contact_keeps_the_scanners_note_private(
    api: Api, event: dict[str, Any]
) -> None:
    ada, bob = api.register(event, "Private Ada"), api.register(event, "Private Bob")
    at = now() - minutes(7)
    api.sync(ada, [exchange(bob.card_token, at=at, note="seems nervous, follow up")])
    [contact] = api.sync(bob, [])["changes"]
    assert contact["id"] == f"att:{ada.id}" and contact["verified"] is True
    assert "nervous" not in (contact["notes"] or "")
    assert abs(parse_time(contact["met_at"]) - at) < timedelta(seconds=1)


def test_future_tombstone_counts_as_server_time(api: Api, event: dict[str, Any]) -> None:
    ada, bob = api.register(event, "Future Delete"), api.register(event, "Deleted Bob")
    api.sync(ada, [exchange(bob.card_token, at=now() - minutes(10))])
    api.sync(ada, [delete(f"att:{bob.id}", at="2099-01-01T00:00:00Z")])
    assert api.contacts(ada) == []
    api.sync(ada, [exchange(bob.card_token, at=now() + minutes(1))])
    assert [c["id"] for c in api.contacts(ada)] == [f"att:{bob.id}"]


def test_unicode_text_survives_exports(api: Api, event: dict[str, Any]) -> None:
    ada = api.register(event, "Export Ada")
    zoe = api.register(event, "Zoë Ångström", org="Ünïcode Straße", title="漢字 😀")
    api.sync(ada, [exchange(zoe.card_token)])
    text = assert_vcard_download(api.get("/api/contacts.vcf", headers=ada.auth))
    card = next(iter(vobject.readComponents(text)))
    assert card.fn.value == "Zoë Ångström" and card.title.value == "漢字 😀"
    rows = list(
        csv.DictReader(
            io.StringIO(api.get("/api/contacts.csv", headers=ada.auth).content.decode("utf-8-sig"))
        )
    )
    assert rows[0]["Organization Name"] == "Ünïcode Straße"
    assert rows[0]["Organization Title"] == "漢字 😀"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/sync"), ("POST", "/api/contacts"), ("DELETE", "/api/events/demo")],
)
def test_wrong_methods_still_answer_in_the_error_shape(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, headers=api.admin)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_ops_that_are_not_objects_are_rejected_beside_good_ones(
    api: Api, event: dict[str, Any]
) -> None:
    ada = api.register(event, "Odd Ops")
    good = foreign("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Still Fine\r\nEND:VCARD\r\n")
    data = api.sync(ada, ["not an object", 5, good])  # type: ignore[list-item]
    assert data["acked"] == [good["id"]]
    assert len(data["rejected"]) == 2
    assert all(set(r) == {"id", "code", "message"} for r in data["rejected"])


def test_secret_key_rotation_keeps_old_tokens_valid(live_server: LiveServer) -> None:
    """CARDSWAP_SECRET_KEY is a comma-separated list, newest first; old keys still verify."""
    live_server.stop()
    live_server.env = {"CARDSWAP_SECRET_KEY": "old-key"}
    live_server.start()
    api = Api(live_server.url, ADMIN_TOKEN)
    try:
        event = api.create_event()
        ada, bob = api.register(event, "Rotating Ada"), api.register(event, "Rotating Bob")
        live_server.stop()
        live_server.env = {"CARDSWAP_SECRET_KEY": "new-key,old-key"}
        live_server.start()
        assert api.me(ada)["attendee"]["id"] == ada.id
        assert api.get(f"/c/{bob.card_token}.vcf").status_code == 200
        assert api.sync(ada, [exchange(bob.card_token)])["rejected"] == []
        fresh = api.register(event, "Fresh Cy")
        live_server.stop()
        live_server.env = {"CARDSWAP_SECRET_KEY": "new-key"}
        live_server.start()
        assert api.me(fresh)["attendee"]["id"] == fresh.id  # signed with the newest key
        assert_error(api.get("/api/me", headers=ada.auth), 401)  # the retired key is gone
    finally:
        api.close()


def test_contact_ids_may_be_percent_encoded_in_paths(
    api: Api, address_book: tuple[Attendee, dict[str, str]]
) -> None:
    owner, ids = address_book
    encoded = ids["Plain Pat"].replace(":", "%3A")
    text = assert_vcard_download(api.get(f"/api/contacts/{encoded}.vcf", headers=owner.auth))
    assert [c.fn.value for c in vobject.readComponents(text)] == ["Plain Pat"]


def test_settings_response_carries_the_card_url(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Settings Url")
    data = api.put("/api/me/settings", json={"share_back": True}, headers=who.auth).json()
    assert re.fullmatch(re.escape(api.base) + r"/c/[^/?#]+", data["card_url"])
    assert data["attendee"] == {"id": who.id, "card": who.card}


# === Section 11: the card's photo, pronouns and social profiles ==============================
def _jpeg(size: tuple[int, int] = (1200, 900), exif_gps: bool = True) -> bytes:
    """A camera-like JPEG; with an EXIF GPS position unless told otherwise."""
    from PIL import ExifTags

    image = Image.effect_noise(size, 40).convert("RGB")
    exif = Image.Exif()
    if exif_gps:
        exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                       ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0)}  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def put_photo(api: Api, who: Attendee, data: bytes, media: str = "image/jpeg") -> Any:
    return api.put("/api/me/photo", content=data, headers={**who.auth, "Content-Type": media})


def test_new_card_fields_round_trip_with_their_limits(api: Api, event: dict[str, Any]) -> None:
    networks = ("linkedin", "x", "mastodon", "github", "bluesky", "other", "other", "other")
    socials = [{"network": n, "url": f"https://{n}.example/{i}"} for i, n in enumerate(networks)]
    who = api.register(event, "Field Person", pronouns="x" * 40, socials=socials)
    card = api.me(who)["attendee"]["card"]
    assert card["pronouns"] == "x" * 40 and card["socials"] == socials
    assert card["photo"] is None  # read-only, null until a photo is set


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"pronouns": "x" * 41}, "card.pronouns"),
        ({"socials": [{"network": "x", "url": "javascript:alert(1)"}]}, "card.socials"),
        ({"socials": [{"network": "facebook", "url": "https://facebook.com/a"}]}, "card.socials"),
        ({"socials": [{"network": "other", "url": f"https://a.example/{n}"} for n in range(9)]},
         "card.socials"),
        ({"photo": {"small": "https://evil.example/a.jpg", "large": "https://evil.example/b.jpg"}},
         "card.photo"),
    ],
)  # fmt: skip
def test_invalid_new_card_fields_are_422_and_change_nothing(
    api: Api, event: dict[str, Any], card: dict[str, Any], field: str
) -> None:
    who = api.register(event, "Strict Fields")
    before = api.me(who)
    response = api.put("/api/me/card", json={"card": {"fn": "X", **card}}, headers=who.auth)
    assert_error(response, 422, field_prefix=field)
    assert api.me(who) == before


def test_put_photo_returns_me_with_versioned_small_and_large_jpegs(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    who = api.register(event, "Photo Person")
    response = put_photo(api, who, _jpeg())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_TYPE
    data = response.json()
    assert set(data) == ME_KEYS
    photo = data["attendee"]["card"]["photo"]
    assert set(photo) == {"small", "large"}
    for size, most in (("small", 128), ("large", 512)):
        url = urljoin(server.url + "/", photo[size])
        got = api.get(url)
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert "immutable" in got.headers["cache-control"]
        image = Image.open(io.BytesIO(got.content))
        assert image.format == "JPEG" and image.width == image.height <= most
        assert not image.getexif()  # EXIF, GPS position included, dropped
    # the QR stays as small as it was: the photo is not in the card URL
    assert len(data["card_url"]) == len(who.card_url)
    replaced = put_photo(api, who, _jpeg((800, 800), exif_gps=False), "image/jpeg").json()
    assert replaced["attendee"]["card"]["photo"] != photo
    assert api.get(urljoin(server.url + "/", photo["small"])).status_code == 404


def test_delete_photo(api: Api, server: LiveServer, event: dict[str, Any]) -> None:
    who = api.register(event, "Unphoto Person")
    photo = put_photo(api, who, _jpeg()).json()["attendee"]["card"]["photo"]
    response = api.delete("/api/me/photo", headers=who.auth)
    assert response.status_code == 200 and set(response.json()) == ME_KEYS
    assert response.json()["attendee"]["card"]["photo"] is None
    assert api.get(urljoin(server.url + "/", photo["large"])).status_code == 404
    assert_error(api.delete("/api/me/photo"), 401)


@pytest.mark.parametrize(
    ("body", "media", "status"),
    [
        (b"just some text, not a picture", "image/jpeg", 422),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", 422),  # a PNG that stops
        (b"\xff\xd8\xff" + b"\0" * (3 * MiB), "image/jpeg", 413),
        (b"RIFF0000WEBPVP8 ", "text/plain", 415),
    ],
)
def test_bad_photos_are_refused_and_change_nothing(
    api: Api, event: dict[str, Any], body: bytes, media: str, status: int
) -> None:
    who = api.register(event, "Careful Uploader")
    put_photo(api, who, _jpeg((300, 300)))
    before = api.me(who)
    assert_error(put_photo(api, who, body, media), status)
    assert api.me(who) == before
    assert_error(api.put("/api/me/photo", content=_jpeg(), headers=JPEG_ONLY), 401)


JPEG_ONLY = {"Content-Type": "image/jpeg"}


def test_decompression_bomb_is_refused(api: Api, event: dict[str, Any]) -> None:
    who = api.register(event, "Bomb Defuser")
    out = io.BytesIO()
    Image.new("1", (16_000, 16_000)).save(out, "PNG")  # 256 megapixels in ~30 KB
    assert len(out.getvalue()) < 100_000
    assert_error(put_photo(api, who, out.getvalue(), "image/png"), 422)
    assert api.me(who)["attendee"]["card"]["photo"] is None


def test_a_photo_reaches_the_holders_and_the_vcard_export(
    api: Api, server: LiveServer, event: dict[str, Any]
) -> None:
    ada = api.register(
        event, "Faced Ada", socials=[{"network": "github", "url": "https://github.com/ada"}]
    )
    bob = api.register(event, "Holding Bob")
    api.sync(bob, [exchange(ada.card_token)])
    photo = put_photo(api, ada, _jpeg()).json()["attendee"]["card"]["photo"]
    changes, _ = api.all_changes(bob)
    assert {c["id"]: c for c in changes}[f"att:{ada.id}"]["card"]["photo"] == photo
    text = api.get("/api/contacts.vcf", headers=bob.auth).text
    assert "PHOTO;ENCODING=b;TYPE=JPEG:" in text
    assert "X-SOCIALPROFILE;TYPE=github:https://github.com/ada" in text
    (card,) = vobject.readComponents(text)
    assert card.photo.value == api.get(urljoin(server.url + "/", photo["small"])).content
    api.delete("/api/me", headers=ada.auth)  # deleting my data deletes my photo
    assert api.get(urljoin(server.url + "/", photo["small"])).status_code == 404
    changes, _ = api.all_changes(bob)
    assert {c["id"]: c for c in changes}[f"att:{ada.id}"]["card"]["photo"] is None
