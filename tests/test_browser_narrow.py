"""Every screen at 320 px, in light and dark mode, in real Chromium: nothing wider than the
screen, text contrast of at least WCAG AA, a name on every control, and no positive tabindex.

Screenshots of each screen are kept in pytest's tmp dir (and in $CARDSWAP_SHOTS if set) for
people to look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    register_in_context,
    wait_for_worker,
    wait_synced,
)
from tests.test_browser_install import FIREFOX_ANDROID, IPHONE_SAFARI

# Runs in the page: the problems a person would see on a narrow phone.
AUDIT = """() => {
  const width = document.documentElement.clientWidth;
  const out = { scrollWidth: document.documentElement.scrollWidth, wide: [], contrast: [],
    unnamed: [], tabindex: [], small: [] };
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden]');
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}: `
    + (el.textContent || '').trim().slice(0, 30);
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || ['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 || r.left < -0.5) {
      const where = `[${Math.round(r.left)}..${Math.round(r.right)}]`;
      if (!el.closest('.skip')) out.wide.push(`${name(el)} ${where}`);
    }
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (text || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
      const s = getComputedStyle(el);
      const fg = rgb(s.color);
      const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5) && s.opacity !== '0') {
        out.contrast.push(`${name(el)} ${ratio.toFixed(2)}`);
      }
    }
    if (el.matches('a[href], button, input, select, textarea, [role=img]')) {
      const label = el.getAttribute('aria-label') || el.getAttribute('alt') ||
        el.getAttribute('title') ||
        (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent) ||
        el.closest('label')?.textContent || el.textContent;
      if (!(label || '').trim() && el.type !== 'hidden') out.unnamed.push(name(el));
    }
    if (el.tabIndex > 0) out.tabindex.push(name(el));
    const tiny = r.width < 20 || r.height < 20;
    if (el.matches('input[type=checkbox]') && tiny) out.small.push(el.id);
  }
  return out;
}"""

SHOTS = Path(os.environ["CARDSWAP_SHOTS"]) if os.environ.get("CARDSWAP_SHOTS") else None


def _check(page: Any, label: str, tmp: Path) -> None:
    page.wait_for_load_state("load")
    expect(page.locator("h1, main h2").first).to_be_visible()
    for directory in [tmp, *([SHOTS] if SHOTS else [])]:
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(directory / f"{label}.png"), full_page=True)
    found = page.evaluate(AUDIT)
    assert found["scrollWidth"] <= 320, (label, found["scrollWidth"], found["wide"])
    assert found["wide"] == [], label
    assert found["contrast"] == [], label
    assert found["unnamed"] == [], label
    assert found["tabindex"] == [], label
    assert found["small"] == [], label  # checkboxes squeezed by a long label


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_fits_320_px_with_readable_contrast(
    scheme: str, live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server, name="Internationale Fachmesse für Baustoffe 2026")
    other = register_in_context(
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
    options = {"viewport": {"width": 320, "height": 640}, "color_scheme": scheme}
    visitor = browser_context(**options).new_page()
    visitor.goto(other["card_url"])
    _check(visitor, f"{scheme}-public-card", tmp_path)

    context = browser_context(**options)
    page = context.new_page()
    page.goto(event["join_url"])
    _check(page, f"{scheme}-join", tmp_path)
    join_in_browser(page, event["join_url"], "Ann Analyst", org="Analytical Engines")
    _check(page, f"{scheme}-my-card", tmp_path)
    page.click("nav >> text=Scan")
    _check(page, f"{scheme}-scan", tmp_path)
    wait_for_worker(page)  # the app, not the server's public page, answers the card link
    page.goto(other["card_url"])
    page.wait_for_selector("section.saved")
    _check(page, f"{scheme}-swap-saved", tmp_path)
    wait_synced(page)
    page.click("nav >> text=Contacts")
    expect(page.locator("ul.contacts li")).to_have_count(1)
    _check(page, f"{scheme}-contacts", tmp_path)
    page.click("ul.contacts a")
    expect(page.locator("main h1")).to_contain_text("Maximiliane")
    _check(page, f"{scheme}-contact", tmp_path)
    page.click("nav >> text=Settings")
    _check(page, f"{scheme}-settings", tmp_path)
    page.goto(f"{live_server.url}/problems")
    _check(page, f"{scheme}-problems", tmp_path)


def test_focus_moves_in_reading_order_through_my_card(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    page = browser_context(viewport={"width": 320, "height": 640}).new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.textContent.trim().slice(0, 20)"))
    first = order.index("Skip to content")
    assert order[first : first + 3] == ["Skip to content", "cardswap", order[first + 2]]
    assert order.index("Edit my card") < order.index("My card") < order.index("Settings")


@pytest.mark.parametrize(
    ("user_agent", "scheme"),
    [(IPHONE_SAFARI, "dark"), (FIREFOX_ANDROID, "light")],
    ids=["iphone-dark", "firefox-android-light"],
)
def test_install_help_and_an_unreachable_server_fit_320_px(
    user_agent: str,
    scheme: str,
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    joined_page: Callable[..., Any],
    tmp_path: Path,
) -> None:
    options = {"viewport": {"width": 320, "height": 640}, "color_scheme": scheme}
    context = browser_context(user_agent=user_agent, **options)
    page = joined_page(context=context, org="Analytical Engines").page
    expect(page.locator("section.install")).to_be_visible()
    _check(page, f"{scheme}-install-help", tmp_path)
    live_server.stop()
    page.reload()
    expect(page.locator("#status")).to_have_attribute("data-network", "unreachable")
    _check(page, f"{scheme}-server-unreachable", tmp_path)
