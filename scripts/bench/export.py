#!/usr/bin/env python3
"""Export: one attendee's 10,000 contacts to one `.vcf` and to CSV through the real endpoints,
against writing the same fields with plain string formatting in the same run.

The contacts (live-linked cards of 10,000 attendees, with notes, tags and a follow-up date) are
built with bulk SQL in the real schema. Reported: the `.vcf` download cold (the vCard cache emptied:
vobject writes every card; goal 1 second or less) and warm (p50 of the next two: every card from
the cache), the CSV's p50, and their ratio to the plain-formatting baseline over the same contacts
(read from `GET /api/contacts`).

    .venv/bin/python scripts/bench/export.py [--quick] [--runs 3] [--contacts 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from _common import SECRET, Conn, HTTPError, card_of, median, report, run, serving, temp_dir

from server.attendees import card_json, new_attendee_id
from server.cards import normalize_card
from server.storage.sqlite import SqliteStore as Store
from server.tokens import Tokens


def build(path: Path, count: int) -> str:
    """An event whose first attendee has met every other one; returns that attendee's id."""
    store = Store(path)
    store.migrate()
    store.close()
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
    cards = [card_json(normalize_card(card_of(i))) for i in range(count + 1)]
    conn.executemany(
        "INSERT INTO attendees (id, event_slug, card, card_version, share_back, created_at)"
        " VALUES (?, 'expo', ?, 1, 1, ?)",
        ((ids[i], cards[i], now) for i in range(count + 1)),
    )
    conn.executemany(
        "INSERT INTO contacts (owner_id, contact_id, card, verified, linked_attendee_id, met_at,"
        " methods, notes, tags, follow_up, follow_up_on, starred, deleted, versions, seq,"
        " updated_at) VALUES (?, ?, ?, 1, ?, ?, '[\"qr\"]', ?, ?, ?, ?, ?, 0, '{}', ?, ?)",
        (
            (
                ids[0],
                f"att:{ids[i]}",
                cards[i],
                ids[i],
                now,
                f"Met at booth {i % 40}; wants the API docs, café on Friday." if i % 3 else "",
                json.dumps(["lead", f"track-{i % 5}"] if i % 2 else []),
                "todo" if i % 4 == 0 else "none",
                "2026-12-01" if i % 4 == 0 else None,
                int(i % 7 == 0),
                i,
                now,
            )
            for i in range(1, count + 1)
        ),
    )
    conn.execute("UPDATE counters SET value = ? WHERE name = 'change_seq'", [count])
    conn.execute("COMMIT")
    conn.close()
    return ids[0]


def plain_vcf(contacts: list[dict[str, Any]]) -> str:
    """The same fields as vCard 3.0 lines with plain string formatting (no escaping, folding)."""
    out = []
    for c in contacts:
        card = c["card"]
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"UID:{c['id']}",
            f"FN:{card['fn']}",
            f"N:{card.get('family', '')};{card.get('given', '')};;;",
            f"ORG:{card.get('org', '')}",
            f"TITLE:{card.get('title', '')}",
        ]
        lines += [f"EMAIL;TYPE=INTERNET:{e}" for e in card.get("emails", [])]
        lines += [f"TEL:{p}" for p in card.get("phones", [])]
        lines += [f"URL:{u}" for u in card.get("urls", [])]
        lines += [f"NOTE:{c['notes']}", f"CATEGORIES:{','.join(c['tags'])}", "END:VCARD"]
        out.append("\r\n".join(lines))
    return "\r\n".join(out) + "\r\n"


def plain_csv(contacts: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "First Name",
            "Last Name",
            "E-mail 1 - Value",
            "Phone 1 - Value",
            "Organization Name",
            "Organization Title",
            "Website 1 - Value",
            "Notes",
            "Labels",
        ]
    )
    for c in contacts:
        card = c["card"]
        writer.writerow(
            [
                card.get("given", ""),
                card.get("family", ""),
                (card.get("emails") or [""])[0],
                (card.get("phones") or [""])[0],
                card.get("org", ""),
                card.get("title", ""),
                (card.get("urls") or [""])[0],
                c["notes"],
                " ::: ".join(c["tags"]),
            ]
        )
    return buffer.getvalue()


async def download(port: int, path: str, headers: dict[str, str], times: int) -> list[Any]:
    conn = Conn(port)
    out = []
    try:
        for _ in range(times):
            started = time.perf_counter()
            status, body = await conn.request("GET", path, None, headers)
            seconds = time.perf_counter() - started
            if status != 200:
                raise HTTPError(f"{path}: {status} {body[:200]!r}")
            out.append((seconds, body))
    finally:
        await conn.close()
    return out


def one_run(args: argparse.Namespace, index: int, db: Path, owner: str) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {Tokens([SECRET]).session(owner, None)}"}
    with sqlite3.connect(db) as conn:  # every run starts cold: vobject writes every card
        conn.execute("DELETE FROM vcard_cache")
    with serving(db) as server:
        [(_, raw)] = run(download(server.port, "/api/contacts", headers, 1))
        vcf = run(download(server.port, "/api/contacts.vcf", headers, 3))
        csv_ = run(download(server.port, "/api/contacts.csv", headers, 3))
    contacts = json.loads(raw)["contacts"]
    assert len(contacts) == args.contacts, len(contacts)
    cards = vcf[0][1].count(b"BEGIN:VCARD")
    assert cards == args.contacts, cards
    assert all(body == vcf[0][1] for _, body in vcf[1:]), "warm export differs from cold"
    base_vcf, base_csv = [], []
    for _ in range(3):
        started = time.perf_counter()
        plain_vcf(contacts).encode()
        base_vcf.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_csv(contacts).encode()
        base_csv.append(time.perf_counter() - started)
    out = {
        "vcf_cold_s": vcf[0][0],
        "vcf_s": median([s for s, _ in vcf[1:]]),
        "csv_s": median([s for s, _ in csv_]),
        "plain_vcf_s": median(base_vcf),
        "plain_csv_s": median(base_csv),
        "vcf_mb": len(vcf[0][1]) / 1e6,
        "csv_mb": len(csv_[0][1]) / 1e6,
    }
    out["vcf_ratio"] = out["vcf_s"] / out["plain_vcf_s"]
    out["csv_ratio"] = out["csv_s"] / out["plain_csv_s"]
    print(
        f"  run {index + 1}: .vcf cold {out['vcf_cold_s']:.3f} s, warm {out['vcf_s']:.3f} s"
        f" (plain {out['plain_vcf_s']:.3f} s,"
        f" x{out['vcf_ratio']:.1f}); .csv {out['csv_s']:.3f} s (plain"
        f" {out['plain_csv_s']:.3f} s, x{out['csv_ratio']:.1f})",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 contacts, 1 run")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--contacts", type=int, help="contacts of the one attendee (10000)")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.contacts = args.contacts or (2_000 if args.quick else 10_000)
    print(f"export: {args.contacts:,} contacts, {args.runs} run(s)", flush=True)
    with temp_dir() as tmp:
        owner = build(tmp / "export.db", args.contacts)
        results = [one_run(args, i, tmp / "export.db", owner) for i in range(args.runs)]

    def m(name: str) -> float:
        return median([r[name] for r in results])

    report(
        f"export of {args.contacts:,} contacts (medians)",
        [
            (
                "GET /api/contacts.vcf cold (vobject)",
                f"{m('vcf_cold_s'):.3f} s, {m('vcf_cold_s') / args.contacts * 1e3:.3f} ms a card,"
                f" whole request  (goal <= 1 s: {'met' if m('vcf_cold_s') <= 1 else 'NOT met'})",
            ),
            ("GET /api/contacts.vcf warm (cached)", f"{m('vcf_s'):.3f} s, {m('vcf_mb'):.1f} MB"),
            ("plain string formatting .vcf", f"{m('plain_vcf_s'):.3f} s"),
            ("ratio .vcf warm endpoint/plain", f"{m('vcf_ratio'):.1f}"),
            ("GET /api/contacts.csv", f"{m('csv_s'):.3f} s, {m('csv_mb'):.1f} MB"),
            ("plain csv.writer .csv", f"{m('plain_csv_s'):.3f} s"),
            ("ratio .csv endpoint/plain", f"{m('csv_ratio'):.1f}"),
        ],
    )


if __name__ == "__main__":
    main()
