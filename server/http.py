"""HTTP plumbing shared by the handlers: bodies within limits (JSON, forms), media types,
cookies, sessions, admin auth. The one module below the endpoints that knows Starlette."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

from server import i18n
from server.context import AppContext
from server.errors import Forbidden, Malformed, TooLarge, Unauthorized, UnsupportedMediaType
from server.jsontext import dumps, loads
from server.tokens import ADMIN_SESSION_MAX_AGE, SESSION_MAX_AGE, InvalidToken

MAX_BODY = 1024 * 1024
# On every page whose language comes from the request's Accept-Language: a shared cache must
# keep one copy per language.
VARY_LANGUAGE = {"Vary": "Accept-Language"}
SESSION_COOKIE = "cardswap_session"
ADMIN_COOKIE = "cardswap_admin"
STAFF_COOKIE = "cardswap_staff"  # a booth staff phone (its own cookie: a phone may be both)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def ctx(request: Request) -> AppContext:
    """The app's context (settings, store, tokens)."""
    context: AppContext = request.app.state.ctx
    return context


class JSON(JSONResponse):
    """JSON with the charset the contract names, UTF-8 kept as UTF-8."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def page_messages(
    request: Request, default: str | None = None, time_zone: str | None = None
) -> i18n.Messages:
    """A page's messages: the best language of the browser's Accept-Language, else `default`
    (the event's language), else English; dates in `time_zone` (the event's)."""
    fallback = default if default in i18n.LANGUAGES else i18n.DEFAULT
    lang = i18n.from_accept_language(request.headers.get("accept-language"), fallback)
    return i18n.messages(lang, time_zone)


def _too_large(limit: int) -> TooLarge:
    size = f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
    return TooLarge(f"The request body is larger than {size}.")


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (never read whole first)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _too_large(limit)
        except ValueError as exc:
            raise Malformed("Content-Length is not a number.") from exc
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """The media type without parameters, lower-cased (`text/csv; charset=x` is `text/csv`)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def declared_length(request: Request) -> int:
    """The Content-Length the client declared (0 when none); 400 when it is not a number."""
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError as exc:
        raise Malformed("Content-Length is not a number.") from exc


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    """A JSON body: 415 unless `application/json`, 413 past the limit, 400 when malformed."""
    if media_type(request) != "application/json":
        raise UnsupportedMediaType("Send the body as application/json.")
    body = await read_body(request, limit)
    try:
        return loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Malformed("The request body is not valid JSON.") from exc


async def read_json_object(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    """A JSON body that must be an object."""
    data = await read_json(request, limit)
    if not isinstance(data, dict):
        raise Malformed("The request body must be a JSON object.")
    return data


async def read_form_or_json(
    request: Request, limit: int = 64 * 1024, max_fields: int = 20
) -> dict[str, Any]:
    """A small form (urlencoded or multipart) or a JSON object, as a dict of strings."""
    content_type = media_type(request)
    if content_type == "application/json":
        return await read_json_object(request, limit=limit)
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise UnsupportedMediaType("Send a form or a JSON object.")
    if declared_length(request) > limit:
        raise TooLarge("The form is too large.")
    form = await request.form(max_files=0, max_fields=max_fields)
    return {k: v for k, v in form.items() if isinstance(v, str)}


@dataclass(frozen=True)
class Session:
    attendee_id: str
    device_id: str | None
    via_cookie: bool


def _check_origin(request: Request, context: AppContext) -> None:
    """Cookie-authenticated writes must come from our own origin (CSRF guard)."""
    if request.method not in WRITE_METHODS:
        return
    origin = request.headers.get("origin")
    if not origin or origin.rstrip("/").lower() != context.settings.origin:
        raise Forbidden("This request must come from the cardswap app itself.", code="bad_origin")


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def session(request: Request) -> Session:
    """The signed-in attendee, from `Authorization: Bearer` or the session cookie; else 401."""
    context = ctx(request)
    token = bearer(request)
    via_cookie = False
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        via_cookie = True
    if not token:
        raise Unauthorized("Sign in first: no session token was sent.")
    try:
        attendee_id, device_id = context.tokens.read_session(token)
    except InvalidToken as exc:
        raise Unauthorized("The session token is invalid or expired.") from exc
    if via_cookie:
        _check_origin(request, context)
    return Session(attendee_id, device_id, via_cookie)


@dataclass(frozen=True)
class StaffSession:
    """A booth's staff phone (DESIGN.md section 13): the booth and the phone's install id."""

    booth_id: str
    device_id: str
    via_cookie: bool


def staff_session(request: Request) -> StaffSession:
    """The signed-in staff phone, from `Authorization: Bearer` or the staff cookie; else 401."""
    context = ctx(request)
    token = bearer(request)
    via_cookie = token is None
    if token is None:
        token = request.cookies.get(STAFF_COOKIE)
    if not token:
        raise Unauthorized("Join the booth first: no staff token was sent.")
    try:
        booth_id, device_id = context.tokens.read_staff_session(token)
    except InvalidToken as exc:
        raise Unauthorized("The staff token is invalid or expired.") from exc
    if via_cookie:
        _check_origin(request, context)
    return StaffSession(booth_id, device_id, via_cookie)


def sync_session(request: Request) -> Session | StaffSession:
    """Whose sync this is: the bearer token says (an attendee's session or a staff phone's);
    without one, the attendee's session cookie. 401 when neither is valid."""
    token = bearer(request)
    if token is not None:
        try:
            ctx(request).tokens.read_staff_session(token)
        except InvalidToken:
            return session(request)
        return staff_session(request)
    return session(request)


def _cookie_flags(context: AppContext) -> dict[str, Any]:
    """Every cookie we set: whole site, HttpOnly, SameSite=Lax, Secure over HTTPS."""
    return {
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": context.settings.secure_cookies,
    }


def set_session_cookie(response: Response, context: AppContext, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_MAX_AGE, **_cookie_flags(context))


def clear_session_cookie(response: Response, context: AppContext) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_flags(context))


def set_staff_cookie(response: Response, context: AppContext, token: str) -> None:
    response.set_cookie(STAFF_COOKIE, token, max_age=SESSION_MAX_AGE, **_cookie_flags(context))


def set_admin_cookie(response: Response, context: AppContext, token: str) -> None:
    response.set_cookie(
        ADMIN_COOKIE, token, max_age=ADMIN_SESSION_MAX_AGE, **_cookie_flags(context)
    )


def clear_admin_cookie(response: Response, context: AppContext) -> None:
    response.delete_cookie(ADMIN_COOKIE, **_cookie_flags(context))


def is_admin_token(context: AppContext, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(
        str(token).encode(), context.settings.admin_token.encode()
    )


def require_admin(request: Request) -> None:
    """Admin API: `Authorization: Bearer $CARDSWAP_ADMIN_TOKEN` or the signed admin cookie."""
    context = ctx(request)
    token = bearer(request)
    if token is not None:
        if is_admin_token(context, token):
            return
        raise Unauthorized("The admin token is not valid.")
    cookie = request.cookies.get(ADMIN_COOKIE)
    if not cookie:
        raise Unauthorized("Admin sign-in required.")
    try:
        context.tokens.read_admin_session(cookie)
    except InvalidToken as exc:
        raise Unauthorized("The admin session is invalid or expired.") from exc
    _check_origin(request, context)


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method the routes at this request's path serve, plus OPTIONS; [] for no route.

    Starlette's 405 names only the first route that matched the path, and some paths have a
    route per method (GET and DELETE /api/me), so the `Allow` header is built from all of them.
    """
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                methods |= route.methods
    if not methods:
        return []
    known = [m for m in _METHOD_ORDER if m in methods]
    return [*known, *sorted(methods - set(known)), "OPTIONS"]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
