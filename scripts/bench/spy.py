#!/usr/bin/env python3
"""Where the live server spends its GIL: py-spy attached to a real `cardswap serve` during the
ingest or the storm workload, with the functions that held the GIL longest printed.

py-spy samples the running process from outside (no change to the server), and `--gil` keeps
only the thread holding the GIL: SQLite's own work releases it, so what is left is the Python
the other threads wait for. py-spy is not a project dependency; install it anywhere:

    python3 -m venv /tmp/spy && /tmp/spy/bin/pip install py-spy
    .venv/bin/python scripts/bench/spy.py [--storm | --ingest] [--py-spy /tmp/spy/bin/py-spy]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import create_event, register_many, run, serving, temp_dir
from storm import queues, storm
from sync_ingest import SWAPS, batches_for, ingest


def top_frames(raw: Path, limit: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, by total time, by own time) from py-spy's raw (collapsed stack) output."""
    total: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = stack.split(";")
        for frame in set(frames):
            total[frame] += n
        own[frames[-1]] += n
    return samples, total.most_common(limit), own.most_common(limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--storm", action="store_true", help="the storm workload (default ingest)")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/spy/bin/py-spy")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if not Path(args.py_spy).exists():
        sys.exit(f"py-spy not found at {args.py_spy}: see this script's docstring")
    with temp_dir() as tmp, serving(tmp / "spy.db") as server:
        port = server.port
        event = run(create_event(port, "spy"))
        if args.storm:
            people = run(register_many(port, event, 1000))
            outboxes = queues(people, 20, 5)
        else:
            people = run(register_many(port, event, 4 + 10 * SWAPS))
            work = [(s, batches_for(s, people[4:], 10)) for s in people[:4]]
        assert server.process is not None
        raw = tmp / "spy.txt"
        spy = subprocess.Popen(
            [args.py_spy, "record", "--gil", "--format", "raw", "-r", "500", "-o", str(raw)]
            + ["-p", str(server.process.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attaches
        started = time.perf_counter()
        if args.storm:
            run(storm(port, people, outboxes))
        else:
            run(ingest(port, work))
        seconds = time.perf_counter() - started
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)
        samples, total, own = top_frames(raw, args.top)
    print(f"{'storm' if args.storm else 'ingest'}: {seconds:.2f} s, {samples} GIL samples")
    print("\n== by total time (the function and what it called)")
    for frame, n in total:
        print(f"  {n / samples:6.1%}  {frame[:120]}")
    print("\n== by own time")
    for frame, n in own:
        print(f"  {n / samples:6.1%}  {frame[:120]}")


if __name__ == "__main__":
    main()
