"""The server's pages laid out in real Chromium: Arabic mirrored (logical CSS), addresses kept
left to right, German and Arabic at 320 px with nothing wider than the screen, and the
organizer's live statistics (web/admin/admin.js) speaking the page's language."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.conftest import ADMIN, LiveServer
from tests.live_server import ADMIN_TOKEN

WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const outside = (el) => {
    const box = el.getBoundingClientRect();
    return box.right > width + 1 || box.left < -1;
  };
  const scrolls = (el) => {
    const card = el.closest('.card');
    return card && getComputedStyle(card).overflowX === 'auto';
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => outside(el) && !scrolls(el))
    .map((el) => el.tagName + '.' + el.className);
  return { scrollWidth: document.documentElement.scrollWidth, width, wide };
}"""


def api(server: LiveServer, method: str, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{server.url}{path}",
        method=method,
        data=json.dumps(body).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def event_with_people(server: LiveServer, slug: str, language: str) -> dict[str, Any]:
    event = api(
        server,
        "POST",
        "/api/admin/events",
        {"slug": slug, "name": "Summit 2026", "language": language, "time_zone": "Asia/Dubai"},
    )
    card = {
        "fn": "Ada Lovelace",
        "org": "Analytical Engines",
        "emails": ["ada.lovelace@example.org"],
        "phones": ["+971 4 555 0100"],
        "urls": ["https://ada.example.org/about"],
    }
    device = "00000000-0000-4000-8000-000000000000"
    body = {"join_code": event["join_code"], "card": card, "device_id": device}
    event["ada"] = api(server, "POST", f"/api/events/{slug}/attendees", body)
    return dict(event)


def sign_in_admin(page: Any, server: LiveServer, slug: str) -> None:
    page.goto(f"{server.url}/admin/events/{slug}")
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#stats")


def fits(page: Any) -> None:
    found = page.evaluate(WIDER_THAN_SCREEN)
    assert found["scrollWidth"] <= found["width"] and found["wide"] == [], found


def test_arabic_pages_mirror_german_and_arabic_fit_320_px_and_live_stats_speak_japanese(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    """One live server for the three (each browser test costs a server and a context)."""
    event = event_with_people(live_server, "dubai", "ar")

    # the public card page, in the event's Arabic: mirrored, the phone number left to right
    page = browser_context(viewport={"width": 320, "height": 700}, locale="ar-AE").new_page()
    page.goto(event["ada"]["card_url"])
    assert page.evaluate("() => [document.documentElement.lang, document.dir]") == ["ar", "rtl"]
    heading = page.locator("h1").bounding_box()
    assert heading is not None and heading["x"] + heading["width"] > 300  # starts at the right
    phone = page.locator("a[href^='tel:']")
    assert phone.evaluate("(a) => getComputedStyle(a).direction") == "ltr"
    box = phone.bounding_box()
    assert box is not None and box["x"] + box["width"] > 300  # the line still starts at the right
    expect(page.locator(".actions .button").first).to_have_text("الحفظ في جهات الاتصال")
    fits(page)

    # the organizer's pages at 320 px in the longest language and in Arabic
    for locale in ("de-DE", "ar"):
        context = browser_context(viewport={"width": 320, "height": 700}, locale=locale)
        page = context.new_page()
        sign_in_admin(page, live_server, "dubai")
        assert page.evaluate("() => document.documentElement.lang") == locale[:2]
        fits(page)
        page.goto(f"{live_server.url}/admin")
        fits(page)
    brand = page.locator(".brand").bounding_box()  # the Arabic one: mirrored
    signout = page.locator(".signout button").bounding_box()
    assert brand is not None and signout is not None and brand["x"] > signout["x"]
    align = page.locator("table.list th").first.evaluate("(th) => getComputedStyle(th).textAlign")
    assert align == "start"  # the right edge in a right-to-left page

    # admin.js's live statistics take their words from the page: Japanese here
    page = browser_context(locale="ja-JP").new_page()
    sign_in_admin(page, live_server, "dubai")
    status = page.locator("[data-stats-status]")
    expect(status).to_have_text("読み込み時点の値")
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # poll now
    expect(status).to_contain_text("リアルタイム · ")
    expect(page.locator('[data-stat="attendees"]')).to_have_text("1")
