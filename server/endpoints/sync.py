"""`POST /api/sync`: a device sends its queued ops and gets back what changed since its cursor.
An attendee's phone sends swaps and contact edits; a booth's staff phone (its staff bearer token)
sends lead ops and gets the booth's leads (server.booths.apply).

A sync is checked in one of SYNC_THREADS threads, admitted first come, first served (with
Starlette's 40-thread pool a crowd of syncs fought over the GIL and doubled the storm's p99).
Its write then joins the group commit (server.storage.group_commit): one writer thread applies
the syncs waiting together in one transaction, each in its own savepoint, and the answer is sent
after the COMMIT, so an ack always means the ops are on disk (scripts/bench/README.md, storm).
"""

from __future__ import annotations

import asyncio
import functools

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.booths import apply as booth_engine
from server.http import JSON, StaffSession, ctx, read_json_object, sync_session
from server.storage.leads import feed_owner
from server.sync import apply as engine
from server.sync.ops import parse_request

SYNC_THREADS = 2
_threads: RunVar[anyio.CapacityLimiter] = RunVar("cardswap_sync_threads")


def _sync_threads() -> anyio.CapacityLimiter:
    """This event loop's FIFO limiter for sync threads (one per loop, as anyio's own)."""
    try:
        return _threads.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(SYNC_THREADS)
        _threads.set(limiter)
        return limiter


async def sync(request: Request) -> Response:
    """Apply the ops in order, in one transaction with the change feed (DESIGN.md section 5).

    The ops are checked in a sync thread; the write joins the group commit's next transaction
    (shared with the other syncs waiting), and the answer is built once it has committed."""
    who = sync_session(request)
    context = ctx(request)
    body = await read_json_object(request)
    if isinstance(who, StaffSession):
        return await _staff_sync(request, who, body)
    parsed = parse_request(context.tokens, who.attendee_id, body)
    context.sync_limiter.hit(f"{who.attendee_id}:{parsed.device_id}")
    prepared = await anyio.to_thread.run_sync(
        engine.prepare_sync, context, who.attendee_id, parsed, limiter=_sync_threads()
    )
    job = functools.partial(engine.write_sync, context.store, prepared)
    written = await asyncio.wrap_future(context.writer.submit(job, weight=len(prepared.ops) + 1))
    return JSON(engine.answer(context.tokens, prepared, written))


async def _staff_sync(request: Request, who: StaffSession, body: dict[str, object]) -> Response:
    """A booth staff phone's sync (DESIGN.md section 13): lead ops in, the booth's leads out,
    through the same threads and group commit as an attendee's."""
    context = ctx(request)
    parsed = parse_request(context.tokens, feed_owner(who.booth_id), body)
    context.sync_limiter.hit(f"{feed_owner(who.booth_id)}:{parsed.device_id}")
    prepared = await anyio.to_thread.run_sync(
        booth_engine.prepare_staff_sync,
        context.tokens,
        who.booth_id,
        parsed,
        limiter=_sync_threads(),
    )
    job = functools.partial(booth_engine.write_staff_sync, prepared)
    written = await asyncio.wrap_future(context.writer.submit(job, weight=len(prepared.ops) + 1))
    return JSON(booth_engine.answer(context.tokens, prepared, written))


routes: list[BaseRoute] = [Route("/api/sync", sync, methods=["POST"])]
