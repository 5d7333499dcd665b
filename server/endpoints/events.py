"""Event endpoints: admin creation (`POST /api/admin/events`) and the public event read."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.events import create_event, get_event, join_url, public_event, validate_event_fields
from server.http import JSON, ctx, read_json_object, require_admin


async def create(request: Request) -> Response:
    """201 `{"slug","name","join_code","join_url"}`; 401 without the admin token, 409, 422."""
    require_admin(request)
    data = await read_json_object(request)
    fields = validate_event_fields(data)
    context = ctx(request)
    event = await run_in_threadpool(create_event, context.store, fields)
    body = {
        "slug": event["slug"],
        "name": event["name"],
        "join_code": event["join_code"],
        "join_url": join_url(context.settings.base_url, event),
    }
    return JSON(body, status_code=201)


def show(request: Request) -> Response:
    """The public face of an event (sync handler: Starlette runs it in the threadpool)."""
    event = get_event(ctx(request).store, request.path_params["slug"])
    return JSON(public_event(event))


routes: list[BaseRoute] = [
    Route("/api/admin/events", create, methods=["POST"]),
    Route("/api/events/{slug}", show, methods=["GET"]),
]
