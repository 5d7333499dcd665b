"""App passwords for the phone's address book (DESIGN.md section 10): create (shown once),
list, revoke, and the one-time Apple configuration profile link.

Thin handlers over server.app_passwords; creating one hashes the password with scrypt, so it
runs in the threadpool like the other sync work.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import app_passwords
from server.carddav import setup
from server.endpoints.exports import content_disposition
from server.http import JSON, ctx, read_json_object, session

NO_STORE = {"Cache-Control": "no-store"}


async def create(request: Request) -> Response:
    """`POST /api/me/app-passwords {"label"}` → 201 with the password (never shown again)."""
    who = session(request)
    data = await read_json_object(request)
    body = await run_in_threadpool(app_passwords.create, ctx(request), who.attendee_id, data)
    return JSON(body, status_code=201, headers=NO_STORE)


def listing(request: Request) -> Response:
    """`GET /api/me/app-passwords`."""
    body = app_passwords.list_for(ctx(request), session(request).attendee_id)
    return JSON(body, headers=NO_STORE)


def revoke(request: Request) -> Response:
    """`DELETE /api/me/app-passwords/{id}` → 204, effective at once."""
    who = session(request)
    app_passwords.revoke(ctx(request), who.attendee_id, request.path_params["password_id"])
    return Response(status_code=204)


def profile(request: Request) -> Response:
    """`GET /api/dav/profiles/{token}.mobileconfig`: the Apple profile, once, within 10 minutes
    of creating the password. No session: iOS opens it in Safari, which may not share the
    installed app's cookies; the signed, sealed token is the permission."""
    name, body = app_passwords.setup_profile(
        ctx(request), request.path_params["token"], use=request.method == "GET"
    )
    headers = {**NO_STORE, "Content-Disposition": content_disposition(name)}
    return Response(body, media_type=setup.MEDIA_TYPE, headers=headers)


routes: list[BaseRoute] = [
    Route("/api/me/app-passwords", create, methods=["POST"]),
    Route("/api/me/app-passwords", listing, methods=["GET"]),
    Route("/api/me/app-passwords/{password_id}", revoke, methods=["DELETE"]),
    Route("/api/dav/profiles/{token}.mobileconfig", profile, methods=["GET"]),
]
