"""The attendee's journeys in every phone engine: Chromium (Android), WebKit (every iPhone
browser) and Firefox. One test body each, the engine a parameter (tests/engines.py).

Offline is the server process stopped: what a dead venue uplink looks like to a phone, and the
one way to cut WebKit and Firefox off that needs no switch of their own."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveServer, create_live_event
from tests.engines import ENGINES
from tests.server_state import held_contacts, register_over_http, server_ops

pytestmark = [pytest.mark.browser, pytest.mark.journey]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def join(phone: Any, join_url: str, fn: str) -> None:
    """Fill the join form as a person would, land on 'my card', and let the worker take over."""
    phone.goto(join_url)
    phone.fill("input[name=fn]", fn)
    phone.click("button[type=submit]")
    phone.wait_url("/card")
    phone.wait_visible("img.qr")
    phone.wait_for_worker()
    phone.wait_synced()


def eventually(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Wait for the server to hold something the phone sends by itself (no user action)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"still not so after {timeout} s: {what}"
        time.sleep(0.1)


def my_attendee_id(phone: Any) -> str:
    return str(phone.evaluate("fetch('/api/me').then((r) => r.json()).then((d) => d.attendee.id)"))


def open_contact(phone: Any, name: str) -> None:
    phone.click("nav a", "Contacts")
    phone.click("ul.contacts a", name)
    phone.wait_visible("section.contact textarea")


def test_a_card_opened_offline_is_kept_and_synced_once_and_mutually(
    engine: str, live_server: LiveServer, open_phone: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    bea = register_over_http(live_server, event, "Bea Builder", org="Bridges Ltd")
    bea_contact = f"att:{bea['attendee']['id']}"
    phone = open_phone(engine)
    join(phone, event["join_url"], "Ann Analyst")
    ann_id = my_attendee_id(phone)
    before = len(server_ops(live_server))

    live_server.stop(kill=True)  # the venue's uplink is gone
    phone.goto(bea["card_url"])  # what an NFC tag or the phone's camera app does
    phone.wait_text("section.saved", "Bea Builder")
    phone.wait_text("section.saved", "Saved on this phone")
    phone.wait_attribute("#status", "data-pending", "1")

    phone.reload()  # still there after a reload, served by the worker from the phone
    phone.click("nav a", "Contacts")
    phone.wait_text("ul.contacts li", "Bea Builder")
    open_contact(phone, "Bea Builder")
    phone.fill("section.contact textarea", "Bridges: wants the kiln demo")
    phone.click("section.contact button[type=submit]")
    phone.wait_visible("section.contact .badge.local")
    phone.wait_attribute("#status", "data-pending", "2")
    assert len(server_ops(live_server)) == before  # nothing reached the server

    live_server.start()  # no tap, no reload: the app finds the server by itself
    phone.wait_synced(timeout=70)
    applied = server_ops(live_server)[before:]
    assert sorted((t, r) for _, t, r in applied) == [
        ("contact.update", "applied"),
        ("exchange", "applied"),
    ]
    assert held_contacts(live_server, ann_id)[bea_contact][0] == "Bridges: wants the kiln demo"
    assert list(held_contacts(live_server, bea["attendee"]["id"])) == [f"att:{ann_id}"]

    phone.reload()  # a reload syncs again and must not send anything twice
    phone.wait_synced()
    assert len(server_ops(live_server)) == before + 2

    phone.click("nav a", "Settings")  # the export a person saves to the address book
    href = phone.evaluate(
        "[...document.querySelectorAll('a')].find((a) => a.innerText.includes('.vcf')).href"
    )
    vcf = phone.evaluate(f"fetch({json.dumps(href)}).then((r) => r.text())")
    vcf = vcf.replace("\r\n ", "")  # unfold (RFC 6350 section 3.2)
    assert vcf.count("BEGIN:VCARD") == 1
    assert "FN:Bea Builder" in vcf
    assert "Bridges: wants the kiln demo" in vcf


def test_another_device_signs_in_by_link_and_gets_every_contact(
    engine: str, live_server: LiveServer, open_phone: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    bea = register_over_http(live_server, event, "Bea Builder")
    phone = open_phone(engine)
    join(phone, event["join_url"], "Ann Analyst")
    phone.goto(bea["card_url"])
    phone.wait_text("section.saved", "Bea Builder")
    ann_id = my_attendee_id(phone)
    eventually(lambda: bool(held_contacts(live_server, ann_id)), "the swap synced")

    phone.click("nav a", "Settings")
    phone.click("button", "Show a sign-in code")
    phone.wait_visible(".signin-box a")
    link = phone.evaluate("document.querySelector('.signin-box a').href")

    tablet = open_phone(engine)
    tablet.goto(link)
    tablet.wait_visible("img.qr")
    tablet.wait_text("main h1", "Ann Analyst")
    tablet.wait_for_worker()
    tablet.click("nav a", "Contacts")
    tablet.wait_text("ul.contacts li", "Bea Builder")
    assert my_attendee_id(tablet) == my_attendee_id(phone)


def test_a_scanned_qr_is_saved_and_synced(
    engine: str, live_server: LiveServer, open_phone: Callable[..., Any]
) -> None:
    """The scan screen reads a real QR from a camera stream, on every engine.

    The engines' own fake cameras show a pattern of their own, not our picture (Chromium's
    reads a file, tests/test_browser_swap.py), so the camera here is a canvas with the QR drawn
    in it, streamed as video: the app's real getUserMedia → video → decoder path runs."""
    import segno

    event = create_live_event(live_server)
    bea = register_over_http(live_server, event, "Bea Builder")
    phone = open_phone(engine)
    join(phone, event["join_url"], "Ann Analyst")

    # The engine's own fake camera starts: getUserMedia gives a live video track.
    assert phone.evaluate(
        "navigator.mediaDevices.getUserMedia({video: true}).then((s) => {"
        " const live = s.getVideoTracks().map((t) => t.readyState);"
        " s.getTracks().forEach((t) => t.stop()); return live; })"
    ) == ["live"]

    buffer = io.BytesIO()
    segno.make(bea["card_url"].upper(), error="m").save(buffer, kind="png", scale=8, border=4)
    png = "data:image/png;base64," + __import__("base64").b64encode(buffer.getvalue()).decode()
    phone.evaluate(
        "new Promise((resolve) => { const img = new Image(); img.onload = () => {"
        " const c = document.createElement('canvas'); c.width = 640; c.height = 480;"
        " const g = c.getContext('2d'); const paint = () => { g.fillStyle = '#fff';"
        " g.fillRect(0, 0, 640, 480); g.drawImage(img, 170, 90, 300, 300); };"
        " paint(); setInterval(paint, 100); window.qrCamera = c.captureStream(10);"
        # On the prototype: WebKit may hand out a new navigator.mediaDevices wrapper later
        # (after a garbage collection), without a property set on the old one.
        " MediaDevices.prototype.getUserMedia = async () => window.qrCamera; resolve(true); };"
        f" img.src = {json.dumps(png)}; }})"
    )
    phone.click("nav a", "Scan")
    phone.wait(
        "(document.querySelector('video') || {}).srcObject === window.qrCamera",
        what="the scan screen showing our QR camera (the page was not reloaded meanwhile)",
    )
    phone.wait_text("section.saved", "Bea Builder", timeout=20)
    phone.click("nav a", "Contacts")  # synced by itself: the list says so
    phone.wait_visible("ul.contacts li .badge.synced")
    assert [(t, r) for _, t, r in server_ops(live_server)] == [("exchange", "applied")]
    assert list(held_contacts(live_server, bea["attendee"]["id"])) == [
        f"att:{my_attendee_id(phone)}"
    ]


def test_a_changed_shell_file_offers_an_update_that_takes_effect(
    engine: str, server_with_own_shell: tuple[str, Any], open_phone: Callable[..., Any]
) -> None:
    url, web = server_with_own_shell
    phone = open_phone(engine)
    phone.goto(url + "/")
    phone.wait_for_worker()
    old = phone.evaluate("caches.keys().then((k) => k.filter((n) => n.startsWith('cardswap-')))")
    assert len(old) == 1
    assert phone.evaluate("document.getElementById('update').hidden") is True

    css = web / "css" / "app.css"  # a deploy changes one shell file
    css.write_text(css.read_text() + "\n.deployed { color: inherit; }\n")
    phone.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    phone.wait_visible("#update")
    phone.click("#update-reload")
    phone.wait(
        "caches.keys().then((k) => { const ours = k.filter((n) => n.startsWith('cardswap-'));"
        f" return ours.length === 1 && ours[0] !== {json.dumps(old[0])}; }})",
        what="the old cache replaced by the new one",
    )
    served = phone.evaluate("caches.match('/css/app.css').then((r) => r.text())")
    assert ".deployed" in served
    phone.wait("document.readyState === 'complete' && document.getElementById('update').hidden")
