"""The core flow in real Chromium: join, show my card, scan a card with the network off, see it
saved on the phone (through a reload), come back online, and both people hold each other's card."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.conftest import (
    FAKE_CAMERA_ARGS,
    LiveServer,
    create_live_event,
    join_in_browser,
    wait_for_worker,
    wait_synced,
    write_qr_y4m,
)


def applied_exchanges(server: LiveServer) -> int:
    with sqlite3.connect(server.db_path) as db:
        row = db.execute(
            "SELECT count(*) FROM ops WHERE type = 'exchange' AND result = 'applied'"
        ).fetchone()
    return int(row[0])


def contacts_of(context: Any, server: LiveServer) -> list[dict[str, Any]]:
    """Everything the server holds for the context's attendee, through the sync API."""
    me = context.request.get(f"{server.url}/api/me").json()
    assert "attendee" in me
    body = {"device_id": "00000000-0000-4000-8000-000000000001", "cursor": None, "ops": []}
    response = context.request.post(
        f"{server.url}/api/sync", data=body, headers={"Origin": server.url}
    )
    assert response.status == 200, response.text()
    return list(response.json()["changes"])


def test_offline_qr_scan_is_saved_then_synced_and_mutual(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    persistent_context: Callable[..., Any],
    tmp_path: Path,
) -> None:
    event = create_live_event(live_server)
    bea_context = browser_context()
    bea = bea_context.new_page()
    join_in_browser(bea, event["join_url"], "Bea Builder", org="Bridges Ltd")
    card_url = bea_context.request.get(f"{live_server.url}/api/me").json()["card_url"]

    video = write_qr_y4m(card_url.upper(), tmp_path / "bea.y4m")
    ann_context = persistent_context(
        [*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
    )
    ann = ann_context.new_page()
    join_in_browser(ann, event["join_url"], "Ann Analyst", org="Acme")
    wait_for_worker(ann)
    wait_synced(ann)

    ann_context.set_offline(True)
    ann.click("nav >> text=Scan")
    saved = ann.wait_for_selector("section.saved")
    assert "Bea Builder" in saved.inner_text()
    assert "Saved on this phone" in saved.inner_text()
    expect(ann.locator("#status")).to_have_attribute("data-pending", "1")
    expect(ann.locator("#status")).to_contain_text("Offline")
    assert applied_exchanges(live_server) == 0

    ann.reload()
    ann.click("nav >> text=Contacts")
    item = ann.wait_for_selector("ul.contacts li")
    assert "Bea Builder" in item.inner_text()
    assert "Saved on this phone" in item.inner_text()

    ann_context.set_offline(False)
    wait_synced(ann)
    ann.wait_for_selector("ul.contacts li .badge.synced")
    assert applied_exchanges(live_server) == 1
    ann_holds = [c for c in contacts_of(ann_context, live_server) if not c["deleted"]]
    assert [c["card"]["fn"] for c in ann_holds] == ["Bea Builder"]
    assert ann_holds[0]["verified"] is True

    bea_holds = [c for c in contacts_of(bea_context, live_server) if not c["deleted"]]
    assert [c["card"]["fn"] for c in bea_holds] == ["Ann Analyst"]
    bea.reload()  # the app syncs on start (and on becoming visible, and every 30 s)
    bea.click("nav >> text=Contacts")
    bea.wait_for_selector("ul.contacts li >> text=Ann Analyst")
