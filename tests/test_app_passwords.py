"""App passwords (DESIGN.md section 10): created and shown once, stored as a scrypt hash, listed,
revoked at once; one plain ASCII user name per attendee; HTTP Basic only over HTTPS or loopback;
wrong passwords limited per user name; the one-time Apple profile and the DAVx5 link.
"""

from __future__ import annotations

import plistlib
import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from server import passwords
from server.app import create_app
from server.app_passwords import new_username
from tests.carddav_helpers import D, Person, app_password, basic, join, propfind
from tests.conftest import ADMIN, make_settings

BASE = "https://cards.example"
PASSWORD = re.compile(r"^[a-z2-7]{4}(-[a-z2-7]{4}){4}$")


@pytest.fixture
def make_client(database: str) -> Iterator[Callable[..., TestClient]]:
    """make_client(base_url): the app on this test's database (once a test), an event made."""
    clients: list[TestClient] = []

    def make(base_url: str = BASE, **overrides: Any) -> TestClient:
        assert not clients, "one app a test: it owns the test's database"
        app = create_app(make_settings(database, base_url=base_url, **overrides))
        client = TestClient(app, base_url=base_url).__enter__()
        clients.append(client)
        response = client.post(
            "/api/admin/events", json={"slug": "dc", "name": "DevConf"}, headers=ADMIN
        )
        client.event = response.json()  # type: ignore[attr-defined]
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def http(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def ada(http: TestClient, fn: str = "Ada Lovelace") -> Person:
    return join(http, http.event, fn)  # type: ignore[attr-defined]


def _rows(http: TestClient, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, read through the app's own store (either engine)."""
    store = http.app.state.ctx.store  # type: ignore[attr-defined]
    return [tuple(row) for row in store.read().execute(f"SELECT * FROM {table}").fetchall()]


def dav_status(http: TestClient, made: dict[str, Any], password: str | None = None) -> int:
    """The status of a PROPFIND on the user's principal with this password."""
    auth = basic(made["username"], password or made["password"])
    path = f"/dav/principals/{made['username']}/"
    response = http.request(
        "PROPFIND", path, content=propfind(D + "displayname"), headers={**auth, "Depth": "0"}
    )
    return response.status_code


def test_a_new_password_is_shown_once_and_stored_only_as_a_hash(http: TestClient) -> None:
    who = ada(http)
    response = http.post("/api/me/app-passwords", json={"label": "  iPhone  "}, headers=who.headers)
    assert response.status_code == 201 and response.headers["cache-control"] == "no-store"
    made = response.json()
    assert made["label"] == "iPhone" and PASSWORD.match(made["password"])
    assert made["carddav_url"] == f"{BASE}/dav/"
    assert made["davx5_url"] == f"davx5://{made['username']}:{made['password']}@cards.example/dav/"
    assert made["mobileconfig_url"].startswith(f"{BASE}/api/dav/profiles/")
    assert made["password"] not in made["mobileconfig_url"]
    listed = http.get("/api/me/app-passwords", headers=who.headers).json()["app_passwords"]
    assert listed == [
        {k: made[k] for k in ("id", "label", "username", "created_at")} | {"last_used_at": None}
    ]
    (stored,) = [row[3] for row in _rows(http, "app_passwords")]  # id, attendee, label, hash
    assert stored.startswith("scrypt$16384$8$1$")
    everything = _rows(http, "app_passwords") + _rows(http, "app_password_users")
    assert not [value for row in everything for value in row if made["password"] in str(value)]
    assert passwords.verify_password(made["password"], stored)
    assert dav_status(http, made) == 207


def test_each_attendee_has_one_plain_ascii_user_name(http: TestClient) -> None:
    first, second = ada(http), ada(http, "東京 太郎")
    names = {app_password(http, first)["username"], app_password(http, first, "Mac")["username"]}
    assert len(names) == 1
    (name,) = names
    assert re.fullmatch(r"ada-[a-z2-7]{8}", name)
    other = app_password(http, second)["username"]
    assert re.fullmatch(r"cardswap-[a-z2-7]{8}", other) and other != name
    assert new_username("Zoë Ærøskøbing").startswith("zoe-")
    assert "@" not in new_username("ada@example.org Lovelace")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "label"),
        ({"label": 7}, 422, "label"),
        ({"label": ""}, 422, "label"),
        ({"label": "   "}, 422, "label"),
        ({"label": "x" * 61}, 422, "label"),
        ({"label": "two\nlines"}, 422, "label"),
        ({"label": "ok", "password": "mine"}, 422, "password"),
    ],
)
def test_a_bad_label_is_refused_and_nothing_is_made(
    http: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    who = ada(http)
    response = http.post("/api/me/app-passwords", json=body, headers=who.headers)
    assert response.status_code == status and response.json()["error"]["field"] == field
    assert http.get("/api/me/app-passwords", headers=who.headers).json() == {"app_passwords": []}


def test_bodies_and_sessions_are_checked(http: TestClient) -> None:
    who = ada(http)
    assert http.post("/api/me/app-passwords", json={"label": "x"}).status_code == 401
    assert http.get("/api/me/app-passwords").status_code == 401
    form = http.post(
        "/api/me/app-passwords",
        content=b"label=x",
        headers={**who.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert (
        http.post(
            "/api/me/app-passwords",
            content=b"[1]",
            headers={**who.headers, "Content-Type": "application/json"},
        ).status_code
        == 400
    )
    # a cookie-authenticated write from another origin (CSRF) is refused
    http.cookies.set("cardswap_session", who.token)
    assert (
        http.post(
            "/api/me/app-passwords", json={"label": "x"}, headers={"Origin": "https://evil.example"}
        ).status_code
        == 403
    )
    assert (
        http.post(
            "/api/me/app-passwords", json={"label": "x"}, headers={"Origin": BASE}
        ).status_code
        == 201
    )


def test_revoking_stops_a_password_at_once_and_touches_no_other(http: TestClient) -> None:
    who, other = ada(http), ada(http, "Bob Byte")
    phone, laptop = app_password(http, who, "Phone"), app_password(http, who, "Laptop")
    theirs = app_password(http, other)
    assert dav_status(http, phone) == dav_status(http, laptop) == 207  # phone is now remembered
    assert (
        http.delete(f"/api/me/app-passwords/{theirs['id']}", headers=who.headers).status_code == 404
    )
    assert (
        http.delete(f"/api/me/app-passwords/{phone['id']}", headers=who.headers).status_code == 204
    )
    assert dav_status(http, phone) == 401
    assert dav_status(http, laptop) == 207 and dav_status(http, theirs) == 207
    listed = http.get("/api/me/app-passwords", headers=who.headers).json()["app_passwords"]
    assert [p["label"] for p in listed] == ["Laptop"] and listed[0]["last_used_at"] is not None
    assert (
        http.delete(f"/api/me/app-passwords/{phone['id']}", headers=who.headers).status_code == 404
    )


def test_an_attendee_holds_at_most_twenty(http: TestClient) -> None:
    who = ada(http)
    for n in range(20):
        app_password(http, who, f"Device {n}")
    response = http.post("/api/me/app-passwords", json={"label": "one more"}, headers=who.headers)
    assert (
        response.status_code == 409 and response.json()["error"]["code"] == "too_many_app_passwords"
    )


@pytest.mark.parametrize(
    ("base_url", "allowed"),
    [
        ("https://cards.example", True),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://cards.example", False),
        ("http://192.168.1.20:8000", False),
    ],
)
def test_basic_is_taken_only_over_https_or_loopback(
    make_client: Callable[..., TestClient], base_url: str, allowed: bool
) -> None:
    http = make_client(base_url)
    who = ada(http)
    response = http.post("/api/me/app-passwords", json={"label": "Phone"}, headers=who.headers)
    if allowed:
        assert response.status_code == 201
        assert dav_status(http, response.json()) == 207
        return
    assert response.status_code == 403 and response.json()["error"]["code"] == "https_required"
    sent = http.request("PROPFIND", "/dav/", headers={**basic("ada-aaaaaaaa", "x"), "Depth": "0"})
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "https_required"


def test_wrong_passwords_are_limited_per_user_name_not_per_address(http: TestClient) -> None:
    who, other = ada(http), ada(http, "Bob Byte")
    mine, theirs = app_password(http, who), app_password(http, other)
    for _ in range(10):
        assert dav_status(http, mine, "aaaa-bbbb-cccc-dddd-eeee") == 401
    response = http.request(
        "PROPFIND", "/dav/", headers={**basic(mine["username"], "wrong"), "Depth": "0"}
    )
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert dav_status(http, mine) == 429  # the right password waits too: no oracle for guesses
    assert dav_status(http, theirs) == 207  # the same address, another name: unaffected
    for _ in range(20):  # names that do not exist cost no hash and are never counted
        assert dav_status(http, {"username": "nobody-xxxxxxxx", "password": "x"}) == 401


def test_deleting_my_data_removes_my_app_passwords(http: TestClient) -> None:
    who = ada(http)
    made = app_password(http, who)
    assert dav_status(http, made) == 207
    assert http.delete("/api/me", headers=who.headers).status_code == 204
    assert dav_status(http, made) == 401
    assert _rows(http, "app_passwords") == _rows(http, "app_password_users") == []


# -- set-up: Apple profile, DAVx5 link ---------------------------------------------------------
def _path(url: str) -> str:
    return urlsplit(url).path


def test_the_apple_profile_is_served_once_and_holds_the_account(http: TestClient) -> None:
    made = app_password(http, ada(http))
    profile = _path(made["mobileconfig_url"])
    assert http.head(profile).status_code == 200  # a check does not use it up
    response = http.get(profile)  # no session: Safari may not share the app's cookies
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-apple-aspen-config"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="cardswap-contacts.mobileconfig"'
    )
    plist = plistlib.loads(response.content)
    assert plist["PayloadType"] == "Configuration" and plist["PayloadVersion"] == 1
    (account,) = plist["PayloadContent"]
    assert account["PayloadType"] == "com.apple.carddav.account"
    assert (account["CardDAVHostName"], account["CardDAVPort"], account["CardDAVUseSSL"]) == (
        "cards.example",
        443,
        True,
    )
    assert account["CardDAVPrincipalURL"] == f"{BASE}/dav/principals/{made['username']}/"
    assert (account["CardDAVUsername"], account["CardDAVPassword"]) == (
        made["username"],
        made["password"],
    )
    assert account["CardDAVAccountDescription"] == "DevConf contacts"
    again = http.get(profile)
    assert again.status_code == 404 and again.json()["error"]["code"] == "profile_not_found"


def test_a_profile_link_dies_with_its_password_or_when_altered(http: TestClient) -> None:
    who = ada(http)
    revoked, kept = app_password(http, who), app_password(http, who)
    assert (
        http.delete(f"/api/me/app-passwords/{revoked['id']}", headers=who.headers).status_code
        == 204
    )
    assert http.get(_path(revoked["mobileconfig_url"])).status_code == 404
    path = _path(kept["mobileconfig_url"])
    token = path.rsplit("/", 1)[1].removesuffix(".mobileconfig")
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert http.get(f"/api/dav/profiles/{altered}.mobileconfig").status_code == 404
    assert http.get(path).status_code == 200


def test_a_profile_link_lasts_ten_minutes(
    http: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itsdangerous.timed

    class EarlierClock:
        @staticmethod
        def time() -> float:
            return time.time() - 601

    monkeypatch.setattr(itsdangerous.timed, "time", EarlierClock)
    made = app_password(http, ada(http))  # signed 10 minutes and a second ago
    monkeypatch.undo()
    assert http.get(_path(made["mobileconfig_url"])).status_code == 404


def test_the_davx5_link_on_a_loopback_server_is_plain_carddav(
    make_client: Callable[..., TestClient],
) -> None:
    http = make_client("http://127.0.0.1:8123")
    made = app_password(http, ada(http))
    assert (
        made["davx5_url"] == f"carddav://{made['username']}:{made['password']}@127.0.0.1:8123/dav/"
    )
    account = plistlib.loads(http.get(_path(made["mobileconfig_url"])).content)["PayloadContent"][0]
    assert (account["CardDAVPort"], account["CardDAVUseSSL"]) == (8123, False)


# -- the hashes themselves ---------------------------------------------------------------------
def test_passwords_hash_and_verify() -> None:
    secret = passwords.new_password()
    assert PASSWORD.match(secret) and secret != passwords.new_password()
    stored = passwords.hash_password(secret)
    assert stored != passwords.hash_password(secret)  # salted
    assert passwords.verify_password(secret, stored)
    assert not passwords.verify_password(secret.upper(), stored)
    assert not passwords.verify_password("x" * 1000, stored)
    for broken in ("", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$x$8$1$AAAA$AAAA"):
        assert not passwords.verify_password(secret, broken)


def test_the_verified_cache_forgets() -> None:
    cache = passwords.VerifiedCache(ttl=0.05)
    cache.put("ada", "pw", "id1")
    assert cache.get("ada", "pw") == "id1" and cache.get("ada", "other") is None
    cache.forget("id1")
    assert cache.get("ada", "pw") is None
    cache.put("ada", "pw", "id1")
    time.sleep(0.06)
    assert cache.get("ada", "pw") is None
