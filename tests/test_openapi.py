"""The OpenAPI description stays true: every route is documented, every documented path is routed,
and the document is served and internally consistent."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server import openapi
from server.cards import normalize_card
from tests.conftest import BASE_URL

# The web app's shell and static files: pages and files for the browser, not the API.
NOT_API = {
    "/",
    "/card",
    "/scan",
    "/contacts",
    "/settings",
    "/export",
    "/problems",
    "/booth",  # a booth's staff mode (DESIGN.md section 13)
    "/booth/join/{}",
    "/booth/questions",
    "/booth/leads/{}",
    "/join/{}",
    "/contacts/{}",
    "/sw.js",
    "/manifest.webmanifest",
    "/routes.json",  # the route table the router reads
    "/vendor/{}",
    "/css",
    "/js",
    "/icons",
    "/i18n",  # the web app's message catalogues (web/i18n/<tag>.json)
    "/admin/static",  # the organizer pages' CSS and JS
    "/C/{}",  # the upper-case alias of /c/{token} that denser QR codes carry
    "/C/{}.vcf",
    # CardDAV (DESIGN.md section 10): WebDAV methods and XML bodies, which OpenAPI cannot
    # describe; tests/test_carddav*.py hold them to the RFCs and the clients' requests.
    "/.well-known/carddav",
    "/.well-known/carddav/",
    "/dav",
    "/dav/{}",
}
METHODS = {"get", "put", "post", "delete", "patch"}


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _routed(app: Starlette) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route):
            for method in route.methods or {"GET"}:
                if method != "HEAD":
                    out.add((_norm(route.path), method.lower()))
        elif isinstance(route, Mount):
            out.add((_norm(route.path), "*"))
    return out


def _documented() -> set[tuple[str, str]]:
    doc = openapi.spec()
    return {
        (_norm(path), method)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_route_is_documented(app: Starlette) -> None:
    routed = {(p, m) for p, m in _routed(app) if p not in NOT_API}
    missing = routed - _documented()
    assert not missing, f"routes without an OpenAPI entry: {sorted(missing)}"


def test_every_documented_operation_is_routed(app: Starlette) -> None:
    extra = _documented() - _routed(app)
    assert not extra, f"documented but not routed: {sorted(extra)}"


def test_the_not_api_list_holds_no_api_path(app: Starlette) -> None:
    assert not [p for p in NOT_API if p.startswith("/api")]
    routed_paths = {p for p, _ in _routed(app)}
    assert {"/", "/sw.js", "/js"} <= routed_paths  # the list names real routes


def test_served_document_is_the_spec_with_this_server(client: TestClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    doc = response.json()
    assert doc == openapi.spec(BASE_URL)
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": BASE_URL}]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_document_is_consistent() -> None:
    doc = openapi.spec()
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    for name, schema in schemas.items():
        assert jsonschema_rs.meta.is_valid(schema), name
    for path, item in doc["paths"].items():
        names = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in item.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == names, (path, method)
            for status, response in op["responses"].items():
                if path.startswith("/api/") and status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (path, method, status)


def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    doc = openapi.spec()
    schema = {**doc["components"]["schemas"][name], "components": doc["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


@pytest.mark.parametrize(
    "card",
    [
        {"fn": "Ada Lovelace"},
        {
            "fn": "Jane Doe",
            "org": "Acme",
            "title": None,
            "emails": ["jane@acme.example"],
            "phones": ["+1 (415) 555-0100 x2"],
            "urls": ["https://acme.example"],
            "note": "Line one\nline two",
        },
        {"fn": "x" * 200, "emails": [f"a{i}@b.example" for i in range(5)]},
    ],
)
def test_card_schema_accepts_what_the_server_accepts(card: dict[str, Any]) -> None:
    _validator("Card").validate(card)
    normalize_card(card)


@pytest.mark.parametrize(
    "card",
    [
        {},
        {"fn": ""},
        {"fn": "x" * 201},
        {"fn": "A", "nickname": "x"},
        {"fn": "A", "emails": [f"a{i}@b.example" for i in range(6)]},
        {"fn": "A", "urls": ["javascript:alert(1)"]},
        {"fn": "A", "phones": ["call me"]},
        {"fn": "A", "note": "x" * 501},
        {"fn": "A\nB"},
    ],
)
def test_card_schema_refuses_what_the_server_refuses(card: dict[str, Any]) -> None:
    assert not _validator("Card").is_valid(card)
    with pytest.raises(Exception):  # noqa: B017 (InvalidField; the schema agrees with it)
        normalize_card(card)


def test_error_schema_matches_the_error_body(client: TestClient) -> None:
    response = client.get("/api/no-such-thing")
    _validator("Error").validate(response.json())
    assert not _validator("Error").is_valid({"detail": "Not Found"})
