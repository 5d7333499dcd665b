"""What the benchmarks share: a real `cardswap serve` process (the tests' launcher), a light
HTTP/1.1 client, timing.

The client is raw asyncio streams with keep-alive (not httpx): client and server share the same
two cores, so every microsecond the client spends is one the server does not get. It speaks just
enough HTTP/1.1 for our JSON API (Content-Length bodies, which is what uvicorn sends for them).
Standard library plus our own venv only.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
# The server code to measure: this tree, or another checkout (e.g. the code before a change:
# `git archive COMMIT | tar -x -C /tmp/before`, then CARDSWAP_BENCH_SERVER=/tmp/before).
SERVER_ROOT = Path(os.environ.get("CARDSWAP_BENCH_SERVER") or ROOT).resolve()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.live_server import LiveServer  # noqa: E402 (ROOT is on the path now)

SECRET = "bench-secret-key"
ADMIN_TOKEN = "bench-admin-token"

try:  # the client gets the same fast loop as the server, when it is installed
    import uvloop

    def run(coro: Any) -> Any:
        return uvloop.run(coro)
except ImportError:  # pragma: no cover

    def run(coro: Any) -> Any:
        return asyncio.run(coro)


def uuid7() -> str:
    """A time-ordered UUID (version 7), what the web app mints for op ids."""
    ms = time.time_ns() // 1_000_000
    rand = random.getrandbits(74)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 62) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


# -- the server --------------------------------------------------------------------------------
def bench_server(db_path: Path, workers: int = 1) -> LiveServer:
    """`cardswap serve` (or uvicorn with `workers` processes on the same app) on 127.0.0.1, from
    SERVER_ROOT's code, with the benchmarks' keys (tests/live_server.py launches it)."""
    return LiveServer(
        db_path, secret=SECRET, admin_token=ADMIN_TOKEN, code_root=SERVER_ROOT, workers=workers
    )


@contextmanager
def serving(db_path: Path, workers: int = 1) -> Iterator[LiveServer]:
    server = bench_server(db_path, workers).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cardswap-bench-") as name:
        yield Path(name)


# -- the client --------------------------------------------------------------------------------
class HTTPError(Exception):
    pass


class Conn:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """(status, body bytes); reconnects once if the server closed the idle connection.
        `body` is sent as JSON, or as it is when it is bytes (say XML: give its Content-Type)."""
        raw_body = isinstance(body, bytes)
        if raw_body:
            data = body
        else:
            data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(data)}"]
        if body is not None and not raw_body:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise HTTPError("chunked responses are not supported by the bench client")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None


async def pool_map(
    port: int | Sequence[int],
    items: list[Any],
    worker: Callable[[Conn, Any], Any],
    concurrency: int,
) -> list[Any]:
    """Run `await worker(conn, item)` for every item over `concurrency` keep-alive connections
    (spread over the ports of several server processes, as a reverse proxy would)."""
    ports = [port] if isinstance(port, int) else list(port)
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    for pair in enumerate(items):
        queue.put_nowait(pair)
    results: list[Any] = [None] * len(items)

    async def loop(number: int) -> None:
        conn = Conn(ports[number % len(ports)])
        try:
            while True:
                try:
                    index, item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                results[index] = await worker(conn, item)
        finally:
            await conn.close()

    await asyncio.gather(*(loop(n) for n in range(concurrency)))
    return results


# -- an event with attendees -------------------------------------------------------------------
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Attendee:
    id: str
    token: str
    card_token: str
    device_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def card_of(i: int) -> dict[str, Any]:
    """A realistic card: name, organisation, title, an email, a phone and a link."""
    return {
        "fn": f"Attendee {i:06d} Example",
        "org": f"Company {i % 997}",
        "title": "Engineer",
        "emails": [f"person{i}@example.com"],
        "phones": [f"+44 20 7946 {i % 10000:04d}"],
        "urls": [f"https://example.com/people/{i}"],
    }


async def create_event(port: int, slug: str) -> dict[str, Any]:
    conn = Conn(port)
    try:
        status, body = await conn.request(
            "POST", "/api/admin/events", {"slug": slug, "name": slug.title()}, ADMIN_HEADERS
        )
    finally:
        await conn.close()
    if status != 201:
        raise HTTPError(f"event create: {status} {body[:200]!r}")
    return dict(json.loads(body))


async def register_many(port: int, event: dict[str, Any], count: int) -> list[Attendee]:
    """`count` attendees registered through the real API (the crowd behind one address)."""

    async def one(conn: Conn, i: int) -> Attendee:
        device = str(uuid.uuid4())
        body = {"join_code": event["join_code"], "card": card_of(i), "device_id": device}
        status, raw = await conn.request("POST", f"/api/events/{event['slug']}/attendees", body)
        while status == 429:  # the crowd's budget (12,000 at once, then 200/s): wait as phones do
            await asyncio.sleep(1)
            status, raw = await conn.request("POST", f"/api/events/{event['slug']}/attendees", body)
        if status != 201:
            raise HTTPError(f"register: {status} {raw[:200]!r}")
        data = json.loads(raw)
        return Attendee(
            data["attendee"]["id"], data["token"], data["card_url"].rsplit("/c/", 1)[1], device
        )

    return await pool_map(port, list(range(count)), one, 32)


_op_id = uuid7


def use_random_op_ids() -> None:
    """Mint op ids as random UUIDv4 (a naive load generator) instead of the app's UUIDv7."""
    global _op_id
    _op_id = lambda: str(uuid.uuid4())  # noqa: E731


def swap_op(card_token: str, note: str = "") -> dict[str, Any]:
    op: dict[str, Any] = {
        "id": _op_id(),
        "type": "exchange",
        "method": "qr",
        "card_token": card_token,
        "at": iso_now(),
    }
    if note:
        op["note"] = note
    return op


def edit_op(contact_id: str, n: int) -> dict[str, Any]:
    sets: list[dict[str, Any]] = [
        {"notes": f"Talked about project {n}; send the deck."},
        {"tags": ["lead", f"track-{n % 5}"]},
        {"follow_up": "todo", "follow_up_on": "2026-12-01"},
        {"starred": True},
        {"notes": f"Follow up on {n}", "follow_up": "todo", "tags": ["hiring"]},
    ]
    return {
        "id": _op_id(),
        "type": "contact.update",
        "contact_id": contact_id,
        "set": sets[n % len(sets)],
        "at": iso_now(),
    }


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


def report(title: str, rows: list[tuple[str, str]]) -> None:
    """Print a small aligned table of figures."""
    print(f"\n== {title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    sys.stdout.flush()


# -- the web app in a browser ------------------------------------------------------------------
CACHED_BYTES_JS = """async () => { let n = 0; for (const name of await caches.keys()) {
     const c = await caches.open(name);
     for (const r of await c.keys()) {
       n += (await (await c.match(r)).arrayBuffer()).byteLength;
     }
   } return n; }"""


def wait_for_worker(page: Any, seconds: float) -> None:
    """Until the service worker controls `page` (a first load is over when it does)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        assert time.monotonic() < deadline, "the service worker did not take control"
        time.sleep(0.1)
