"""The web app in each of its eight languages, in real Chromium: every screen at 320 px with no
text cut off or running past the screen (German is the longest), Arabic laid out mirrored with
addresses kept left to right, the language chosen in Settings kept across an offline reload and
a shell update, and names sorted and searched as their language expects.

One browser page walks every screen in every language (in-app navigation, no reloads): the
whole file runs in well under a minute."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
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
from tests.server_state import register_over_http
from tests.test_browser_links import forge
from tests.test_web_i18n_keys import LANGUAGES

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


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).first.bounding_box()
    return found


def text_edges(page: Any, selector: str) -> dict[str, float]:
    """Where the first and last letters of an element's text are drawn (x of each), and the
    text's own left and right edges: what a reader sees, whatever the box's width."""
    edges: dict[str, float] = page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          const nodes = [];
          while (walker.nextNode()) {
            if (walker.currentNode.textContent.trim()) nodes.push(walker.currentNode);
          }
          const first = nodes[0], last = nodes[nodes.length - 1];
          const at = (node, i) => { const r = document.createRange(); r.setStart(node, i);
            r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
          const all = document.createRange(); all.selectNodeContents(el);
          const whole = all.getBoundingClientRect();
          const lastIndex = last.textContent.trimEnd().length - 1;
          return { first: at(first, first.textContent.search(/\\S/)).left,
                   last: at(last, lastIndex).left, left: whole.left, right: whole.right };
        }""",
        selector,
    )
    return edges


def test_arabic_lays_every_screen_out_mirrored_with_addresses_left_to_right(
    live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server)
    bea = register_in_context(
        browser_context(), live_server, event, "Bea Builder",
        emails=["bea@bridges.example"], phones=["+971 4 123 4567"],
    )  # fmt: skip
    context = browser_context(locale="ar", viewport={"width": 320, "height": 640})
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")  # the browser's language: Arabic
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    wait_for_worker(page)  # the app, not the server's public page, answers the card link
    page.goto(bea["card_url"])
    page.wait_for_selector("section.saved")
    wait_synced_in(page, "ar")
    go(page, f"/contacts/{'att%3A' + bea['attendee']['id']}", "section.contact textarea")
    shot = tmp_path / "arabic-contact.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as png:
        assert png.size == (320, 640)

    # The brand at the inline start (the right), the status beside it to its left.
    brand, status = box(page, ".brand"), box(page, "#status")
    assert brand["x"] + brand["width"] > 320 - 20 and status["x"] < brand["x"]
    # The tabs in reading order from the right: My card rightmost, Settings leftmost.
    tabs = [
        box(page, f"nav.tabs a[href='/{p}']")["x"] for p in ("card", "scan", "contacts", "settings")
    ]
    assert tabs == sorted(tabs, reverse=True), tabs
    # Text from the right: the heading's words end at the right edge, far from the left.
    heading, main = text_edges(page, "main h2"), box(page, "main")
    assert heading["right"] > main["x"] + main["width"] - 20 and heading["left"] > main["x"] + 60
    # A phone number and an email stay left to right: "+" drawn left of the last digit.
    for link in ("a[href^='tel:']", "a[href^='mailto:bea']"):
        assert page.eval_on_selector(link, "(a) => getComputedStyle(a).direction") == "ltr"
        edges = text_edges(page, link)
        assert edges["first"] < edges["last"], (link, edges)
    # The same page in English is the control: left to right, the brand on the left.
    switch_language(page, "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    brand = box(page, ".brand")
    assert brand["x"] < 20
    tabs = [
        box(page, f"nav.tabs a[href='/{p}']")["x"] for p in ("card", "scan", "contacts", "settings")
    ]
    assert tabs == sorted(tabs), tabs


def wait_synced_in(page: Any, tag: str) -> None:
    """Nothing pending and a sync done, read in the page's language ("last sync …")."""
    words = CATALOGUES[tag]["status.last_sync"].split("{time}")[0].strip()
    expect(page.locator("#status[data-pending='0']")).to_contain_text(words, timeout=15000)


def test_the_chosen_language_survives_an_offline_reload_and_a_shell_update(
    server_with_own_shell: tuple[str, Path], browser_context: Callable[..., Any]
) -> None:
    url, web = server_with_own_shell
    event = create_live_event(LiveServer(Path("unused"), port=int(url.rsplit(":", 1)[1])))
    context = browser_context(locale="en-US")
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    wait_for_worker(page)
    switch_language(page, "ja")
    poll(
        page,
        "() => fetch('/api/me').then((r) => r.json()).then((me) => me.settings.language === 'ja')",
    )
    poll(page, "() => caches.match('/i18n/ja.json').then(Boolean)")  # kept by the worker

    context.set_offline(True)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("nav.tabs a[href='/card']")).to_have_text(CATALOGUES["ja"]["nav.card"])
    # Offline, a language this phone never downloaded: said so (in Japanese), nothing changes.
    go(page, "/settings", "#language")
    page.select_option("#language", "ar")
    note = CATALOGUES["ja"]["settings.language_offline"].replace("{language}", "العربية")
    expect(page.locator("#language-note")).to_have_text(note)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#language")).to_have_value("ja")
    # Offline, English (this phone's first language, kept) and back: redrawn in place.
    switch_language(page, "en")
    switch_language(page, "ja")

    context.set_offline(False)  # a deploy: a new shell version, the phone's catalogues carried
    old = page.evaluate(
        "caches.keys().then((k) => k.filter((n) => n.startsWith('cardswap-shell-')))"
    )
    css = web / "css" / "app.css"
    css.write_text(css.read_text() + "\n.deployed { color: inherit; }\n")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("#update:not([hidden])")
    with page.expect_navigation():  # the new version takes over and the page reloads
        page.click("#update-reload")
    poll(
        page,
        "() => caches.keys().then((k) => {"
        " const ours = k.filter((n) => n.startsWith('cardswap-shell-'));"
        f" return ours.length === 1 && ours[0] !== {json.dumps(old[0])}; }})",
    )
    kept = page.evaluate(
        "caches.keys().then((k) => caches.open(k.find((n) => n.startsWith('cardswap-shell-'))))"
        ".then((c) => c.keys()).then((r) => r.map((x) => new URL(x.url).pathname)"
        ".filter((p) => p.startsWith('/i18n/')).sort())"
    )
    assert kept == ["/i18n/en.json", "/i18n/ja.json"]  # only what this phone used
    context.set_offline(True)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("main h1")).to_have_text(CATALOGUES["ja"]["settings.title"])


MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def plain(text: str) -> str:
    """Text as read: no direction marks or isolates, Arabic-Indic digits as 0-9."""
    return text.translate(MARKS).translate(ARABIC_DIGITS)


def read_as(page: Any, selector: str, wanted: str, timeout: float = 10.0) -> None:
    """Wait until the element reads `wanted` (direction marks and isolates aside)."""
    deadline = time.monotonic() + timeout
    while True:
        got = plain(page.locator(selector).first.inner_text()).strip()
        if got == plain(wanted) or time.monotonic() > deadline:
            assert got == plain(wanted), (selector, got, wanted)
            return
        time.sleep(0.1)


def fill(template: str, **params: str) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template


@pytest.mark.parametrize(
    ("locale", "tag", "zone"), [("ja-JP", "ja", "Asia/Tokyo"), ("ar", "ar", "Asia/Dubai")]
)
def test_a_new_attendee_joins_swaps_and_follows_up_in_the_browsers_language(
    locale: str,
    tag: str,
    zone: str,
    live_server: LiveServer,
    browser_context: Callable[..., Any],
) -> None:
    """Done when (issue 16): the browser set to Japanese, then to Arabic: join, swap, follow up,
    all in that language, dates in that locale and the event's time zone, Arabic mirrored."""
    from babel.dates import format_date, format_time

    words = CATALOGUES[tag]
    event = admin_event(live_server, "expo", "Expo 2026", language=tag, time_zone=zone)
    bea = register_in_context(
        browser_context(), live_server, event, "Bea Builder", emails=["bea@bridges.example"]
    )
    page = browser_context(locale=locale, timezone_id="America/New_York").new_page()
    page.goto(event["join_url"])
    read_as(page, "main h1", fill(words["join.title_named"], event="Expo 2026"))
    assert page.evaluate("document.documentElement.dir") == ("rtl" if tag == "ar" else "ltr")
    page.fill("input[name=fn]", "山田 花子" if tag == "ja" else "هدى الخطيب")
    if tag == "ja":  # the name's reading, offered where Japanese readers expect it
        expect(page.locator("details.reading")).to_have_attribute("open", "")
        page.fill("input[name=reading_family]", "やまだ")
        page.fill("input[name=reading_given]", "はなこ")
    page.get_by_role("button", name=words["join.submit"]).click()
    page.wait_for_url("**/card")
    expect(page.locator("#toast")).to_have_text(words["join.welcome"])
    for path, key in (("card", "nav.card"), ("scan", "nav.scan"), ("settings", "nav.settings")):
        expect(page.locator(f"nav.tabs a[href='/{path}']")).to_have_text(words[key])

    wait_for_worker(page)
    page.goto(bea["card_url"])  # the swap
    expect(page.locator("section.saved .saved-badge")).to_have_text(words["saved.saved"])
    wait_synced_in(page, tag)
    page.click("nav.tabs a[href='/contacts']")
    page.click("ul.contacts a")
    page.wait_for_selector("section.contact textarea")
    met = page.evaluate("async () => (await (await import('/js/db.js')).allContacts())[0].met_at")
    when = datetime.fromisoformat(met).astimezone(ZoneInfo(zone))
    line = plain(page.locator("section.contact .contact-head p.small").last.inner_text())
    assert plain(format_date(when, "medium", locale=tag)) in line, line
    assert plain(format_time(when, "short", locale=tag)) in line, line  # the event's zone

    page.select_option("select[name=follow_up]", "todo")  # follow up
    page.fill("input[type=date]", "2026-12-01")
    page.get_by_role("button", name=words["contact.save"], exact=True).click()
    expect(page.locator("#toast")).to_have_text(words["contact.saved"])
    email = page.get_by_role("link", name=words["contact.email_follow_up"])
    query = parse_qs(urlsplit(email.get_attribute("href") or "").query)
    me = "山田 花子" if tag == "ja" else "هدى الخطيب"
    params = {"name": "Bea Builder", "event": "Expo 2026", "me": me}
    assert query["subject"] == [fill(words["draft.follow_subject"], **params)]
    assert query["body"] == [fill(words["draft.follow_body"], **params)]
    page.click("nav.tabs a[href='/contacts']")
    due = plain(page.locator("ul.contacts .badge").last.inner_text())
    assert plain(format_date(date(2026, 12, 1), "medium", locale=tag)) in due, due
    if tag == "ar":  # mirrored: the brand at the right, My card the rightmost tab
        assert box(page, ".brand")["x"] > 200
        assert (
            box(page, "nav.tabs a[href='/card']")["x"] > box(page, "nav.tabs a[href='/scan']")["x"]
        )
    if tag == "ja":
        me_now = page.evaluate("fetch('/api/me').then((r) => r.json())")
        assert me_now["attendee"]["card"]["reading"] == {"family": "やまだ", "given": "はなこ"}


def admin_event(server: LiveServer, slug: str, name: str, **fields: str) -> Any:
    """An event made through the admin API with its language and time zone."""
    import urllib.request

    from tests.conftest import ADMIN

    request = urllib.request.Request(
        f"{server.url}/api/admin/events",
        method="POST",
        data=json.dumps({"slug": slug, "name": name, **fields}).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_japanese_names_sort_by_their_reading_and_are_found_in_any_kana(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    people = [  # in reading order; 東海林 (shōji) sorts by its kanji after 田中
        ("佐藤 健", {"family": "さとう", "given": "けん"}),
        ("東海林 さだお", {"family": "しょうじ", "given": "さだお"}),
        ("田中 彩", {"family": "たなか", "given": "あや"}),
    ]
    cards = [
        register_in_context(browser_context(), live_server, event, fn, reading=reading)
        for fn, reading in people
    ]
    page = browser_context(locale="ja-JP").new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    wait_for_worker(page)
    for card in cards:
        page.goto(card["card_url"])
        page.wait_for_selector("section.saved")
    wait_synced_in(page, "ja")
    go(page, "/contacts", "ul.contacts li")
    poll(
        page,
        "async () => (await (await import('/js/db.js')).allContacts()).every((c) => c.verified)",
    )
    page.reload()  # the cards as the server holds them (with their readings)
    page.select_option("#sort", "name")
    names = page.locator("ul.contacts .name")
    by_reading = [fn for fn, _ in people]
    expect(names).to_have_text(by_reading)
    by_kanji = page.evaluate("(names) => names.sort(new Intl.Collator('ja').compare)", by_reading)
    assert by_kanji != by_reading  # the reading, not the kanji, made the order
    for typed, found in (("ショウジ", "東海林 さだお"), ("ｻﾄｳ", "佐藤 健"), ("たなか", "田中 彩")):
        page.fill("#search", typed)  # katakana, half-width, hiragana: the same reading
        expect(names).to_have_text([found])
        # The export of the searched list (the server's `q`) holds the same people.
        href = page.get_by_role("link", name=CATALOGUES["ja"]["contacts.export_these_vcf"])
        vcf = page.evaluate("(url) => fetch(url).then((r) => r.text())", href.get_attribute("href"))
        assert [fn for fn, _ in people if fn in vcf] == [found], typed


@pytest.mark.browser
def test_a_japanese_firefox_joins_swaps_and_follows_up_in_japanese(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """One engine more for the Japanese journey: Firefox with Japanese as its language."""
    from babel.dates import format_date

    from tests import engines

    words = CATALOGUES["ja"]
    event = admin_event(live_server, "expo", "Expo 2026", language="ja", time_zone="Asia/Tokyo")
    bea = register_over_http(live_server, event, "Bea Builder", emails=["bea@bridges.example"])
    phone = engines.open_firefox(tmp_path / "firefox", {"intl.accept_languages": "ja-JP, ja"})
    try:
        phone.goto(event["join_url"])
        phone.wait_text("main h1", fill(words["join.title_named"], event="Expo 2026"))
        phone.fill("input[name=fn]", "山田 花子")
        phone.fill("input[name=reading_family]", "やまだ")
        phone.click("button[type=submit]", words["join.submit"])
        phone.wait_url("/card")
        phone.wait_text("nav.tabs", words["nav.card"])
        phone.wait_for_worker()
        phone.goto(bea["card_url"])
        phone.wait_text("section.saved", words["saved.saved"])
        phone.wait_attribute("#status", "data-pending", "0")
        phone.click("nav.tabs a", words["nav.contacts"])
        phone.click("ul.contacts a", "Bea Builder")
        phone.wait_visible("section.contact textarea")
        phone.evaluate(
            "(() => { document.querySelector('select[name=follow_up]').value = 'todo';"
            " document.querySelector('input[name=follow_up_on]').value = '2026-12-01'; })()"
        )
        phone.click("section.contact button[type=submit]", words["contact.save"])
        phone.wait_text("#toast", words["contact.saved"])
        href = phone.evaluate(
            "[...document.querySelectorAll('a')].find((a) => a.textContent === "
            f"{json.dumps(words['contact.email_follow_up'])}).href"
        )
        query = parse_qs(urlsplit(href).query)
        params = {"name": "Bea Builder", "event": "Expo 2026", "me": "山田 花子"}
        assert query["body"] == [fill(words["draft.follow_body"], **params)]
        phone.click("nav.tabs a", words["nav.contacts"])
        due = fill(
            words["contacts.follow_up_by"],
            date=format_date(date(2026, 12, 1), "medium", locale="ja"),
        )
        phone.wait_text("ul.contacts", due)
    finally:
        phone.close()
