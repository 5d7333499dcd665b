"""What the CardDAV server refuses, and that refusing changes nothing: one attendee's password
never reads another's book; forged, empty and huge Authorization headers; malformed, oversized,
nested and entity-laden XML (billion laughs, external entities); wrong content types.

"Nothing changed" is checked on the database file itself (every table's rows) and on the book
as its owner sees it (members, ETags, sync token).
"""

from __future__ import annotations

import base64
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.carddav.davxml import MAX_DEPTH, MAX_ELEMENTS, MAX_XML_BODY
from tests.carddav_helpers import (
    D,
    Person,
    app_password,
    basic,
    exchange,
    join,
    multistatus,
    propfind,
    sync,
    sync_body,
)
from tests.conftest import ADMIN, make_settings

BASE = "https://cards.example"
XML = {"Content-Type": "application/xml"}
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<propfind xmlns="DAV:"><prop><displayname>&lol9;</displayname></prop></propfind>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE propfind [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<propfind xmlns="DAV:"><prop><displayname>&secret;</displayname></prop></propfind>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE propfind [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote;]>
<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>"""


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Ada and Bob, each with a contact and an app password, on an HTTPS server."""
    db = tmp_path / "sec.db"
    app = create_app(make_settings(db, base_url=BASE))
    with TestClient(app, base_url=BASE) as http:
        event = http.post(
            "/api/admin/events", json={"slug": "sec", "name": "Sec"}, headers=ADMIN
        ).json()
        ada, bob, cy = join(http, event, "Ada"), join(http, event, "Bob"), join(http, event, "Cy")
        sync(http, ada, [exchange(cy.card_token)])
        sync(http, bob, [exchange(cy.card_token)])
        yield {"http": http, "db": db, "ada": ada, "bob": bob,
               "ada_pw": app_password(http, ada), "bob_pw": app_password(http, bob)}  # fmt: skip


def _book(pw: dict[str, Any]) -> str:
    return f"/dav/addressbooks/{pw['username']}/contacts/"


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the app passwords' last use (reads touch it by design)."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        out["app_passwords"] = sorted(
            conn.execute(
                "SELECT id, attendee_id, label, hash, created_at FROM app_passwords"
            ).fetchall()
        )
    return out


def _state(setup: dict[str, Any]) -> tuple[Any, ...]:
    """Ada's book as she sees it: every member's ETag and the sync token."""
    http, pw = setup["http"], setup["ada_pw"]
    auth = basic(pw["username"], pw["password"])
    responses, _ = multistatus(
        http.request(
            "PROPFIND",
            _book(pw),
            content=propfind(D + "getetag", D + "sync-token"),
            headers={**auth, "Depth": "1"},
        )
    )
    return tuple((r.href, tuple(sorted((k, v.text) for k, v in r.ok.items()))) for r in responses)


def _unchanged(setup: dict[str, Any], before: tuple[Any, Any]) -> None:
    assert (_snapshot(setup["db"]), _state(setup)) == before


def _before(setup: dict[str, Any]) -> tuple[Any, Any]:
    _state(setup)  # the first read writes the export cache and the last use; then nothing moves
    return _snapshot(setup["db"]), _state(setup)


# -- isolation ---------------------------------------------------------------------------------
def test_one_attendees_password_never_reads_anothers_book(setup: dict[str, Any]) -> None:
    http, ada_pw, bob_pw = setup["http"], setup["ada_pw"], setup["bob_pw"]
    bob = basic(bob_pw["username"], bob_pw["password"])
    ada_book = _book(ada_pw)
    own, _ = multistatus(
        http.request(
            "PROPFIND",
            ada_book,
            content=propfind(D + "getetag"),
            headers={**basic(ada_pw["username"], ada_pw["password"]), "Depth": "1"},
        )
    )
    member = own[1].href
    before = _before(setup)
    paths = [
        f"/dav/principals/{ada_pw['username']}/",
        f"/dav/addressbooks/{ada_pw['username']}/",
        ada_book,
        member,
    ]
    for path in paths:
        for method in ("PROPFIND", "GET", "REPORT", "PUT", "DELETE"):
            response = http.request(
                method, path, content=propfind(D + "getetag"), headers={**bob, **XML, "Depth": "1"}
            )
            assert response.status_code == 404, (method, path, response.text)
            assert ada_pw["username"] not in response.text
    multiget = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:prop><C:address-data/></D:prop><D:href>{member}</D:href></C:addressbook-multiget>"
    )
    (answer,), _ = multistatus(
        http.request("REPORT", _book(bob_pw), content=multiget.encode(), headers={**bob, **XML})
    )
    assert answer.status == "HTTP/1.1 404 Not Found" and not answer.ok
    # a user name with someone else's password, and the other way round
    assert (
        http.request(
            "PROPFIND",
            ada_book,
            headers={**basic(ada_pw["username"], bob_pw["password"]), "Depth": "0"},
        ).status_code
        == 401
    )
    _unchanged(setup, before)


# -- credentials -------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Basic",
        "Basic ",
        "Bearer abc",
        "Basic !!!not-base64!!!",
        f"Basic {_b64(b'no-colon-here')}",
        f"Basic {_b64(b':only-a-password')}",
        f"Basic {_b64(b'ada-aaaaaaaa:')}",
        f"Basic {_b64(bytes([0xFF, 0xFE, 0x3A, 0x41]))}",
        f"Basic {_b64(b'x' * 100 + b':' + b'y' * 100)}",
        f"Basic {_b64(('u' * 2000 + ':p').encode())}",
        "Basic " + "A" * 7000,
        'Digest username="ada", realm="cardswap"',
    ],
)
def test_forged_empty_and_huge_authorizations_are_401_and_change_nothing(
    setup: dict[str, Any], header: str
) -> None:
    before = _before(setup)
    response = setup["http"].request(
        "PROPFIND",
        _book(setup["ada_pw"]),
        content=propfind(D + "getetag"),
        headers={"Authorization": header, "Depth": "1"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="cardswap"'
    assert response.json()["error"]["code"] == "unauthorized"
    _unchanged(setup, before)


def test_a_session_token_is_no_dav_credential(setup: dict[str, Any]) -> None:
    ada: Person = setup["ada"]
    response = setup["http"].request("PROPFIND", "/dav/", headers={**ada.headers, "Depth": "0"})
    assert response.status_code == 401


# -- bodies ------------------------------------------------------------------------------------
def _send(setup: dict[str, Any], body: bytes, method: str = "PROPFIND", **headers: str) -> Any:
    pw = setup["ada_pw"]
    auth = basic(pw["username"], pw["password"])
    return setup["http"].request(
        method, _book(pw), content=body, headers={**auth, **XML, "Depth": "1", **headers}
    )


@pytest.mark.parametrize("method", ["PROPFIND", "REPORT"])
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<propfind xmlns='DAV:'><prop>", 400),
        (b"not xml at all", 400),
        (b"<a><b></a></b>", 400),
        (b"\xff\xfe<\x00?\x00x\x00", 400),
        (BILLION_LAUGHS, 400),
        (EXTERNAL_ENTITY, 400),
        (PARAMETER_ENTITY, 400),
        (
            b"<propfind xmlns='DAV:'>"
            + b"<a>" * (MAX_DEPTH + 5)
            + b"</a>" * (MAX_DEPTH + 5)
            + b"</propfind>",
            400,
        ),
        (
            b"<propfind xmlns='DAV:'><prop>" + b"<x/>" * (MAX_ELEMENTS + 1) + b"</prop></propfind>",
            413,
        ),
        (
            b"<propfind xmlns='DAV:'><prop><displayname/></prop></propfind>" + b" " * MAX_XML_BODY,
            413,
        ),
    ],
)
def test_bad_xml_is_refused_and_changes_nothing(
    setup: dict[str, Any], method: str, body: bytes, status: int
) -> None:
    before = _before(setup)
    started = time.monotonic()
    response = _send(setup, body, method)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] in ("malformed", "too_large")
    assert time.monotonic() - started < 5  # refused, not expanded
    _unchanged(setup, before)


def test_billion_laughs_is_refused_at_its_doctype(setup: dict[str, Any]) -> None:
    response = _send(setup, BILLION_LAUGHS)
    assert response.status_code == 400
    assert "Document type declarations" in response.json()["error"]["message"]


def test_a_declared_oversized_body_is_refused_unread(setup: dict[str, Any]) -> None:
    response = _send(setup, b"<propfind/>", **{"Content-Length": str(MAX_XML_BODY + 1)})
    assert response.status_code == 413


def test_a_body_that_is_not_xml_by_its_type_is_415(setup: dict[str, Any]) -> None:
    before = _before(setup)
    response = _send(setup, b'{"propfind": true}', **{"Content-Type": "application/json"})
    assert response.status_code == 415
    _unchanged(setup, before)


@pytest.mark.parametrize(
    "body",
    [
        b"<other xmlns='DAV:'/>",
        b"<propfind xmlns='urn:not-dav'><prop/></propfind>",
        b"<propfind xmlns='DAV:'/>",
    ],
)
def test_a_propfind_that_is_no_propfind_is_400(setup: dict[str, Any], body: bytes) -> None:
    assert _send(setup, body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"",
        sync_body(limit=0),
        sync_body().replace(
            b"<sync-level>1</sync-level>", b"<limit><nresults>lots</nresults></limit>"
        ),
    ],
)
def test_a_malformed_report_is_400(setup: dict[str, Any], body: bytes) -> None:
    assert _send(setup, body, "REPORT").status_code == 400
