#!/usr/bin/env python3
"""Booths (DESIGN.md section 13): a booth with 5 staff phones and 2,000 leads. Reported: the sync
of the phone that was offline all day, and the lead list's exports, each against an attendee's
contact sync and exports of the same size, measured in the same run on the same server.

The day: 2,000 attendees (bulk SQL in the real schema); each phone captured 400 of them offline,
each capture with a rating, a multiple choice and a note, and edited each lead once (800 ops a
phone). Phones 1-4 sync their day first (500-op requests, each passing its cursor on); then
phone 5, offline all day, syncs: its 800 ops, and the whole list of 2,000 leads (it starts with no
cursor), until nothing is left. The baseline is an attendee whose first device synced 4 days of
400 swaps and 400 edits, and whose second device, offline all day, then syncs its own 400 swaps
and 400 edits from no cursor (2,000 contacts back): the same requests, ops and feed size. The
exports are the booth's CSV (HubSpot columns) and `.vcf` against the attendee's CSV and `.vcf`
(cold and warm: contacts keep a vCard cache, leads do not).

On the phone (Chromium, the app's own code, each phone on its list screen; `--no-browser` leaves
it out): the 5th phone joins and syncs while the booth is empty, goes offline, the other 4 phones
sync their day, and the 5th captures and edits its 400 leads offline through the app
(js/booth-sync.js, as its screens do); back online, its whole sync is timed in the page
(requests, and every lead stored in IndexedDB) until nothing is left to send. The baseline is the
same for an attendee's second phone: signed in and synced while empty, offline while the first
device syncs 4 days of swaps, then 400 swaps and 400 edits queued through the app
(js/actions.js) and its sync timed the same way.

    .venv/bin/python scripts/bench/booths.py [--quick] [--runs 3] [--leads 2000] [--phones 5]
                                             [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import (
    ADMIN_HEADERS,
    SECRET,
    Conn,
    HTTPError,
    card_of,
    iso_now,
    median,
    report,
    run,
    serving,
    temp_dir,
    uuid7,
)

from server.attendees import card_json, new_attendee_id
from server.cards import normalize_card
from server.storage.sqlite import SqliteStore as Store
from server.tokens import Tokens

BATCH = 500
CHROMIUM = "/usr/bin/chromium"
QUESTIONS = [
    {"kind": "rating", "label": "Interest"},
    {"kind": "multi", "label": "Products", "options": ["Kiln", "Glaze", "Wheel", "Clay"]},
    {"kind": "yesno", "label": "Wants a demo"},
]


def build(path: Path, count: int) -> tuple[list[str], list[str], str]:
    """An event of `count` attendees and the attendee of the baseline: (ids, card tokens, the
    baseline attendee's id)."""
    store = Store(path)
    store.migrate()
    store.close()
    tokens = Tokens([SECRET])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    now = "2026-11-26T09:00:00.000000Z"
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO events (slug, name, join_code, created_at) VALUES"
        " ('expo', 'Expo 2026', 'JOINBENCH', ?)",
        [now],
    )
    ids = [new_attendee_id() for _ in range(count + 1)]
    cards = [normalize_card(card_of(i)) for i in range(count + 1)]
    conn.executemany(
        "INSERT INTO attendees (id, event_slug, card, card_version, share_back, created_at)"
        " VALUES (?, 'expo', ?, 1, 1, ?)",
        ((ids[i], card_json(cards[i]), now) for i in range(count + 1)),
    )
    conn.execute("COMMIT")
    conn.close()
    card_tokens = [tokens.card_token(ids[i], "expo", 1, cards[i]) for i in range(count + 1)]
    return ids[1:], card_tokens[1:], ids[0]


def day_of_staff(tokens: list[str], ids: list[str], qids: list[str], phone: int) -> list[Any]:
    """One phone's day offline: a capture of each of its attendees, then an edit of each."""
    captures, edits = [], []
    for n, (token, attendee) in enumerate(zip(tokens, ids, strict=True)):
        captures.append(
            {
                "id": uuid7(),
                "type": "lead.capture",
                "at": iso_now(),
                "card_token": token,
                "answers": {qids[0]: ("hot", "warm", "cold")[n % 3], qids[1]: ["Kiln", "Clay"]},
                "note": f"Phone {phone}: talked about kilns for a school, lead {n}.",
            }
        )
        edits.append(
            {
                "id": uuid7(),
                "type": "lead.update",
                "at": iso_now(),
                "lead_id": f"lead:{attendee}",
                "set": {"answers": {qids[2]: n % 2 == 0}},
            }
        )
    return captures + edits


def day_of_attendee(tokens: list[str], ids: list[str], device: int) -> list[Any]:
    """The same size for an attendee: a swap with each, then an edit of each contact."""
    swaps, edits = [], []
    for n, (token, attendee) in enumerate(zip(tokens, ids, strict=True)):
        swaps.append(
            {
                "id": uuid7(),
                "type": "exchange",
                "method": "qr",
                "at": iso_now(),
                "card_token": token,
                "note": f"Device {device}: talked about kilns for a school, contact {n}.",
            }
        )
        edits.append(
            {
                "id": uuid7(),
                "type": "contact.update",
                "at": iso_now(),
                "contact_id": f"att:{attendee}",
                "set": {"tags": ["lead", f"track-{n % 5}"], "starred": n % 2 == 0},
            }
        )
    return swaps + edits


async def sync_all(
    conn: Conn, headers: dict[str, str], device: str, ops: list[Any], cursor: str | None
) -> tuple[float, int, str]:
    """A device's whole sync: every op in 500-op requests, then pages until `more` is false.
    (seconds, changes received, last cursor)."""
    started = time.perf_counter()
    received = 0
    sent = 0
    while True:
        batch = ops[sent : sent + BATCH]
        body = {"device_id": device, "cursor": cursor, "ops": batch}
        status, raw = await conn.request("POST", "/api/sync", body, headers)
        if status != 200:
            raise HTTPError(f"sync: {status} {raw[:300]!r}")
        data = json.loads(raw)
        if data["rejected"]:
            raise HTTPError(f"rejected: {data['rejected'][:3]}")
        sent += len(batch)
        received += len(data["changes"])
        cursor = data["cursor"]
        if sent >= len(ops) and not data["more"]:
            break
    assert cursor is not None
    return time.perf_counter() - started, received, cursor


async def staff_day(port: int, args: argparse.Namespace, ids: list[str], tokens: list[str]) -> Any:
    """The booth, its phones' days, the last phone's sync; then its exports."""
    conn = Conn(port)
    try:
        booth_body = {"name": "Acme Kilns", "questions": QUESTIONS}
        status, raw = await conn.request(
            "POST", "/api/admin/events/expo/booths", booth_body, ADMIN_HEADERS
        )
        if status != 201:
            raise HTTPError(f"booth: {status} {raw[:200]!r}")
        booth = json.loads(raw)
        qids = [q["id"] for q in booth["questions"]]
        join_token = booth["staff_join_url"].rsplit("/", 1)[1]
        phones = []
        for _ in range(args.phones):
            device = str(uuid.uuid4())
            body = {"token": join_token, "device_id": device}
            status, raw = await conn.request("POST", "/api/booth/staff", body)
            if status != 201:
                raise HTTPError(f"join: {status} {raw[:200]!r}")
            phones.append(({"Authorization": f"Bearer {json.loads(raw)['token']}"}, device))
        share = args.leads // args.phones
        for n, (headers, device) in enumerate(phones[:-1]):
            part = slice(n * share, (n + 1) * share)
            await sync_all(
                conn, headers, device, day_of_staff(tokens[part], ids[part], qids, n), None
            )
        headers, device = phones[-1]
        part = slice((args.phones - 1) * share, args.leads)
        ops = day_of_staff(tokens[part], ids[part], qids, args.phones)
        seconds, received, _ = await sync_all(conn, headers, device, ops, None)
        assert received == args.leads, received
        csv_s, csv_bytes = await timed_get(conn, "/api/booth/leads.csv?format=hubspot", headers)
        vcf_s, vcf_bytes = await timed_get(conn, "/api/booth/leads.vcf", headers)
        assert csv_bytes.count(b"\r\n") == args.leads + 1, "a lead is missing from the CSV"
        assert vcf_bytes.count(b"BEGIN:VCARD") == args.leads
        return {"sync_s": seconds, "ops": len(ops), "csv_s": csv_s, "vcf_s": vcf_s,
                "csv_kb": len(csv_bytes) / 1e3, "vcf_kb": len(vcf_bytes) / 1e3}  # fmt: skip
    finally:
        await conn.close()


async def attendee_day(
    port: int, args: argparse.Namespace, ids: list[str], tokens: list[str], owner: str
) -> Any:
    """The same-size baseline: an attendee's devices, the last one's sync; then its exports."""
    conn = Conn(port)
    headers = {"Authorization": f"Bearer {Tokens([SECRET]).session(owner, None)}"}
    try:
        share = args.leads // args.phones
        first = str(uuid.uuid4())
        cursor = None
        for n in range(args.phones - 1):
            part = slice(n * share, (n + 1) * share)
            ops = day_of_attendee(tokens[part], ids[part], n)
            _, _, cursor = await sync_all(conn, headers, first, ops, cursor)
        part = slice((args.phones - 1) * share, args.leads)
        ops = day_of_attendee(tokens[part], ids[part], args.phones)
        seconds, received, _ = await sync_all(conn, headers, str(uuid.uuid4()), ops, None)
        assert received == args.leads, received
        csv_s, csv_bytes = await timed_get(conn, "/api/contacts.csv", headers)
        vcf_cold_s, vcf_bytes = await timed_get(conn, "/api/contacts.vcf", headers)
        vcf_warm_s, _ = await timed_get(conn, "/api/contacts.vcf", headers)
        assert vcf_bytes.count(b"BEGIN:VCARD") == args.leads
        return {"sync_s": seconds, "ops": len(ops), "csv_s": csv_s, "vcf_cold_s": vcf_cold_s,
                "vcf_warm_s": vcf_warm_s, "csv_kb": len(csv_bytes) / 1e3}  # fmt: skip
    finally:
        await conn.close()


async def timed_get(conn: Conn, path: str, headers: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, body = await conn.request("GET", path, None, headers)
    if status != 200:
        raise HTTPError(f"{path}: {status} {body[:200]!r}")
    return time.perf_counter() - started, body


# -- on the phone ---------------------------------------------------------------------------------
# Queue a day offline through the app's own modules, then time the sync back online in the page.
STAFF_DAY_JS = """async (tokens) => {
  const sync = await import('/js/booth-sync.js');
  const { decodeCardToken } = await import('/js/cardtoken.js');
  const session = await sync.staff();
  const [rating, products, demo] = session.booth.questions.map((q) => q.id);
  for (const [n, token] of tokens.entries()) {
    const card = decodeCardToken(token);
    const answers = { [rating]: ['hot', 'warm', 'cold'][n % 3], [products]: ['Kiln', 'Clay'] };
    await sync.captureLead(card, answers, `Phone 5: talked about kilns for a school, lead ${n}.`);
  }
  for (const [n, token] of tokens.entries()) {
    const id = sync.leadId(decodeCardToken(token).attendee_id);
    await sync.updateLead(id, { answers: { [demo]: n % 2 === 0 } });
  }
  return (await (await import('/js/db.js')).allLeadOutbox()).length;
}"""
ATTENDEE_DAY_JS = """async (tokens) => {
  const actions = await import('/js/actions.js');
  const { decodeCardToken } = await import('/js/cardtoken.js');
  for (const token of tokens) await actions.swapFromToken(token, 'qr');
  for (const [n, token] of tokens.entries()) {
    const id = `att:${decodeCardToken(token).attendee_id}`;
    await actions.updateContact(id, { tags: ['lead', `track-${n % 5}`], starred: n % 2 === 0 });
  }
  return (await (await import('/js/db.js')).allOutbox()).length;
}"""
# Back online (the app's `online` handler starts the sync, as on a phone): the time from then
# until nothing is left to send and no sync runs.
MARK_JS = "() => { window.onlineAt = performance.now(); }"
SYNCED_JS = """async ([module, outbox, busy, store]) => {
  const sync = await import(module);
  const db = await import('/js/db.js');
  const wait = () => new Promise((r) => setTimeout(r, 5));
  while (sync[busy].syncing || (await db[outbox]()).length) await wait();
  return [(performance.now() - window.onlineAt) / 1000, (await db[store]()).length];
}"""


def phone_figures(args: argparse.Namespace, index: int, tmp: Path) -> dict[str, float]:
    """The offline phone's sync timed on the phone, and an attendee's second phone's."""
    from playwright.sync_api import sync_playwright

    db = tmp / f"phones-{index}.db"
    ids, tokens, owner = build(db, args.leads)
    share = args.leads // args.phones
    last = slice((args.phones - 1) * share, args.leads)
    with serving(db) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            booth, joins = in_thread(make_booth(server.port, args.phones - 1))
            staff = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            staff.goto(booth["staff_join_url"])
            staff.wait_for_selector("section.booth h1")
            wait_until(
                staff,
                "async () => Boolean(await (await import('/js/db.js')).getMeta('staff_last_sync'))",
            )
            session = Tokens([SECRET]).session(owner, None)
            person = browser.new_context(viewport={"width": 390, "height": 844})
            person.add_cookies([{"name": "cardswap_session", "value": session, "url": server.url}])
            attendee = person.new_page()
            attendee.goto(f"{server.url}/contacts")  # each on its list, as the staff phone
            attendee.wait_for_selector("main h1")
            wait_until(
                attendee,
                "async () => Boolean(await (await import('/js/db.js')).getMeta('last_sync'))",
            )
            staff.context.set_offline(True)
            person.set_offline(True)
            qids = [q["id"] for q in booth["questions"]]
            in_thread(other_phones(server.port, args, ids, tokens, qids, joins, owner))
            queued = staff.evaluate(STAFF_DAY_JS, tokens[last])
            queued_swaps = attendee.evaluate(ATTENDEE_DAY_JS, tokens[last])
            staff.evaluate(MARK_JS)
            staff.context.set_offline(False)
            time.sleep(0.05)  # the `online` event has started the sync
            staff_s, leads = staff.evaluate(
                SYNCED_JS, ["/js/booth-sync.js", "allLeadOutbox", "boothState", "allLeads"]
            )
            attendee.evaluate(MARK_JS)
            person.set_offline(False)
            time.sleep(0.05)
            attendee_s, contacts = attendee.evaluate(
                SYNCED_JS, ["/js/sync.js", "allOutbox", "state", "allContacts"]
            )
        finally:
            browser.close()
    assert queued == queued_swaps == 2 * (args.leads - (args.phones - 1) * share), (
        queued,
        queued_swaps,
    )
    assert leads == contacts == args.leads, (leads, contacts)
    return {"phone_staff_s": staff_s, "phone_attendee_s": attendee_s}


def in_thread(coro: Any) -> Any:
    """Run a coroutine of the bench client beside Playwright (whose own loop runs here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run, coro).result()


def wait_until(page: Any, expression: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        time.sleep(0.05)


async def make_booth(port: int, phones: int) -> tuple[dict[str, Any], list[Any]]:
    """The booth, and `phones` staff phones joined over the API (headers, device id)."""
    conn = Conn(port)
    try:
        body = {"name": "Acme Kilns", "questions": QUESTIONS}
        status, raw = await conn.request(
            "POST", "/api/admin/events/expo/booths", body, ADMIN_HEADERS
        )
        if status != 201:
            raise HTTPError(f"booth: {status} {raw[:200]!r}")
        booth = json.loads(raw)
        token = booth["staff_join_url"].rsplit("/", 1)[1]
        joins = []
        for _ in range(phones):
            device = str(uuid.uuid4())
            status, raw = await conn.request(
                "POST", "/api/booth/staff", {"token": token, "device_id": device}
            )
            if status != 201:
                raise HTTPError(f"join: {status} {raw[:200]!r}")
            joins.append(({"Authorization": f"Bearer {json.loads(raw)['token']}"}, device))
        return booth, joins
    finally:
        await conn.close()


async def other_phones(
    port: int, args: argparse.Namespace, ids: list[str], tokens: list[str], qids: list[str],
    joins: list[Any], owner: str,
) -> None:  # fmt: skip
    """While the measured phones are offline: the booth's other phones sync their days, and
    the attendee's first device its 4 days of swaps."""
    conn = Conn(port)
    share = args.leads // args.phones
    headers = {"Authorization": f"Bearer {Tokens([SECRET]).session(owner, None)}"}
    try:
        cursor = None
        for n, (staff, device) in enumerate(joins):
            part = slice(n * share, (n + 1) * share)
            await sync_all(
                conn, staff, device, day_of_staff(tokens[part], ids[part], qids, n), None
            )
            ops = day_of_attendee(tokens[part], ids[part], n)
            _, _, cursor = await sync_all(
                conn, headers, "0" * 8 + str(uuid.uuid4())[8:], ops, cursor
            )
    finally:
        await conn.close()


def one_run(args: argparse.Namespace, index: int, tmp: Path) -> dict[str, float]:
    db = tmp / f"booths-{index}.db"
    ids, tokens, owner = build(db, args.leads)
    with serving(db) as server:
        # Alternate which goes first, so neither always meets the colder database.
        if index % 2:
            attendee = run(attendee_day(server.port, args, ids, tokens, owner))
            staff = run(staff_day(server.port, args, ids, tokens))
        else:
            staff = run(staff_day(server.port, args, ids, tokens))
            attendee = run(attendee_day(server.port, args, ids, tokens, owner))
    out = {
        "staff_sync_s": staff["sync_s"],
        "attendee_sync_s": attendee["sync_s"],
        "sync_ratio": staff["sync_s"] / attendee["sync_s"],
        "leads_csv_s": staff["csv_s"],
        "contacts_csv_s": attendee["csv_s"],
        "csv_ratio": staff["csv_s"] / attendee["csv_s"],
        "leads_vcf_s": staff["vcf_s"],
        "contacts_vcf_cold_s": attendee["vcf_cold_s"],
        "contacts_vcf_warm_s": attendee["vcf_warm_s"],
        "vcf_cold_ratio": staff["vcf_s"] / attendee["vcf_cold_s"],
        "vcf_warm_ratio": staff["vcf_s"] / attendee["vcf_warm_s"],
        "leads_csv_kb": staff["csv_kb"],
        "leads_vcf_kb": staff["vcf_kb"],
    }
    if args.browser:
        out.update(phone_figures(args, index, tmp))
        out["phone_ratio"] = out["phone_staff_s"] / out["phone_attendee_s"]
        print(
            f"  run {index + 1}: on the phone: offline staff phone's sync"
            f" {out['phone_staff_s']:.3f} s, attendee's phone {out['phone_attendee_s']:.3f} s"
            f" (x{out['phone_ratio']:.2f})",
            flush=True,
        )
    print(
        f"  run {index + 1}: offline phone's sync {out['staff_sync_s']:.3f} s"
        f" (attendee's {out['attendee_sync_s']:.3f} s, x{out['sync_ratio']:.2f});"
        f" leads CSV {out['leads_csv_s']:.3f} s (contacts {out['contacts_csv_s']:.3f} s);"
        f" leads .vcf {out['leads_vcf_s']:.3f} s (contacts cold {out['contacts_vcf_cold_s']:.3f}"
        f" s, warm {out['contacts_vcf_warm_s']:.3f} s)",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 leads, 1 run")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--leads", type=int, help="leads of the booth (2000)")
    parser.add_argument("--phones", type=int, default=5, help="staff phones (5)")
    parser.add_argument(
        "--no-browser", dest="browser", action="store_false", help="leave out the phone's side"
    )
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.leads = args.leads or (500 if args.quick else 2_000)
    print(f"booths: {args.phones} phones, {args.leads:,} leads, {args.runs} run(s)", flush=True)
    with temp_dir() as tmp:
        results = [one_run(args, i, tmp) for i in range(args.runs)]

    def m(name: str) -> float:
        return median([r[name] for r in results])

    per_phone = 2 * (args.leads - (args.phones - 1) * (args.leads // args.phones))
    leads_csv = f"{m('leads_csv_s'):.3f} s, {m('leads_csv_kb'):.0f} KB"
    leads_vcf = f"{m('leads_vcf_s'):.3f} s, {m('leads_vcf_kb'):.0f} KB"
    contacts_vcf = f"{m('contacts_vcf_cold_s'):.3f} s / {m('contacts_vcf_warm_s'):.3f} s"
    report(
        f"a booth of {args.phones} phones and {args.leads:,} leads (medians)",
        [
            (
                f"offline phone's sync ({per_phone} ops up, {args.leads:,} leads down)",
                f"{m('staff_sync_s'):.3f} s",
            ),
            ("attendee's device, same size (contacts)", f"{m('attendee_sync_s'):.3f} s"),
            ("ratio phone/attendee", f"{m('sync_ratio'):.2f}"),
            *(
                [
                    (
                        "on the phone: offline staff phone's whole sync",
                        f"{m('phone_staff_s'):.3f} s",
                    ),
                    (
                        "on the phone: an attendee's phone, same size",
                        f"{m('phone_attendee_s'):.3f} s",
                    ),
                    ("ratio on the phone staff/attendee", f"{m('phone_ratio'):.2f}"),
                ]
                if args.browser
                else []
            ),
            ("GET /api/booth/leads.csv (HubSpot)", leads_csv),
            ("GET /api/contacts.csv, same size", f"{m('contacts_csv_s'):.3f} s"),
            ("ratio leads/contacts CSV", f"{m('csv_ratio'):.2f}"),
            ("GET /api/booth/leads.vcf", leads_vcf),
            ("GET /api/contacts.vcf cold / warm", contacts_vcf),
            (
                "ratio leads .vcf / contacts cold, warm",
                f"{m('vcf_cold_ratio'):.2f}, {m('vcf_warm_ratio'):.2f}",
            ),
        ],
    )


if __name__ == "__main__":
    main()
