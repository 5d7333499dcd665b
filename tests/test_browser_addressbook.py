"""Settings, "Keep my contacts in my phone's address book", in real Chromium against a live
server: create an app password, see it once with the set-up for each kind of phone, copy it,
see it listed, and revoke it; the password the page showed signs a CardDAV client in until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
from playwright.sync_api import expect

from tests.carddav_helpers import basic
from tests.conftest import LiveServer

PASSWORD = re.compile(r"^[a-z2-7]{4}(-[a-z2-7]{4}){4}$")
HEADING = "Keep my contacts in my phone\u2019s address book"


def _dav(server: LiveServer, username: str, password: str) -> int:
    """The status of a CardDAV client's first question, with these credentials."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        body = b'<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'
        return http.request(
            "PROPFIND", "/dav/", content=body, headers={**basic(username, password), "Depth": "0"}
        ).status_code


def test_create_see_once_list_and_revoke_an_app_password(
    live_server: LiveServer, joined_page: Callable[..., Any]
) -> None:
    joined = joined_page(synced=True)
    page = joined.page
    joined.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("nav.tabs a[href='/settings']")
    section = page.locator("section.addressbook")
    expect(section.locator("h2")).to_have_text(HEADING)
    expect(section).to_contain_text("No phone or app is connected yet.")

    section.locator("input[name=label]").fill("Test phone")
    section.locator("button", has_text="Create a password").click()
    fresh = section.locator(".new-password")
    expect(fresh).to_contain_text("It is shown only now")
    password = fresh.locator("input[name=password]").input_value()
    username = fresh.locator("input[name=username]").input_value()
    assert PASSWORD.match(password) and re.fullmatch(r"ann-[a-z2-7]{8}", username)
    expect(fresh.locator("input[name=carddav-url]")).to_have_value(f"{live_server.url}/dav/")
    install = fresh.locator("a", has_text="Install on this iPhone or Mac")
    assert (install.get_attribute("href") or "").startswith(f"{live_server.url}/api/dav/profiles/")
    davx5 = fresh.locator("a", has_text="Open in DAVx")
    port = live_server.url.rsplit(":", 1)[1]
    expect(davx5).to_have_attribute(
        "href", f"carddav://{username}:{password}@127.0.0.1:{port}/dav/"
    )
    expect(fresh.locator("canvas.qr")).to_be_visible()
    fresh.locator("button[aria-label='Copy the password']").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == password
    page.screenshot(
        path=str(live_server.db_path.with_name("addressbook-settings.png")), full_page=True
    )

    items = section.locator("ul.app-passwords li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Test phone")
    expect(items.first).to_contain_text("not used yet")
    assert _dav(live_server, username, password) == 207

    fresh.locator("button", has_text="Done").click()
    expect(section.locator(".new-password")).to_have_count(0)
    page.reload()
    section = page.locator("section.addressbook")
    expect(section.locator("ul.app-passwords li")).to_contain_text("last used")
    assert password not in page.content()  # shown once: nowhere on the page any more

    page.once("dialog", lambda dialog: dialog.accept())
    section.locator("button", has_text="Revoke").click()
    expect(section.locator("ul.app-passwords li")).to_have_count(0)
    expect(section).to_contain_text("No phone or app is connected yet.")
    assert _dav(live_server, username, password) == 401
