"""Measure the web shell: Lighthouse (mobile) scores, bytes on first load, QR-decoded-to-saved.

Run: `.venv/bin/python scripts/bench/web_shell.py`. Starts its own `cardswap serve` on a temp
database, runs Lighthouse 12.2.3 (installed on first use into scripts/bench/lighthouse/ from its
own package.json and lock file, so the app's node_modules stay small) with Debian Chromium, then
Playwright:
- first load: every byte the page and its service worker fetch until the shell is precached;
- save: the time from a decoded QR text to the swap committed to IndexedDB ("saved on this
  phone"), median of 30 swaps, as a ratio to a bare IndexedDB write measured in the same page.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
ADMIN = "bench-admin-token"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import CACHED_BYTES_JS, wait_for_worker  # noqa: E402

from tests.live_server import LiveServer  # noqa: E402 (ROOT is on the path now)


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def lighthouse_bin() -> Path:
    """Lighthouse from its own lock file, installed with `npm ci` the first time."""
    binary = LIGHTHOUSE_DIR / "node_modules/.bin/lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=LIGHTHOUSE_DIR, check=True)  # fmt: skip
    return binary


def lighthouse(url: str, out: Path, cookie: str | None = None) -> dict[str, float]:
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    extra = [f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []
    subprocess.run(
        [
            str(lighthouse_bin()),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            *extra,
        ],
        check=True,
        env=env,
        timeout=300,
    )
    report = json.loads(out.read_text())
    scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    scores["total_bytes"] = report["audits"]["total-byte-weight"]["numericValue"]
    return scores


def browser_figures(base: str, event: dict[str, Any]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    cards = [
        post(
            f"{base}/api/events/{event['slug']}/attendees",
            {
                "join_code": event["join_code"],
                "card": {"fn": f"Person {i}", "org": "Bench"},
                "device_id": str(uuid.uuid4()),
            },
        )["card_url"]
        for i in range(30)
    ]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        received = {"bytes": 0}
        cdp.on(
            "Network.loadingFinished",
            lambda e: received.__setitem__("bytes", received["bytes"] + e["encodedDataLength"]),
        )
        page.goto(f"{base}/join/{event['slug']}?code={event['join_code']}")
        wait_for_worker(page, 20)
        page_bytes = received["bytes"]
        cache_bytes = page.evaluate(CACHED_BYTES_JS)
        page.fill("input[name=fn]", "Bench Runner")
        page.click("button[type=submit]")
        page.wait_for_url("**/card")
        context.set_offline(True)
        timings = page.evaluate(
            """async (urls) => {
                 const scan = await import('/js/screens/scan.js');
                 const db = await import('/js/db.js');
                 const out = { save: [], bare: [] };
                 for (const url of urls) {
                   const box = document.createElement('div');
                   await scan.handleScanText(url.toUpperCase(), 'qr', box);
                   const panel = box.querySelector('[data-save-ms]');
                   out.save.push(Number(panel.dataset.saveMs));
                   const t0 = performance.now();
                   await db.setMeta('bench', { url, at: Date.now() });
                   out.bare.push(performance.now() - t0);
                 }
                 return out;
               }""",
            cards,
        )
        browser.close()
    save = statistics.median(timings["save"])
    bare = statistics.median(timings["bare"])
    return {
        "first_load_page_bytes": page_bytes,
        "precached_bytes": cache_bytes,
        "decoded_to_saved_ms_median": save,
        "bare_idb_write_ms_median": bare,
        "save_vs_bare_ratio": save / bare if bare else float("nan"),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        server = LiveServer(db, secret="bench-secret", admin_token=ADMIN).start()
        base = server.url
        try:
            event = post(
                f"{base}/api/admin/events",
                {"slug": "bench", "name": "Bench"},
                {"Authorization": f"Bearer {ADMIN}"},
            )
            figures: dict[str, Any] = {}
            for name, path in (
                ("welcome", "/"),
                ("join", f"/join/bench?code={event['join_code']}"),
            ):
                figures[f"lighthouse_{name}"] = lighthouse(base + path, Path(tmp) / f"{name}.json")
            # Signed-in screens: an attendee with a contact, the session as a cookie header.
            join = {"join_code": event["join_code"]}
            attendees = f"{base}/api/events/bench/attendees"
            me = post(
                attendees, {**join, "card": {"fn": "Lighthouse"}, "device_id": str(uuid.uuid4())}
            )
            other = post(
                attendees, {**join, "card": {"fn": "Met Someone"}, "device_id": str(uuid.uuid4())}
            )
            swap = {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "method": "qr",
                "card_token": other["card_url"].rsplit("/c/", 1)[1],
                "at": "2026-01-01T10:00:00+00:00",
            }
            body = {"device_id": str(uuid.uuid4()), "cursor": None, "ops": [swap]}
            post(f"{base}/api/sync", body, {"Authorization": f"Bearer {me['token']}"})
            cookie = f"cardswap_session={me['token']}"
            for name in ("card", "contacts", "settings"):
                out = Path(tmp) / f"{name}.json"
                figures[f"lighthouse_{name}"] = lighthouse(f"{base}/{name}", out, cookie)
            out = Path(tmp) / "public.json"
            figures["lighthouse_public_card"] = lighthouse(other["card_url"], out)
            figures.update(browser_figures(base, event))
        finally:
            server.stop()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
