"""Card links and refused swaps in real Chromium: the public page hands a swap to the app when
the phone has it signed in, and a forged card is kept visible with the server's reason."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    register_in_context,
    wait_synced,
)


def forge(token: str) -> str:
    """The same payload with a wrong signature (offline-decodable, refused by the server)."""
    raw = bytearray(base64.b32decode(token.upper() + "=" * (-len(token) % 8)))
    raw[-1] ^= 0xFF
    return base64.b32encode(bytes(raw)).decode().rstrip("=").lower()


def test_public_page_records_the_swap_for_a_signed_in_app_without_a_worker(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    bea = register_in_context(browser_context(), live_server, event, "Bea Builder")
    context = browser_context(service_workers="block")
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    page.goto(bea["card_url"])  # the server's public page, since no worker answers
    page.wait_for_url("**/contacts/att%3A*")
    expect(page.locator("section.contact h1")).to_have_text("Bea Builder")
    wait_synced(page)
    expect(page.locator("section.contact .badge.synced")).to_be_visible()

    stranger = browser_context().new_page()
    stranger.goto(bea["card_url"])
    expect(stranger.locator("#card h1")).to_have_text("Bea Builder")
    expect(stranger.locator("a", has_text="Save to contacts")).to_have_attribute(
        "href", f"/c/{bea['card_url'].rsplit('/c/', 1)[1]}.vcf"
    )
    expect(stranger.locator("a", has_text="Swap back")).to_have_attribute("href", "/join/expo")
    stranger.wait_for_timeout(300)
    assert stranger.url == bea["card_url"]  # no app on this phone: the page stays


def test_a_forged_card_is_refused_and_the_reason_stays_visible(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    bea = register_in_context(browser_context(), live_server, live_event, "Bea Builder")
    page = joined_page().page  # with the worker: the installed app decodes the link itself
    token = bea["card_url"].rsplit("/c/", 1)[1]
    page.goto(f"{live_server.url}/c/{forge(token)}")
    expect(page.locator("section.saved")).to_contain_text("Bea Builder")
    expect(page.locator("#status")).to_contain_text("1 problem")
    expect(page.locator("#status")).to_have_attribute("data-pending", "0")
    page.click("#status")
    expect(page.locator("ul.problems")).to_contain_text("Swap")
    page.click("nav >> text=Contacts")
    expect(page.locator("ul.contacts .badge.problem")).to_be_visible()


def test_a_phone_whose_session_is_gone_says_so_and_can_join_again(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    context = browser_context()
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    wait_synced(page)
    context.clear_cookies()  # e.g. the data was deleted from another device
    page.goto(event["join_url"])
    expect(page.locator("#status")).to_contain_text("signed out")
    expect(page.locator("input[name=fn]")).to_be_visible()
    page.fill("input[name=fn]", "Ann Again")
    page.click("button[type=submit]")
    page.wait_for_url("**/card")
    expect(page.locator("main h1").first).to_have_text("Ann Again")
