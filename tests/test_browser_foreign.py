"""Foreign cards in real Chromium: a plain vCard QR from another product becomes an external
contact, previewed on the phone at once and replaced by the server's parsed card after sync;
a QR with some other link is shown, never followed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.conftest import (
    FAKE_CAMERA_ARGS,
    LiveServer,
    create_live_event,
    join_in_browser,
    wait_synced,
    write_qr_y4m,
)

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Okafor;Ngozi;;;\r\nFN:Ngozi Okafor\r\n"
    "ORG:Lagos Labs\\, Ltd\r\nEMAIL:ngozi@lagoslabs.test\r\nTEL:+234 1 555 0100\r\n"
    "URL:https://lagoslabs.test\r\nNOTE:Paper card from the hallway\r\nEND:VCARD\r\n"
)


def test_vcard_qr_becomes_an_external_contact_synced_with_the_server_parse(
    live_server: LiveServer,
    persistent_context: Callable[..., Any],
    joined_page: Callable[..., Any],
    tmp_path: Path,
) -> None:
    video = write_qr_y4m(VCARD, tmp_path / "vcard.y4m")
    context = persistent_context([*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"])
    page = joined_page(context=context).page
    context.set_offline(True)
    page.click("nav >> text=Scan")
    saved = page.locator("section.saved")
    expect(saved).to_contain_text("Saved on this phone")
    expect(saved.locator("h2")).to_have_text("Ngozi Okafor")
    expect(saved).to_contain_text("Lagos Labs, Ltd")
    contact_id = saved.get_attribute("data-contact-id") or ""
    assert contact_id.startswith("ext:")
    page.wait_for_timeout(4500)  # the code stays in view: no second contact
    page.reload()  # the scanner starts afresh and sees the same card again
    expect(saved).to_contain_text("Already in your contacts")
    page.click("nav >> text=Contacts")
    expect(page.locator("ul.contacts li")).to_have_count(1)

    context.set_offline(False)
    wait_synced(page)
    response = context.request.post(
        f"{live_server.url}/api/sync",
        data={"device_id": "00000000-0000-4000-8000-000000000002", "cursor": None, "ops": []},
        headers={"Origin": live_server.url},
    )
    changes = response.json()["changes"]
    assert [c["id"] for c in changes] == [contact_id]
    card = changes[0]["card"]
    assert (card["fn"], card["org"], card["emails"]) == (
        "Ngozi Okafor",
        "Lagos Labs, Ltd",
        ["ngozi@lagoslabs.test"],
    )
    assert changes[0]["verified"] is False
    page.click(f"a[href='/contacts/{contact_id.replace(':', '%3A')}']")
    expect(page.locator("section.contact")).to_contain_text("From a foreign card (unverified).")
    expect(page.locator("section.contact .note")).to_have_text("Paper card from the hallway")


def test_other_links_are_shown_and_not_followed(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    page = browser_context().new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    link = "https://evil.example/phish?<b>x</b>"
    shown = page.evaluate(
        """async (text) => {
             const scan = await import('/js/screens/scan.js');
             const box = document.createElement('div');
             document.querySelector('main').append(box);
             await scan.handleScanText(text, 'qr', box);
             return [box.textContent, box.querySelectorAll('a').length, location.href];
           }""",
        link,
    )
    assert link in shown[0] and "not opened" in shown[0]
    assert shown[1] == 0
    assert shown[2].startswith(live_server.url)


def test_a_paper_card_typed_in_by_hand_syncs_as_a_manual_contact(
    live_server: LiveServer,
    joined_page: Callable[..., Any],
) -> None:
    ann = joined_page()
    context, page = ann.context, ann.page
    context.set_offline(True)
    page.click("nav >> text=Scan")
    page.click("summary")
    form = page.locator("form.manual")
    form.get_by_label("Name").fill("Kim; Lee, Jr.")
    form.get_by_label("Organisation").fill("Paper & Ink")
    form.get_by_label("Email").fill("kim@paper.test")
    form.get_by_role("button", name="Add contact").click()
    expect(page.locator("section.saved h2")).to_have_text("Kim; Lee, Jr.")
    context.set_offline(False)
    wait_synced(page)

    def server_changes() -> list[Any]:
        response = context.request.post(
            f"{live_server.url}/api/sync",
            data={"device_id": "00000000-0000-4000-8000-000000000003", "cursor": None, "ops": []},
            headers={"Origin": live_server.url},
        )
        return list(response.json()["changes"])

    # The status bar can say "synced" from the sync before the contact was added; wait for the
    # real condition (the server holds it), bounded.
    deadline = time.monotonic() + 15
    while not (changes := server_changes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    (contact,) = changes
    assert (contact["card"]["fn"], contact["card"]["org"]) == ("Kim; Lee, Jr.", "Paper & Ink")
    assert contact["card"]["emails"] == ["kim@paper.test"]
    assert contact["methods"] == ["manual"]
