#!/usr/bin/env python3
"""Languages (issue 16): the bytes a phone downloads on its first visit in each language, as a
ratio to English measured in the same run.

A phone downloads the shell and its own language's catalogue only (web/i18n/<tag>.json, kept by
the service worker when first fetched), never the other seven. For each language a fresh Chromium
context with that browser language opens the join page (the first-load measurement of
_common.py, as web_shell.py and photos.py take it) until the worker controls the page and holds
the catalogue:
- page bytes: what the page fetched over the network (Chrome DevTools Protocol, encoded bytes);
- worker bytes: the bodies in the worker's caches (the precached shell and the catalogue; the
  server sends them uncompressed, so this is what the worker downloaded);
- which catalogues the phone holds (exactly its own, or the run fails).
Also: the same first load if every catalogue were precached instead (English's figures plus the
other seven catalogues), and the English first load of the app before it spoke any other language
(`--base`, default 02b3173: main just before issue 16, every word inline), built with
`git archive` and served the same way in the same run.

    .venv/bin/python scripts/bench/i18n_bytes.py [--quick] [--runs 3] [--base REV]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from typing import Any

from _common import (
    ADMIN_TOKEN,
    CACHED_BYTES_JS,
    SECRET,
    SERVER_ROOT,
    LiveServer,
    median,
    report,
    serving,
    temp_dir,
)
from _common import wait_for_worker as worker_in_control
from photos import main_tree

CHROMIUM = "/usr/bin/chromium"
# The launch languages, and a browser language each is chosen for.
LOCALES = {
    "en": "en-US",
    "de": "de-DE",
    "fr": "fr-FR",
    "es": "es-ES",
    "pt-BR": "pt-BR",
    "ja": "ja-JP",
    "zh-Hans": "zh-CN",
    "ar": "ar-EG",
}
HELD_JS = """async () => { const held = [];
  for (const name of await caches.keys()) {
    for (const r of await (await caches.open(name)).keys()) {
      const path = new URL(r.url).pathname;
      if (path.startsWith('/i18n/')) held.push(path);
    }
  } return held.sort(); }"""


def admin_event(base: str) -> Any:
    request = urllib.request.Request(
        f"{base}/api/admin/events",
        data=json.dumps({"slug": "bytes", "name": "Bytes"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def first_load(browser: Any, join_url: str, tag: str, catalogues: bool = True) -> dict[str, int]:
    """One phone's first visit in `tag`'s browser language, until the worker holds the shell
    and the catalogue (`catalogues`: False for the app from before they existed)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=LOCALES[tag])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    received = {"page": 0, "network": 0}
    cdp.on(
        "Network.loadingFinished",
        lambda e: received.__setitem__("page", received["page"] + e["encodedDataLength"]),
    )
    finished: list[Any] = []  # the page's and the worker's requests (Playwright sees both)
    context.on("requestfinished", lambda request: finished.append(request))
    page.goto(join_url)
    worker_in_control(page, 30)
    deadline = time.monotonic() + 30
    while catalogues and (held := page.evaluate(HELD_JS)) != [f"/i18n/{tag}.json"]:
        assert time.monotonic() < deadline, f"{tag}: the worker holds {held}"
        time.sleep(0.1)
    assert not catalogues or page.evaluate("document.documentElement.lang") == tag
    for request in finished:
        response = request.response()
        if response is None or response.from_service_worker:
            continue  # answered from the worker's cache: no network
        sizes = request.sizes()
        received["network"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    figures = {**received, "worker": int(page.evaluate(CACHED_BYTES_JS))}
    context.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run")
    parser.add_argument("--base", default="02b3173", help="the English-only app to compare")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    from playwright.sync_api import sync_playwright

    catalogue = {
        tag: len((SERVER_ROOT / "web/i18n" / f"{tag}.json").read_bytes()) for tag in LOCALES
    }
    samples: dict[str, list[dict[str, int]]] = {tag: [] for tag in LOCALES}
    before: list[dict[str, int]] = []
    with temp_dir() as tmp, serving(tmp / "bench.db") as server, sync_playwright() as driver:
        old = LiveServer(
            tmp / "base.db",
            secret=SECRET,
            admin_token=ADMIN_TOKEN,
            code_root=main_tree(tmp, args.base),
        ).start()
        try:
            event, old_event = admin_event(server.url), admin_event(old.url)
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for _ in range(runs):
                for tag in LOCALES:  # each language in each run: the baseline beside the others
                    samples[tag].append(first_load(browser, event["join_url"], tag))
                before.append(first_load(browser, old_event["join_url"], "en", catalogues=False))
            browser.close()
        finally:
            old.stop()

    def m(runs: list[dict[str, int]], key: str) -> float:
        return median([float(r[key]) for r in runs])

    english = m(samples["en"], "network")
    rows = []
    for tag in LOCALES:
        net = m(samples[tag], "network")
        rows.append(
            (
                f"{tag} ({LOCALES[tag]})",
                f"{net:,.0f} B (x{net / english:.3f} English); catalogue {catalogue[tag]:,} B;"
                f" page {m(samples[tag], 'page'):,.0f} B,"
                f" worker caches {m(samples[tag], 'worker'):,.0f} B",
            )
        )
    every = english + sum(size for tag, size in catalogue.items() if tag != "en")
    rows.append(
        (
            "if all eight catalogues were precached",
            f"{every:,.0f} B (x{every / english:.3f} English)",
        )
    )
    old = m(before, "network")
    rows.append(
        (
            f"English before any other language ({args.base})",
            f"{old:,.0f} B; English now x{english / old:.3f} that;"
            f" page {m(before, 'page'):,.0f} B, worker caches {m(before, 'worker'):,.0f} B",
        )
    )
    report(
        f"bytes downloaded on the first load of the join page (page and worker), medians of {runs}",
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
