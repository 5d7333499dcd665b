"""The CardDAV endpoints (DESIGN.md section 10): discovery, the DAV tree, and `/` for clients
that only know the host. Thin HTTP over server.carddav: sign in, find the resource, read the
XML body within its own limit, call the method's plain function in a worker thread, answer.

These requests bypass the JSON API's body rules (their bodies are XML) and are answered in the
protocol's terms: 207 multistatus, `DAV:error` bodies for refused preconditions (writes get 403
need-privileges: the book is read only). Errors outside the protocol (no credentials, malformed
XML, too large) keep the API's JSON error shape.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server import app_passwords
from server.attendees import require_attendee
from server.carddav import davxml, methods, paths, setup
from server.carddav.book import Book
from server.carddav.paths import Target
from server.context import AppContext
from server.errors import NotFound, UnsupportedMediaType
from server.events import get_event
from server.http import ctx, media_type, read_body
from server.i18n import Messages, messages

DAV_CLASSES = "1, 3, addressbook"
ALLOW = "OPTIONS, GET, HEAD, PROPFIND, REPORT"
XML_TYPE = "application/xml; charset=utf-8"
VCARD_TYPE = "text/vcard; charset=utf-8"
READ_METHODS = ["OPTIONS", "GET", "HEAD", "PROPFIND", "REPORT"]
METHODS = [*READ_METHODS, *methods.WRITE_PRIVILEGES]
_XML_TYPES = frozenset({"", "text/xml", "application/xml"})


def options(request: Request) -> Response:
    """OPTIONS: what this server speaks (no sign-in needed; DAVx5 asks the principal)."""
    return Response(status_code=200, headers={"DAV": DAV_CLASSES, "Allow": ALLOW})


def well_known(request: Request) -> Response:
    """`/.well-known/carddav` (RFC 6764), any method: 301 to the service root, as an absolute
    URL of BASE_URL (Apple's clients will not follow a redirect from HTTPS down to HTTP)."""
    return RedirectResponse(setup.carddav_url(ctx(request).settings.base_url), status_code=301)


def _signed_in(context: AppContext, authorization: str | None) -> Book:
    user = app_passwords.sign_in(context, authorization)
    attendee = require_attendee(context.store, user.attendee_id)
    event = get_event(context.store, attendee["event_slug"])
    m = book_messages(attendee, event)
    return Book(user.attendee_id, user.username, str(event["name"]), m)


def book_messages(attendee: dict[str, object], event: dict[str, object]) -> Messages:
    """The address book's language: the attendee's own, else the event's; its time zone."""
    lang = attendee.get("language") or event.get("language")
    zone = event.get("time_zone")
    return messages(str(lang) if lang else None, str(zone) if zone else None)


def _request_path(request: Request) -> str:
    """The path as the client sent it, still percent-encoded."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1").split("?", 1)[0] if raw else quote(request.url.path)


async def _xml_body(request: Request) -> bytes:
    body = await read_body(request, limit=davxml.MAX_XML_BODY)
    kind = media_type(request)
    if body.strip() and kind not in _XML_TYPES and not kind.endswith("+xml"):
        raise UnsupportedMediaType("Send the DAV request body as XML (text/xml).")
    return body


def _write_target(path: str, username: str) -> tuple[str, bool]:
    """Where a write aims, and whether it exists: one of the user's resources, or a new name
    inside their book; NotFound elsewhere."""
    try:
        return paths.locate(path, username).path, True
    except NotFound:
        if path.startswith(paths.book(username)):
            return path, False
        raise


def _get(request: Request, book: Book, target: Target, context: AppContext) -> Response:
    if target.kind != "member":
        help_text = book.m.t("dav.help") + "\n"
        return Response(help_text, media_type="text/plain; charset=utf-8")
    item = methods.get(context.store, book, target)
    headers = {"ETag": item.etag, "Cache-Control": "private, no-cache"}
    match = request.headers.get("if-none-match", "")
    if match.strip() == "*" or item.etag in [tag.strip() for tag in match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(item.text.encode("utf-8"), media_type=VCARD_TYPE, headers=headers)


async def dav(request: Request) -> Response:
    """Every method on the DAV tree (and PROPFIND or REPORT on `/`)."""
    if request.method == "OPTIONS":
        return options(request)
    context = ctx(request)
    book = await run_in_threadpool(_signed_in, context, request.headers.get("authorization"))
    path = _request_path(request)
    store = context.store
    try:
        if request.method in methods.WRITE_PRIVILEGES:
            aim, exists = _write_target(path, book.username)
            raise methods.refuse_write(request.method, aim, book.username, exists)
        target = paths.locate(path, book.username)
        if request.method in ("GET", "HEAD"):
            return await run_in_threadpool(_get, request, book, target, context)
        body = await _xml_body(request)
        if request.method == "PROPFIND":
            depth = request.headers.get("depth")
            out = await run_in_threadpool(methods.propfind, store, book, target, body, depth)
        else:
            out = await run_in_threadpool(methods.report, store, book, target, body)
    except methods.Precondition as refused:
        return Response(refused.body, status_code=refused.status, media_type=XML_TYPE)
    return Response(out, status_code=207, media_type=XML_TYPE)


routes: list[BaseRoute] = [
    Route("/.well-known/carddav", well_known, methods=METHODS),
    Route("/.well-known/carddav/", well_known, methods=METHODS),
    # GUI clients that know only the host ask `/` (the web app's shell answers GET there).
    Route("/", dav, methods=["OPTIONS", "PROPFIND", "REPORT"]),
    Route("/dav", dav, methods=METHODS),
    Route("/dav/{rest:path}", dav, methods=METHODS),
]
