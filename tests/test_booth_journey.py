"""Staff mode's journey in every phone engine: Chromium (Android), WebKit (every iPhone browser)
and Firefox (tests/engines.py). A phone opens the booth's staff link, scans a badge with the
server gone (the venue's uplink down), rates the lead, and the lead reaches the server by itself
when it is back, once, with its answer; the phone's export then holds it."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import segno

from tests.conftest import LiveServer, create_live_event
from tests.engines import ENGINES
from tests.server_state import read_rows, register_over_http
from tests.test_browser_booth import make_booth

pytestmark = [pytest.mark.browser, pytest.mark.journey]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def use_canvas_camera(phone: Any) -> None:
    """The phone's camera is a canvas streamed as video, blank until show_qr puts a code up."""
    phone.evaluate(
        "(() => { const c = document.createElement('canvas'); c.width = 640; c.height = 480;"
        " const g = c.getContext('2d'); setInterval(() => { g.fillStyle = '#fff';"
        " g.fillRect(0, 0, 640, 480); if (window.qrImage) g.drawImage(window.qrImage, 170, 90,"
        " 300, 300); }, 100); window.qrCamera = c.captureStream(10);"
        # On the prototype: WebKit may hand out a new navigator.mediaDevices wrapper later,
        # without a property set on the old one.
        " MediaDevices.prototype.getUserMedia = async () => window.qrCamera; return true; })()"
    )


def show_qr(phone: Any, text: str) -> None:
    buffer = io.BytesIO()
    segno.make(text.upper(), error="m").save(buffer, kind="png", scale=8, border=4)
    png = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    phone.evaluate(
        "new Promise((resolve) => { const img = new Image();"
        " img.onload = () => { window.qrImage = img; resolve(true); };"
        f" img.src = {json.dumps(png)}; }})"
    )


def test_a_badge_scanned_offline_at_a_booth_is_rated_synced_and_exported(
    engine: str, live_server: LiveServer, open_phone: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    booth = make_booth(live_server, event["slug"])
    bea = register_over_http(live_server, event, "Bea Builder", org="Bridges Ltd")
    phone = open_phone(engine)
    phone.goto(booth["staff_join_url"])
    phone.wait_text("main h1", "Acme Kilns")
    phone.wait_for_worker()
    phone.wait_synced()

    use_canvas_camera(phone)
    phone.click("a", "Edit the questions")  # and back: the booth screen starts our camera
    phone.wait_url("/booth/questions")
    phone.click("a", "Back to the booth")
    phone.wait_url("/booth")
    phone.wait(
        "(document.querySelector('video') || {}).srcObject === window.qrCamera",
        what="the booth screen showing our camera (the page was not reloaded meanwhile)",
    )
    live_server.stop(kill=True)  # the venue's uplink is gone
    show_qr(phone, bea["card_url"])  # the badge held to the camera
    phone.wait_text("section.lead-panel", "Bea Builder", timeout=20)
    phone.wait_text("section.lead-panel .saved-badge", "saved on this phone")
    phone.click("section.lead-panel label", "Hot")
    phone.click("section.lead-panel button", "Save answers")
    phone.wait_text("ul.leads li", "Bea Builder")
    phone.wait_text("ul.leads li", "Saved on this phone")
    phone.wait_attribute("#status", "data-pending", "2")  # the scan, then its answers

    live_server.start()  # no tap: the phone finds the server by itself
    phone.wait_synced(timeout=70)
    phone.wait_text("ul.leads li", "Synced")
    rows = read_rows(live_server.database, "SELECT attendee_id, answers FROM leads")
    assert [(a, json.loads(x)) for a, x in rows] == [
        (bea["attendee"]["id"], {booth["questions"][0]["id"]: "hot"})
    ]
    applied = read_rows(live_server.database, "SELECT type, result FROM lead_ops")
    assert applied == [("lead.capture", "applied")] * 2

    href = phone.evaluate(
        "[...document.querySelectorAll('a')].find((a) => a.innerText.includes('HubSpot')).href"
    )
    text = phone.evaluate(f"fetch({json.dumps(href)}).then((r) => r.text())")
    assert text.startswith("First Name,Last Name,Email,Phone Number,Company Name")
    assert "Bea,Builder" in text and "Bridges Ltd" in text and ",Hot," in text
