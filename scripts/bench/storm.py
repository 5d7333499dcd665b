#!/usr/bin/env python3
"""Reconnect storm: the end of a keynote, every phone back online at once with swaps queued.

2,000 registered attendees (one phone each, all behind one address like a venue's NAT), each
with 20 swaps and 5 edits queued, sync through 64 concurrent connections: the first request
carries the 25 ops, then the device follows `more` until its feed is drained. Reported: errors
(goal 0), every op acked, p50/p99 request latency (goal p99 <= 500 ms), drain time and ops/s.
The ceiling, in the same run on the same server: as many `GET /api/health` requests through the
same 64 connections (the most this machine's uvicorn can answer).

    .venv/bin/python scripts/bench/storm.py [--quick] [--runs 3] [--devices 2000] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from _common import (
    Attendee,
    Conn,
    create_event,
    edit_op,
    median,
    percentile,
    pool_map,
    register_many,
    report,
    run,
    serving,
    swap_op,
    temp_dir,
)

CONNECTIONS = 64


def queues(people: list[Attendee], swaps: int, edits: int) -> list[list[dict[str, Any]]]:
    """Each device's outbox: swaps with random others, then edits of some of those contacts."""
    rng = random.Random(7)
    out = []
    for me in people:
        met = [p for p in rng.sample(people, swaps + 1) if p.id != me.id][:swaps]
        ops = [swap_op(p.card_token) for p in met]
        ops += [edit_op(f"att:{met[n].id}", n) for n in range(edits)]
        out.append(ops)
    return out


async def storm(
    port: int | list[int], people: list[Attendee], outboxes: list[list[dict[str, Any]]]
) -> Any:
    latencies: list[float] = []
    errors: list[str] = []

    async def device(conn: Conn, index: int) -> int:
        me, ops = people[index], outboxes[index]
        cursor, acked, sent = None, 0, ops
        while True:
            body = {"device_id": me.device_id, "cursor": cursor, "ops": sent}
            started = time.perf_counter()
            try:
                status, raw = await conn.request("POST", "/api/sync", body, me.headers)
            except Exception as exc:  # a refused or dropped connection is an error
                errors.append(f"{type(exc).__name__}: {exc}")
                return acked
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"{status} {raw[:120]!r}")
                return acked
            data = json.loads(raw)
            acked += len(data["acked"])
            if data["rejected"]:
                errors.append(f"rejected {data['rejected'][:1]}")
            cursor, sent = data["cursor"], []
            if not data["more"]:
                return acked

    started = time.perf_counter()
    acked = await pool_map(port, list(range(len(people))), device, CONNECTIONS)
    return time.perf_counter() - started, latencies, errors, sum(acked)


async def ceiling(port: int, count: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []

    async def ping(conn: Conn, _: int) -> bool:
        started = time.perf_counter()
        status, _body = await conn.request("GET", "/api/health")
        latencies.append(time.perf_counter() - started)
        return status == 200

    started = time.perf_counter()
    ok = await pool_map(port, list(range(count)), ping, CONNECTIONS)
    return time.perf_counter() - started, latencies, ok.count(False)


def one_run(args: argparse.Namespace, index: int) -> dict[str, float]:
    with temp_dir() as tmp, serving(tmp / "storm.db", workers=args.workers) as server:
        event = run(create_event(server.port, "keynote"))
        people = run(register_many(server.port, event, args.devices))
        outboxes = queues(people, args.swaps, args.edits)
        total = sum(len(o) for o in outboxes)
        seconds, lat, errors, acked = run(storm(server.port, people, outboxes))
        c_seconds, c_lat, c_errors = run(ceiling(server.port, len(lat)))
    result = {
        "requests": len(lat),
        "errors": len(errors) + (total - acked),
        "ops": total,
        "acked": acked,
        "drain_s": seconds,
        "ops_s": total / seconds,
        "req_s": len(lat) / seconds,
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "ceiling_req_s": len(c_lat) / c_seconds,
        "ceiling_p50_ms": percentile(c_lat, 50) * 1000,
        "ceiling_p99_ms": percentile(c_lat, 99) * 1000,
        "ceiling_errors": c_errors,
    }
    result["ratio"] = result["req_s"] / result["ceiling_req_s"]
    print(
        f"  run {index + 1}: {acked}/{total} ops acked, {len(errors)} errors"
        f" {errors[:2] if errors else ''}; drain {seconds:.2f} s, {result['ops_s']:,.0f} ops/s,"
        f" p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms;"
        f" ceiling {result['ceiling_req_s']:,.0f} req/s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 devices, 1 run")
    parser.add_argument("--runs", type=int, help="runs; medians are reported (default 3)")
    parser.add_argument("--devices", type=int, help="devices (default 2000)")
    parser.add_argument("--swaps", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.devices = args.devices or (400 if args.quick else 2000)
    print(
        f"storm: {args.devices} devices x ({args.swaps} swaps + {args.edits} edits) through"
        f" {CONNECTIONS} connections, {args.workers} worker(s), {args.runs} run(s)",
        flush=True,
    )
    results = [one_run(args, i) for i in range(args.runs)]

    def m(name: str) -> float:
        return median([r[name] for r in results])

    p99 = m("p99_ms")
    report(
        "storm (medians)",
        [
            ("errors (all runs)", f"{sum(r['errors'] for r in results):.0f}  (goal 0)"),
            ("ops acked / queued", f"{m('acked'):.0f} / {m('ops'):.0f}"),
            ("sync requests", f"{m('requests'):.0f}"),
            ("drain time", f"{m('drain_s'):.2f} s"),
            ("ops/s applied", f"{m('ops_s'):,.0f}"),
            ("sync req/s", f"{m('req_s'):,.0f}"),
            (
                "sync p50 / p99",
                f"{m('p50_ms'):.0f} ms / {p99:.0f} ms  (goal p99 <= 500 ms:"
                f" {'met' if p99 <= 500 else 'NOT met'})",
            ),
            ("ceiling GET /api/health req/s", f"{m('ceiling_req_s'):,.0f}"),
            ("ceiling p50 / p99", f"{m('ceiling_p50_ms'):.1f} ms / {m('ceiling_p99_ms'):.1f} ms"),
            ("ratio sync req/s / ceiling", f"{m('ratio'):.3f}"),
        ],
    )


if __name__ == "__main__":
    main()
