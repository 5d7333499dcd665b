"""The organizer's HTML side: sign-in with the admin token and its cookie, the event pages and
forms, the upload form, badges, charts, the CSP rules (no inline script or style), escaping, and
privacy: no admin page or endpoint reveals who met whom."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN, Attendee, make_settings

ORIGIN = {"Origin": "http://testserver"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
CSV = "name,email,org,title\nAda Lovelace,ada@example.org,Analytical,Countess\n"


def signed_in(client: TestClient) -> TestClient:
    response = client.post("/admin/signin", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    return client


def import_csv(client: TestClient, text: str = CSV, slug: str = "devconf") -> dict[str, Any]:
    response = client.post(
        f"/api/admin/events/{slug}/attendees.csv",
        content=text.encode(),
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def sync(client: TestClient, who: Attendee, ops: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"device_id": who.device_id, "cursor": None, "ops": ops}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def now() -> str:
    return datetime.now(UTC).isoformat()


# -- sign-in -----------------------------------------------------------------------------------
def test_admin_shows_the_sign_in_form_until_signed_in(
    client: TestClient, event: dict[str, Any]
) -> None:
    response = client.get("/admin", headers=HTML)
    assert response.status_code == 200
    assert 'action="/admin/signin"' in response.text and 'type="password"' in response.text
    assert "DevConf" not in response.text
    assert "cardswap_admin" not in response.headers.get("set-cookie", "")


def test_a_wrong_token_is_refused(client: TestClient, event: dict[str, Any]) -> None:
    form = client.post("/admin/signin", data={"token": "guess"}, headers=HTML)
    assert form.status_code == 401
    assert "not the admin token" in form.text
    assert "set-cookie" not in form.headers
    api = client.post("/admin/signin", json={"token": "guess"})
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    assert client.get("/admin/events/devconf").status_code == 401


def test_signing_in_sets_a_signed_http_only_cookie(
    client: TestClient, event: dict[str, Any]
) -> None:
    response = client.post(
        "/admin/signin",
        data={"token": ADMIN_TOKEN, "next": "/admin/events/devconf"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/events/devconf"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cardswap_admin=")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age=43200"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain-HTTP base URL
    assert ADMIN_TOKEN not in cookie  # a signed session, not the token itself
    page = client.get("/admin", headers=HTML)
    assert "DevConf" in page.text and 'action="/admin/signout"' in page.text
    assert client.get("/api/admin/events/devconf/stats").status_code == 200  # the API too


def test_json_sign_in_answers_204(client: TestClient) -> None:
    response = client.post("/admin/signin", json={"token": ADMIN_TOKEN})
    assert response.status_code == 204 and "cardswap_admin=" in response.headers["set-cookie"]


def test_the_cookie_is_secure_over_https(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "s.db", base_url="https://cards.example"))
    with TestClient(app, base_url="https://cards.example") as client:
        response = client.post("/admin/signin", data={"token": ADMIN_TOKEN}, follow_redirects=False)
        assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/admin", "//evil.example", "/admin\\@evil", "/api/me", ""]
)
def test_sign_in_never_redirects_elsewhere(client: TestClient, target: str) -> None:
    response = client.post(
        "/admin/signin", data={"token": ADMIN_TOKEN, "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/admin"


def test_a_forged_or_foreign_cookie_is_not_a_session(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    session = register().token  # an attendee's session, signed with the same key
    for value in ("forged", session, signed_in(client).cookies["cardswap_admin"] + "x"):
        client.cookies.clear()
        client.cookies.set("cardswap_admin", value)
        assert client.get("/api/admin/events/devconf/stats").status_code == 401
        assert "Organizer sign-in" in client.get("/admin", headers=HTML).text


def test_cookie_writes_need_our_origin(client: TestClient, event: dict[str, Any]) -> None:
    signed_in(client)
    url = "/api/admin/events/devconf/attendees.csv"
    headers = {"Content-Type": "text/csv"}
    assert client.post(url, content=CSV, headers=headers).status_code == 403
    foreign = {**headers, "Origin": "https://evil.example"}
    assert client.post(url, content=CSV, headers=foreign).status_code == 403
    assert client.get("/api/admin/events/devconf/stats").json()["attendees"] == 0
    assert client.post(url, content=CSV, headers={**headers, **ORIGIN}).status_code == 200
    form = client.post("/admin/events", data={"slug": "x", "name": "X"}, headers=HTML)
    assert form.status_code == 403


def test_sign_out_forgets_the_cookie(client: TestClient, event: dict[str, Any]) -> None:
    signed_in(client)
    response = client.post("/admin/signout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    assert 'cardswap_admin=""' in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/api/admin/events/devconf/stats").status_code == 401


def test_pages_answer_browsers_with_html_and_programs_with_json(
    client: TestClient, event: dict[str, Any]
) -> None:
    page = client.get("/admin/events/devconf/badges?paper=letter", headers=HTML)
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert 'name="next" value="/admin/events/devconf/badges?paper=letter"' in page.text
    api = client.get("/admin/events/devconf/badges")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    missing = client.get("/admin/events/nope", headers={**ADMIN, **HTML})
    assert missing.status_code == 404 and "There is no such event" in missing.text
    for path in ("badges", "poster", "swaps.svg", "registrations.svg"):
        response = client.get(f"/admin/events/nope/{path}", headers=ADMIN)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "event_not_found"


# -- events ------------------------------------------------------------------------------------
def test_create_an_event_from_the_form(client: TestClient) -> None:
    signed_in(client)
    form = {"slug": "summit", "name": "Summit", "starts_on": "2030-05-01", "ends_on": ""}
    response = client.post("/admin/events", data=form, headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/events/summit"
    public = client.get("/api/events/summit").json()
    assert public == {
        "slug": "summit",
        "name": "Summit",
        "starts_on": "2030-05-01",
        "ends_on": None,
        "language": "en",
        "time_zone": "UTC",
    }
    page = client.get("/admin/events/summit")
    assert re.search(r"http://testserver/join/summit\?code=[A-Z0-9]{8}", page.text)
    assert "/admin/events/summit/poster?paper=a4" in page.text
    assert "<svg" in page.text  # the join QR


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"slug": "Bad Slug", "name": "X"}, 422, "slug must be"),
        ({"slug": "ok", "name": " "}, 422, "needs a name"),
        (
            {"slug": "ok", "name": "X", "starts_on": "2030-02-02", "ends_on": "2030-01-01"},
            422,
            "before",
        ),
        ({"slug": "devconf", "name": "Again"}, 409, "exists"),
    ],
)
def test_the_create_form_explains_mistakes(
    client: TestClient, event: dict[str, Any], form: dict[str, str], status: int, message: str
) -> None:
    signed_in(client)
    response = client.post("/admin/events", data=form, headers={**ORIGIN, **HTML})
    assert response.status_code == status
    assert message in response.text
    assert f'value="{form["name"]}"' in response.text  # what was typed stays
    assert client.get("/api/events/ok").status_code == 404


def test_edit_an_event_from_the_form(client: TestClient, event: dict[str, Any]) -> None:
    signed_in(client)
    form = {"name": "DevConf 2030", "starts_on": "2030-03-01", "ends_on": "2030-03-02"}
    response = client.post(
        "/admin/events/devconf", data=form, headers=ORIGIN, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/api/events/devconf").json()["name"] == "DevConf 2030"
    bad = {"name": "Nope", "starts_on": "2030-03-05", "ends_on": "2030-03-02"}
    refused = client.post("/admin/events/devconf", data=bad, headers={**ORIGIN, **HTML})
    assert refused.status_code == 422 and "before" in refused.text
    assert client.get("/api/events/devconf").json()["name"] == "DevConf 2030"


# -- upload form -------------------------------------------------------------------------------
def upload(client: TestClient, data: bytes, slug: str = "devconf") -> Any:
    return client.post(
        f"/admin/events/{slug}/import",
        files={"file": ("people.csv", data, "text/csv")},
        headers={**ORIGIN, **HTML},
    )


def test_the_upload_form_imports_and_lists_bad_rows(
    client: TestClient, event: dict[str, Any]
) -> None:
    signed_in(client)
    text = (
        "\ufeffName;Email\nAda Lovelace;ada@example.org\nBroken;nope\n<b>Bold</b>;b@example.org\n"
    )
    page = upload(client, text.encode())
    assert page.status_code == 200
    assert "2 created, 0 updated, 0 unchanged, and 1 row with errors" in page.text
    assert re.search(r"Sign-in links work once each, until \w+ \d+, \d{4}, \d+:\d\d", page.text)
    problem = "<td class='num'>3</td><td><code dir=\"ltr\">email</code>: not a valid email"
    assert problem in page.text
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page.text and "<b>Bold" not in page.text
    assert "/api/admin/events/devconf/attendees.csv" in page.text
    again = upload(client, text.encode())
    assert "0 created, 0 updated, 2 unchanged" in again.text


def test_the_upload_form_refuses_what_it_cannot_use(
    client: TestClient, event: dict[str, Any]
) -> None:
    signed_in(client)
    assert upload(client, b"x" * (1024 * 1024 + 1)).status_code == 413
    assert upload(client, b"name,org\nAda,X\n").status_code == 422
    no_file = client.post(
        "/admin/events/devconf/import",
        data={"other": "x"},
        headers={**ORIGIN, **HTML},
        files={"nothing": ("a.txt", b"", "text/plain")},
    )
    assert no_file.status_code == 400
    assert upload(client, CSV.encode(), slug="nope").status_code == 404
    assert client.get("/api/admin/events/devconf/stats").json()["attendees"] == 0


# -- badges and charts -------------------------------------------------------------------------
def test_badges_filter_by_query_and_ids_and_switch_paper(
    client: TestClient, event: dict[str, Any]
) -> None:
    people = import_csv(
        client,
        "name,email,org,title\nAda Lovelace,ada@example.org,Analytical,Countess\n"
        "Grace Hopper,grace@example.org,Navy,Admiral\nAlan Turing,alan@example.org,Bletchley,\n",
    )["attendees"]
    ids = {a["fn"]: a["id"] for a in people}

    def shown(query: str) -> list[str]:
        page = client.get(f"/admin/events/devconf/badges{query}", headers=ADMIN)
        assert page.status_code == 200
        return re.findall(r'data-attendee="([^"]+)"', page.text)

    page = client.get("/admin/events/devconf/badges", headers=ADMIN).text
    for person in people:
        assert f'data-card-url="{person["card_url"]}"' in page
    everyone = shown("")
    assert everyone == [ids["Grace Hopper"], ids["Ada Lovelace"], ids["Alan Turing"]]
    assert shown("?q=navy") == [ids["Grace Hopper"]]
    assert shown("?q=ALAN@") == [ids["Alan Turing"]]
    assert shown(f"?ids={ids['Ada Lovelace']},{ids['Alan Turing']}") == [
        ids["Ada Lovelace"],
        ids["Alan Turing"],
    ]
    assert shown(f"?id={ids['Grace Hopper']}&id={ids['Alan Turing']}") == [
        ids["Grace Hopper"],
        ids["Alan Turing"],
    ]
    assert shown("?q=nobody") == []
    letter = client.get("/admin/events/devconf/badges?paper=letter&q=a", headers=ADMIN).text
    assert "/admin/static/paper-letter.css" in letter and "paper-a4.css" not in letter
    assert 'href="?q=a&amp;paper=a4"' in letter
    odd = client.get("/admin/events/devconf/badges?paper=a0", headers=ADMIN).text
    assert "/admin/static/paper-a4.css" in odd
    for name in ("print.css", "paper-a4.css", "paper-letter.css", "admin.css", "admin.js"):
        assert client.get(f"/admin/static/{name}").status_code == 200
    assert client.get("/admin/static/nope.css").status_code == 404


def test_charts_draw_swaps_per_hour_and_registrations(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    empty = ET.fromstring(client.get("/admin/events/devconf/swaps.svg", headers=ADMIN).text)
    assert "No swaps yet" in "".join(empty.itertext())
    ada, bea, cid = register("Ada"), register("Bea"), register("Cid")
    ops = [
        {
            "id": str(uuid.uuid4()),
            "type": "exchange",
            "at": now(),
            "method": "qr",
            "card_token": other.card_token,
        }
        for other in (bea, cid)
    ]
    sync(client, ada, ops)
    response = client.get("/admin/events/devconf/swaps.svg", headers=ADMIN)
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(response.text)
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in svg.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert len(bars) == 1 and bars[0].find(f"{ns}title").text.endswith(": 2")  # type: ignore[union-attr]
    regs = ET.fromstring(client.get("/admin/events/devconf/registrations.svg", headers=ADMIN).text)
    assert "3 in total" in "".join(regs.itertext())
    assert "style" not in response.text  # presentation attributes only (CSP)


# -- CSP and escaping --------------------------------------------------------------------------
TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE = re.compile(r"^<script(?![^>]*\bsrc=)|^<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def inline_code(markup: str) -> list[str]:
    """Tags that would run or style inline: a script without src, <style>, style= or on*=."""
    return [t for t in TAG.findall(markup) if INLINE.search(re.sub(r'"[^"]*"', '""', t))]


def admin_urls(slug: str = "devconf") -> list[str]:
    base = f"/admin/events/{slug}"
    return [
        "/admin",
        base,
        f"{base}/badges",
        f"{base}/badges?paper=letter",
        f"{base}/poster",
        f"{base}/poster?paper=letter",
        f"{base}/swaps.svg",
        f"{base}/registrations.svg",
        f"/api/admin/events/{slug}/stats",
        f"/api/admin/events/{slug}/attendees.csv",
    ]


def test_no_inline_script_or_style_and_user_text_escaped(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    evil = '<img src=x onerror="alert(1)">'
    created = client.post(
        "/api/admin/events", json={"slug": "xss", "name": f"Conf {evil}"}, headers=ADMIN
    )
    assert created.status_code == 201
    import_csv(
        client, f'name,email,org,title\n"A {evil}",a@example.org,"<script>x()</script>",t\n', "xss"
    )
    signed_in(client)
    pages = [client.get(url, headers=HTML) for url in admin_urls("xss")]
    pages.append(client.get("/admin", headers=HTML))
    pages.append(
        client.post("/admin/events", data={"slug": "Bad", "name": evil}, headers={**ORIGIN, **HTML})
    )
    pages.append(upload(client, f"name,email\n{evil},bad\n".encode(), "xss"))
    for page in pages:
        assert page.status_code in (200, 422), page.url
        text = page.text
        if page.headers["content-type"].startswith(("text/html", "image/svg")):
            assert inline_code(text) == [], page.url
            assert "<img src=x" not in text and "<script>x()" not in text
            assert "content-security-policy" in page.headers
        if page.headers["content-type"].startswith("text/html"):
            assert page.headers["cache-control"] == "no-store"
    assert "&lt;img src=x" in pages[1].text


# -- privacy -----------------------------------------------------------------------------------
PEOPLE = ("Alice Anders", "Bob Brown", "Carol Chen", "Dave Dorsey", "Erin Evans")
SECRETS = ("met-by-the-coffee-xyzzy", "secret-tag-plugh", "EXTERNAL-PAPER-CARD-FROBOZZ")


@pytest.fixture
def signed_in_client(client: TestClient) -> Iterator[TestClient]:
    yield signed_in(client)


def snapshot(client: TestClient) -> dict[str, str]:
    """Every admin page and endpoint, with random per-request parts masked."""
    out = {}
    for url in admin_urls():
        response = client.get(url, headers=HTML)
        assert response.status_code == 200, url
        out[url] = re.sub(r"/signin/[A-Za-z0-9_.\-]+", "/signin/…", response.text)
    return out


def name_order(text: str) -> list[str]:
    return re.findall("|".join(PEOPLE), text)


def test_no_admin_page_or_endpoint_reveals_who_met_whom(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    alice, bob, carol, dave, erin = (register(n, org=f"{n.split()[1]} Ltd") for n in PEOPLE)
    signed_in(client)
    before = snapshot(client)

    # Alice met Bob (with a note), Carol met Dave and tagged him; Erin swapped a paper card.
    sync(
        client,
        alice,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "at": now(),
                "method": "qr",
                "card_token": bob.card_token,
                "note": SECRETS[0],
            }
        ],
    )
    sync(
        client,
        carol,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "at": now(),
                "method": "nfc",
                "card_token": dave.card_token,
            },
            {
                "id": str(uuid.uuid4()),
                "type": "contact.update",
                "at": now(),
                "contact_id": f"att:{dave.id}",
                "set": {"tags": [SECRETS[1]], "starred": True},
            },
        ],
    )
    sync(
        client,
        erin,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "at": now(),
                "method": "manual",
                "contact_id": f"ext:{uuid.uuid4()}",
                "vcard": f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{SECRETS[2]}\r\nEND:VCARD\r\n",
            }
        ],
    )
    after = snapshot(client)

    assert client.get("/api/admin/events/devconf/stats").json()["exchanges"] == 3
    ids = [p.id for p in (alice, bob, carol, dave, erin)]
    for url, text in after.items():
        # Who appears where is the same as before anyone met: nothing follows the swaps.
        assert name_order(text) == name_order(before[url]), url
        for secret in SECRETS:
            assert secret not in text, (url, secret)
        assert "att:" not in text, url
        for attendee_id in ids:  # ids only where they were before (badge markup, card links)
            assert text.count(attendee_id) == before[url].count(attendee_id), url
    stats = client.get("/api/admin/events/devconf/stats").json()
    assert set(stats) == {
        "attendees",
        "active_attendees",
        "exchanges",
        "exchanges_by_hour",
        "leads_by_booth",  # booths' lead counts (DESIGN.md section 13): none here
        "leads_by_hour",
    }
    assert stats["leads_by_booth"] == [] and stats["leads_by_hour"] == []
    assert all(set(h) == {"hour", "count"} for h in stats["exchanges_by_hour"])


def test_long_badge_runs_come_in_pages(
    client: TestClient, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.endpoints import admin
    from server.organizer import badges

    monkeypatch.setattr(badges, "BADGES_PER_PAGE", 2)
    monkeypatch.setattr(admin, "EVENT_PAGE_ROWS", 2)
    rows = "".join(f"Person {c},{c}@example.org,,\n" for c in "abc")
    import_csv(client, "name,email,org,title\n" + rows)
    first = client.get("/admin/events/devconf/badges?paper=letter&q=person", headers=ADMIN).text
    assert first.count('class="badge"') == 2
    assert "Badges 1–2 of 3" in first
    assert 'href="?q=person&amp;paper=letter&amp;from=2">next</a>' in first
    second = client.get("/admin/events/devconf/badges?q=person&from=2", headers=ADMIN).text
    assert second.count('class="badge"') == 1 and ">previous</a>" in second
    assert 'href="?q=person&amp;from=2&amp;paper=letter"' in second  # paper switch keeps the page
    assert client.get("/admin/events/devconf/badges?from=x", headers=ADMIN).status_code == 422
    event_page = client.get("/admin/events/devconf", headers=ADMIN).text
    assert "Showing the first 2 of 3 attendees" in event_page


def test_sign_in_attempts_are_limited_per_address(client: TestClient) -> None:
    for _ in range(10):
        assert client.post("/admin/signin", data={"token": "guess"}).status_code == 401
    refused = client.post("/admin/signin", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert "set-cookie" not in refused.headers


def test_the_help_desk_shows_a_fresh_single_use_sign_in_qr(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    ada = import_csv(client)["attendees"][0]
    client.post("/api/admin/events", json={"slug": "other", "name": "Other"}, headers=ADMIN)
    url = f"/admin/events/devconf/attendees/{ada['id']}/signin"
    page = client.get(url, headers={**ADMIN, **HTML})
    assert page.status_code == 200 and "Sign in Ada Lovelace" in page.text
    assert "<svg" in page.text and inline_code(page.text) == []
    event_page = client.get("/admin/events/devconf", headers=ADMIN).text
    assert f'href="{url}"' in event_page
    links = re.findall(r"http://testserver/signin/[A-Za-z0-9_.\-]+", page.text)
    assert links == []  # only in the QR: not copyable from the page
    assert client.get(url, headers=ADMIN).text != page.text  # a fresh link every time

    for wrong in (
        f"/admin/events/other/attendees/{ada['id']}/signin",
        "/admin/events/devconf/attendees/nobody/signin",
        f"/admin/events/nope/attendees/{ada['id']}/signin",
    ):
        assert client.get(wrong, headers=ADMIN).status_code == 404, wrong
    assert client.get(url).status_code == 401
