"""`POST /api/sync`: a device sends its queued ops and gets back what changed since its cursor."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import sync as engine
from server.http import JSON, ctx, read_json_object, session


async def sync(request: Request) -> Response:
    """Apply the ops in order, in one transaction with the change feed (DESIGN.md section 5)."""
    who = session(request)
    context = ctx(request)
    body = await read_json_object(request)
    parsed = engine.parse_request(context.tokens, who.attendee_id, body)
    context.sync_limiter.hit(f"{who.attendee_id}:{parsed.device_id}")
    result = await run_in_threadpool(engine.run_sync, context, who.attendee_id, parsed)
    return JSON(result)


routes: list[BaseRoute] = [Route("/api/sync", sync, methods=["POST"])]
