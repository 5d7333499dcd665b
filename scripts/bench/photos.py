#!/usr/bin/env python3
"""Card photos (DESIGN.md section 11): what a photo costs, against today's card in the same run.

- browser: the bytes the app's cropper sends for a phone-sized picture (a 4032 x 3024 camera
  JPEG chosen on the card editor in Chromium, cropped, encoded in the page), against the bytes of
  the same attendee's card JSON and `.vcf` measured just before;
- server: the time to decode and re-encode one photo (server.photos.encode: both sizes) for each
  kind of test image, and the bytes stored per photo (small + large), against writing one
  card's vCard with vobject (server.vcard.writer) and its JSON;
- export: `GET /api/contacts.vcf` of one attendee's contacts (10,000), every card with a photo,
  cold (vobject writes every card, the photos read from the database) and warm (the cache),
  against the same contacts without photos;
- first load: the bytes the page fetches until its service worker controls it, and the bytes the
  worker precaches, for this tree against the commit it branched from main at (`git archive`),
  in the same run.

    .venv/bin/python scripts/bench/photos.py [--quick] [--runs 3] [--contacts 10000] [--base REV]
        [--only server|browser|export|load]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _common import (
    ADMIN_TOKEN,
    CACHED_BYTES_JS,
    ROOT,
    SECRET,
    LiveServer,
    card_of,
    median,
    report,
    run,
    serving,
    temp_dir,
    wait_for_worker,
)
from export import build, download

from server import photos
from server.attendees import card_json
from server.cards import normalize_card, photo_urls
from server.tokens import Tokens
from server.vcard.writer import write_card
from tests import images

CHROMIUM = "/usr/bin/chromium"
PARTS = ("server", "browser", "export", "load")


def phone_photo() -> bytes:
    """A 12-megapixel camera JPEG with detail everywhere (what a phone's camera roll holds)."""
    out = io.BytesIO()
    images.noisy((4032, 3024), seed=9).save(out, "JPEG", quality=92)
    return out.getvalue()


def test_images() -> dict[str, bytes]:
    out = io.BytesIO()
    images.noisy((512, 512), seed=5).save(out, "WEBP", quality=70)
    return {
        "phone JPEG 12 MP": phone_photo(),
        "phone JPEG with EXIF GPS": images.phone_jpeg(),
        "progressive JPEG 1600x1200": images.progressive_jpeg(),
        "CMYK JPEG 800x800": images.cmyk_jpeg(),
        "PNG with transparency 600x600": images.transparent_png(),
        "WebP 1000x1000": images.webp(),
        "WebP 512x512 (what the app sends)": out.getvalue(),
    }


# -- the server's re-encode ----------------------------------------------------------------------
def server_figures(repeats: int) -> dict[str, Any]:
    card = normalize_card(card_of(7))
    vcard_s, json_s = [], []
    for _ in range(max(50, repeats * 20)):
        started = time.perf_counter()
        write_card(card, "urn:uuid:x")
        vcard_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        card_json(card)
        json_s.append(time.perf_counter() - started)
    rows: dict[str, Any] = {}
    for name, data in test_images().items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            encoded = photos.encode(data)
            times.append(time.perf_counter() - started)
        rows[name] = {
            "input_bytes": len(data),
            "encode_s": median(times),
            "stored_bytes": len(encoded.small) + len(encoded.large),
            "small_bytes": len(encoded.small),
            "large_bytes": len(encoded.large),
        }
    return {
        "vcard_write_s": median(vcard_s),
        "json_s": median(json_s),
        "card_json_bytes": len(card_json(card).encode()),
        "card_vcard_bytes": len(write_card(card, "urn:uuid:x").encode()),
        "images": rows,
    }


# -- the browser's encode ------------------------------------------------------------------------
def _post(url: str, body: Any, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def browser_figures(tmp: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    picture = tmp / "IMG_0001.jpg"
    picture.write_bytes(phone_photo())
    with serving(tmp / "browser.db") as server, sync_playwright() as driver:
        event = _post(
            f"{server.url}/api/admin/events",
            {"slug": "bench", "name": "Bench"},
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(event["join_url"])
        for name, value in card_of(7).items():
            page.fill(f"[name={name}]", value if isinstance(value, str) else "\n".join(value))
        page.click("button[type=submit]")
        page.wait_for_url("**/card")
        card = page.evaluate("async () => (await (await fetch('/api/me')).json()).attendee.card")
        token = page.evaluate("async () => (await (await fetch('/api/me')).json()).card_url")
        vcf = page.evaluate(
            "async (u) => (await (await fetch(u + '.vcf')).arrayBuffer()).byteLength", token
        )
        sent: list[tuple[str, int]] = []
        page.on(
            "request",
            lambda r: (
                sent.append((r.headers.get("content-type", ""), len(r.post_data_buffer)))
                if r.url.endswith("/api/me/photo") and r.method == "PUT"
                else None
            ),
        )
        page.click("button:has-text('Edit my card')")
        started = time.perf_counter()
        page.set_input_files("label:has-text('Choose a photo') input", str(picture))
        page.wait_for_selector("canvas.crop")
        shown = time.perf_counter() - started
        started = time.perf_counter()
        page.click("button:has-text('Use this photo')")
        page.wait_for_selector("form.card-form .avatar img")
        encoded = time.perf_counter() - started
        page.click("button:has-text('Save my card')")
        page.wait_for_selector("section.my-card .avatar img[src^='/photos/']", timeout=30000)
        browser.close()
    [(media, size)] = sent
    return {
        "picture_bytes": picture.stat().st_size,
        "sent_bytes": size,
        "sent_type": media,
        "crop_shown_s": shown,
        "encode_s": encoded,
        "card_json_bytes": len(json.dumps(card, ensure_ascii=False, separators=(",", ":"))),
        "card_vcf_bytes": vcf,
    }


# -- export with photos --------------------------------------------------------------------------
def add_photos(db: Path, owner: str) -> None:
    """Give every contact's attendee a photo (its card's URLs, and the stored JPEGs)."""
    encoded = [photos.encode(data) for data in list(test_images().values())[:5]]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    rows = conn.execute("SELECT id, card FROM attendees WHERE id != ?", [owner]).fetchall()
    for n, (attendee_id, text) in enumerate(rows):
        photo_id = f"bench{n:08d}x"
        image = encoded[n % len(encoded)]
        card = {**json.loads(text), "photo": photo_urls(photo_id)}
        new = card_json(card)
        conn.execute(
            "INSERT INTO photos (id, owner_id, card_of, small, large, created_at)"
            " VALUES (?, ?, '', ?, ?, 'now')",
            [photo_id, attendee_id, image.small, image.large],
        )
        conn.execute("UPDATE attendees SET card = ? WHERE id = ?", [new, attendee_id])
        conn.execute(
            "UPDATE contacts SET card = ? WHERE linked_attendee_id = ?", [new, attendee_id]
        )
    conn.execute("COMMIT")
    conn.close()


def export_once(db: Path, owner: str) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {Tokens([SECRET]).session(owner, None)}"}
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM vcard_cache")
    with serving(db) as server:
        got = run(download(server.port, "/api/contacts.vcf", headers, 3))
    return {
        "cold_s": got[0][0],
        "warm_s": median([s for s, _ in got[1:]]),
        "mb": len(got[0][1]) / 1e6,
        "photos": float(got[0][1].count(b"PHOTO;ENCODING=b;TYPE=JPEG:")),
    }


# -- first load ----------------------------------------------------------------------------------
def main_tree(tmp: Path, base: str) -> Path:
    """`base`'s server and web app, from git, beside this tree's node_modules."""
    out = tmp / "base"
    out.mkdir()
    archive = subprocess.run(
        ["git", "archive", base, "server", "web"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    os.symlink((ROOT / "node_modules").resolve(), out / "node_modules")
    return out


def first_load(code_root: Path, db: Path) -> dict[str, int]:
    """Bytes the join page fetches until its service worker controls it; bytes precached."""
    from playwright.sync_api import sync_playwright

    server = LiveServer(db, secret=SECRET, admin_token=ADMIN_TOKEN, code_root=code_root).start()
    try:
        event = _post(
            f"{server.url}/api/admin/events",
            {"slug": "load", "name": "Load"},
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            received = {"bytes": 0}
            cdp.on(
                "Network.loadingFinished",
                lambda e: received.__setitem__("bytes", received["bytes"] + e["encodedDataLength"]),
            )
            page.goto(event["join_url"])
            wait_for_worker(page, 30)
            page_bytes = received["bytes"]
            cached = page.evaluate(CACHED_BYTES_JS)
            browser.close()
    finally:
        server.stop()
    return {"page_bytes": int(page_bytes), "precached_bytes": int(cached)}


def m(runs: list[dict[str, Any]], key: str) -> float:
    return median([float(r[key]) for r in runs])


def report_server(server: dict[str, Any]) -> None:
    vcard_s = server["vcard_write_s"]
    rows = []
    for name, figures in server["images"].items():
        rows.append(
            (
                f"{name} ({figures['input_bytes'] / 1e3:,.0f} KB)",
                f"re-encode {figures['encode_s'] * 1e3:.1f} ms"
                f" (x{figures['encode_s'] / vcard_s:,.0f} one card's vCard);"
                f" stored {figures['stored_bytes'] / 1e3:.1f} KB"
                f" ({figures['small_bytes'] / 1e3:.1f} + {figures['large_bytes'] / 1e3:.1f})",
            )
        )
    stored = median([float(f["stored_bytes"]) for f in server["images"].values()])
    vcard_b, json_b = server["card_vcard_bytes"], server["card_json_bytes"]
    rows += [
        ("baseline: one card's vCard (vobject)", f"{vcard_s * 1e6:.0f} us, {vcard_b} B"),
        ("baseline: one card's JSON", f"{server['json_s'] * 1e6:.1f} us, {json_b} B"),
        (
            "bytes stored per photo, median of the test images",
            f"{stored / 1e3:.1f} KB (x{stored / json_b:.0f} the card's JSON)",
        ),
    ]
    report("server: decode + re-encode one photo (Pillow), medians", rows)


def report_browser(b: list[dict[str, Any]]) -> None:
    sent, card_b = m(b, "sent_bytes"), m(b, "card_json_bytes")
    goal = "met" if sent <= 40960 else "NOT met"
    report(
        "browser: a 4032x3024 camera JPEG chosen on the card editor (Chromium), medians",
        [
            ("the picture chosen", f"{m(b, 'picture_bytes') / 1e6:.2f} MB"),
            ("what the app sends", f"{sent / 1e3:.1f} KB {b[0]['sent_type']} (<= 40 KB: {goal})"),
            (
                "time to show the cropper / to encode",
                f"{m(b, 'crop_shown_s'):.2f} s / {m(b, 'encode_s'):.2f} s",
            ),
            (
                "baseline: the card's JSON / .vcf",
                f"{card_b:.0f} B / {m(b, 'card_vcf_bytes'):.0f} B",
            ),
            ("ratio photo sent / card JSON", f"{sent / card_b:.0f}"),
        ],
    )


def report_export(
    contacts: int, faces: list[dict[str, float]], plain: list[dict[str, float]]
) -> None:
    def export(runs: list[dict[str, float]]) -> str:
        cold, warm, mb = m(runs, "cold_s"), m(runs, "warm_s"), m(runs, "mb")
        return f"{cold:.2f} s / {warm:.2f} s, {mb:.1f} MB, {m(runs, 'photos'):,.0f} photos"

    report(
        f"export: GET /api/contacts.vcf of {contacts:,} contacts, medians",
        [
            ("with photos: cold / warm", export(faces)),
            ("baseline without photos: cold / warm", export(plain)),
            (
                "ratio with/without: cold / warm / size",
                " / ".join(f"{m(faces, k) / m(plain, k):.1f}" for k in ("cold_s", "warm_s", "mb")),
            ),
        ],
    )


def report_load(base: str, now: list[dict[str, Any]], before: list[dict[str, Any]]) -> None:
    def grown(key: str) -> str:
        delta = m(now, key) - m(before, key)
        return f"{m(now, key):,.0f} B ({delta:+,.0f} B; {base} {m(before, key):,.0f} B)"

    worst = max(m(now, k) - m(before, k) for k in ("page_bytes", "precached_bytes"))
    report(
        f"first load of the join page: this tree against {base}, medians",
        [
            ("page bytes until the worker controls it", grown("page_bytes")),
            ("bytes the worker precaches", grown("precached_bytes")),
            ("goal: growth <= 10 KB (10,240 B)", "met" if worst <= 10240 else "NOT met"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 contacts, 1 run")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--contacts", type=int, help="contacts of the one attendee (10000)")
    parser.add_argument(
        "--base", help="git revision to compare first loads with (default: where HEAD left main)"
    )
    parser.add_argument("--only", choices=PARTS, help="measure one part only")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.contacts = args.contacts or (2_000 if args.quick else 10_000)
    parts = [args.only] if args.only else list(PARTS)
    if args.base is None:
        found = subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True
        )
        args.base = found.stdout.strip()[:12] or "main"
    print(f"photos: {', '.join(parts)}; {args.contacts:,} contacts, {args.runs} run(s)", flush=True)
    if "server" in parts:
        report_server(server_figures(3 if args.quick else 7))
    with temp_dir() as tmp:
        if "browser" in parts:
            runs = []
            for i in range(args.runs):
                (tmp / f"browser{i}").mkdir()
                runs.append(browser_figures(tmp / f"browser{i}"))
            report_browser(runs)
        if "export" in parts:
            plain_owner = build(tmp / "plain.db", args.contacts)
            faces_owner = build(tmp / "faces.db", args.contacts)
            add_photos(tmp / "faces.db", faces_owner)
            plain, faces = [], []
            for _ in range(args.runs):  # alternated, so neither gets the quieter minutes
                plain.append(export_once(tmp / "plain.db", plain_owner))
                faces.append(export_once(tmp / "faces.db", faces_owner))
            report_export(args.contacts, faces, plain)
        if "load" in parts:
            base = main_tree(tmp, args.base)
            now, before = [], []
            for i in range(args.runs):
                now.append(first_load(ROOT, tmp / f"now{i}.db"))
                before.append(first_load(base, tmp / f"base{i}.db"))
            report_load(args.base, now, before)


if __name__ == "__main__":
    main()
