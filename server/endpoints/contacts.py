"""`GET /api/contacts`: the signed-in attendee's contacts, filtered for the follow-up list."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import contacts
from server.http import JSON, ctx, session


async def list_contacts(request: Request) -> Response:
    """`?follow_up=none|todo|done&tag=…&starred=true&q=…`; deleted contacts are left out."""
    who = session(request)
    filters = contacts.parse_filters(dict(request.query_params))
    found = await run_in_threadpool(
        contacts.list_contacts, ctx(request).store, who.attendee_id, filters
    )
    return JSON({"contacts": found})


routes: list[BaseRoute] = [Route("/api/contacts", list_contacts, methods=["GET"])]
