"""The app is installable, and hostile card text shows as text on every page that shows it."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    ROOT,
    LiveServer,
    create_live_event,
    free_port,
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


SERVE_COPY = """
import sys, uvicorn
from pathlib import Path
from server.app import create_app
from tests.conftest import make_settings
db, web, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
app = create_app(make_settings(db, f"http://127.0.0.1:{port}", web_dir=web))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


@pytest.fixture
def server_with_own_shell(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real uvicorn serving a copy of web/ that the test may change (a deploy)."""
    web = tmp_path / "web"
    shutil.copytree(ROOT / "web", web)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_COPY, str(tmp_path / "db.sqlite"), str(web), str(port)],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", web
    finally:
        process.terminate()
        process.wait(timeout=15)


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
