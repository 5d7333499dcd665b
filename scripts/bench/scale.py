#!/usr/bin/env python3
"""Scale: an event of 100,000 attendees and 2,000,000 contacts is as fast for one person as a
small event.

Both databases are built directly with bulk SQL in the real schema (Store.migrate()), as the
server would have written them: attendees with cards, 1,000,000 mutual swaps (two contacts each,
live-linked) with their op log rows, each contact with a change seq. The small event (1,000
attendees, 20,000 contacts: the same 20 contacts per person) is built the same way in the same
run. Against each, a real server answers one device at a time: a sync of 5 swaps with random
attendees and 2 edits (cursor null, so the whole feed comes back), and `GET /api/contacts`.
Reported: p50/p99 of both, their ratio big/small (goal <= 2), and database size per million
contacts.

    .venv/bin/python scripts/bench/scale.py [--quick] [--runs 3] [--samples 200]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from _common import (
    SECRET,
    Conn,
    HTTPError,
    card_of,
    edit_op,
    median,
    percentile,
    report,
    run,
    serving,
    swap_op,
    temp_dir,
    uuid7,
)

from server.attendees import card_json, new_attendee_id
from server.cards import normalize_card
from server.storage.sqlite import SqliteStore as Store
from server.tokens import Tokens

PER_PERSON = 20  # contacts per attendee: 2,000,000 / 100,000


def build(path: Path, slug: str, attendees: int, contacts: int, seed: int = 1) -> list[str]:
    """The database of one event; returns the attendee ids."""
    rng = random.Random(seed)
    store = Store(path)
    store.migrate()
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-262144")
    now = "2026-11-26T09:00:00.000000Z"
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO events (slug, name, join_code, created_at) VALUES (?, ?, ?, ?)",
        [slug, slug.title(), "JOINBENCH", now],
    )
    ids = [new_attendee_id() for _ in range(attendees)]
    cards = [card_json(normalize_card(card_of(i))) for i in range(attendees)]
    conn.executemany(
        "INSERT INTO attendees (id, event_slug, card, card_version, share_back, created_at)"
        " VALUES (?, ?, ?, 1, 1, ?)",
        ((ids[i], slug, cards[i], now) for i in range(attendees)),
    )
    conn.executemany(
        "INSERT INTO devices (attendee_id, id, created_at, last_seen) VALUES (?, ?, ?, ?)",
        ((aid, str(uuid.UUID(int=rng.getrandbits(128), version=4)), now, now) for aid in ids),
    )
    seq = 0

    def rows() -> Any:
        nonlocal seq
        for _ in range(contacts // 2):
            a, b = rng.sample(range(attendees), 2)
            op_id, device = uuid7(), str(uuid.UUID(int=rng.getrandbits(128), version=4))
            at = f"2026-11-26T{rng.randrange(9, 18):02d}:{rng.randrange(60):02d}:00.000000Z"
            ver = json.dumps({"deleted": [at, device, op_id]}, separators=(",", ":"))
            seq += 2
            yield (
                "op",
                [
                    op_id,
                    ids[a],
                    slug,
                    device,
                    "exchange",
                    json.dumps(
                        {
                            "id": op_id,
                            "type": "exchange",
                            "method": "qr",
                            "card_token": "x" * 110,
                            "at": at,
                        }
                    ),
                    at,
                    at,
                    at,
                    "applied",
                    None,
                    None,
                ],
            )
            yield (
                "c",
                [
                    ids[a],
                    f"att:{ids[b]}",
                    cards[b],
                    1,
                    ids[b],
                    at,
                    '["qr"]',
                    "",
                    "[]",
                    "none",
                    None,
                    0,
                    0,
                    None,
                    ver,
                    seq - 1,
                    at,
                ],
            )
            yield (
                "c",
                [
                    ids[b],
                    f"att:{ids[a]}",
                    cards[a],
                    1,
                    ids[a],
                    at,
                    '["reciprocal"]',
                    "",
                    "[]",
                    "none",
                    None,
                    0,
                    0,
                    None,
                    "{}",
                    seq,
                    at,
                ],
            )

    ops: list[list[Any]] = []
    found: list[list[Any]] = []

    def flush() -> None:
        conn.executemany(f"INSERT INTO ops VALUES ({','.join('?' * 12)})", ops)
        conn.executemany(
            "INSERT OR IGNORE INTO contacts (owner_id, contact_id, card, verified,"
            " linked_attendee_id, met_at, methods, notes, tags, follow_up, follow_up_on, starred,"
            " deleted, vcard, versions, seq, updated_at)"
            f" VALUES ({','.join('?' * 17)})",
            found,
        )
        ops.clear()
        found.clear()

    for kind, row in rows():
        (ops if kind == "op" else found).append(row)
        if len(found) >= 50_000:
            flush()
    flush()
    conn.execute("UPDATE counters SET value = ? WHERE name = 'change_seq'", [seq])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return ids


class Device:
    """One device at a time against one server: a sync (5 swaps, 2 edits, whole feed), then the
    contacts list."""

    def __init__(self, port: int, ids: list[str], seed: int) -> None:
        self.conn = Conn(port)
        self.ids = ids
        self.rng = random.Random(seed)
        self.tokens = Tokens([SECRET])
        self.times: dict[str, list[float]] = {"sync": [], "list": []}

    async def sample(self) -> None:
        me = self.rng.choice(self.ids)
        session = {"Authorization": f"Bearer {self.tokens.session(me, None)}"}
        met = [m for m in self.rng.sample(self.ids, 6) if m != me][:5]
        ops = [swap_op(self.tokens.card_token(m, "x", 1, {"fn": "x"})) for m in met]
        ops += [edit_op(f"att:{met[n]}", n) for n in range(2)]
        body = {"device_id": str(uuid.uuid4()), "cursor": None, "ops": ops}
        started = time.perf_counter()
        status, raw = await self.conn.request("POST", "/api/sync", body, session)
        self.times["sync"].append((time.perf_counter() - started) * 1000)
        if status != 200 or len(json.loads(raw)["acked"]) != len(ops):
            raise HTTPError(f"sync: {status} {raw[:200]!r}")
        started = time.perf_counter()
        status, raw = await self.conn.request("GET", "/api/contacts", None, session)
        self.times["list"].append((time.perf_counter() - started) * 1000)
        if status != 200 or len(json.loads(raw)["contacts"]) < 5:
            raise HTTPError(f"contacts: {status} {raw[:200]!r}")


async def measure(ports: dict[str, int], sizes: dict[str, Any], samples: int, seed: int) -> Any:
    """Samples alternate between the events, so the shared machine's noise hits both alike."""
    devices = {name: Device(ports[name], sizes[name][1], seed) for name in ports}
    try:
        for _ in range(samples):
            for device in devices.values():
                await device.sample()
    finally:
        for device in devices.values():
            await device.conn.close()
    return {name: device.times for name, device in devices.items()}


def one_run(args: argparse.Namespace, index: int, tmp: Path, sizes: dict[str, Any]) -> Any:
    out: dict[str, float] = {}
    with serving(sizes["small"][0]) as small, serving(sizes["big"][0]) as big:
        ports = {"small": small.port, "big": big.port}
        run(measure(ports, sizes, 20, seed=99))  # warm the servers and the page cache
        times = run(measure(ports, sizes, args.samples, seed=index))
    for name, by_what in times.items():
        for what, values in by_what.items():
            out[f"{name}_{what}_p50"] = percentile(values, 50)
            out[f"{name}_{what}_p99"] = percentile(values, 99)
    for what in ("sync", "list"):
        out[f"{what}_ratio"] = out[f"big_{what}_p99"] / out[f"small_{what}_p99"]
    print(
        f"  run {index + 1}: sync p99 small {out['small_sync_p99']:.1f} ms, big"
        f" {out['big_sync_p99']:.1f} ms (x{out['sync_ratio']:.2f}); contacts p99 small"
        f" {out['small_list_p99']:.1f} ms, big {out['big_list_p99']:.1f} ms"
        f" (x{out['list_ratio']:.2f})",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller big event, 1 run")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--samples", type=int, default=300, help="syncs per event per run")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    big = (10_000, 200_000) if args.quick else (100_000, 2_000_000)
    small = (1_000, 20_000)
    print(
        f"scale: big event {big[0]:,} attendees / {big[1]:,} contacts vs small {small[0]:,} /"
        f" {small[1]:,}; {args.samples} samples, {args.runs} run(s)",
        flush=True,
    )
    with temp_dir() as tmp:
        started = time.perf_counter()
        sizes = {
            "small": (tmp / "small.db", build(tmp / "small.db", "small", *small)),
            "big": (tmp / "big.db", build(tmp / "big.db", "big", *big)),
        }
        built = time.perf_counter() - started
        db_bytes = (tmp / "big.db").stat().st_size
        print(f"  built both in {built:.0f} s; big database {db_bytes / 1e6:,.0f} MB", flush=True)
        results = [one_run(args, i, tmp, sizes) for i in range(args.runs)]

    def m(name: str) -> float:
        return median([r[name] for r in results])

    report(
        "scale (medians)",
        [
            ("small sync p50 / p99", f"{m('small_sync_p50'):.1f} / {m('small_sync_p99'):.1f} ms"),
            ("big sync p50 / p99", f"{m('big_sync_p50'):.1f} / {m('big_sync_p99'):.1f} ms"),
            (
                "sync p99 big/small",
                f"{m('sync_ratio'):.2f}  (goal <= 2:"
                f" {'met' if m('sync_ratio') <= 2 else 'NOT met'})",
            ),
            (
                "small GET /api/contacts p50 / p99",
                f"{m('small_list_p50'):.1f} / {m('small_list_p99'):.1f} ms",
            ),
            (
                "big GET /api/contacts p50 / p99",
                f"{m('big_list_p50'):.1f} / {m('big_list_p99'):.1f} ms",
            ),
            (
                "contacts p99 big/small",
                f"{m('list_ratio'):.2f}  (goal <= 2:"
                f" {'met' if m('list_ratio') <= 2 else 'NOT met'})",
            ),
            (
                "database size per million contacts",
                f"{db_bytes / (big[1] / 1e6) / 1e6:,.0f} MB (op log included)",
            ),
            ("build time (both events)", f"{built:.0f} s"),
        ],
    )


if __name__ == "__main__":
    main()
