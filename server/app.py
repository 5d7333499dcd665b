"""create_app(settings): route table, middleware, exception handlers, lifespan; only assembly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from server.context import AppContext
from server.endpoints import (
    admin,
    app_passwords,
    attendee,
    booth_admin,
    booths,
    contacts,
    dav,
    events,
    exports,
    health,
    meta,
    photos,
    public,
    sync,
    web,
)
from server.errors import CardswapError, RateLimited
from server.http import JSON, allowed_methods
from server.middleware import IPFloodGuard, SecurityHeaders
from server.settings import Settings
from server.storage import open_store
from server.tokens import Tokens

log = logging.getLogger("cardswap")

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_field",
    429: "rate_limited",
}


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CardswapError)
    headers = dict(exc.headers or {})
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSON(exc.as_json(), status_code=exc.status, headers=headers or None)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        if request.method == "OPTIONS":
            # OPTIONS asks what a resource allows: answer it (RFC 9110 9.3.7), never refuse it.
            return Response(status_code=204, headers=headers)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if exc.status_code == 404:
        message = "Nothing is here."
    return JSON(
        {"error": {"code": code, "message": message}},
        status_code=exc.status_code,
        headers=headers or None,
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSON(
        {
            "error": {
                "code": "internal_error",
                "message": "Something went wrong on the server; nothing was saved by this request.",
            }
        },
        status_code=500,
    )


def create_app(settings: Settings) -> Starlette:
    """The whole cardswap application for one settings object (migrations run here)."""
    store = open_store(settings.db)
    store.migrate()
    context = AppContext(settings=settings, store=store, tokens=Tokens(settings.secret_keys))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    routes = [
        *events.routes,
        *attendee.routes,
        *app_passwords.routes,
        *booths.routes,
        *photos.routes,
        *sync.routes,
        *exports.routes,  # before contacts: /api/contacts.vcf is not a contact id
        *contacts.routes,
        *public.routes,
        *admin.routes,
        *booth_admin.routes,
        *meta.routes,
        *health.routes,
        *dav.routes,  # the CardDAV tree, and PROPFIND/OPTIONS on `/` (GET there is the shell)
        *web.routes(settings.web_dir),  # last: the static shell mount catches what is left
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(IPFloodGuard, context=context)],
        exception_handlers={
            CardswapError: _domain_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.ctx = context
    return app
