"""Joining from a contact file, and the sign-in code for another device, in real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.conftest import LiveServer, create_live_event

VCF = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Lovelace;Ada\r\nFN:Ada Lovelace\r\n"
    "ORG:Analytical Engines, Ltd\r\nTITLE:Countess\r\nEMAIL;INTERNET:ada@engines.test\r\n"
    "TEL;CELL:+44 20 7946 0000\r\nURL:https://engines.test\r\nEND:VCARD\r\n"
)


def test_join_with_a_card_made_from_a_contact_file(
    live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server)
    vcf = tmp_path / "me.vcf"
    vcf.write_bytes(VCF.encode())
    page = browser_context().new_page()
    page.goto(event["join_url"])
    expect(page.locator("main h1")).to_have_text("Join Expo 2026")
    expect(page.locator("input[name=join_code]")).to_have_value(event["join_code"])
    page.set_input_files("input[name=vcard]", str(vcf))
    expect(page.locator("input[name=fn]")).to_have_value("Ada Lovelace")
    expect(page.locator("input[name=org]")).to_have_value("Analytical Engines, Ltd")
    expect(page.locator("textarea[name=urls]")).to_have_value("https://engines.test")
    page.click("button[type=submit]")
    page.wait_for_url("**/card")
    expect(page.locator("main h1").first).to_have_text("Ada Lovelace")
    expect(page.locator("main .role").first).to_have_text("Countess · Analytical Engines, Ltd")
    me = page.context.request.get(f"{live_server.url}/api/me").json()
    assert me["attendee"]["card"]["phones"] == ["+44 20 7946 0000"]


def test_wrong_join_code_is_explained_and_nothing_is_stored(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    page = browser_context().new_page()
    page.goto(event["join_url"].split("?")[0] + "?code=WRONG123")
    page.fill("input[name=fn]", "Eve")
    page.click("button[type=submit]")
    expect(page.locator("form .error")).not_to_be_empty()
    assert page.url.endswith("code=WRONG123")
    assert page.evaluate("async () => (await import('/js/db.js')).getMeta('session')") is None


def test_sign_in_another_device_shows_a_scannable_code(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    import io

    import zxingcpp
    from PIL import Image

    event = create_live_event(live_server)
    page = browser_context().new_page()
    page.goto(event["join_url"])
    page.fill("input[name=fn]", "Ada Lovelace")
    page.click("button[type=submit]")
    page.wait_for_url("**/card")
    page.click("nav >> text=Settings")
    page.click("text=Show a sign-in code")
    canvas = page.locator("canvas.qr")
    expect(canvas).to_be_visible()
    link = page.locator(".signin-box a").get_attribute("href") or ""
    assert link.startswith(f"{live_server.url}/signin/")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(canvas.screenshot())))
    assert [d.text for d in decoded] == [link]

    other = browser_context().new_page()
    other.goto(link)
    expect(other.locator("main h1").first).to_have_text("Ada Lovelace")
