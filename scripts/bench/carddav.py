#!/usr/bin/env python3
"""CardDAV: one attendee's 1,000 contacts synced by a phone's address book, against the `.vcf`
export of the same contacts in the same run.

The contacts are built with bulk SQL in the real schema (scripts/bench/export.py's `build`), an
app password is made through the API, and a real `cardswap serve` answers. Reported, as p50 of
several requests over one keep-alive connection, each with its ratio to `GET /api/contacts.vcf`:

- a first sync in one request: sync-collection with an empty token, ETags and the cards;
- a first sync as Thunderbird and a cold iOS account make it: PROPFIND Depth 1 for the ETags,
  then one addressbook-multiget of every card;
- a sync with nothing changed: sync-collection from the current token (what every client does
  every few minutes);
- cold: the export and the first sync each with the vCard cache emptied first (vobject writes
  every card).

    .venv/bin/python scripts/bench/carddav.py [--quick] [--runs 3] [--contacts 1000]
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from _common import SECRET, Conn, HTTPError, median, report, run, serving, temp_dir
from export import build

from server.tokens import Tokens

XML = {"Content-Type": "text/xml; charset=utf-8"}
FIRST_SYNC = (
    b'<sync-collection xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><sync-token/>'
    b"<sync-level>1</sync-level><prop><getetag/><C:address-data/></prop></sync-collection>"
)
LISTING = b'<propfind xmlns="DAV:"><prop><resourcetype/><getetag/></prop></propfind>'
_TOKEN = re.compile(rb"<d:sync-token>([^<]+)</d:sync-token></d:multistatus>$")
_HREF = re.compile(rb"<d:href>([^<]+\.vcf)</d:href>")


def no_change_sync(token: bytes) -> bytes:
    return (
        b'<sync-collection xmlns="DAV:"><sync-token>' + token + b"</sync-token>"
        b"<sync-level>1</sync-level><prop><getetag/></prop></sync-collection>"
    )


def multiget(hrefs: list[bytes]) -> bytes:
    return (
        b'<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        b"<D:prop><D:getetag/><C:address-data/></D:prop>"
        + b"".join(b"<D:href>" + h + b"</D:href>" for h in hrefs)
        + b"</C:addressbook-multiget>"
    )


async def timed(conn: Conn, method: str, path: str, body: Any, headers: dict[str, str],
                status: int) -> tuple[float, bytes]:  # fmt: skip
    started = time.perf_counter()
    got, payload = await conn.request(method, path, body, headers)
    seconds = time.perf_counter() - started
    if got != status:
        raise HTTPError(f"{method} {path}: {got} {payload[:300]!r}")
    return seconds, payload


def clear_cache(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM vcard_cache")


async def measure(port: int, db: Path, owner: str, contacts: int, repeats: int) -> dict[str, float]:
    session = {"Authorization": f"Bearer {Tokens([SECRET]).session(owner, None)}"}
    conn = Conn(port)
    try:
        status, raw = await conn.request(
            "POST", "/api/me/app-passwords", {"label": "bench"}, session
        )
        if status != 201:
            raise HTTPError(f"app password: {status} {raw[:200]!r}")
        made = json.loads(raw)
        basic = base64.b64encode(f"{made['username']}:{made['password']}".encode()).decode()
        dav = {"Authorization": f"Basic {basic}", **XML}
        book = f"/dav/addressbooks/{made['username']}/contacts/"

        clear_cache(db)
        cold_export, vcf = await timed(conn, "GET", "/api/contacts.vcf", None, session, 200)
        clear_cache(db)
        cold_sync, _ = await timed(conn, "REPORT", book, FIRST_SYNC, dav, 207)

        out: dict[str, list[float]] = {"export": [], "first": [], "listing": [], "multiget": []}
        out["nochange"] = []
        token = b""
        for _ in range(repeats):
            seconds, body = await timed(conn, "GET", "/api/contacts.vcf", None, session, 200)
            out["export"].append(seconds)
            seconds, first = await timed(conn, "REPORT", book, FIRST_SYNC, dav, 207)
            out["first"].append(seconds)
            found = _TOKEN.search(first)
            assert found, first[-300:]
            token = found.group(1)
            seconds, listing = await timed(
                conn, "PROPFIND", book, LISTING, {**dav, "Depth": "1"}, 207
            )
            out["listing"].append(seconds)
            hrefs = _HREF.findall(listing)
            assert len(hrefs) == contacts, len(hrefs)
            seconds, cards = await timed(conn, "REPORT", book, multiget(hrefs), dav, 207)
            out["multiget"].append(seconds)
            assert cards.count(b"<card:address-data>") == contacts
        assert body == vcf and first.count(b"<card:address-data>") == contacts
        assert vcf.count(b"BEGIN:VCARD") == contacts
        for _ in range(repeats * 4):
            seconds, answer = await timed(conn, "REPORT", book, no_change_sync(token), dav, 207)
            out["nochange"].append(seconds)
            assert b"<d:response>" not in answer
    finally:
        await conn.close()
    result = {name: median(values) for name, values in out.items()}
    result["two_step"] = result["listing"] + result["multiget"]
    result["cold_export"], result["cold_sync"] = cold_export, cold_sync
    result["vcf_kb"], result["first_kb"] = len(vcf) / 1e3, len(first) / 1e3
    return result


def one_run(args: argparse.Namespace, index: int, db: Path, owner: str) -> dict[str, float]:
    with serving(db) as server:
        out = run(measure(server.port, db, owner, args.contacts, args.repeats))
    with sqlite3.connect(db) as conn:  # the next run makes its own password
        conn.execute("DELETE FROM app_passwords")
    e = out["export"]
    print(
        f"  run {index + 1}: export {e * 1e3:.1f} ms; first sync {out['first'] * 1e3:.1f} ms"
        f" (x{out['first'] / e:.2f}), PROPFIND+multiget {out['two_step'] * 1e3:.1f} ms"
        f" (x{out['two_step'] / e:.2f}); no-change sync {out['nochange'] * 1e3:.2f} ms"
        f" (x{out['nochange'] / e:.3f}); cold export {out['cold_export'] * 1e3:.0f} ms,"
        f" cold first sync {out['cold_sync'] * 1e3:.0f} ms",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 run, 3 repeats")
    parser.add_argument("--runs", type=int, help="server runs; medians are reported (default 3)")
    parser.add_argument("--contacts", type=int, default=1_000, help="contacts (1000)")
    parser.add_argument("--repeats", type=int, help="requests of each kind per run (default 7)")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.repeats = args.repeats or (3 if args.quick else 7)
    print(f"carddav: {args.contacts:,} contacts, {args.runs} run(s)", flush=True)
    with temp_dir() as tmp:
        owner = build(tmp / "carddav.db", args.contacts)
        results = [one_run(args, i, tmp / "carddav.db", owner) for i in range(args.runs)]

    def m(name: str) -> float:
        return median([r[name] for r in results])

    export = m("export")
    report(
        f"CardDAV, {args.contacts:,} contacts (medians; ratios to the .vcf export, same run)",
        [
            ("GET /api/contacts.vcf (warm cache)", f"{export * 1e3:.1f} ms, {m('vcf_kb'):.0f} kB"),
            (
                "first sync: sync-collection, empty token, cards",
                f"{m('first') * 1e3:.1f} ms, {m('first_kb'):.0f} kB;"
                f" ratio {m('first') / export:.2f}",
            ),
            (
                "first sync: PROPFIND Depth 1 + multiget of all",
                f"{m('two_step') * 1e3:.1f} ms ({m('listing') * 1e3:.1f} + "
                f"{m('multiget') * 1e3:.1f}); ratio {m('two_step') / export:.2f}",
            ),
            (
                "sync-collection, nothing changed",
                f"{m('nochange') * 1e3:.2f} ms; ratio {m('nochange') / export:.3f}",
            ),
            (
                "cold (cache emptied): export / first sync",
                f"{m('cold_export') * 1e3:.0f} ms / {m('cold_sync') * 1e3:.0f} ms; ratio"
                f" {m('cold_sync') / m('cold_export'):.2f}",
            ),
        ],
    )


if __name__ == "__main__":
    main()
