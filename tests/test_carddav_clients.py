"""Replays of what iOS/macOS Contacts, DAVx5 (Android) and Thunderbird send, against a live
`cardswap serve` on 127.0.0.1, each answer read the way that client reads it.

The request sequences and property lists are learned from the clients' public sources and
published traces (Thunderbird's CardDAVUtils/CardDAVDirectory, DAVx5's DavResourceFinder and
dav4jvm, sabre/dav's notes on iOS and macOS); the bodies are written here. Each replay walks
discovery from what the user types, the first full sync, then a new swap, a note edit and a
deletion made in the app through the sync API, and the next sync, which must bring exactly those
three changes. The client x request table in the issue's closing note lists them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest

from tests.carddav_helpers import (
    CS,
    NOT_FOUND,
    OK,
    C,
    D,
    Person,
    app_password,
    basic,
    delete,
    exchange,
    join,
    multistatus,
    sync,
    update,
)
from tests.conftest import ADMIN, LiveServer

ME = "{http://me.com/_namespace/}"
ICAL = "{http://apple.com/ns/ical/}"


@dataclass
class Live:
    """A live server with Ada (two swaps, an app password) and people she can meet next."""

    http: httpx.Client
    server: LiveServer
    event: dict[str, Any]
    ada: Person
    bob: Person
    cy: Person
    username: str
    password: str

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.username, self.password)

    def changes_in_the_app(self) -> None:
        """A new swap, a note edit and a deletion, through the sync API as the phone sends them."""
        dan = join(self.http, self.event, "Dan Delta", org="Delta Corp")
        sync(self.http, self.ada, [exchange(dan.card_token)])
        sync(self.http, self.ada, [update(f"att:{self.bob.id}", notes="Send the slides")])
        sync(self.http, self.ada, [delete(f"att:{self.cy.id}")])


@pytest.fixture
def live(live_server: LiveServer) -> Iterator[Live]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        event = http.post(
            "/api/admin/events", json={"slug": "dc", "name": "DevConf"}, headers=ADMIN
        ).json()
        ada = join(http, event, "Ada Lovelace", emails=["ada@example.org"])
        bob, cy = join(http, event, "Bob Byte"), join(http, event, "Cy Young")
        sync(http, ada, [exchange(bob.card_token), exchange(cy.card_token)])
        made = app_password(http, ada)
        yield Live(http, live_server, event, ada, bob, cy, made["username"], made["password"])


def _xml(*props: str, root: str = "propfind", ns: str = "D") -> bytes:
    """A request body in the prefix style of the client (`ns`), namespaces declared up front."""
    prefixes = {
        "DAV:": ns,
        "urn:ietf:params:xml:ns:carddav": "C",
        "http://calendarserver.org/ns/": "CS",
        "http://me.com/_namespace/": "ME",
        "http://apple.com/ns/ical/": "I",
        "urn:ietf:params:xml:ns:caldav": "CAL",
    }
    decl = " ".join(f'xmlns:{p}="{u}"' for u, p in prefixes.items())
    items = "".join(f"<{prefixes[n[1:].split('}')[0]]}:{n.split('}')[1]}/>" for n in props)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{ns}:{root} {decl}>'
    return f"{head}<{ns}:prop>{items}</{ns}:prop></{ns}:{root}>".encode()


def _challenged(
    http: httpx.Client, method: str, url: str, body: bytes, auth: dict[str, str], **headers: str
) -> httpx.Response:
    """A request as these clients make it: first without credentials, then again with them
    once the server asks (401 + WWW-Authenticate: Basic)."""
    first = http.request(method, url, content=body, headers=headers)
    assert first.status_code == 401
    assert first.headers["www-authenticate"].startswith("Basic ")
    return http.request(method, url, content=body, headers={**headers, **auth})


def _first_status(response: ET.Element) -> str | None:
    """What Thunderbird reads: the first `status` element anywhere in a response."""
    found = next((e for e in response.iter() if e.tag == D + "status"), None)
    return None if found is None else found.text


# -- iOS and macOS Contacts --------------------------------------------------------------------
def test_ios_contacts(live: Live) -> None:
    http, auth = live.http, live.auth
    xml = {
        "Content-Type": "text/xml",
        "Depth": "0",
        "User-Agent": "iOS/17.0 (21A329) dataaccessd/1.0",
    }
    # The user types the host only: the client asks the well-known URL and follows its 301.
    first = http.request(
        "PROPFIND",
        "/.well-known/carddav",
        content=_xml(D + "current-user-principal", D + "principal-URL", D + "resourcetype", ns="A"),
        headers=xml,
    )
    assert first.status_code == 301
    assert first.headers["location"] == f"{live.server.url}/dav/"  # absolute, same scheme
    found = _challenged(
        http,
        "PROPFIND",
        first.headers["location"],
        _xml(D + "current-user-principal", D + "principal-URL", D + "resourcetype", ns="A"),
        auth,
        **xml,
    )
    (root,), _ = multistatus(found)
    principal = root.ok[D + "current-user-principal"].findtext(D + "href")
    assert principal == f"/dav/principals/{live.username}/"
    options = http.request("OPTIONS", principal)
    assert "addressbook" in options.headers["dav"]
    asked = [
        C + "addressbook-home-set",
        C + "directory-gateway",
        D + "displayname",
        CS + "email-address-set",
        D + "principal-collection-set",
        D + "principal-URL",
        D + "resource-id",
        D + "supported-report-set",
    ]
    (me,), _ = multistatus(
        http.request("PROPFIND", principal, content=_xml(*asked, ns="A"), headers={**xml, **auth})
    )
    assert me.propstats[0][0] == OK and me.ok[D + "principal-URL"].findtext(D + "href") == principal
    home = me.ok[C + "addressbook-home-set"].findtext(D + "href")
    assert me.missing == {
        C + "directory-gateway",
        CS + "email-address-set",
        D + "principal-collection-set",
        D + "resource-id",
    }
    asked = [
        D + "add-member",
        ME + "bulk-requests",
        D + "current-user-privilege-set",
        D + "displayname",
        C + "max-image-size",
        C + "max-resource-size",
        CS + "me-card",
        D + "owner",
        CS + "push-transports",
        CS + "pushkey",
        D + "quota-available-bytes",
        D + "quota-used-bytes",
        D + "resource-id",
        D + "resourcetype",
        D + "supported-report-set",
        D + "sync-token",
    ]
    listing, _ = multistatus(
        http.request(
            "PROPFIND", home, content=_xml(*asked, ns="A"), headers={**xml, **auth, "Depth": "1"}
        )
    )
    (book,) = [
        r
        for r in listing
        if r.ok.get(D + "resourcetype") is not None
        and r.ok[D + "resourcetype"].find(C + "addressbook") is not None
    ]
    reports = {e.tag for e in book.ok[D + "supported-report-set"].iter()}
    assert D + "sync-collection" in reports and C + "addressbook-multiget" in reports
    privileges = {e.tag for e in book.ok[D + "current-user-privilege-set"].iter()}
    assert D + "read" in privileges and not privileges & {
        D + "write",
        D + "write-content",
        D + "bind",
        D + "all",
    }
    (ctag,), _ = multistatus(
        http.request(
            "PROPFIND",
            book.href,
            content=_xml(CS + "getctag", D + "sync-token", ns="A"),
            headers={**xml, **auth},
        )
    )
    token = ctag.text(D + "sync-token")
    assert ctag.text(CS + "getctag") == token
    # A cold account: the ETag listing, then a multiget of every card.
    etags, _ = multistatus(
        http.request(
            "PROPFIND",
            book.href,
            content=_xml(D + "getcontenttype", D + "getetag", ns="A"),
            headers={**xml, **auth, "Depth": "1"},
        )
    )
    cards = {r.href: r.text(D + "getetag") for r in etags if r.href != book.href}
    assert len(cards) == 2 and all(
        r.text(D + "getcontenttype") == "text/vcard; charset=utf-8" for r in etags[1:]
    )
    fetched = _multiget(http, book.href, list(cards), auth, prefix="A")
    assert {h: e for h, (e, _) in fetched.items()} == cards
    assert all(text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") for _, text in fetched.values())
    # Then the app changes three things; the warm sync is sync-collection plus a multiget.
    live.changes_in_the_app()
    (again,), _ = multistatus(
        http.request(
            "PROPFIND",
            book.href,
            content=_xml(CS + "getctag", D + "sync-token", ns="A"),
            headers={**xml, **auth},
        )
    )
    assert again.text(CS + "getctag") != token
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<A:sync-collection xmlns:A="DAV:">'
        f"<A:sync-token>{token}</A:sync-token><A:sync-level>1</A:sync-level>"
        "<A:prop><A:getetag/></A:prop></A:sync-collection>"
    )
    changes, new_token = multistatus(
        http.request(
            "REPORT", book.href, content=body.encode(), headers={"Content-Type": "text/xml", **auth}
        )
    )
    assert new_token == again.text(D + "sync-token")
    changed = [r.href for r in changes if r.status is None]
    removed = [r.href for r in changes if r.status == NOT_FOUND]
    assert len(changed) == 2 and len(removed) == 1 and removed[0] in cards
    got = _multiget(http, book.href, changed, auth, prefix="A")
    assert sum("Send the slides" in t for _, t in got.values()) == 1
    assert sum("FN:Dan Delta" in t for _, t in got.values()) == 1


def _multiget(
    http: httpx.Client,
    book: str,
    hrefs: list[str],
    auth: dict[str, str],
    prefix: str = "D",
    etag: str = "D:getetag",
) -> dict[str, tuple[str, str]]:
    """href -> (ETag, vCard) by addressbook-multiget."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<C:addressbook-multiget xmlns:{prefix}="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">'
        f"<{prefix}:prop><{etag.replace('D:', prefix + ':')}/><C:address-data/></{prefix}:prop>"
        + "".join(f"<{prefix}:href>{h}</{prefix}:href>" for h in hrefs)
        + "</C:addressbook-multiget>"
    )
    responses, _ = multistatus(
        http.request(
            "REPORT",
            book,
            content=body.encode(),
            headers={"Content-Type": "text/xml", "Depth": "1", **auth},
        )
    )
    out = {}
    for r in responses:
        tag = next(k for k in r.ok if k.endswith("}getetag"))
        out[r.href] = (r.text(tag), r.text(C + "address-data"))
    assert set(out) == set(hrefs)
    return out


# -- DAVx5 (Android) ---------------------------------------------------------------------------
def test_davx5(live: Live) -> None:
    http, auth = live.http, live.auth
    xml = {
        "Content-Type": "application/xml; charset=utf-8",
        "Accept": "text/xml, application/xml",
        "User-Agent": "DAVx5/4.4 (dav4jvm; okhttp/4.12) Android/14",
    }
    base = f"{live.server.url}/dav/"  # what the DAVx5 login link fills in
    asked = [
        D + "resourcetype",
        D + "displayname",
        C + "addressbook-description",
        C + "addressbook-home-set",
        D + "current-user-principal",
    ]
    found = _challenged(http, "PROPFIND", base, _xml(*asked), auth, **xml, Depth="0")
    (root,), _ = multistatus(found)
    principal = root.ok[D + "current-user-principal"].findtext(D + "href")
    assert "addressbook" in [
        c.strip() for c in http.request("OPTIONS", principal).headers["dav"].split(",")
    ]
    well_known = http.request(
        "PROPFIND",
        "/.well-known/carddav",
        content=_xml(D + "current-user-principal"),
        headers={**xml, **auth, "Depth": "0"},
    )
    assert well_known.status_code == 301
    (again,), _ = multistatus(
        http.request(
            "PROPFIND",
            well_known.headers["location"],
            content=_xml(D + "current-user-principal"),
            headers={**xml, **auth, "Depth": "0"},
        )
    )
    assert again.ok[D + "current-user-principal"].findtext(D + "href") == principal
    (me,), _ = multistatus(
        http.request(
            "PROPFIND",
            principal,
            content=_xml(C + "addressbook-home-set", D + "group-membership"),
            headers={**xml, **auth, "Depth": "0"},
        )
    )
    home = me.ok[C + "addressbook-home-set"].findtext(D + "href")
    assert D + "group-membership" in me.missing
    asked = [
        D + "resourcetype",
        D + "current-user-privilege-set",
        D + "displayname",
        D + "owner",
        C + "addressbook-description",
        C + "supported-address-data",
        "{urn:ietf:params:xml:ns:caldav}calendar-description",
        ICAL + "calendar-color",
        "{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set",
        CS + "source",
    ]
    listing, _ = multistatus(
        http.request("PROPFIND", home, content=_xml(*asked), headers={**xml, **auth, "Depth": "1"})
    )
    books = [
        r
        for r in listing
        if r.ok.get(D + "resourcetype") is not None
        and r.ok[D + "resourcetype"].find(C + "addressbook") is not None
    ]
    (book,) = books
    assert book.text(D + "displayname") == "DevConf contacts" and book.text(
        C + "addressbook-description"
    )
    versions = [t.get("version") for t in book.ok[C + "supported-address-data"]]
    assert versions == ["3.0"]  # so DAVx5 asks for vCard 3 and never 4
    write = {D + "write", D + "write-content", D + "bind", D + "unbind", D + "all"}
    assert (
        not {e.tag for e in book.ok[D + "current-user-privilege-set"].iter()} & write
    )  # read only
    # Sync: capabilities, then sync-collection from an empty token, then a multiget.
    asked = [
        C + "max-resource-size",
        C + "supported-address-data",
        D + "supported-report-set",
        CS + "getctag",
        D + "sync-token",
    ]
    (caps,), _ = multistatus(
        http.request(
            "PROPFIND", book.href, content=_xml(*asked), headers={**xml, **auth, "Depth": "0"}
        )
    )
    assert D + "sync-collection" in {e.tag for e in caps.ok[D + "supported-report-set"].iter()}
    initial, token = _sync_collection(http, book.href, "", auth, xml)
    assert len(initial) == 2 and all(r.status is None for r in initial)
    etags = {r.href: r.text(D + "getetag") for r in initial}
    got = _multiget(http, book.href, list(etags), auth)
    assert {h: e for h, (e, _) in got.items()} == etags
    live.changes_in_the_app()
    changes, token2 = _sync_collection(http, book.href, token, auth, xml)
    assert sorted(r.status or "" for r in changes) == ["", "", NOT_FOUND]
    assert token2 != token and _sync_collection(http, book.href, token2, auth, xml) == ([], token2)
    # A token the server never gave: DAVx5 reads DAV:valid-sync-token and syncs afresh.
    refused = http.request(
        "REPORT",
        book.href,
        content=_sync_body("https://cardswap.invalid/sync/9999999-00000000"),
        headers={**xml, **auth, "Depth": "0"},
    )
    assert refused.status_code == 403
    assert ET.fromstring(refused.content).find(D + "valid-sync-token") is not None
    fresh, _ = _sync_collection(http, book.href, "", auth, xml)
    assert len(fresh) == 2


def _sync_body(token: str, *props: str) -> bytes:
    token_xml = f"<sync-token>{token}</sync-token>" if token else "<sync-token/>"
    names = "".join(
        f'<X:{p.split("}")[1]} xmlns:X="{p[1:].split("}")[0]}"/>' for p in props or (D + "getetag",)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sync-collection xmlns="DAV:">'
        f"{token_xml}<sync-level>1</sync-level><prop>{names}</prop></sync-collection>"
    ).encode()


def _sync_collection(
    http: httpx.Client, book: str, token: str, auth: dict[str, str], xml: dict[str, str]
) -> tuple[list[Any], str]:
    responses, new = multistatus(
        http.request(
            "REPORT", book, content=_sync_body(token), headers={**xml, **auth, "Depth": "0"}
        )
    )
    assert new
    return responses, new


# -- Thunderbird -------------------------------------------------------------------------------
def test_thunderbird(live: Live) -> None:
    http, auth = live.http, live.auth
    xml = {"Content-Type": "text/xml", "User-Agent": "Mozilla/5.0 Thunderbird/128.0"}
    # The user types the server's address; Thunderbird asks the well-known URL, following the
    # redirect with the Authorization and Depth headers copied over.
    body = (
        b'<propfind xmlns="DAV:">\n          <prop>\n            <current-user-principal/>\n'
        b"          </prop>\n        </propfind>"
    )
    moved = http.request(
        "PROPFIND", "/.well-known/carddav", content=body, headers={**xml, "Depth": "0"}
    )
    assert moved.status_code == 301
    response = _challenged(
        http, "PROPFIND", moved.headers["location"], body, auth, **xml, Depth="0"
    )
    dom = ET.fromstring(response.content)
    principal = dom.find(f".//{D}current-user-principal/{D}href")
    assert principal is not None and principal.text
    body = (
        b'<propfind xmlns="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
        b"<prop><card:addressbook-home-set/></prop></propfind>"
    )
    dom = ET.fromstring(
        http.request(
            "PROPFIND", principal.text, content=body, headers={**xml, **auth, "Depth": "0"}
        ).content
    )
    home = dom.find(f".//{C}addressbook-home-set/{D}href")
    assert home is not None and home.text
    body = (
        b'<propfind xmlns="DAV:"><prop><resourcetype/><displayname/>'
        b"<current-user-privilege-set/></prop></propfind>"
    )
    dom = ET.fromstring(
        http.request(
            "PROPFIND", home.text, content=body, headers={**xml, **auth, "Depth": "1"}
        ).content
    )
    found = []
    for r in dom.iter(D + "response"):
        if _first_status(r) != OK:  # Thunderbird reads only the first status
            continue
        if r.find(f".//{D}resourcetype/{C}addressbook") is None:
            continue
        privileges = {e.tag.split("}")[1] for e in r.iterfind(f".//{D}privilege/*")}
        found.append((r.findtext(D + "href"), r.findtext(f".//{D}displayname"), privileges))
    assert len(found) == 1
    book, name, privileges = found[0]
    assert name == "DevConf contacts" and "read" in privileges
    assert not privileges & {"write", "write-properties", "write-content", "all"}  # so: read only
    assert book
    # fetchAllFromServer: list, multiget, then the sync token.
    body = b'<propfind xmlns="DAV:" xmlns:cs="http://calendarserver.org/ns/"><prop><resourcetype/><getetag/><cs:getctag/></prop></propfind>'
    dom = ET.fromstring(
        http.request("PROPFIND", book, content=body, headers={**xml, **auth, "Depth": "1"}).content
    )
    hrefs = [
        r.findtext(D + "href") or ""
        for r in dom.iter(D + "response")
        if r.find(f".//{D}resourcetype/{D}collection") is None
    ]
    assert len(hrefs) == 2
    cards = _multiget(http, book, hrefs, auth, prefix="d")
    assert all(etag and text.endswith("END:VCARD\r\n") for etag, text in cards.values())
    body = b'<propfind xmlns="DAV:" xmlns:cs="http://calendarserver.org/ns/"><prop><displayname/><cs:getctag/><sync-token/></prop></propfind>'
    dom = ET.fromstring(
        http.request("PROPFIND", book, content=body, headers={**xml, **auth, "Depth": "0"}).content
    )
    token = dom.find(f".//{D}prop/{D}sync-token")
    assert token is not None and token.text
    live.changes_in_the_app()
    # syncWithServer, V2: sync-collection with the token and the data, Depth 1 as it sends it.
    body = _sync_body(token.text, D + "getetag", C + "address-data")
    response = http.request("REPORT", book, content=body, headers={**xml, **auth, "Depth": "1"})
    assert response.status_code == 207
    dom = ET.fromstring(response.content)
    deleted, changed = [], []
    for r in dom.iter(D + "response"):
        status = r.find(D + "status")
        if status is not None and (status.text or "").startswith("HTTP/1.1 404"):
            deleted.append(r.findtext(D + "href"))
            continue
        props = next(
            p.find(D + "prop") for p in r.iter(D + "propstat") if p.findtext(D + "status") == OK
        )
        assert props is not None
        changed.append((props.findtext(D + "getetag"), props.findtext(C + "address-data") or ""))
    assert len(deleted) == 1 and deleted[0] in hrefs and len(changed) == 2
    assert all(etag and text.startswith("BEGIN:VCARD") for etag, text in changed)
    new_token = next(dom.iter(D + "sync-token")).text  # querySelector("sync-token"): the first
    assert new_token and new_token != token.text


def test_thunderbird_102_asks_getetag_in_apples_namespace(live: Live) -> None:
    """Thunderbird before 115 sends `cs:getetag` in its multiget and sync-collection, and
    reads `getetag` whatever its namespace: it must find the ETag there."""
    http, auth = live.http, live.auth
    book = f"/dav/addressbooks/{live.username}/contacts/"
    body = _sync_body("", CS + "getetag", C + "address-data")
    responses, _ = multistatus(
        http.request("REPORT", book, content=body, headers={"Content-Type": "text/xml", **auth})
    )
    assert len(responses) == 2
    for r in responses:
        assert r.propstats[0][0] == OK and r.text(CS + "getetag").startswith('"')
        assert http.get(r.href, headers=auth).headers["etag"] == r.text(CS + "getetag")
