#!/usr/bin/env python3
"""PostgreSQL: ingest and the reconnect storm with 1, 2 and 4 app processes on one database,
against raw PostgreSQL inserts of the same rows and against SQLite, all in the same run.

A PostgreSQL cluster of its own, with PostgreSQL's default durability (fsync and synchronous
commit on, unlike the tests' throwaway cluster), listening on a Unix socket in a temporary
folder, is started for the run and deleted after it (`--pg-url` uses an existing server).

- Ingest: `sync_ingest.py`'s work (devices sending 500-op batches, 400 swaps and 100 edits),
  devices spread round robin over the processes. Baselines: the op rows the server logged,
  inserted raw into a fresh schema 500 per transaction with executemany and with COPY, and the
  same ingest through one `cardswap serve` on a SQLite file.
- Storm: `storm.py`'s 2,000 devices through 64 connections spread over the processes; goal with
  2 processes: 0 errors and p99 <= 500 ms.
- CPU: seconds of CPU per op in the app processes and in PostgreSQL (every process of the
  cluster), read from /proc before and after each ingest. From them, a projection (labelled as
  one: 2 cores cannot show it) of what N app machines of this kind on one PostgreSQL machine of
  this kind would reach: min(N x cores / app CPU per op, cores / PostgreSQL CPU per op).

    .venv/bin/python scripts/bench/postgres.py [--quick] [--runs 1] [--processes 1,2,4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from _common import (
    ADMIN_TOKEN,
    SECRET,
    SERVER_ROOT,
    LiveServer,
    create_event,
    median,
    percentile,
    register_many,
    report,
    run,
    serving,
    temp_dir,
)
from storm import queues, storm
from sync_ingest import SWAPS, batches_for, ingest

TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
OP_COLUMNS = (
    "id, attendee_id, event_slug, device_id, type, payload, client_at, at, received_at, result,"
    " code, message"
)


# -- a PostgreSQL cluster for the run ----------------------------------------------------------
@contextmanager
def cluster(folder: Path) -> Iterator[tuple[str, int]]:
    """(URL, postmaster pid) of a fresh cluster with default durability, stopped afterwards."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not binaries:
        raise SystemExit(
            "postgres.py: install Debian's postgresql package (apt-get install postgresql)"
        )
    bin_dir = binaries[-1]
    folder.chmod(0o755)
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-k {folder} -c listen_addresses='' -c max_connections=200"
    subprocess.run(
        [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
         "-o", options, "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield f"postgresql:///postgres?host={folder}&user=postgres", pid
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )


@contextmanager
def schema(url: str, name: str) -> Iterator[str]:
    """A fresh schema; yields the URL whose connections use it."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


# -- CPU from /proc ----------------------------------------------------------------------------
def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """utime + stime of a process (and of its reaped children), in seconds."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def cluster_cpu(postmaster: int) -> float:
    """CPU seconds of a PostgreSQL cluster: the postmaster (with the backends it has reaped)
    and every process it runs now."""
    total = cpu_seconds(postmaster, with_children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except (OSError, ValueError):
                continue
            if int(fields[1]) == postmaster:
                total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


# -- the app processes -------------------------------------------------------------------------
@contextmanager
def app_processes(url: str, count: int, tmp: Path) -> Iterator[list[LiveServer]]:
    with ExitStack() as stack:
        servers = []
        for i in range(count):
            server = LiveServer(
                tmp / f"app{i}.db",
                db=url,
                secret=SECRET,
                admin_token=ADMIN_TOKEN,
                code_root=SERVER_ROOT,
                env={"CARDSWAP_PROCESSES": str(count)},
            ).start()
            stack.callback(server.stop)
            servers.append(server)
        yield servers


def _ingest_work(port: int, devices: int, batches: int) -> tuple[list[Any], int]:
    per_device = -(-batches // devices)
    event = run(create_event(port, "ingest"))
    people = run(register_many(port, event, devices + per_device * SWAPS))
    syncers, peers = people[:devices], people[devices:]
    work = [(s, batches_for(s, peers, per_device)) for s in syncers]
    return work, sum(len(ops) for _, bs in work for ops in bs)


def ingest_postgres(url: str, postmaster: int, processes: int, args: Any) -> dict[str, float]:
    with temp_dir() as tmp, app_processes(url, processes, tmp) as servers:
        work, total = _ingest_work(servers[0].port, args.devices, args.batches)
        pids = [s.process.pid for s in servers if s.process]
        app_before, pg_before = sum(map(cpu_seconds, pids)), cluster_cpu(postmaster)
        seconds = run(ingest([s.port for s in servers], work))
        app_cpu = sum(map(cpu_seconds, pids)) - app_before
        pg_cpu = cluster_cpu(postmaster) - pg_before
    return {
        "ops": total,
        "ops_s": total / seconds,
        "app_cpu_ms_per_op": app_cpu / total * 1000,
        "pg_cpu_ms_per_op": pg_cpu / total * 1000,
    }


def ingest_sqlite(args: Any) -> float:
    with temp_dir() as tmp, serving(tmp / "ingest.db") as server:
        work, total = _ingest_work(server.port, args.devices, args.batches)
        return total / run(ingest(server.port, work))


def raw_postgres(url: str, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """(executemany rows/s, COPY rows/s): the rows into a fresh `ops` table, 500 a transaction."""
    from server.storage.pg_migrations import apply_migrations

    out = []
    for method in ("executemany", "copy"):
        with schema(url, f"raw_{method}") as raw_url, psycopg.connect(raw_url) as conn:
            apply_migrations(conn)
            conn.commit()
            started = time.perf_counter()
            for i in range(0, len(rows), 500):
                part = rows[i : i + 500]
                with conn.cursor() as cur:
                    if method == "executemany":
                        marks = ",".join(["%s"] * len(part[0]))
                        cur.executemany(f"INSERT INTO ops ({OP_COLUMNS}) VALUES ({marks})", part)
                    else:
                        with cur.copy(f"COPY ops ({OP_COLUMNS}) FROM STDIN") as copy:
                            for row in part:
                                copy.write_row(row)
                conn.commit()
            out.append(len(rows) / (time.perf_counter() - started))
    return out[0], out[1]


def storm_postgres(url: str, processes: int, devices: int) -> dict[str, float]:
    with temp_dir() as tmp, app_processes(url, processes, tmp) as servers:
        ports = [s.port for s in servers]
        event = run(create_event(ports[0], "keynote"))
        people = run(register_many(ports[0], event, devices))
        outboxes = queues(people, 20, 5)
        total = sum(len(o) for o in outboxes)
        seconds, latencies, errors, acked = run(storm(ports, people, outboxes))
    return {
        "errors": len(errors) + (total - acked),
        "ops_s": total / seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small runs (8 batches, 400 devices)")
    parser.add_argument("--runs", type=int, default=1, help="runs; medians are reported")
    parser.add_argument("--processes", default="1,2,4", help="app process counts to measure")
    parser.add_argument("--batches", type=int, help="500-op batches per ingest (default 40)")
    parser.add_argument("--devices", type=int, default=4, help="ingest devices sending at once")
    parser.add_argument("--storm-devices", type=int, help="storm devices (default 2000)")
    parser.add_argument("--pg-url", help="an existing PostgreSQL server instead of a fresh one")
    args = parser.parse_args()
    args.batches = args.batches or (8 if args.quick else 40)
    args.storm_devices = args.storm_devices or (400 if args.quick else 2000)
    counts = [int(n) for n in args.processes.split(",")]
    print(f"postgres: {args.batches} ingest batches, {args.storm_devices} storm devices,"
          f" app processes {counts}, {args.runs} run(s), {CORES} cores", flush=True)  # fmt: skip
    with ExitStack() as stack:
        if args.pg_url:
            url, postmaster = args.pg_url, 0
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cardswap-pg-")))
            url, postmaster = stack.enter_context(cluster(folder))
        figures: dict[str, list[float]] = {}

        def keep(name: str, value: float) -> None:
            figures.setdefault(name, []).append(value)

        for index in range(args.runs):
            keep("sqlite", ingest_sqlite(args))
            for count in counts:
                with schema(url, f"ingest{count}") as db:
                    got = ingest_postgres(db, postmaster, count, args)
                    if count == counts[0]:
                        rows = (
                            psycopg.connect(db).execute(f"SELECT {OP_COLUMNS} FROM ops").fetchall()
                        )
                        many, copy = raw_postgres(url, rows)
                        keep("raw_many", many)
                        keep("raw_copy", copy)
                for key, value in got.items():
                    keep(f"{key}@{count}", value)
                with schema(url, f"storm{count}") as db:
                    for key, value in storm_postgres(db, count, args.storm_devices).items():
                        keep(f"storm_{key}@{count}", value)
            print(f"  run {index + 1}: " + ", ".join(
                f"{k} {v[-1]:,.2f}" for k, v in figures.items()), flush=True)  # fmt: skip
    m = {name: median(values) for name, values in figures.items()}
    rows: list[tuple[str, str]] = [
        ("SQLite ingest, 1 process (today)", f"{m['sqlite']:,.0f} ops/s"),
        ("raw PostgreSQL executemany, 500/tx", f"{m['raw_many']:,.0f} rows/s"),
        ("raw PostgreSQL COPY, 500/tx", f"{m['raw_copy']:,.0f} rows/s"),
    ]
    for count in counts:
        ops = m[f"ops_s@{count}"]
        rows += [
            (f"PostgreSQL ingest, {count} process(es)",
             f"{ops:,.0f} ops/s; /SQLite {ops / m['sqlite']:.2f}; /executemany"
             f" {ops / m['raw_many']:.3f}; /COPY {ops / m['raw_copy']:.3f}"),
            (f"  CPU per op, {count} process(es)",
             f"app {m[f'app_cpu_ms_per_op@{count}']:.3f} ms, PostgreSQL"
             f" {m[f'pg_cpu_ms_per_op@{count}']:.3f} ms" if postmaster else "not read (--pg-url)"),
            (f"storm, {count} process(es)",
             f"{m[f'storm_errors@{count}']:.0f} errors, {m[f'storm_ops_s@{count}']:,.0f} ops/s,"
             f" p50 {m[f'storm_p50_ms@{count}']:.0f} ms, p99 {m[f'storm_p99_ms@{count}']:.0f} ms"),
        ]  # fmt: skip
    if postmaster:
        app_ms, pg_ms = m[f"app_cpu_ms_per_op@{counts[0]}"], m[f"pg_cpu_ms_per_op@{counts[0]}"]
        for machines in (1, 2, 4, 8):
            app_bound = machines * CORES / app_ms * 1000
            pg_bound = CORES / pg_ms * 1000
            rows.append((
                f"PROJECTION: {machines} app machine(s) of {CORES} cores",
                f"{min(app_bound, pg_bound):,.0f} ops/s"
                f" ({'PostgreSQL' if pg_bound < app_bound else 'app'}-bound;"
                f" a {CORES}-core PostgreSQL machine, CPU only)",
            ))  # fmt: skip
    report("PostgreSQL (medians)", rows)


if __name__ == "__main__":
    main()
