"""Staff mode in Chromium: two staff phones of one booth, offline all the while they scan, rate
and note, converge to one lead list once back online; the scanned attendee then withdraws their
card in their own app, and it leaves every staff phone's list and the exports.

Each phone is a browser context of its own whose camera is a canvas the test paints QR codes on
(an init script hands it to getUserMedia): the app's real camera, decoder and storage paths run.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import urllib.request
from typing import Any

import segno
from playwright.sync_api import expect

from tests.conftest import (
    ADMIN,
    LiveServer,
    create_live_event,
    poll,
    register_in_context,
    wait_for_worker,
    wait_synced,
)
from tests.server_state import read_rows, register_over_http

# The phone's camera: a canvas showing whatever QR code the test last put up (window.showQr).
CAMERA = """(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const g = canvas.getContext('2d');
  window.showQr = (src) => new Promise((done) => {
    const img = new Image();
    img.onload = () => { window.qrImage = img; done(true); };
    img.src = src;
  });
  setInterval(() => {
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 640, 480);
    if (window.qrImage) g.drawImage(window.qrImage, 170, 90, 300, 300);
  }, 100);
  const stream = canvas.captureStream(10);
  if (window.MediaDevices) MediaDevices.prototype.getUserMedia = async () => stream;
})();"""


def qr_png(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text.upper(), error="m").save(buffer, kind="png", scale=8, border=4)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def make_booth(server: LiveServer, slug: str) -> dict[str, Any]:
    body = {
        "name": "Acme Kilns",
        "questions": [
            {"kind": "rating", "label": "Interest"},
            {"kind": "yesno", "label": "Wants a demo"},
        ],
    }
    request = urllib.request.Request(
        f"{server.url}/api/admin/events/{slug}/booths",
        method="POST",
        data=json.dumps(body).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read()))


def staff_phone(new_context: Any, booth: dict[str, Any]) -> Any:
    """A phone that opened the booth's staff link: on the booth screen, the worker in charge."""
    context = new_context()
    context.add_init_script(CAMERA)
    page = context.new_page()
    page.goto(booth["staff_join_url"])
    expect(page.locator("section.booth h1")).to_have_text("Acme Kilns")
    wait_for_worker(page)
    return page


def scan(
    page: Any, person: dict[str, Any], *, rating: str = "", demo: str = "", note: str = ""
) -> None:
    """Hold an attendee's badge to the phone's camera, answer, note, save."""
    page.evaluate("(png) => window.showQr(png)", qr_png(person["card_url"]))
    panel = page.locator("section.lead-panel", has_text=person["attendee"]["card"]["fn"])
    expect(panel).to_be_visible(timeout=20000)
    expect(panel.locator(".saved-badge")).to_contain_text("saved on this phone", ignore_case=True)
    if rating:
        panel.get_by_text(rating, exact=True).click()
    if demo:
        panel.get_by_text(demo, exact=True).click()
    if note:
        panel.locator("#lead-note").fill(note)
    panel.get_by_role("button", name="Save answers").click()
    expect(page.locator(".scan-result")).to_contain_text("Scan the next badge")


def listed(page: Any) -> list[str]:
    return sorted(page.locator("ul.leads .name").all_inner_texts())


def hubspot_rows(page: Any) -> list[dict[str, str]]:
    """The HubSpot CSV the phone's export link downloads (its staff cookie signs it)."""
    href = page.locator("a", has_text="CSV for HubSpot").get_attribute("href")
    text = page.evaluate(f"fetch({json.dumps(href)}).then((r) => r.text())")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_two_offline_staff_phones_converge_and_a_withdrawn_card_leaves(
    live_server: LiveServer, browser_context: Any
) -> None:
    event = create_live_event(live_server)
    booth = make_booth(live_server, event["slug"])
    ada_phone = browser_context()
    ada = register_in_context(ada_phone, live_server, event, "Ada Lovelace", org="Analytical")
    bob = register_over_http(live_server, event, "Bob Builder")
    cy = register_over_http(live_server, event, "Cy Cooper")
    one, two = staff_phone(browser_context, booth), staff_phone(browser_context, booth)

    one.context.set_offline(True)
    two.context.set_offline(True)
    scan(one, ada, rating="Warm", note="Kilns for a school")
    scan(one, bob)
    scan(two, ada, rating="Hot", demo="Yes", note="Wants a demo on Friday")
    scan(two, cy, rating="Cold")
    for page, names in (
        (one, ["Ada Lovelace", "Bob Builder"]),
        (two, ["Ada Lovelace", "Cy Cooper"]),
    ):
        assert listed(page) == names
        expect(page.locator("ul.leads li .badge.local")).to_have_count(2)
        assert int(page.locator("#status").get_attribute("data-pending") or 0) >= 2
    assert read_rows(live_server.database, "SELECT count(*) FROM leads") == [(0,)]

    one.context.set_offline(False)
    two.context.set_offline(False)
    for page in (one, two, one):  # the first phone syncs again to receive the second's leads
        page.reload()
        wait_synced(page)
    everyone = ["Ada Lovelace", "Bob Builder", "Cy Cooper"]
    for page in (one, two):
        expect(page.locator("ul.leads li")).to_have_count(3)
        assert listed(page) == everyone
    assert read_rows(live_server.database, "SELECT count(*) FROM leads") == [(3,)]
    one.locator("ul.leads a", has_text="Ada Lovelace").click()
    notes = one.locator("#lead-notes").input_value()
    assert "Kilns for a school" in notes and "Wants a demo on Friday" in notes
    assert one.get_by_label("Hot").is_checked()  # the later rating won
    assert one.get_by_label("Yes").is_checked()
    one.get_by_role("link", name="Back to the booth").click()
    rows = hubspot_rows(one)
    assert sorted(r["First Name"] for r in rows) == ["Ada", "Bob", "Cy"]

    attendee = ada_phone.new_page()
    attendee.on("dialog", lambda dialog: dialog.accept())
    attendee.goto(f"{live_server.url}/contacts")
    shared = attendee.locator(".shares li", has_text="You shared your card with Acme Kilns")
    expect(shared).to_be_visible()
    shared.get_by_role("button", name="Withdraw").click()
    expect(attendee.locator(".shares-box")).to_be_hidden()
    assert ada["attendee"]["id"]

    for page in (one, two):
        page.goto(f"{live_server.url}/booth")
        wait_synced(page)
        expect(page.locator("ul.leads li")).to_have_count(2)
        assert listed(page) == ["Bob Builder", "Cy Cooper"]
    assert sorted(r["First Name"] for r in hubspot_rows(two)) == ["Bob", "Cy"]
    poll(two, "() => !document.body.innerText.includes('Ada Lovelace')")
