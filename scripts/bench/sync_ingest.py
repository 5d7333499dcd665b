#!/usr/bin/env python3
"""Sync ingest: ops/s applied through `POST /api/sync` on a real uvicorn, vs raw SQLite inserts.

Devices send 500-op batches (400 swaps with attendees not met yet, 100 edits of those contacts),
each with the cursor of its last answer, as the web app does. The baseline, in the same run, is
the very op rows the server logged, inserted raw into the same schema on a connection set up as
the server's (WAL, synchronous=FULL as the server, auto-checkpoint off; 500 rows per
transaction). The ratio is API ops/s over raw rows/s; the goal is 0.25 or more. A second ratio
uses DESIGN.md section 8's baseline, the same inserts with synchronous=NORMAL (less durable than
the server, so faster). A third figure inserts every row the server wrote (op rows and contact
rows) raw: SQLite's own cost with none of our Python, so its ratio to the baseline is the
ceiling any server with this schema could reach. `--ids v4` sends random UUIDv4 op ids (as a
naive load generator would) instead of the app's time-ordered UUIDv7.

    .venv/bin/python scripts/bench/sync_ingest.py [--quick] [--runs 3] [--batches 40] [--ids v4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from _common import (
    Attendee,
    Conn,
    HTTPError,
    create_event,
    edit_op,
    median,
    register_many,
    report,
    run,
    serving,
    swap_op,
    temp_dir,
    use_random_op_ids,
)

SWAPS, EDITS = 400, 100


def batches_for(syncer: Attendee, peers: list[Attendee], count: int) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    for b in range(count):
        met = peers[b * SWAPS : (b + 1) * SWAPS]
        ops = [swap_op(p.card_token) for p in met]
        ops += [edit_op(f"att:{met[n % len(met)].id}", n) for n in range(EDITS)]
        out.append(ops)
    return out


async def ingest(
    port: int | list[int], work: list[tuple[Attendee, list[list[dict[str, Any]]]]]
) -> float:
    """Each device sends its batches in order on its own connection (device i to the i-th of
    several server processes' ports, round robin); returns seconds taken."""
    ports = [port] if isinstance(port, int) else port

    async def device(number: int, syncer: Attendee, batches: list[list[dict[str, Any]]]) -> None:
        conn = Conn(ports[number % len(ports)])
        cursor = None
        try:
            for ops in batches:
                body = {"device_id": syncer.device_id, "cursor": cursor, "ops": ops}
                status, raw = await conn.request("POST", "/api/sync", body, syncer.headers)
                if status != 200:
                    raise HTTPError(f"sync: {status} {raw[:300]!r}")
                data = json.loads(raw)
                if len(data["acked"]) != len(ops) or data["rejected"]:
                    raise HTTPError(f"not every op acked: {data['rejected'][:3]}")
                cursor = data["cursor"]
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(device(n, s, b) for n, (s, b) in enumerate(work)))
    return time.perf_counter() - started


def raw_baseline(
    server_db: Path, tmp: Path, synchronous: str, repeats: int = 3, contacts: bool = False
) -> tuple[int, float]:
    """The server's op rows inserted raw into a fresh copy of the schema, `repeats` times:
    (rows, median seconds). With `contacts`, the contact rows the server wrote go in too, an
    equal share with each 500 op rows: SQLite's cost for every row a sync must write, without
    any of our Python (the ceiling the ratio can reach)."""
    source = sqlite3.connect(server_db)
    rows = source.execute("SELECT * FROM ops ORDER BY rowid").fetchall()
    extra = source.execute("SELECT * FROM contacts ORDER BY seq").fetchall() if contacts else []
    source.close()
    times = [
        _raw_insert(rows, tmp / f"raw{synchronous}{contacts}{i}.db", synchronous, extra)
        for i in range(repeats)
    ]
    return len(rows), median(times)


def _raw_insert(
    rows: list[Any], fresh_db: Path, synchronous: str, contacts: list[Any] | None = None
) -> float:
    """Raw inserts on a connection set up as the server's (server.storage.sqlite._connect: WAL,
    auto-checkpoint off), with `synchronous` FULL (the server's durability) or NORMAL (DESIGN.md
    section 8's baseline). With SQLite's default
    auto-checkpoint the baseline paid a checkpoint inside some COMMITs, which the server does
    on another thread: that made raw SQLite look about 20% slower than it is and flattered the
    ratio (scripts/bench/README.md)."""
    from server.storage.sqlite import SqliteStore as Store
    from server.storage.sqlite import _connect

    store = Store(fresh_db)
    store.migrate()
    store.close()
    conn = _connect(fresh_db)
    conn.execute(f"PRAGMA synchronous={synchronous}")
    marks = ",".join("?" * len(rows[0]))
    contacts = contacts or []
    share = -(-len(contacts) * 500 // len(rows))  # contact rows per 500 op rows
    contact_marks = ",".join("?" * len(contacts[0])) if contacts else ""
    started = time.perf_counter()
    for n, i in enumerate(range(0, len(rows), 500)):
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO ops VALUES ({marks})", rows[i : i + 500])
        if contacts:
            part = contacts[n * share : (n + 1) * share]
            conn.executemany(f"INSERT INTO contacts VALUES ({contact_marks})", part)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def one_run(args: argparse.Namespace, index: int) -> dict[str, float]:
    with temp_dir() as tmp, serving(tmp / "ingest.db", workers=args.workers) as server:
        port = server.port
        per_device = -(-args.batches // args.devices)
        event = run(create_event(port, "ingest"))
        people = run(register_many(port, event, args.devices + per_device * SWAPS))
        syncers, peers = people[: args.devices], people[args.devices :]
        work = [(s, batches_for(s, peers, per_device)) for s in syncers]
        total = sum(len(ops) for _, bs in work for ops in bs)
        seconds = run(ingest(port, work))
        server.stop()
        rows, raw_seconds = raw_baseline(tmp / "ingest.db", tmp, "FULL")
        normal_rows, normal_seconds = raw_baseline(tmp / "ingest.db", tmp, "NORMAL")
        _, all_seconds = raw_baseline(tmp / "ingest.db", tmp, "FULL", contacts=True)
    assert rows == total == normal_rows, (rows, total, normal_rows)
    api, raw, normal = total / seconds, rows / raw_seconds, rows / normal_seconds
    every_row = rows / all_seconds
    print(
        f"  run {index + 1}: {total} ops in {seconds:.2f} s = {api:,.0f} ops/s;"
        f" raw {raw:,.0f} rows/s (NORMAL: {normal:,.0f}); ratio {api / raw:.3f}"
        f" (to NORMAL: {api / normal:.3f}); SQLite alone for every row written: {every_row:,.0f}"
        f" ops/s, ceiling {every_row / raw:.2f}",
        flush=True,
    )
    return {
        "ops": total,
        "api_ops_s": api,
        "raw_rows_s": raw,
        "ratio": api / raw,
        "normal_rows_s": normal,
        "normal_ratio": api / normal,
        "every_row_s": every_row,
        "ceiling": every_row / raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (8 batches, 1 run)")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--batches", type=int, help="500-op batches per run (default 40)")
    parser.add_argument("--devices", type=int, default=4, help="devices sending at once")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--ids",
        choices=("v7", "v4"),
        default="v7",
        help="op ids: time-ordered (the app's) or random",
    )
    args = parser.parse_args()
    if args.ids == "v4":
        use_random_op_ids()
    args.runs = args.runs or (1 if args.quick else 3)
    args.batches = args.batches or (8 if args.quick else 40)
    print(
        f"sync_ingest: {args.batches} batches of 500 ops from {args.devices} devices,"
        f" {args.workers} worker(s), op ids UUID{args.ids}, {args.runs} run(s)",
        flush=True,
    )
    results = [one_run(args, i) for i in range(args.runs)]
    ratio = median([r["ratio"] for r in results])
    report(
        "sync_ingest (medians)",
        [
            ("ops per run", f"{results[0]['ops']:.0f}"),
            ("API ops/s (POST /api/sync)", f"{median([r['api_ops_s'] for r in results]):,.0f}"),
            (
                "raw SQLite rows/s, FULL (baseline)",
                f"{median([r['raw_rows_s'] for r in results]):,.0f}",
            ),
            (
                "ratio API/raw",
                f"{ratio:.3f}  (goal >= 0.25: {'met' if ratio >= 0.25 else 'NOT met'})",
            ),
            ("raw SQLite rows/s, NORMAL", f"{median([r['normal_rows_s'] for r in results]):,.0f}"),
            ("ratio API/raw NORMAL", f"{median([r['normal_ratio'] for r in results]):.3f}"),
            (
                "raw SQLite, every row a sync wrote (op + contact rows), FULL",
                f"{median([r['every_row_s'] for r in results]):,.0f} ops/s",
            ),
            (
                "ceiling: that / raw op rows (the ratio with no Python at all)",
                f"{median([r['ceiling'] for r in results]):.2f}",
            ),
        ],
    )


if __name__ == "__main__":
    main()
