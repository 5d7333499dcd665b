"""Card photos in real Chromium: chosen on the card editor (cropped and encoded small in the
browser), saved offline and sent at the next sync; a contact's photo kept for offline use; a card
scanned offline showing initials; a long contact list loading its photos lazily."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests import images
from tests.conftest import LiveServer, poll, wait_synced
from tests.server_state import register_over_http


def photo_rows(server: LiveServer) -> list[tuple[str, str]]:
    """(owner, card_of) of every photo the server stores, read from its SQLite file."""
    with sqlite3.connect(server.db_path) as db:
        return [(str(o), str(c)) for o, c in db.execute("SELECT owner_id, card_of FROM photos")]


def upload(server: LiveServer, token: str, data: bytes) -> dict[str, Any]:
    """A photo set through the API, as another attendee's phone would."""
    request = urllib.request.Request(
        f"{server.url}/api/me/photo",
        method="PUT",
        data=data,
        headers={"Content-Type": "image/jpeg", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def loaded(page: Any, selector: str) -> int:
    """The natural width of the image `selector` finds once it has loaded (0: not loaded)."""
    return int(
        page.evaluate(
            f"() => {{ const i = document.querySelector({json.dumps(selector)});"
            " return i && i.complete ? i.naturalWidth : 0; }"
        )
    )


def choose_photo(page: Any, path: Path) -> None:
    """Open the editor, choose the file, move and zoom the crop, use it."""
    page.click("button:has-text('Edit my card')")
    page.set_input_files("label:has-text('Choose a photo') input", str(path))
    crop = page.locator("canvas.crop")
    expect(crop).to_be_visible()
    box = crop.bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 80)
    page.mouse.up()
    page.locator("input[aria-label=Zoom]").fill("1.6")
    page.click("button:has-text('Use this photo')")
    expect(page.locator("form.card-form .avatar img")).to_have_attribute(
        "src", re.compile(r"^data:image/(webp|jpeg);base64,")
    )


def test_a_photo_chosen_on_the_card_editor_is_sent_small_and_shown_on_my_card(
    live_server: LiveServer, joined_page: Callable[..., Any], tmp_path: Path
) -> None:
    ann = joined_page(synced=True)
    page = ann.page
    phone = tmp_path / "IMG_0001.jpg"
    phone.write_bytes(images.phone_jpeg())  # 4032 x 3024, with GPS in its EXIF
    sent: list[tuple[str, int]] = []
    page.on(
        "request",
        lambda r: (
            sent.append((r.headers.get("content-type", ""), len(r.post_data_buffer or b"")))
            if r.url.endswith("/api/me/photo") and r.method == "PUT"
            else None
        ),
    )
    choose_photo(page, phone)
    page.click("button:has-text('Save my card')")
    mine = page.locator("section.my-card .avatar img")
    expect(mine).to_have_attribute("src", re.compile(r"^/photos/[\w-]+/large\.jpg$"))
    poll(page, "() => document.querySelector('section.my-card .avatar img').naturalWidth === 512")
    assert photo_rows(live_server) == [(ann.attendee_id, "")]
    [(media, size)] = sent
    assert media == "image/webp" and 0 < size <= 40 * 1024, (media, size)
    expect(page.locator("section.my-card .pending-photo")).to_have_count(0)


def test_a_photo_saved_offline_is_sent_at_the_next_sync(
    live_server: LiveServer, joined_page: Callable[..., Any], tmp_path: Path
) -> None:
    ann = joined_page(synced=True)
    context, page = ann.context, ann.page
    poll(page, "async () => Boolean(await caches.match('/js/photo.js'))")  # kept after the sync
    png = tmp_path / "me.png"
    png.write_bytes(images.transparent_png())
    context.set_offline(True)
    choose_photo(page, png)
    page.click("button:has-text('Save my card')")
    expect(page.locator("#toast")).to_contain_text("Saved on this phone")
    expect(page.locator("section.my-card .pending-photo")).to_be_visible()
    expect(page.locator("section.my-card .avatar img")).to_have_attribute(
        "src", re.compile(r"^data:image/")
    )
    assert photo_rows(live_server) == []
    context.set_offline(False)
    expect(page.locator("section.my-card .pending-photo")).to_have_count(0, timeout=20000)
    assert photo_rows(live_server) == [(ann.attendee_id, "")]
    # Loaded afresh: the first try may still meet the worker's network offline for a moment,
    # when the avatar falls back to initials until the next draw.
    page.reload()
    expect(page.locator("section.my-card .avatar img")).to_have_attribute(
        "src", re.compile(r"^/photos/[\w-]+/large\.jpg$")
    )
    poll(page, "() => document.querySelector('section.my-card .avatar img')?.naturalWidth > 0")


def test_a_contacts_photo_shows_with_the_server_stopped_and_an_offline_scan_shows_initials(
    live_server: LiveServer, live_event: Any, joined_page: Callable[..., Any]
) -> None:
    bea = register_over_http(live_server, live_event, "Bea Builder")
    cy = register_over_http(live_server, live_event, "Cy Coder")
    upload(live_server, bea["token"], images.progressive_jpeg())
    ann = joined_page(synced=True)
    page = ann.page
    page.goto(bea["card_url"])
    page.wait_for_selector("section.saved")
    wait_synced(page)
    page.click("nav >> text=Contacts")
    row = "ul.contacts .contact-link .avatar img"
    expect(page.locator(row)).to_have_attribute("src", re.compile(r"^/photos/[\w-]+/small\.jpg$"))
    poll(page, f"() => document.querySelector({json.dumps(row)}).naturalWidth === 128")

    live_server.stop()
    # Only the app's own photo cache may answer now: not the server, not the HTTP cache.
    ann.context.new_cdp_session(page).send("Network.clearBrowserCache")
    page.reload()
    page.wait_for_selector("ul.contacts li")
    poll(page, f"() => document.querySelector({json.dumps(row)})?.naturalWidth === 128")
    page.click("ul.contacts .contact-link")  # its page: the large photo was never kept...
    face = "section.contact .avatar.big img"
    poll(page, f"() => document.querySelector({json.dumps(face)})?.naturalWidth === 128")

    page.goto(cy["card_url"])  # ...and a card scanned now has no photo yet: its initials
    saved = page.locator("section.saved .avatar")
    expect(saved).to_have_text("CC")
    expect(saved.locator("img")).to_have_count(0)
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('section.saved .avatar')).backgroundColor"
    ) not in ("rgba(0, 0, 0, 0)", "transparent")


def test_a_thousand_contacts_with_photos_load_them_lazily(
    live_server: LiveServer, joined_page: Callable[..., Any]
) -> None:
    ann = joined_page(synced=True)
    page = ann.page
    page.evaluate(
        """async () => {
             const { tx } = await import('/js/db.js');
             await tx(['contacts'], 'readwrite', async (s) => {
               for (let i = 0; i < 1000; i += 1) {
                 const n = String(i).padStart(12, '0');
                 const photo = {
                   small: `/photos/lazy${i}x/small.jpg`,
                   large: `/photos/lazy${i}x/large.jpg`,
                 };
                 const card = { fn: `Person ${i}`, emails: [], phones: [], urls: [], photo };
                 s.contacts.put({
                   id: `ext:00000000-0000-4000-8000-${n}`, card, verified: false,
                   met_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
                   methods: ['qr'], notes: '', tags: [], follow_up: 'none',
                   follow_up_on: null, starred: false, deleted: false,
                 });
               }
             });
           }"""
    )
    page.click("nav >> text=Contacts")
    expect(page.locator("ul.contacts li")).to_have_count(1000)
    asked = (
        "() => new Set(performance.getEntriesByType('resource')"
        ".map((e) => e.name).filter((n) => n.includes('/photos/lazy'))).size"
    )
    first = poll(page, asked)
    page.wait_for_timeout(2000)  # whatever the page asks for at first has been asked for now
    first = page.evaluate(asked)
    assert 0 < first < 100, first  # the rows near the screen, not a thousand
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    poll(page, f"() => ({asked})() > {first}")
    assert page.evaluate(asked) < 1000


def test_the_photo_cache_is_bounded_and_lets_the_oldest_go(
    live_server: LiveServer, live_event: Any, joined_page: Callable[..., Any]
) -> None:
    bea = register_over_http(live_server, live_event, "Bea Builder")
    url = upload(live_server, bea["token"], images.small_jpeg())["attendee"]["card"]["photo"]
    page = joined_page().page
    # 1,600 distinct photo URLs (the server ignores the query): past sw.js's MAX_PHOTOS of 1,500.
    kept = page.evaluate(
        """async (url) => {
             for (let i = 0; i < 1600; i += 16) {
               await Promise.all([...Array(16)].map((_, j) => fetch(`${url}?n=${i + j}`)));
             }
             const cache = await caches.open('cardswap-photos');
             const has = async (n) => Boolean(await cache.match(`${url}?n=${n}`));
             return [(await cache.keys()).length, await has(0), await has(1599)];
           }""",
        url["small"],
    )
    count, oldest, newest = kept
    assert 1500 <= count < 1550 and not oldest and newest, kept
