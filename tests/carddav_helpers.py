"""What the CardDAV tests share: an attendee with contacts and an app password, made through the
real API (join, sync, create the password), and a reader of multistatus answers that keeps
their order (the 200 propstat must come first) and their exact status lines.

The reader is the standard library's ElementTree: the server's answers hold no DTD.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:carddav}"
CS = "{http://calendarserver.org/ns/}"
OK = "HTTP/1.1 200 OK"
NOT_FOUND = "HTTP/1.1 404 Not Found"


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class DavResponse:
    """One `DAV:response`: its href, its propstats in order (status line, props by name)."""

    href: str
    status: str | None
    propstats: list[tuple[str, dict[str, ET.Element]]] = field(default_factory=list)

    @property
    def ok(self) -> dict[str, ET.Element]:
        """The props of the 200 propstat ({} without one)."""
        return next((p for s, p in self.propstats if s == OK), {})

    @property
    def missing(self) -> set[str]:
        return {n for s, p in self.propstats if s == NOT_FOUND for n in p}

    def text(self, name: str) -> str:
        return self.ok[name].text or ""


def multistatus(response: Any) -> tuple[list[DavResponse], str | None]:
    """(responses in order, the top-level sync-token) of a 207 answer."""
    assert response.status_code == 207, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == D + "multistatus"
    out = []
    for element in root.findall(D + "response"):
        item = DavResponse(element.findtext(D + "href") or "", element.findtext(D + "status"))
        for propstat in element.findall(D + "propstat"):
            status = propstat.findtext(D + "status") or ""
            prop = propstat.find(D + "prop")
            props = {child.tag: child for child in ([] if prop is None else prop)}
            item.propstats.append((status, props))
        out.append(item)
    token = root.find(D + "sync-token")
    return out, None if token is None else token.text


def by_href(responses: list[DavResponse]) -> dict[str, DavResponse]:
    return {r.href: r for r in responses}


def propfind(*names: str) -> bytes:
    """A PROPFIND body asking for `names` (`{ns}local`), each namespace declared where used."""
    props = "".join(_empty(n) for n in names)
    head = '<?xml version="1.0" encoding="utf-8"?><A:propfind xmlns:A="DAV:">'
    return f"{head}<A:prop>{props}</A:prop></A:propfind>".encode()


def sync_body(token: str = "", *names: str, limit: int | None = None) -> bytes:
    """A sync-collection REPORT body (an empty token: the first sync); getetag by default."""
    props = "".join(_empty(n) for n in names or (D + "getetag",))
    bounded = f"<limit><nresults>{limit}</nresults></limit>" if limit is not None else ""
    return (
        f'<sync-collection xmlns="DAV:"><sync-token>{token}</sync-token>'
        f"<sync-level>1</sync-level>{bounded}<prop>{props}</prop></sync-collection>"
    ).encode()


QUERY = (
    b'<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
    b"<D:prop><D:getetag/></D:prop>"
)


def _empty(clark: str) -> str:
    namespace, local = clark[1:].split("}")
    return f'<X:{local} xmlns:X="{namespace}"/>'


def now() -> str:
    """The time of an op: now, so that each op is later than the last (last writer wins)."""
    return datetime.now(UTC).isoformat()


def exchange(card_token: str, note: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": "qr",
        "card_token": card_token,
        "at": now(),
    }
    if note:
        op["note"] = note
    return op


def update(contact_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "contact.update",
        "contact_id": contact_id,
        "at": now(),
        "set": fields,
    }


def delete(contact_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "contact.delete",
        "contact_id": contact_id,
        "at": now(),
    }


@dataclass
class Person:
    """An attendee as their phone knows them: session, device, card token."""

    id: str
    token: str
    device_id: str
    card_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def join(http: Any, event: dict[str, Any], fn: str, **card: Any) -> Person:
    device_id = str(uuid.uuid4())
    body = {"join_code": event["join_code"], "card": {"fn": fn, **card}, "device_id": device_id}
    response = http.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201, response.text
    http.cookies.clear()  # each call says who it is with a Bearer header
    data = response.json()
    return Person(
        data["attendee"]["id"], data["token"], device_id, data["card_url"].split("/c/")[1]
    )


def sync(http: Any, who: Person, ops: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"device_id": who.device_id, "cursor": None, "ops": ops}
    response = http.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["rejected"] == [], data["rejected"]
    return data


def app_password(http: Any, who: Person, label: str = "Phone") -> dict[str, Any]:
    response = http.post("/api/me/app-passwords", json={"label": label}, headers=who.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
