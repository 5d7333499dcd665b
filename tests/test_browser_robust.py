"""Review fixes, in real Chromium: contact files in old charsets, exports of a filtered list by
its filters, a contact page that keeps typed input across syncs, and NFC that fails soft."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import expect

from tests.conftest import (
    LiveServer,
    create_live_event,
    join_in_browser,
    register_in_context,
    wait_for_worker,
    wait_synced,
)

SJIS_VCF = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
    + b"FN;CHARSET=SHIFT_JIS:"
    + "山田太郎".encode("shift_jis")
    + b"\r\nORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Stra=DFenbau K=F6ln\r\n"
    + b"TITLE;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=95=94=92=B7\r\n"
    + b"EMAIL;INTERNET:taro@example.jp\r\nEND:VCARD\r\n"
)


def test_contact_file_in_shift_jis_and_latin1_fills_the_form(
    live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server)
    vcf = tmp_path / "taro.vcf"
    vcf.write_bytes(SJIS_VCF)
    page = browser_context().new_page()
    page.goto(event["join_url"])
    page.set_input_files("input[name=vcard]", str(vcf))
    expect(page.locator("input[name=fn]")).to_have_value("山田太郎")
    expect(page.locator("input[name=org]")).to_have_value("Straßenbau Köln")
    expect(page.locator("input[name=title]")).to_have_value("部長")
    expect(page.locator("textarea[name=emails]")).to_have_value("taro@example.jp")


def test_contact_file_is_read_on_the_phone_when_the_server_is_unreachable(
    live_server: LiveServer, browser_context: Callable[..., Any], tmp_path: Path
) -> None:
    event = create_live_event(live_server)
    vcf = tmp_path / "jose.vcf"
    vcf.write_bytes(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:José Müller\r\nEND:VCARD\r\n".encode("latin-1")
    )
    page = browser_context(service_workers="block").new_page()
    page.goto(event["join_url"])
    page.route("**/api/cards/from-vcard", lambda route: route.abort())
    page.set_input_files("input[name=vcard]", str(vcf))
    expect(page.locator("input[name=fn]")).to_have_value("José Müller")
    expect(page.locator("#toast")).to_contain_text("read on this phone")


def _swap_with(page: Any, server: LiveServer, event: Any, browser_context: Any) -> dict[str, str]:
    """Swap with five people by opening their card links in the app; name -> contact id."""
    # Until the worker controls the page, a card link gets the server's public page, which hands
    # the swap to the app by a redirect of its own: no "saved" panel, and a race with the next goto.
    wait_for_worker(page)
    ids = {}
    for name in ("Bea Builder", "Cy Coder", "Dan Designer", "Eli Engineer", "Fay Founder"):
        other = register_in_context(
            browser_context(), server, event, name, emails=[f"{name.split()[0].lower()}@x.test"]
        )
        page.goto(other["card_url"])
        page.wait_for_selector("section.saved")
        ids[name] = f"att:{other['attendee']['id']}"
    return ids


def _update(page: Any, contact_id: str, changes: dict[str, Any]) -> None:
    page.evaluate(
        "async ([id, set]) => (await import('/js/actions.js')).updateContact(id, set)",
        [contact_id, changes],
    )


def _sync(page: Any) -> None:
    page.evaluate("async () => (await import('/js/sync.js')).requestSync()")


def _names_in(vcf: str) -> list[str]:
    return sorted(line[3:] for line in vcf.splitlines() if line.startswith("FN:"))


def test_a_filtered_list_exports_by_its_filters_not_by_ids(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    context = browser_context()
    page = context.new_page()
    join_in_browser(page, event["join_url"], "Ann Analyst")
    ids = _swap_with(page, live_server, event, browser_context)
    for name in ("Bea Builder", "Cy Coder", "Eli Engineer"):
        _update(page, ids[name], {"tags": ["lead"]})
    _update(page, ids["Eli Engineer"], {"follow_up": "todo"})
    _sync(page)
    wait_synced(page)
    page.goto(f"{live_server.url}/contacts")
    names = page.locator("ul.contacts .name")
    expect(names).to_have_count(5)

    cases = [
        ("tag:lead", "", {"tag": ["lead"]}),
        ("tag:lead", "engineer", {"tag": ["lead"], "q": ["engineer"]}),
        ("todo", "", {"follow_up": ["todo"]}),
        ("", "x.test", {"q": ["x.test"]}),  # the search covers emails, as the server's does
    ]
    for choice, term, query in cases:
        page.select_option("#filter", choice)
        page.fill("#search", term)
        href = "/api/contacts.vcf?" + urlencode({k: v[0] for k, v in query.items()})
        expect(page.locator("a", has_text="(.vcf)")).to_have_attribute("href", href)
        shown = sorted(n.replace("★ ", "") for n in names.all_text_contents())
        exported = context.request.get(live_server.url + href)
        assert exported.status == 200
        assert _names_in(exported.text()) == shown, (choice, term)
        csv = page.locator("a", has_text="(CSV)").get_attribute("href") or ""
        assert parse_qs(urlsplit(csv).query) == query
    page.select_option("#filter", "")
    page.fill("#search", "")
    href = page.locator("a", has_text="Export all (.vcf)").get_attribute("href")
    assert href == "/api/contacts.vcf"

    # A hand-picked selection is the one export that names contacts by id.
    page.get_by_label("Select Cy Coder for export").check()
    page.get_by_label("Select Fay Founder for export").check()
    picked = page.locator("a", has_text="Export 2 selected (.vcf)")
    expect(picked).to_be_visible()
    query = parse_qs(urlsplit(picked.get_attribute("href") or "").query)
    assert query == {"ids": [f"{ids['Cy Coder']},{ids['Fay Founder']}"]}
    exported = context.request.get(live_server.url + (picked.get_attribute("href") or ""))
    assert _names_in(exported.text()) == ["Cy Coder", "Fay Founder"]
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("a", has_text="Export all (.vcf)")).to_be_visible()
    expect(page.get_by_label("Select Cy Coder for export")).not_to_be_checked()


def test_contact_page_keeps_typed_input_and_takes_changes_from_another_device(
    live_server: LiveServer,
    browser_context: Callable[..., Any],
    live_event: Any,
    joined_page: Callable[..., Any],
) -> None:
    ann = joined_page()
    context, page = ann.context, ann.page
    ids = _swap_with(page, live_server, live_event, browser_context)
    wait_synced(page)
    link = context.request.post(
        f"{live_server.url}/api/me/devices", headers={"Origin": live_server.url}
    ).json()["sign_in_url"]
    laptop = browser_context().new_page()
    laptop.goto(link)
    expect(laptop.locator("main h1").first).to_have_text("Ann Analyst")
    wait_synced(laptop)

    bea = ids["Bea Builder"]
    page.goto(f"{live_server.url}/contacts/{bea}")
    page.select_option("#introduce", ids["Cy Coder"])
    expect(page.locator("a", has_text="introduction")).to_be_visible()
    page.get_by_label("Notes").fill("Talked about kilns, half-typ")

    # The laptop changes the tags, the notes and the follow-up; the phone syncs.
    _update(laptop, bea, {"tags": ["kiln"], "notes": "From the laptop", "follow_up": "todo"})
    _sync(laptop)
    wait_synced(laptop)
    _sync(page)
    expect(page.get_by_label("Tags (comma separated)")).to_have_value("kiln")
    expect(page.get_by_label("Follow-up")).to_have_value("todo")
    expect(page.get_by_label("Notes")).to_have_value("Talked about kilns, half-typ")
    expect(page.locator("#introduce")).to_have_value(ids["Cy Coder"])
    expect(page.locator("a", has_text="introduction")).to_be_visible()

    # Saving sends only what was typed here: the laptop's tags stay.
    page.click("section.contact button[type=submit]")
    expect(page.locator("#toast")).to_have_text("Saved on this phone.")
    _sync(page)
    wait_synced(page)
    listed = context.request.get(f"{live_server.url}/api/contacts").json()["contacts"]
    contact = next(c for c in listed if c["id"] == bea)
    assert contact["notes"] == "Talked about kilns, half-typ"
    assert contact["tags"] == ["kiln"] and contact["follow_up"] == "todo"

    # An untouched page shows the newest data too.
    page.goto(f"{live_server.url}/contacts/{ids['Dan Designer']}")
    expect(page.get_by_label("Tags (comma separated)")).to_have_value("")
    _update(laptop, ids["Dan Designer"], {"tags": ["vip"], "starred": True})
    _sync(laptop)
    wait_synced(laptop)
    _sync(page)
    expect(page.get_by_label("Tags (comma separated)")).to_have_value("vip")
    expect(page.locator("#star")).to_be_checked()


FAKE_NFC = """
window.NDEFReader = class {
  async write() { throw new DOMException('NFC permission denied', 'NotAllowedError'); }
  async scan() { throw new DOMException('NFC is off', 'NotReadableError'); }
};
"""


def test_nfc_buttons_are_hidden_without_web_nfc_and_fail_soft_with_it(
    live_server: LiveServer, browser_context: Callable[..., Any]
) -> None:
    event = create_live_event(live_server)
    context = browser_context()
    page = context.new_page()
    errors: list[str] = []  # uncaught errors and rejections (Background Sync included)
    page.on("pageerror", lambda error: errors.append(str(error)))
    join_in_browser(page, event["join_url"], "Ann Analyst")
    wait_for_worker(page)
    wait_synced(page)
    assert page.evaluate("() => 'NDEFReader' in window") is False  # desktop Chromium
    expect(page.get_by_role("button", name="Edit my card")).to_be_visible()
    expect(page.get_by_role("button", name="Write my card to an NFC tag")).to_have_count(0)
    page.click("nav >> text=Scan")
    expect(page.locator("main h1")).to_have_text("Scan a card")
    expect(page.get_by_role("button", name="Tap a badge (NFC)")).to_have_count(0)

    context.add_init_script(FAKE_NFC)
    page.goto(f"{live_server.url}/card")
    write = page.get_by_role("button", name="Write my card to an NFC tag")
    write.click()
    expect(page.locator("#toast")).to_have_text("Could not write the tag: NFC permission denied")
    page.goto(f"{live_server.url}/scan")
    page.get_by_role("button", name="Tap a badge (NFC)").click()
    expect(page.locator("#toast")).to_have_text("NFC: NFC is off")
    assert errors == []
