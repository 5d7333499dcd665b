"""The app is installable (Chromium's prompt behind our button; Home Screen steps and the storage
warning where a browser has no prompt), and hostile card text shows as text on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    poll,
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
    assert panel.query_selector("h1").inner_text() == HOSTILE[:47] + "…"  # the token's preview
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


def test_a_changed_shell_file_offers_an_update_and_replaces_the_old_cache(
    server_with_own_shell: tuple[str, Path], browser_context: Callable[..., Any]
) -> None:
    url, web = server_with_own_shell
    page = browser_context().new_page()
    page.goto(url + "/")
    wait_for_worker(page)
    old = poll(page, "async () => (await caches.keys()).filter((k) => k.startsWith('cardswap-'))")
    assert len(old) == 1
    assert page.locator("#update").is_hidden()

    css = web / "css" / "app.css"
    css.write_text(css.read_text() + "\n.deployed { color: inherit; }\n")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    expect(page.locator("#update")).to_be_visible()
    with page.expect_navigation():
        page.click("#update-reload")
    new = poll(
        page,
        "async () => { const k = (await caches.keys()).filter((n) => n.startsWith('cardswap-'));"
        f" return k.length === 1 && k[0] !== {json.dumps(old[0])} ? k : null; }}",
    )
    assert new != old
    served = page.evaluate("async () => (await (await caches.match('/css/app.css')).text())")
    assert ".deployed" in served


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
# Counts the browser's install prompts beside the app (which keeps them for its own button).
COUNT_PROMPTS = """
window.__prompts = 0;
window.addEventListener('beforeinstallprompt', () => { window.__prompts += 1; });
"""
# What the browser reports once the app runs from the home screen.
IOS_HOME_SCREEN = "Object.defineProperty(Navigator.prototype, 'standalone', { get: () => true });"
STANDALONE_WINDOW = """
const matchMedia = window.matchMedia.bind(window);
window.matchMedia = (query) => (query.includes('display-mode: standalone')
  ? { matches: true, media: query, addEventListener() {}, removeEventListener() {} }
  : matchMedia(query));
"""
PERSISTED = "StorageManager.prototype.persisted = async () => true;"


def _my_card(page: Any, url: str) -> Any:
    """Open My card and wait until the install slot has decided what applies; the slot."""
    page.goto(url + "/card")
    page.wait_for_selector("img.qr")
    slot = page.locator(".install-slot[data-ready=true]")
    expect(slot).to_have_count(1)
    return slot


def test_iphone_safari_gets_home_screen_steps_and_the_7_day_notice_not_an_install_button(
    live_server: LiveServer,
    persistent_context: Callable[..., Any],
    joined_page: Callable[..., Any],
) -> None:
    context = persistent_context(user_agent=IPHONE_SAFARI)
    context.add_init_script(COUNT_PROMPTS)
    page = joined_page(context=context).page
    _my_card(page, live_server.url)
    poll(page, "() => window.__prompts > 0")  # Chromium offered its prompt; an iPhone has none
    steps = page.get_by_role("region", name="Add cardswap to your Home Screen")
    expect(steps).to_be_visible()
    expect(steps.locator("li")).to_have_text(
        [re.compile("Tap the Share button"), re.compile("Add to Home Screen"), re.compile("icon")]
    )
    expect(steps).to_contain_text("7 days")
    expect(page.get_by_role("button", name="Install the app")).to_have_count(0)
    wait_synced(page)  # the app synced at once all the same

    context.add_init_script(IOS_HOME_SCREEN)  # opened from the Home Screen icon
    slot = _my_card(page, live_server.url)
    assert page.evaluate("() => navigator.standalone") is True
    expect(slot.locator(".install")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("7 days")


def test_chromium_offers_its_install_prompt_and_names_the_storage_risk_only_if_not_persisted(
    live_server: LiveServer,
    persistent_context: Callable[..., Any],
    joined_page: Callable[..., Any],
) -> None:
    context = persistent_context()
    context.add_init_script(COUNT_PROMPTS)
    page = joined_page(context=context).page
    _my_card(page, live_server.url)
    poll(page, "() => window.__prompts > 0")
    assert page.evaluate("() => navigator.storage.persisted()") is False
    offer = page.get_by_role("region", name="Install cardswap")
    expect(offer).to_contain_text("may clear your card and the contacts")
    expect(offer).not_to_contain_text("7 days")
    expect(page.locator("main")).not_to_contain_text("Add to Home Screen")
    assert page.evaluate("() => window.__prompts") == 1
    page.get_by_role("button", name="Install the app").click()
    # The browser's dialog opened (headless Chromium dismisses it at once and offers its prompt
    # anew, so the button comes back: a person who said "not now" can still install later).
    poll(page, "() => window.__prompts === 2")
    expect(page.get_by_role("button", name="Install the app")).to_be_visible()

    context.add_init_script(PERSISTED)  # a browser that keeps this site's storage
    _my_card(page, live_server.url)
    poll(page, "() => window.__prompts > 0")
    expect(offer).to_be_visible()
    expect(page.get_by_role("button", name="Install the app")).to_be_visible()
    expect(offer).not_to_contain_text("may clear")

    context.add_init_script(STANDALONE_WINDOW)  # running as the installed app
    slot = _my_card(page, live_server.url)
    poll(page, "() => window.__prompts > 0")
    page.wait_for_timeout(300)  # the slot would redraw on the prompt
    expect(slot.locator(".install")).to_have_count(0)


NO_STORAGE_MANAGER = "delete Navigator.prototype.storage;"
NO_PERSIST = "delete StorageManager.prototype.persist; delete StorageManager.prototype.persisted;"


@pytest.mark.parametrize(
    ("storage", "notice"),
    [(NO_STORAGE_MANAGER, True), (NO_PERSIST, True), (PERSISTED, False)],
    ids=["no-navigator-storage", "no-persist", "persisted"],
)
def test_firefox_on_android_without_persisted_storage_is_told_how_to_install(
    storage: str, notice: bool, live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    bea = register_in_context(browser_context(), live_server, event, "Bea Builder")
    context = browser_context(user_agent=FIREFOX_ANDROID)
    context.add_init_script(storage)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    join_in_browser(page, event["join_url"], "Ann Analyst")
    wait_for_worker(page)
    slot = _my_card(page, live_server.url)
    steps = page.get_by_role("region", name="Add cardswap to your Home screen")
    if notice:
        expect(steps).to_contain_text("Firefox\u2019s menu")
        expect(steps).to_contain_text("may clear your card and the contacts")
    else:
        expect(slot.locator(".install")).to_have_count(0)
    page.goto(bea["card_url"])
    expect(page.locator("section.saved")).to_contain_text("Bea Builder")
    wait_synced(page)
    assert errors == []
