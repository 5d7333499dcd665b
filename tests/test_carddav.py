"""The CardDAV server against the RFCs (6352, 4918, 6578, 6764) and DESIGN.md section 10, over
the app with real SQLite: discovery, the tree's properties, the members (the export's bytes),
ETags, sync-collection on the change feed, GET, and writes refused.

The app runs with an HTTPS BASE_URL (HTTP Basic is refused over plain HTTP elsewhere);
tests/test_carddav_clients.py replays real clients' requests against a live server.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import vobject
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from tests.carddav_helpers import (
    CS,
    NOT_FOUND,
    OK,
    QUERY,
    C,
    D,
    Person,
    app_password,
    basic,
    by_href,
    delete,
    exchange,
    join,
    multistatus,
    propfind,
    sync,
    sync_body,
    update,
)
from tests.conftest import ADMIN, make_settings

JPEG = {"Content-Type": "image/jpeg"}

BASE = "https://cards.example"
XML = {"Content-Type": "text/xml; charset=utf-8"}


@dataclass
class Book:
    """Ada's address book as a client sees it, and the people around it."""

    http: TestClient
    ada: Person
    bob: Person
    cy: Person
    auth: dict[str, str]
    username: str
    event: dict[str, Any]

    @property
    def path(self) -> str:
        return f"/dav/addressbooks/{self.username}/contacts/"

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
        return self.http.request(
            method, path, content=body, headers={**self.auth, **XML, **headers}
        )

    def members(self) -> dict[str, str]:
        """href -> ETag of every member (PROPFIND Depth 1)."""
        responses, _ = multistatus(
            self.request("PROPFIND", self.path, propfind(D + "getetag"), Depth="1")
        )
        return {r.href: r.text(D + "getetag") for r in responses if r.href != self.path}

    def sync(self, token: str = "", *props: str) -> tuple[list[Any], str]:
        body = sync_body(token, *props)
        responses, new_token = multistatus(self.request("REPORT", self.path, body))
        assert new_token
        return responses, new_token

    def export(self) -> list[str]:
        """The `.vcf` export of Ada's contacts, one text per card."""
        text = self.http.get("/api/contacts.vcf", headers=self.ada.headers).text
        return [card + "END:VCARD\r\n" for card in text.split("END:VCARD\r\n") if card]


@pytest.fixture
def dav(database: str) -> Iterator[TestClient]:
    app = create_app(make_settings(database, base_url=BASE))
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture
def event(dav: TestClient) -> dict[str, Any]:
    response = dav.post(
        "/api/admin/events", json={"slug": "devconf", "name": "DevConf"}, headers=ADMIN
    )
    assert response.status_code == 201
    return dict(response.json())


@pytest.fixture
def book(dav: TestClient, event: dict[str, Any]) -> Book:
    """Ada has swapped with Bob and Cy and saved a foreign card, with notes; and a password."""
    ada = join(dav, event, "Ada Lovelace", org="Analytical Engines", emails=["ada@example.org"])
    bob = join(dav, event, "Bob Byte", phones=["+44 20 7946 0000"])
    cy = join(dav, event, "Cy Young")
    foreign = {
        "id": "0f6b2e0a-9a51-4a41-8f21-5b1c2c3d4e5f",
        "type": "exchange",
        "method": "qr",
        "contact_id": "ext:7d1c5f0e-2b1a-4c3d-9e8f-0a1b2c3d4e5f",
        "vcard": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe & <Co>\r\n"
        "ORG:Example\\, Inc.\r\nEND:VCARD\r\n",
        "at": "2026-03-01T09:00:00+00:00",
    }
    sync(
        dav,
        ada,
        [exchange(bob.card_token, "Talked about <XML> & DAV"), exchange(cy.card_token), foreign],
    )
    made = app_password(dav, ada)
    auth = basic(made["username"], made["password"])
    return Book(dav, ada, bob, cy, auth, made["username"], event)


# -- discovery ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/.well-known/carddav", "/.well-known/carddav/"])
@pytest.mark.parametrize("method", ["GET", "PROPFIND", "HEAD"])
def test_well_known_redirects_to_the_service_root_without_a_sign_in(
    dav: TestClient, path: str, method: str
) -> None:
    response = dav.request(method, path, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"{BASE}/dav/"


@pytest.mark.parametrize(
    "path", ["/", "/dav/", "/dav/principals/nobody/", "/dav/addressbooks/x/contacts/"]
)
def test_options_names_the_dav_classes_without_a_sign_in(dav: TestClient, path: str) -> None:
    response = dav.request("OPTIONS", path)
    assert response.status_code == 200
    assert response.headers["dav"] == "1, 3, addressbook"
    assert set(response.headers["allow"].split(", ")) == {
        "OPTIONS",
        "GET",
        "HEAD",
        "PROPFIND",
        "REPORT",
    }


@pytest.mark.parametrize("path", ["/", "/dav/", "/dav/addressbooks/x/contacts/"])
def test_a_request_without_credentials_is_asked_for_them(dav: TestClient, path: str) -> None:
    response = dav.request("PROPFIND", path, headers={"Depth": "0"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="cardswap"'
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_web_app_still_answers_get_on_the_root(dav: TestClient) -> None:
    response = dav.get("/")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]


def test_discovery_from_the_host_reaches_one_address_book(book: Book) -> None:
    root, _ = multistatus(
        book.request("PROPFIND", "/", propfind(D + "current-user-principal"), Depth="0")
    )
    principal = root[0].ok[D + "current-user-principal"].findtext(D + "href")
    assert principal == f"/dav/principals/{book.username}/"
    found, _ = multistatus(
        book.request(
            "PROPFIND",
            principal,
            propfind(C + "addressbook-home-set", D + "resourcetype"),
            Depth="0",
        )
    )
    assert found[0].ok[D + "resourcetype"].find(D + "principal") is not None
    home = found[0].ok[C + "addressbook-home-set"].findtext(D + "href")
    assert home == f"/dav/addressbooks/{book.username}/"
    listed, _ = multistatus(
        book.request("PROPFIND", home, propfind(D + "resourcetype", D + "displayname"), Depth="1")
    )
    books = [r for r in listed if r.ok[D + "resourcetype"].find(C + "addressbook") is not None]
    assert [(r.href, r.text(D + "displayname")) for r in books] == [(book.path, "DevConf contacts")]


def test_the_address_book_answers_what_clients_ask(book: Book) -> None:
    asked = [
        D + "resourcetype", D + "displayname", D + "current-user-principal", D + "sync-token",
        CS + "getctag", C + "supported-address-data", D + "supported-report-set",
        D + "current-user-privilege-set", D + "owner", "{http://me.com/_namespace/}bulk-requests",
        D + "quota-used-bytes",
    ]  # fmt: skip
    response = book.request("PROPFIND", book.path, propfind(*asked), Depth="0")
    (answer,), _ = multistatus(response)
    assert answer.href == book.path
    assert answer.propstats[0][0] == OK  # the 200 propstat first, exactly "HTTP/1.1 200 OK"
    ok = answer.ok
    assert {e.tag for e in ok[D + "resourcetype"]} == {D + "collection", C + "addressbook"}
    assert ok[D + "sync-token"].text == ok[CS + "getctag"].text
    assert (ok[D + "sync-token"].text or "").startswith("https://cardswap.invalid/sync/")
    types = ok[C + "supported-address-data"].findall(C + "address-data-type")
    assert [(t.get("content-type"), t.get("version")) for t in types] == [("text/vcard", "3.0")]
    reports = {
        r.tag
        for r in ok[D + "supported-report-set"].iter()
        if r.tag.split("}")[1] in ("sync-collection", "addressbook-multiget", "addressbook-query")
    }
    assert reports == {D + "sync-collection", C + "addressbook-multiget", C + "addressbook-query"}
    privileges = {
        p.tag for p in ok[D + "current-user-privilege-set"].iter() if p.tag != D + "privilege"
    }
    assert privileges == {
        D + "current-user-privilege-set",
        D + "read",
        D + "read-current-user-privilege-set",
    }
    assert answer.missing == {"{http://me.com/_namespace/}bulk-requests", D + "quota-used-bytes"}
    assert 'xmlns:x="http://me.com/_namespace/"' in response.text


def test_every_response_puts_the_200_propstat_first(book: Book) -> None:
    body = propfind(D + "getetag", D + "nonsense", D + "getcontenttype", CS + "nothing")
    responses, _ = multistatus(book.request("PROPFIND", book.path, body, Depth="1"))
    assert len(responses) == 1 + 3
    assert [s for s, _ in responses[0].propstats] == [NOT_FOUND]  # the book has none of them
    for member in responses[1:]:
        assert [s for s, _ in member.propstats] == [OK, NOT_FOUND]
        assert member.text(D + "getcontenttype") == "text/vcard; charset=utf-8"


def test_propname_and_allprop(book: Book) -> None:
    names = b'<propfind xmlns="DAV:"><propname/></propfind>'
    (item,), _ = multistatus(book.request("PROPFIND", book.path, names, Depth="0"))
    assert {CS + "getctag", D + "sync-token", D + "resourcetype"} <= set(item.ok)
    assert all(len(e) == 0 and not e.text for e in item.ok.values())
    responses, _ = multistatus(book.request("PROPFIND", book.path, b"", Depth="1"))  # allprop
    member = responses[1]
    assert member.text(D + "getetag").startswith('"') and C + "address-data" not in member.ok


# -- members -----------------------------------------------------------------------------------
def test_members_are_the_very_bytes_of_the_vcf_export(book: Book) -> None:
    hrefs = book.members()
    assert len(hrefs) == 3
    for href in hrefs:
        assert href.startswith(book.path) and href.endswith(".vcf")
    body = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<D:prop><D:getetag/><C:address-data/></D:prop>"
        + "".join(f"<D:href>{h}</D:href>" for h in hrefs)
        + "</C:addressbook-multiget>"
    )
    responses, _ = multistatus(book.request("REPORT", book.path, body.encode(), Depth="1"))
    texts = {r.href: r.text(C + "address-data") for r in responses}
    assert sorted(texts.values()) == sorted(book.export())  # CR LF kept, every byte
    for href, text in texts.items():
        got = book.http.get(href, headers=book.auth)
        assert got.status_code == 200 and got.headers["content-type"] == "text/vcard; charset=utf-8"
        assert got.content == text.encode("utf-8")
        assert got.headers["etag"] == hrefs[href]
    assert any("Jane Doe & <Co>" in t for t in texts.values())


def test_a_new_photo_reaches_the_address_book_with_its_bytes(book: Book) -> None:
    """The photo Bob sets (DESIGN.md section 11) arrives as any card change does: a changed
    member, PHOTO;ENCODING=b;TYPE=JPEG of the stored 128 px JPEG."""
    before = book.members()
    _, token = book.sync()
    out = io.BytesIO()
    Image.effect_noise((400, 300), 30).convert("RGB").save(out, "JPEG")
    put = book.http.put(
        "/api/me/photo", content=out.getvalue(), headers={**book.bob.headers, **JPEG}
    )
    small = book.http.get(put.json()["attendee"]["card"]["photo"]["small"]).content
    changed, _ = book.sync(token)
    (href,) = [r.href for r in changed]
    assert book.members()[href] != before[href]  # a new ETag: clients fetch it again
    (card,) = vobject.readComponents(book.http.get(href, headers=book.auth).text)
    assert card.fn.value == "Bob Byte" and card.photo.value == small


def test_multiget_answers_an_unknown_href_with_404(book: Book) -> None:
    (real,) = list(book.members())[:1]
    gone = book.path + "00000000-0000-5000-8000-000000000000.vcf"
    other = f"/dav/addressbooks/someone-else/contacts/{real.rsplit('/', 1)[1]}"
    body = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:prop><D:getetag/></D:prop><D:href>{BASE}{real}</D:href><D:href>{gone}</D:href>"
        f"<D:href>{other}</D:href></C:addressbook-multiget>"
    )
    responses, _ = multistatus(book.request("REPORT", book.path, body.encode()))
    found = by_href(responses)
    assert found[real].ok[D + "getetag"].text
    assert found[gone].status == NOT_FOUND and found[other].status == NOT_FOUND


def _texts(book: Book) -> dict[str, tuple[str, str]]:
    """href -> (ETag, the text GET returns) of every member."""
    out = {}
    for href in book.members():
        got = book.http.get(href, headers=book.auth)
        out[href] = (got.headers["etag"], got.text)
    return out


def test_an_etag_changes_exactly_when_the_bytes_do(book: Book) -> None:
    before = _texts(book)
    sync(book.http, book.bob, [update(f"att:{book.ada.id}", notes="Bob's own note")])
    assert _texts(book) == before  # someone else's contacts change nothing here
    steps = [
        [update(f"att:{book.bob.id}", notes="Follow up on Monday")],
        [update(f"att:{book.bob.id}", notes="Follow up on Monday")],  # the same again: no change
        [update(f"att:{book.cy.id}", starred=True)],
    ]
    for ops in steps:
        sync(book.http, book.ada, ops)
        after = _texts(book)
        for href, (etag, text) in after.items():
            assert (etag != before[href][0]) == (text != before[href][1]), href
        before = after
    assert sum("Follow up on Monday" in text for _, text in before.values()) == 1


def test_get_answers_if_none_match_with_304(book: Book) -> None:
    href, etag = next(iter(book.members().items()))
    assert book.http.get(href, headers={**book.auth, "If-None-Match": etag}).status_code == 304
    stale = book.http.get(href, headers={**book.auth, "If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag
    assert book.http.head(href, headers=book.auth).headers["etag"] == etag


def test_a_member_gone_is_404(book: Book) -> None:
    sync(book.http, book.ada, [delete(f"att:{book.cy.id}")])
    gone = book.path + "00000000-0000-5000-8000-000000000000.vcf"
    assert book.http.get(gone, headers=book.auth).status_code == 404
    assert book.request("PROPFIND", gone, propfind(D + "getetag"), Depth="0").status_code == 404
    assert len(book.members()) == 2


# -- sync-collection ---------------------------------------------------------------------------
def test_sync_collection_reports_exactly_what_changed(book: Book) -> None:
    first, token1 = book.sync("", D + "getetag", C + "address-data")
    assert len(first) == 3 and all(r.ok[C + "address-data"].text for r in first)
    (item,), _ = multistatus(
        book.request("PROPFIND", book.path, propfind(D + "sync-token"), Depth="0")
    )
    assert item.text(D + "sync-token") == token1
    again, token2 = book.sync(token1)
    assert again == [] and token2 == token1
    dan = join(book.http, book.event, "Dan Doe")
    sync(book.http, book.ada, [exchange(dan.card_token)])
    sync(book.http, book.ada, [update(f"att:{book.bob.id}", notes="New note")])
    sync(book.http, book.ada, [delete(f"att:{book.cy.id}")])
    changes, token3 = book.sync(token1)
    assert token3 != token1
    changed = [r for r in changes if r.status is None]
    removed = [r for r in changes if r.status == NOT_FOUND]
    assert len(changed) == 2 and len(removed) == 1
    etags = book.members()
    assert {r.href for r in changed} <= set(etags) and removed[0].href not in etags
    assert all(r.text(D + "getetag") == etags[r.href] for r in changed)
    assert book.sync(token3) == ([], token3)
    assert len(book.sync(token1)[0]) == 3  # an old token still works: tokens never expire


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "https://cardswap.invalid/sync/999999-00000000",
        "https://example.org/sync/1-00000000",
        "https://cardswap.invalid/sync/-1-00000000",
        "x" * 5000,
    ],
)
def test_a_token_this_book_never_gave_out_is_refused(book: Book, token: str) -> None:
    body = sync_body(token).decode()
    response = book.request("REPORT", book.path, body.encode())
    assert response.status_code == 403
    assert ET.fromstring(response.content).find(D + "valid-sync-token") is not None


def test_another_users_token_ahead_of_this_feed_is_refused(book: Book) -> None:
    bob_password = app_password(book.http, book.bob)
    for _ in range(3):
        sync(book.http, book.bob, [update(f"att:{book.ada.id}", notes=str(_))])
    bob = basic(bob_password["username"], bob_password["password"])
    bob_book = f"/dav/addressbooks/{bob_password['username']}/contacts/"
    (item,), _ = multistatus(
        book.http.request(
            "PROPFIND", bob_book, content=propfind(D + "sync-token"), headers={**bob, "Depth": "0"}
        )
    )
    token = item.text(D + "sync-token")
    body = sync_body(token).decode()
    assert book.request("REPORT", book.path, body.encode()).status_code == 403


def test_a_limit_pages_the_answer_with_507(book: Book) -> None:
    body = sync_body("", limit=2).decode()
    first, token = multistatus(book.request("REPORT", book.path, body.encode()))
    members = [r for r in first if r.status is None]
    assert len(members) == 2
    assert first[-1].href == book.path and first[-1].status == "HTTP/1.1 507 Insufficient Storage"
    rest, final = book.sync(token or "")
    assert len(rest) == 1 and rest[0].href not in {r.href for r in members}
    assert book.sync(final) == ([], final)


def test_renaming_the_event_changes_every_member(book: Book) -> None:
    _, token = book.sync()
    before = book.members()
    response = book.http.patch(
        "/api/admin/events/devconf", json={"name": "DevConf 2026"}, headers=ADMIN
    )
    assert response.status_code == 200
    changes, new = book.sync(token)
    assert new != token and {r.href for r in changes} == set(before)
    assert all(before[h] != e for h, e in book.members().items())
    (item,), _ = multistatus(
        book.request("PROPFIND", book.path, propfind(D + "displayname"), Depth="0")
    )
    assert item.text(D + "displayname") == "DevConf 2026 contacts"


# -- what is refused ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "privilege", "on_book"),
    [("PUT", "write-content", False), ("DELETE", "unbind", True),
     ("PROPPATCH", "write-properties", False), ("MKCOL", "bind", True), ("MOVE", "unbind", True)],
)  # fmt: skip
def test_writes_are_refused_with_need_privileges(
    book: Book, method: str, privilege: str, on_book: bool
) -> None:
    href, etag = next(iter(book.members().items()))
    export = book.export()
    response = book.request(method, href, b"BEGIN:VCARD\r\nEND:VCARD\r\n", **{"If-Match": etag})
    assert response.status_code == 403
    need = ET.fromstring(response.content).find(f"{D}need-privileges/{D}resource")
    assert need is not None
    assert need.findtext(D + "href") == (book.path if on_book else href)
    assert need.find(f"{D}privilege/{D}{privilege}") is not None
    assert book.export() == export and book.members()[href] == etag


def test_a_put_of_a_new_card_needs_bind_on_the_book(book: Book) -> None:
    response = book.request(
        "PUT", book.path + "new-card-from-a-phone.vcf", b"BEGIN:VCARD\r\nEND:VCARD\r\n"
    )
    assert response.status_code == 403
    need = ET.fromstring(response.content).find(f"{D}need-privileges/{D}resource")
    assert need is not None and need.findtext(D + "href") == book.path
    assert need.find(f"{D}privilege/{D}bind") is not None
    assert len(book.members()) == 3


def test_depth_infinity_and_nonsense_depths_are_refused(book: Book) -> None:
    response = book.request("PROPFIND", book.path, propfind(D + "getetag"), Depth="infinity")
    assert response.status_code == 403
    assert ET.fromstring(response.content).find(D + "propfind-finite-depth") is not None
    assert (
        book.request("PROPFIND", book.path, propfind(D + "getetag"), Depth="2").status_code == 400
    )


def test_reports_the_book_does_not_make_are_refused(book: Book) -> None:
    home = f"/dav/addressbooks/{book.username}/"
    first_sync = sync_body()
    for path, body in [(home, first_sync), (book.path, b'<expand-property xmlns="DAV:"/>')]:
        response = book.request("REPORT", path, body)
        assert response.status_code == 403
        assert ET.fromstring(response.content).find(D + "supported-report") is not None


def test_addressbook_query_lists_every_member_and_refuses_filters(book: Book) -> None:
    body = QUERY + b"</C:addressbook-query>"
    responses, _ = multistatus(book.request("REPORT", book.path, body, Depth="1"))
    assert {r.href: r.text(D + "getetag") for r in responses} == book.members()
    filtered = QUERY + b'<C:filter><C:prop-filter name="FN"/></C:filter></C:addressbook-query>'
    response = book.request("REPORT", book.path, filtered)
    assert response.status_code == 403
    assert ET.fromstring(response.content).find(C + "supported-filter") is not None


def test_percent_encoded_paths_reach_the_same_book(book: Book) -> None:
    encoded = book.path.replace(book.username, "".join(f"%{ord(c):02X}" for c in book.username))
    (item,), _ = multistatus(
        book.request("PROPFIND", encoded, propfind(D + "displayname"), Depth="0")
    )
    assert item.href == book.path and item.text(D + "displayname") == "DevConf contacts"


def test_a_card_edited_by_its_owner_reaches_the_book(book: Book) -> None:
    _, token = book.sync()
    new_card = {"fn": "Bob Byte", "org": "New Job Ltd", "title": "CTO"}
    assert (
        book.http.put("/api/me/card", json={"card": new_card}, headers=book.bob.headers).status_code
        == 200
    )
    changes, _ = book.sync(token, D + "getetag", C + "address-data")
    (changed,) = changes
    assert "ORG:New Job Ltd" in changed.text(C + "address-data")
