"""Offline behaviour in real Chromium: a /c/<token> link opened offline, two devices of one
attendee editing offline, and a server that goes away while swaps are queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    register_in_context,
    wait_for_worker,
    wait_synced,
)
from tests.server_state import held_contacts as server_contacts
from tests.server_state import server_ops as ops


def my_id(context: Any, server: LiveServer) -> str:
    return str(context.request.get(f"{server.url}/api/me").json()["attendee"]["id"])


def test_card_link_opened_offline_records_the_swap_once_online(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    bea = register_in_context(browser_context(), live_server, live_event, "Bea Builder")
    ann = joined_page(synced=True)
    context, page = ann.context, ann.page

    context.set_offline(True)
    page.goto(bea["card_url"])  # what an NFC tag or the phone camera does
    expect(page.locator("section.saved")).to_contain_text("Bea Builder")
    expect(page.locator("main h1")).to_have_text("Bea Builder")  # the page's one heading
    expect(page.locator("#status")).to_have_attribute("data-pending", "1")
    assert ops(live_server) == []

    context.set_offline(False)
    wait_synced(page)
    assert [(t, r) for _, t, r in ops(live_server)] == [("exchange", "applied")]
    held = server_contacts(live_server, my_id(context, live_server))
    assert list(held) == [f"att:{bea['attendee']['id']}"]
    assert "link" in held[f"att:{bea['attendee']['id']}"][1]


def edit_notes(page: Any, contact_id: str, notes: str) -> None:
    page.click("nav >> text=Contacts")
    page.click(f"a[href='/contacts/{contact_id.replace(':', '%3A')}']")
    page.fill("section.contact textarea", notes)
    page.click("section.contact button[type=submit]")
    expect(page.locator("section.contact .badge.local")).to_be_visible()


def test_two_devices_editing_one_contact_offline_converge(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    bea = register_in_context(browser_context(), live_server, event, "Bea Builder")
    contact_id = f"att:{bea['attendee']['id']}"
    phone_context = browser_context()
    phone = phone_context.new_page()
    join_in_browser(phone, event["join_url"], "Ann Analyst")
    wait_for_worker(phone)
    phone.goto(bea["card_url"])
    phone.wait_for_selector("section.saved")
    wait_synced(phone)

    link = phone_context.request.post(
        f"{live_server.url}/api/me/devices", headers={"Origin": live_server.url}
    ).json()["sign_in_url"]
    tablet_context = browser_context()
    tablet = tablet_context.new_page()
    tablet.goto(link)  # sets the session and lands on the app, which restores everything
    tablet.wait_for_selector("img.qr")
    wait_for_worker(tablet)
    tablet.click("nav >> text=Contacts")
    expect(tablet.locator("ul.contacts")).to_contain_text("Bea Builder")

    phone_context.set_offline(True)
    tablet_context.set_offline(True)
    edit_notes(phone, contact_id, "met at the phone booth")
    tablet.wait_for_timeout(20)
    edit_notes(tablet, contact_id, "met at the tablet stand")  # the later edit wins

    phone_context.set_offline(False)
    wait_synced(phone)
    tablet_context.set_offline(False)
    wait_synced(tablet)
    phone.reload()
    wait_synced(phone)
    for page in (phone, tablet):
        page.goto(f"{live_server.url}/contacts/{contact_id}")
        expect(page.locator("section.contact textarea")).to_have_value("met at the tablet stand")
    owner = my_id(phone_context, live_server)
    assert server_contacts(live_server, owner)[contact_id][0] == "met at the tablet stand"


def test_ops_queued_while_the_server_is_down_arrive_once_after_restart(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    people = [
        register_in_context(browser_context(), live_server, live_event, f"Person {i}")
        for i in range(3)
    ]
    ann = joined_page(synced=True)
    context, page = ann.context, ann.page
    before = len(ops(live_server))

    live_server.stop(kill=True)
    for person in people:
        page.goto(person["card_url"])
        page.wait_for_selector("section.saved")
        page.fill("#quick-note", f"note for {person['attendee']['card']['fn']}")
        page.click("section.saved button[type=submit]")
        expect(page.locator("#toast")).to_contain_text("Note saved on this phone")
    expect(page.locator("#status")).to_have_attribute("data-pending", "6")
    expect(page.locator("#status")).to_contain_text("retrying")

    live_server.start()
    wait_synced(page, timeout=40)
    applied = ops(live_server)[before:]
    assert len(applied) == 6
    assert sorted(t for _, t, _ in applied) == ["contact.update"] * 3 + ["exchange"] * 3
    assert all(r == "applied" for _, _, r in applied)
    held = server_contacts(live_server, my_id(context, live_server))
    assert sorted(n for n, _ in held.values()) == [f"note for Person {i}" for i in range(3)]
    page.reload()
    wait_synced(page)
    assert len(ops(live_server)) == before + 6


def test_a_page_loaded_past_the_worker_is_taken_over_and_gets_the_qr_decoder_offline(
    live_server: LiveServer,
    joined_page: Callable[..., Any],
) -> None:
    ann = joined_page()
    context, page = ann.context, ann.page
    # A hard reload loads the page past the worker, as does a navigation that began before the
    # worker activated (its clients.claim() came too early for it).
    cdp = context.new_cdp_session(page)
    with page.expect_navigation():
        cdp.send("Page.reload", {"ignoreCache": True})
    page.wait_for_selector("img.qr")
    wait_for_worker(page)

    context.set_offline(True)
    loaded = page.evaluate(
        "async () => { await (await import('/js/dom.js')).loadScript('/vendor/jsqr/jsQR.js');"
        " return typeof window.jsQR; }"
    )
    assert loaded == "function"
