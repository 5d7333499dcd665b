"""A small client of DESIGN.md section 5, written from the contract text alone.

The contract tests (tests/test_contract.py) drive a real `cardswap serve` through it: admin calls
with the Bearer admin token, attendees with their session token, op builders for `/api/sync`, and
one helper that checks the contract's error shape."""

from __future__ import annotations

import re
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

JSON_TYPE = "application/json; charset=utf-8"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CONTACT_KEYS = {
    "id",
    "card",
    "verified",
    "met_at",
    "methods",
    "notes",
    "tags",
    "follow_up",
    "follow_up_on",
    "starred",
    "deleted",
    "updated_at",
}
SYNC_KEYS = {"acked", "rejected", "cursor", "changes", "more"}
ME_KEYS = {"attendee", "card_url", "event", "settings"}


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 with an offset, as the contract asks of `at`."""
    return moment.isoformat()


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, f"time without offset: {text!r}"
    return moment


def assert_error(
    response: httpx2.Response, status: int, code: str | None = None, field_prefix: str | None = None
) -> dict[str, Any]:
    """The contract's error shape: {"error": {"code", "message", "field"?}} as JSON."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers.get("content-type") == JSON_TYPE, response.headers.get("content-type")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}, error
    assert isinstance(error["code"], str) and SNAKE.match(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if "field" in error:
        assert isinstance(error["field"], str) and error["field"], error
        if field_prefix is not None:
            assert error["field"].startswith(field_prefix), error
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


@dataclass
class Attendee:
    """A registered attendee: id, bearer token, card URL, device id, event slug, session cookie."""

    id: str
    token: str
    card_url: str
    device_id: str
    card: dict[str, Any]
    slug: str
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def card_token(self) -> str:
        return self.card_url.rsplit("/c/", 1)[1]


class Api:
    """The contract's endpoints over one httpx client that keeps no cookies between calls."""

    def __init__(self, base_url: str, admin_token: str) -> None:
        self.base = base_url
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx2.Client(base_url=base_url, timeout=15, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        self.http.cookies.clear()
        response = self.http.request(method, path, **kwargs)
        self.http.cookies.clear()
        return response

    def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("DELETE", path, **kwargs)

    def cookie_client(self, cookies: dict[str, str]) -> httpx2.Client:
        """A client authenticated by the session cookie alone (like the web app)."""
        client = httpx2.Client(base_url=self.base, timeout=15, follow_redirects=False)
        for name, value in cookies.items():
            client.cookies.set(name, value)
        return client

    # --- events -------------------------------------------------------------------------
    def create_event(
        self, slug: str | None = None, name: str = "Contract Conf", **extra: Any
    ) -> dict[str, Any]:
        slug = slug or f"ev-{uuid.uuid4().hex[:12]}"
        response = self.post(
            "/api/admin/events", json={"slug": slug, "name": name, **extra}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def register(self, event: dict[str, Any], fn: str = "Ada Lovelace", **card: Any) -> Attendee:
        device_id = str(uuid.uuid4())
        body = {"join_code": event["join_code"], "card": {"fn": fn, **card}, "device_id": device_id}
        response = self.post(f"/api/events/{event['slug']}/attendees", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return Attendee(
            data["attendee"]["id"],
            data["token"],
            data["card_url"],
            device_id,
            data["attendee"]["card"],
            event["slug"],
            dict(response.cookies),
        )

    def me(self, who: Attendee) -> dict[str, Any]:
        response = self.get("/api/me", headers=who.auth)
        assert response.status_code == 200, response.text
        return dict(response.json())

    # --- sync ---------------------------------------------------------------------------
    def sync_raw(
        self,
        who: Attendee,
        ops: list[dict[str, Any]],
        cursor: str | None = None,
        device_id: str | None = None,
    ) -> httpx2.Response:
        body = {"device_id": device_id or who.device_id, "cursor": cursor, "ops": ops}
        return self.post("/api/sync", json=body, headers=who.auth)

    def sync(
        self,
        who: Attendee,
        ops: list[dict[str, Any]],
        cursor: str | None = None,
        device_id: str | None = None,
    ) -> dict[str, Any]:
        response = self.sync_raw(who, ops, cursor, device_id)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == JSON_TYPE
        data = dict(response.json())
        assert set(data) == SYNC_KEYS, data.keys()
        return data

    def all_changes(self, who: Attendee, cursor: str | None = None) -> tuple[list[Any], str]:
        """Every change after `cursor`, following `more`; returns (changes, last cursor)."""
        changes: list[Any] = []
        for _ in range(100):
            data = self.sync(who, [], cursor)
            changes.extend(data["changes"])
            cursor = data["cursor"]
            if not data["more"]:
                assert cursor is not None
                return changes, cursor
        raise AssertionError("more never became false")

    def contacts(self, who: Attendee, **params: str) -> list[dict[str, Any]]:
        response = self.get("/api/contacts", params=params, headers=who.auth)
        assert response.status_code == 200, response.text
        data = response.json()
        assert set(data) == {"contacts"}, data.keys()
        return list(data["contacts"])


# --- ops ------------------------------------------------------------------------------------
def op_id() -> str:
    return str(uuid.uuid4())


def exchange(
    card_token: str, at: datetime | str | None = None, method: str = "qr", note: str | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "id": op_id(),
        "type": "exchange",
        "method": method,
        "card_token": card_token,
        "at": _at(at),
    }
    if note is not None:
        op["note"] = note
    return op


def foreign(
    vcard: str, contact_id: str | None = None, at: datetime | str | None = None, method: str = "qr"
) -> dict[str, Any]:
    return {
        "id": op_id(),
        "type": "exchange",
        "method": method,
        "contact_id": contact_id or f"ext:{uuid.uuid4()}",
        "vcard": vcard,
        "at": _at(at),
    }


def update(contact_id: str, at: datetime | str | None = None, **values: Any) -> dict[str, Any]:
    return {
        "id": op_id(),
        "type": "contact.update",
        "contact_id": contact_id,
        "set": values,
        "at": _at(at),
    }


def delete(contact_id: str, at: datetime | str | None = None) -> dict[str, Any]:
    return {"id": op_id(), "type": "contact.delete", "contact_id": contact_id, "at": _at(at)}


def _at(at: datetime | str | None) -> str:
    if at is None:
        return iso(now())
    return at if isinstance(at, str) else iso(at)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# --- raw HTTP for the body limit ----------------------------------------------------------
def raw_post(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    chunks: list[bytes],
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """Send a request head and some body bytes, then read whatever the server answers.

    The server may answer (and close) before the body is complete: that is the point."""
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused early; the response is already waiting
        data = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
                if b"\r\n\r\n" in data and _complete(data):
                    break
        except ConnectionResetError:
            pass
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    response_headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    if response_headers.get("transfer-encoding") == "chunked":
        body = _dechunk(body)
    return status, response_headers, body


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    if match:
        return len(body) >= int(match.group(1))
    return body.endswith(b"0\r\n\r\n")


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out
