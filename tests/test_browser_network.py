"""What the phone says about its network, and when it syncs, in real Chromium: "Offline" (no
network) is not "Server unreachable" (a network, but our server does not answer: it is down, a
proxy answers 502, or a venue's Wi-Fi sign-in page answers in its place); and queued swaps sync on
every trigger a browser without Background Sync (iOS, Firefox) still has."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    register_in_context,
    wait_synced,
)

SIGN_IN_PAGE = b"<!doctype html><title>Venue Wi-Fi</title><h1>Accept the terms to go online</h1>"


class _Impostor(BaseHTTPRequestHandler):
    """Whatever answers on the server's address instead of it: set `status` on a subclass."""

    status = 200

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.status == 302 and self.path != "/portal":
            self.send_response(302)
            self.send_header("Location", "/portal")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200 if self.status == 302 else self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(SIGN_IN_PAGE)))
        self.end_headers()
        self.wfile.write(SIGN_IN_PAGE)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def impostor_on(port: int, status: int) -> Iterator[None]:
    """An HTTP server on 127.0.0.1:`port` that answers every request with an HTML page: 302 to a
    sign-in page (a captive portal) or `status` itself (e.g. 502 from a proxy)."""
    handler = type("Handler", (_Impostor,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _nudge(page: Any) -> None:
    """The window gets the focus back (the person returns to the app): one of the sync triggers."""
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")


def test_status_tells_offline_from_an_unreachable_server_and_recovers(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    bea = register_in_context(browser_context(), live_server, live_event, "Bea Builder")
    ann = joined_page(synced=True)
    context, page = ann.context, ann.page
    status = page.locator("#status")
    expect(status).to_have_attribute("data-network", "online")
    expect(status).to_contain_text("Online")

    context.set_offline(True)  # the phone has no network at all
    expect(status).to_have_attribute("data-network", "offline")
    expect(status).to_contain_text("Offline")
    expect(status).not_to_contain_text("unreachable")
    context.set_offline(False)
    expect(status).to_have_attribute("data-network", "online")

    live_server.stop()  # the phone is online; our server is not
    page.goto(bea["card_url"])  # a swap, queued on the phone
    expect(page.locator("section.saved")).to_contain_text("Bea Builder")
    expect(status).to_have_attribute("data-network", "unreachable")
    expect(status).to_have_attribute("data-pending", "1")
    expect(status).to_contain_text("Server unreachable")
    expect(status).to_contain_text("retrying: no answer from the server")
    expect(status).not_to_contain_text("Online")
    assert page.evaluate("() => navigator.onLine") is True

    context.set_offline(True)  # no network beats an unreachable server
    expect(status).to_have_attribute("data-network", "offline")
    expect(status).to_contain_text("Offline")
    context.set_offline(False)
    expect(status).to_have_attribute("data-network", "unreachable")

    live_server.start()
    _nudge(page)
    wait_synced(page)
    expect(status).to_have_attribute("data-network", "online")
    expect(status).to_contain_text("Online")
    expect(status).not_to_contain_text("retrying")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (302, "a web page answered instead of the server (Wi-Fi sign-in?)"),  # captive portal
        (502, "the server answered 502"),  # a reverse proxy whose server is down
    ],
)
def test_a_page_answering_in_place_of_the_server_counts_as_unreachable(
    answer: int,
    reason: str,
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    bea = register_in_context(browser_context(), live_server, live_event, "Bea Builder")
    ann = joined_page(synced=True)
    page = ann.page
    status = page.locator("#status")

    live_server.stop()
    with impostor_on(live_server.port, answer):
        page.goto(bea["card_url"])
        expect(page.locator("section.saved")).to_contain_text("Bea Builder")
        expect(status).to_have_attribute("data-network", "unreachable")
        expect(status).to_contain_text("Server unreachable")
        expect(status).to_contain_text(f"retrying: {reason}")
        expect(status).to_have_attribute("data-pending", "1")
    live_server.start()
    _nudge(page)
    wait_synced(page)
    expect(status).to_have_attribute("data-network", "online")


# No Background Sync, as on iOS and Firefox: every sync must come from the app's own triggers.
NO_BACKGROUND_SYNC = """
delete window.SyncManager;
if (window.ServiceWorkerRegistration) delete ServiceWorkerRegistration.prototype.sync;
"""


def _toggle_network(context: Any) -> None:
    context.set_offline(True)
    context.set_offline(False)


TRIGGERS: dict[str, Callable[[Any, Any], Any]] = {
    "start": lambda page, context: page.reload(),
    "focus": lambda page, context: _nudge(page),
    "visible": lambda page, context: page.evaluate(
        "() => document.dispatchEvent(new Event('visibilitychange'))"
    ),
    "online": lambda page, context: _toggle_network(context),
    "backoff timer": lambda page, context: page.clock.run_for(20_000),
}


def test_queued_swaps_sync_on_every_trigger_without_background_sync(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    people = [
        register_in_context(browser_context(), live_server, live_event, f"Person {name}")
        for name in TRIGGERS
    ]
    context = browser_context()
    context.add_init_script(NO_BACKGROUND_SYNC)
    context.clock.install()
    page = joined_page(context=context, synced=True).page
    assert page.evaluate("() => 'SyncManager' in window") is False
    # From here on the page's clock stands still unless the test moves it: no retry timer, no
    # periodic sync fires on its own.
    page.clock.pause_at(datetime.now() + timedelta(seconds=1))
    status = page.locator("#status")

    for (trigger, fire), person in zip(TRIGGERS.items(), people, strict=True):
        live_server.stop()
        page.goto(person["card_url"])
        expect(page.locator("section.saved")).to_contain_text(person["attendee"]["card"]["fn"])
        expect(status).to_have_attribute("data-network", "unreachable")
        expect(status).to_have_attribute("data-pending", "1")
        live_server.start()
        page.wait_for_timeout(1500)
        expect(status).to_have_attribute("data-pending", "1")  # nothing syncs by itself
        fire(page, context)
        try:
            wait_synced(page)
        except AssertionError as exc:
            raise AssertionError(f"no sync on: {trigger}") from exc
        expect(status).to_have_attribute("data-network", "online")
    expect(status).not_to_contain_text("problem")
    held = context.request.get(f"{live_server.url}/api/contacts").json()["contacts"]
    assert sorted(c["card"]["fn"] for c in held) == sorted(f"Person {t}" for t in TRIGGERS)
