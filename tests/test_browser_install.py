"""The app is installable, and hostile card text shows as text on every page that shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    register_in_context,
    wait_for_worker,
    wait_synced,
)

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


def test_chromium_reports_no_installability_errors(
    live_server: LiveServer, persistent_context: Callable[..., Any]
) -> None:
    context = persistent_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    cdp = context.new_cdp_session(page)
    result = cdp.send("Page.getInstallabilityErrors")
    assert result["installabilityErrors"] == []
    manifest = context.request.get(live_server.url + "/manifest.webmanifest").json()
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
    assert any(i.get("purpose") == "maskable" for i in manifest["icons"])


def assert_inert(page: Any, where: str) -> None:
    assert page.evaluate("() => window.__pwned === undefined"), where
    assert page.locator("main img[src=x], #card img[src=x]").count() == 0, where
    assert page.locator("main script, #card script").count() == 0, where


def test_card_with_markup_in_every_field_is_shown_as_text_everywhere(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    evil_context = browser_context()
    evil = register_in_context(
        evil_context,
        live_server,
        event,
        HOSTILE,
        org=HOSTILE,
        title=HOSTILE,
        note=HOSTILE,
        urls=["https://example.com/?q=<script>"],
    )
    # Someone without the app: the server-rendered public card page.
    stranger = browser_context().new_page()
    stranger.goto(evil["card_url"])
    assert stranger.locator("#card h1").inner_text() == HOSTILE
    assert_inert(stranger, "public page")

    # The owner's own app: my card.
    own = evil_context.new_page()
    own.goto(live_server.url + "/card")
    own.wait_for_selector("img.qr")
    assert own.locator("main h1").first.inner_text() == HOSTILE
    assert_inert(own, "my card")

    # Another attendee's app: the swap panel, the contact list and the contact page.
    ann = browser_context().new_page()
    join_in_browser(ann, event["join_url"], "Ann Analyst")
    wait_for_worker(ann)
    ann.goto(evil["card_url"])
    panel = ann.wait_for_selector("section.saved")
    assert panel.query_selector("h2").inner_text() == HOSTILE[:47] + "…"  # the token's preview
    assert_inert(ann, "swap panel")
    wait_synced(ann)
    ann.click("nav >> text=Contacts")
    ann.wait_for_selector("ul.contacts li .badge.synced")
    assert ann.locator("ul.contacts .name").inner_text() == HOSTILE
    assert_inert(ann, "contact list")
    ann.click("ul.contacts a")
    ann.wait_for_selector("section.contact")
    assert ann.locator("section.contact h1").inner_text() == HOSTILE
    assert HOSTILE in ann.locator("section.contact .note").inner_text()
    assert_inert(ann, "contact page")
