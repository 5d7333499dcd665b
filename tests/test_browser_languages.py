"""The web app in each of its eight languages, in real Chromium: every screen at 320 px with no
text cut off or running past the screen (German is the longest), Arabic laid out mirrored with
addresses kept left to right, the language chosen in Settings kept across an offline reload and
a shell update, and names sorted and searched as their language expects.

One browser page walks every screen in every language (in-app navigation, no reloads): the
whole file runs in well under a minute."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.conftest import (
    ROOT,
    LiveServer,
    create_live_event,
    join_in_browser,
    poll,
    register_in_context,
    wait_for_worker,
    wait_synced,
)
from tests.test_browser_links import forge

LANGUAGES = ("en", "de", "fr", "es", "pt-BR", "ja", "zh-Hans", "ar")
CATALOGUES = {tag: json.loads((ROOT / "web/i18n" / f"{tag}.json").read_text()) for tag in LANGUAGES}

# Runs in the page: what a person on a 320 px phone would see cut off or running off the screen.
# `beyond`: an element past the viewport's edges; `overflowing`: a box whose content is wider
# than the box (scrollWidth > clientWidth); `cut`: the chosen option of a select, or an empty
# field's placeholder, wider than the room the control gives it (measured with the control's font).
AUDIT = """() => {
  const width = document.documentElement.clientWidth;
  const out = { scrollWidth: document.documentElement.scrollWidth, beyond: [], overflowing: [],
    cut: [] };
  const pen = document.createElement('canvas').getContext('2d');
  const textWidth = (el, text) => {
    const s = getComputedStyle(el);
    pen.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    return pen.measureText(text).width;
  };
  const room = (el, arrow) => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - arrow;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden]');
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}: `
    + (el.textContent || el.placeholder || '').trim().slice(0, 40);
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'BR'].includes(el.tagName) || !visible(el)) continue;
    if (el.closest('.skip')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 || r.left < -0.5) {
      out.beyond.push(`${name(el)} [${Math.round(r.left)}..${Math.round(r.right)}]`);
    }
    const boxed = !['INPUT', 'TEXTAREA', 'SELECT', 'CANVAS', 'VIDEO', 'IMG'].includes(el.tagName);
    if (boxed && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      out.overflowing.push(`${name(el)} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    if (el.tagName === 'SELECT' && el.selectedOptions[0]) {
      const text = el.selectedOptions[0].text;
      if (textWidth(el, text) > room(el, 18)) out.cut.push(`${name(el)} "${text}"`);
    }
    if (el.tagName === 'INPUT' && el.placeholder && !el.value && el.type !== 'date') {
      if (textWidth(el, el.placeholder) > room(el, el.type === 'search' ? 18 : 0)) {
        out.cut.push(`${name(el)} "${el.placeholder}"`);
      }
    }
  }
  return out;
}"""


def go(page: Any, path: str, ready: str) -> None:
    """Move to `path` the way the app's own links do (history + its router), then wait."""
    page.evaluate(
        "(path) => { history.pushState(null, '', path);"
        " window.dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )
    page.wait_for_selector(ready)


def check(page: Any, label: str, tmp: Path, shots: bool = False) -> list[str]:
    """What the audit finds on this screen (every screen is looked at before the test fails)."""
    if shots:
        page.screenshot(path=str(tmp / f"{label}.png"), full_page=True)
    found = page.evaluate(AUDIT)
    problems = [*found["beyond"], *found["overflowing"], *found["cut"]]
    if found["scrollWidth"] > 320:
        problems.append(f"page {found['scrollWidth']} px wide")
    return [f"{label}: {p}" for p in problems]


def switch_language(page: Any, tag: str) -> None:
    """Settings → Language, as a person would: the page is redrawn in place."""
    go(page, "/settings", "#language")
    page.select_option("#language", tag)
    expect(page.locator("html")).to_have_attribute("lang", tag)
    expect(page.locator("main h1")).to_have_text(CATALOGUES[tag]["settings.title"])


def test_every_screen_in_every_language_fits_320_px(
    live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server, name="Internationale Fachmesse für Baustoffe 2026")
    max_card = register_in_context(
        browser_context(),
        live_server,
        event,
        "Maximiliane Käthe Schwarzenberg-Hohenlohe",
        org="Rheinisch-Westfälische Elektrizitätswerke Aktiengesellschaft",
        title="Leiterin Geschäftsentwicklung",
        emails=["maximiliane.schwarzenberg-hohenlohe@rheinisch-westfaelische-ew.example"],
        urls=["https://www.rheinisch-westfaelische-elektrizitaetswerke.example/team/maximiliane"],
        phones=["+49 201 12345678"],
    )
    token = max_card["card_url"].rsplit("/c/", 1)[1]
    forged = register_in_context(browser_context(), live_server, event, "Fay Forged")["card_url"]
    narrow = {"viewport": {"width": 320, "height": 640}}

    # A stranger's phone with the app but no card: the welcome, the join form, a card preview.
    stranger = browser_context(**narrow).new_page()
    stranger.goto(f"{live_server.url}/")
    wait_for_worker(stranger)
    seen: list[str] = []
    for tag in LANGUAGES:
        stranger.evaluate("(tag) => localStorage.setItem('cardswap.language', tag)", tag)
        stranger.goto(f"{live_server.url}/")
        expect(stranger.locator("main h1")).to_have_text(CATALOGUES[tag]["home.title"])
        seen += check(stranger, f"{tag}-home", tmp_path)
        go(stranger, f"/join/{event['slug']}?code={event['join_code']}", "input[name=join_code]")
        seen += check(stranger, f"{tag}-join", tmp_path)
        go(stranger, f"/c/{token}", "section.contact")
        seen += check(stranger, f"{tag}-card-preview", tmp_path)

    # An attendee with a swap, a follow-up date and a refused (forged) card.
    context = browser_context(**narrow)
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst", org="Analytical Engines")
    wait_for_worker(page)
    page.goto(max_card["card_url"])
    page.wait_for_selector("section.saved")
    page.goto(f"{live_server.url}/c/{forge(forged.rsplit('/c/', 1)[1])}")
    page.wait_for_selector("section.saved")
    wait_synced(page)
    contact = f"/contacts/{'att%3A' + max_card['attendee']['id']}"
    go(page, contact, "section.contact textarea")
    page.select_option("section.contact select[name=follow_up]", "todo")
    page.fill("input[type=date]", "2026-12-01")
    page.click("section.contact button[type=submit]")
    expect(page.locator("#toast")).to_have_text("Saved on this phone.")

    for tag in LANGUAGES:
        switch_language(page, tag)
        page.click("main button >> nth=0")  # Show a sign-in code
        page.wait_for_selector(".signin-box a")
        seen += check(page, f"{tag}-settings", tmp_path, shots=tag in ("de", "ar"))
        go(page, "/card", "img.qr")
        seen += check(page, f"{tag}-my-card", tmp_path)
        page.click(".my-card .row button >> nth=0")  # Edit my card
        page.wait_for_selector("form.card-form")
        seen += check(page, f"{tag}-card-editor", tmp_path)
        go(page, "/scan", "section.scan")
        page.click("details.manual-box summary")
        seen += check(page, f"{tag}-scan", tmp_path)
        go(page, f"/c/{token}", "section.saved")
        seen += check(page, f"{tag}-swap-saved", tmp_path)
        go(page, "/contacts", "ul.contacts li .badge")
        seen += check(page, f"{tag}-contacts", tmp_path, shots=tag in ("de", "ar"))
        go(page, contact, "section.contact textarea")
        seen += check(page, f"{tag}-contact", tmp_path)
        go(page, "/problems", "ul.problems li")
        seen += check(page, f"{tag}-problems", tmp_path)
    assert seen == [], "\n".join(seen)
