"""Events over HTTP: admin creation (auth, validation, conflicts) and the public event read."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, BASE_URL


def error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the contract's error shape and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()["error"]
    assert set(body) <= {"code", "message", "field"}
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["code"] == code
    return dict(body)


def count_events(client: TestClient) -> int:
    return int(
        client.app.state.ctx.store.read().execute("SELECT count(*) FROM events").fetchone()[0]
    )  # type: ignore[attr-defined]


def test_admin_creates_an_event_with_a_join_code_and_url(client: TestClient):
    response = client.post(
        "/api/admin/events",
        json={
            "slug": "pycon-2026",
            "name": "PyCon",
            "starts_on": "2026-05-14",
            "ends_on": "2026-05-16",
        },
        headers=ADMIN,
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"slug", "name", "join_code", "join_url"}
    assert body["slug"] == "pycon-2026" and body["name"] == "PyCon"
    assert len(body["join_code"]) >= 6
    assert body["join_url"] == f"{BASE_URL}/join/pycon-2026?code={body['join_code']}"


def test_public_event_read_shows_name_and_dates_but_not_the_join_code(client: TestClient):
    client.post(
        "/api/admin/events",
        headers=ADMIN,
        json={"slug": "conf", "name": "Conf", "starts_on": "2026-05-14"},
    )
    response = client.get("/api/events/conf")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "conf",
        "name": "Conf",
        "starts_on": "2026-05-14",
        "ends_on": None,
        "language": "en",
        "time_zone": "UTC",
    }


def test_unknown_event_is_404(client: TestClient):
    error(client.get("/api/events/nope"), 404, "event_not_found")


def test_join_codes_differ_between_events(client: TestClient):
    codes = {
        client.post("/api/admin/events", headers=ADMIN, json={"slug": f"e{i}", "name": "E"}).json()[
            "join_code"
        ]
        for i in range(5)
    }
    assert len(codes) == 5


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}]
)
def test_creating_an_event_needs_the_admin_token(client: TestClient, headers: dict[str, str]):
    response = client.post("/api/admin/events", json={"slug": "x", "name": "X"}, headers=headers)
    error(response, 401)
    assert count_events(client) == 0


def test_admin_cookie_works_with_same_origin_only(client: TestClient):
    cookie = client.app.state.ctx.tokens.admin_session()  # type: ignore[attr-defined]
    client.cookies.set("cardswap_admin", cookie)
    error(client.post("/api/admin/events", json={"slug": "x", "name": "X"}), 403, "bad_origin")
    response = client.post(
        "/api/admin/events", json={"slug": "x", "name": "X"}, headers={"Origin": BASE_URL}
    )
    assert response.status_code == 201
    client.cookies.set("cardswap_admin", cookie[:-2] + "xx")
    error(
        client.post(
            "/api/admin/events", json={"slug": "y", "name": "Y"}, headers={"Origin": BASE_URL}
        ),
        401,
    )


def test_a_taken_slug_is_409(client: TestClient, event: dict[str, Any]):
    response = client.post(
        "/api/admin/events", json={"slug": event["slug"], "name": "Again"}, headers=ADMIN
    )
    assert error(response, 409, "slug_taken")["field"] == "slug"
    assert client.get(f"/api/events/{event['slug']}").json()["name"] == "DevConf"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No slug"}, "slug"),
        ({"slug": "Upper", "name": "X"}, "slug"),
        ({"slug": "has space", "name": "X"}, "slug"),
        ({"slug": "-dash", "name": "X"}, "slug"),
        ({"slug": "a" * 65, "name": "X"}, "slug"),
        ({"slug": 7, "name": "X"}, "slug"),
        ({"slug": "ok"}, "name"),
        ({"slug": "ok", "name": "   "}, "name"),
        ({"slug": "ok", "name": "n" * 201}, "name"),
        ({"slug": "ok", "name": "X", "starts_on": "14/05/2026"}, "starts_on"),
        ({"slug": "ok", "name": "X", "ends_on": 20260516}, "ends_on"),
        (
            {"slug": "ok", "name": "X", "starts_on": "2026-05-16", "ends_on": "2026-05-14"},
            "ends_on",
        ),
        ({"slug": "ok", "name": "X", "join_code": "MINE"}, "join_code"),
    ],
)
def test_invalid_event_fields_are_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
):
    response = client.post("/api/admin/events", json=body, headers=ADMIN)
    assert error(response, 422, "invalid_field")["field"] == field
    assert count_events(client) == 0


def test_event_body_errors_400_413_415(client: TestClient):
    post = "/api/admin/events"
    error(
        client.post(
            post, content=b"{not json", headers={**ADMIN, "Content-Type": "application/json"}
        ),
        400,
    )
    error(client.post(post, json=["slug", "name"], headers=ADMIN), 400)
    error(
        client.post(
            post,
            content=b"slug=x&name=y",
            headers={**ADMIN, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    huge = b'{"slug":"x","name":"' + b"a" * (1024 * 1024) + b'"}'
    error(
        client.post(post, content=huge, headers={**ADMIN, "Content-Type": "application/json"}), 413
    )
    assert count_events(client) == 0


def test_auth_is_checked_before_the_body_is_read(client: TestClient):
    error(
        client.post("/api/admin/events", content=b"junk", headers={"Content-Type": "text/plain"}),
        401,
    )


def test_wrong_method_is_405_in_the_error_shape(client: TestClient):
    error(client.delete("/api/events/x"), 405)
