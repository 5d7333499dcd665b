"""The follow-up list and a contact's page, settings, and deleting my data, in real Chromium."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    register_in_context,
    wait_synced,
)


def contact_row(server: LiveServer, contact_id: str) -> dict[str, Any]:
    with sqlite3.connect(server.db_path) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM contacts WHERE contact_id = ?", [contact_id]).fetchone()
    return dict(row)


def eventually(read: Callable[[], Any], ok: Callable[[Any], Any], timeout: float = 15) -> Any:
    """Read until `ok` holds (the app syncs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value):
            return value
        assert time.monotonic() < deadline, value
        time.sleep(0.1)


def test_follow_up_list_contact_actions_settings_and_deleting_my_data(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    people = {
        name: register_in_context(
            browser_context(),
            live_server,
            live_event,
            name,
            emails=[f"{name.split()[0].lower()}@x.test"],
        )
        for name in ("Bea Builder", "Cy Coder", "Dan Designer")
    }
    ids = {name: f"att:{p['attendee']['id']}" for name, p in people.items()}
    ann = joined_page(emails="ann@x.test")
    context, page = ann.context, ann.page
    for person in people.values():
        page.goto(person["card_url"])
        page.wait_for_selector("section.saved")
    wait_synced(page)

    page.goto(f"{live_server.url}/contacts/{ids['Bea Builder']}")
    page.fill("section.contact input:below(:text('Tags'))", "lead, hiring")
    page.select_option("section.contact select >> nth=0", "todo")
    page.fill("input[type=date]", "2026-12-01")
    page.check("#star")
    page.click("section.contact button[type=submit]")
    expect(page.locator("#toast")).to_have_text("Saved on this phone.")
    row = eventually(lambda: contact_row(live_server, ids["Bea Builder"]), lambda r: r["starred"])
    assert (row["follow_up"], row["follow_up_on"], row["starred"]) == ("todo", "2026-12-01", 1)
    wait_synced(page)
    expect(page.locator("section.contact .badge.synced")).to_be_visible()
    assert sorted(json.loads(row["tags"])) == ["hiring", "lead"]

    follow = page.locator("a", has_text="Email follow-up")
    href = unquote(follow.get_attribute("href") or "")
    assert href.startswith("mailto:bea@x.test?") and "Expo 2026" in href
    page.select_option("#introduce", ids["Cy Coder"])
    intro = unquote(page.locator("a", has_text="introduction").get_attribute("href") or "")
    assert intro.startswith("mailto:bea@x.test,cy@x.test?") and "Expo 2026" in intro
    save = page.locator("a", has_text="Save to phone").get_attribute("href")
    vcf = context.request.get(live_server.url + (save or ""))
    assert vcf.status == 200 and "FN:Bea Builder" in vcf.text()

    page.click("nav >> text=Contacts")
    names = page.locator("ul.contacts .name")
    expect(names).to_have_count(3)
    page.select_option("#sort", "name")
    expect(names).to_have_text(["★ Bea Builder", "Cy Coder", "Dan Designer"])
    page.fill("#search", "coder")
    expect(names).to_have_text(["Cy Coder"])
    page.fill("#search", "")
    for choice in ("todo", "starred", "tag:lead"):
        page.select_option("#filter", choice)
        expect(names).to_have_text(["★ Bea Builder"])
    export = page.locator("a", has_text="Export these (.vcf)").get_attribute("href") or ""
    exported = context.request.get(live_server.url + export).text()
    assert "Bea Builder" in exported and "Cy Coder" not in exported
    page.select_option("#filter", "")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"a[href='/contacts/{ids['Dan Designer'].replace(':', '%3A')}']")
    page.get_by_role("button", name="Delete contact").click()
    expect(names).to_have_count(2)
    eventually(lambda: contact_row(live_server, ids["Dan Designer"]), lambda r: r["deleted"])

    page.click("nav >> text=Settings")
    page.uncheck("#share-back")
    expect(page.locator("#toast")).to_have_text("Saved.")
    me = context.request.get(f"{live_server.url}/api/me").json()
    assert me["settings"] == {"share_back": False, "language": None}

    card_url = me["card_url"]
    page.get_by_role("button", name="Delete my data").click()
    expect(page.locator("main h1")).to_have_text("Swap cards at events")
    assert context.request.get(card_url).status == 404
    assert (
        page.evaluate("async () => (await import('/js/db.js')).allContacts().then((c) => c.length)")
        == 0
    )
