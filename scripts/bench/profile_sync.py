#!/usr/bin/env python3
"""Profile the sync hot path in-process with cProfile (standard library): what one 500-op
`POST /api/sync` costs, from request bytes to response bytes, without HTTP or threads in the way.

    .venv/bin/python scripts/bench/profile_sync.py [--batches 20] [--top 30] [--no-profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import time
import uuid
from typing import Any

from _common import SECRET, card_of, edit_op, swap_op, temp_dir

from server import attendees, events
from server.app import create_app
from server.http import JSON
from server.jsontext import loads
from server.settings import Settings
from server.sync import apply as engine
from server.sync.ops import parse_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument(
        "--storm",
        type=int,
        metavar="DEVICES",
        help="instead: DEVICES devices, each one sync of 20 swaps and 5 edits (as storm.py)",
    )
    args = parser.parse_args()
    with temp_dir() as tmp:
        settings = Settings(
            db=str(tmp / "p.db"), secret_keys=(SECRET,), admin_token="x", sync_rate_per_minute=10**9
        )
        app = create_app(settings)
        context = app.state.ctx
        event = events.create_event(context.store, {"slug": "prof", "name": "Prof"})
        people = []
        count = args.storm if args.storm else 1 + args.batches * 400
        for i in range(count):
            body = {
                "join_code": event["join_code"],
                "card": card_of(i),
                "device_id": str(uuid.uuid4()),
            }
            out = attendees.register(context, "prof", body, f"10.0.{i % 250}.{i // 250}")
            people.append((out["attendee"]["id"], out["card_url"].rsplit("/c/", 1)[1]))
        device = str(uuid.uuid4())
        work: list[tuple[str, bytes]] = []  # (session token, body)
        rng = random.Random(7)
        if args.storm:
            for me_id, _ in people:
                met = [p for p in rng.sample(people, 21) if p[0] != me_id][:20]
                ops: list[dict[str, Any]] = [swap_op(tok) for _, tok in met]
                ops += [edit_op(f"att:{met[n][0]}", n) for n in range(5)]
                body = {"device_id": str(uuid.uuid4()), "cursor": None, "ops": ops}
                work.append((context.tokens.session(me_id, None), json.dumps(body).encode()))
        else:
            me, peers = people[0], people[1:]
            for b in range(args.batches):
                met = peers[b * 400 : (b + 1) * 400]
                ops = [swap_op(tok) for _, tok in met]
                ops += [edit_op(f"att:{met[n % 400][0]}", n) for n in range(100)]
                body = {"device_id": device, "cursor": None, "ops": ops}
                work.append((context.tokens.session(me[0], None), json.dumps(body).encode()))
        cursors: dict[str, str] = {}

        def one(token: str, raw: bytes) -> bytes:
            who, _ = context.tokens.read_session(token)  # what session() does per request
            body = loads(raw)  # what read_json_object does
            body["cursor"] = cursors.get(who)
            parsed = parse_request(context.tokens, who, body)
            result = engine.run_sync(context, who, parsed)
            cursors[who] = result["cursor"]
            assert len(result["acked"]) == len(body["ops"]), result["rejected"][:2]
            return JSON(result).body

        profiler = cProfile.Profile()
        started = time.perf_counter()
        if not args.no_profile:
            profiler.enable()
        for token, raw in work:
            one(token, raw)
        profiler.disable()
        seconds = time.perf_counter() - started
        total = sum(len(json.loads(raw)["ops"]) for _, raw in work)
        print(
            f"{len(work)} syncs, {total} ops in {seconds:.3f} s = {total / seconds:,.0f} ops/s,"
            f" {len(work) / seconds:,.0f} syncs/s"
            f" ({'profiled' if not args.no_profile else 'unprofiled'}, in-process)"
        )
        if not args.no_profile:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
        context.store.close()


if __name__ == "__main__":
    main()
