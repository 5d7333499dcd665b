"""Organizer endpoints: the admin sign-in and HTML pages, CSV import, badges, posters, stats.

Admin API calls take `Authorization: Bearer $CARDSWAP_ADMIN_TOKEN` or the signed admin cookie set
by signing in at `/admin` (`server.http.require_admin`, with the same-origin check for cookie
writes). HTML pages answer a browser that is not signed in with the sign-in form (401) and a
domain error with an HTML page of the same status; API clients get the contract's JSON errors.
Handlers only parse, call a plain function (organizer, stats, events) in the threadpool, and shape.
The pages speak the organizer's browser's language (Accept-Language), with the event's time zone;
the poster and the badges speak the event's language, as they are printed for everyone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from server import i18n
from server.booths.booths import event_summary
from server.errors import (
    CardswapError,
    Forbidden,
    InvalidField,
    Malformed,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from server.events import create_event as create_event_row
from server.events import (
    event_locale,
    get_event,
    join_url,
    list_events,
    organizer_event,
    update_event,
    validate_event_fields,
)
from server.http import (
    JSON,
    MAX_BODY,
    VARY_LANGUAGE,
    clear_admin_cookie,
    client_ip,
    ctx,
    declared_length,
    is_admin_token,
    media_type,
    page_messages,
    read_body,
    read_form_or_json,
    read_json_object,
    require_admin,
    set_admin_cookie,
)
from server.organizer import admin_pages, badges, booth_pages, charts
from server.organizer.attendee_import import charset_of
from server.organizer.attendees import (
    desk_signin,
    import_attendees,
    list_attendees,
    signin_links_csv,
)
from server.organizer.page_errors import error_html
from server.organizer.stats import attendee_counts, event_stats, registrations_by_hour

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "web" / "admin"
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values"})
FORM_OVERHEAD = 64 * 1024  # multipart framing around an upload of at most MAX_BODY
NO_STORE = {"Cache-Control": "no-store"}
# Admin pages post forms, and a browser sends `Origin: null` on a form POST from a page with
# `Referrer-Policy: no-referrer`, which the same-origin check must refuse. Admin URLs carry no
# tokens, so their pages may send the origin to themselves (never to other sites).
PAGE_HEADERS = {**NO_STORE, "Referrer-Policy": "same-origin", **VARY_LANGUAGE}
EVENT_PAGE_ROWS = 2000
EVENT_FORM_FIELDS = ("slug", "name", "starts_on", "ends_on", "language", "time_zone")

Handler = Callable[[Request], Awaitable[Response]]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def _messages(request: Request, slug: str | None = None) -> i18n.Messages:
    """The organizer's language (Accept-Language), with the event's time zone when there is one."""
    _, time_zone = event_locale(ctx(request).store, slug) if slug else (None, None)
    return page_messages(request, None, time_zone)


def _event_messages(event: dict[str, Any]) -> i18n.Messages:
    """The event's own language and time zone: what printed pages speak."""
    return i18n.messages(event.get("language"), event.get("time_zone"))


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _safe_next(value: Any) -> str:
    """Only our own admin pages are valid targets after sign-in (no open redirect)."""
    text = str(value or "")
    ok = text.startswith("/admin") and "//" not in text and "\\" not in text
    return text if ok and len(text) < 2000 else "/admin"


def page(handler: Handler) -> Handler:
    """An admin HTML page: sign-in form (401) when not signed in, domain errors as HTML pages."""

    async def wrapped(request: Request) -> Response:
        signed_in = False
        try:
            require_admin(request)
            signed_in = True
            return await handler(request)
        except CardswapError as exc:
            if not _wants_html(request):
                raise
            m = page_messages(request)
            if isinstance(exc, Unauthorized) and not signed_in:
                return _html(admin_pages.signin_page(m, _safe_next(_here(request))), 401)
            return _html(admin_pages.error_page(m, exc.status, error_html(m, exc)), exc.status)

    return wrapped


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])


# -- sign-in -----------------------------------------------------------------------------------
async def home(request: Request) -> Response:
    """`GET /admin`: the sign-in form, or (signed in) the list of events and the create form."""
    try:
        require_admin(request)
    except (Unauthorized, Forbidden):
        return _html(admin_pages.signin_page(page_messages(request)))
    return _html(await run_in_threadpool(_events_page, request))


def _events_page(
    request: Request, form: dict[str, Any] | None = None, error: CardswapError | None = None
) -> str:
    store, m = ctx(request).store, page_messages(request)
    message = error_html(m, error) if error is not None else None
    return admin_pages.events_page(m, list_events(store), attendee_counts(store), form, message)


async def signin(request: Request) -> Response:
    """`POST /admin/signin` with the admin token: sets the signed, HttpOnly admin cookie.

    Every attempt, right or wrong, costs from a small per-address budget (429 past it), so a
    weak CARDSWAP_ADMIN_TOKEN cannot be guessed through this form.
    """
    context = ctx(request)
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/").lower() != context.settings.origin:
        raise Forbidden("Sign in from the cardswap admin page itself.", code="bad_origin")
    context.admin_signin_limiter.hit(client_ip(request))
    data = await read_form_or_json(request)
    token = data.get("token") or data.get("admin_token")
    next_path = _safe_next(data.get("next"))
    is_form = not request.headers.get("content-type", "").startswith("application/json")
    if not isinstance(token, str) or not is_admin_token(context, token.strip()):
        if is_form:
            m = page_messages(request)
            message = m.html("admin.signin.wrong_token")
            return _html(admin_pages.signin_page(m, next_path, message), 401)
        raise Unauthorized("The admin token is not valid.")
    response: Response = (
        RedirectResponse(next_path, status_code=303) if is_form else Response(status_code=204)
    )
    set_admin_cookie(response, context, context.tokens.admin_session())
    return response


async def signout(request: Request) -> Response:
    """`POST /admin/signout`: forget the admin cookie."""
    response = RedirectResponse("/admin", status_code=303)
    clear_admin_cookie(response, ctx(request))
    return response


# -- events ------------------------------------------------------------------------------------
@page
async def create_event(request: Request) -> Response:
    """`POST /admin/events` (form): create, then show the new event's page."""
    data = await read_form_or_json(request)
    fields = {k: data.get(k, "") for k in EVENT_FORM_FIELDS[:4]}
    fields |= {k: data[k] for k in EVENT_FORM_FIELDS[4:] if data.get(k)}
    try:
        checked = validate_event_fields(fields)
        await run_in_threadpool(create_event_row, ctx(request).store, checked)
    except CardswapError as exc:
        body = await run_in_threadpool(_events_page, request, fields, exc)
        return _html(body, exc.status)
    return RedirectResponse(f"/admin/events/{checked['slug']}", status_code=303)


def _event_page(
    request: Request,
    slug: str,
    error: CardswapError | None = None,
    form: dict[str, Any] | None = None,
) -> str:
    context = ctx(request)
    event = get_event(context.store, slug)
    m = page_messages(request, None, event.get("time_zone"))
    attendees, total = list_attendees(context, slug, limit=EVENT_PAGE_ROWS)
    booths = booth_pages.event_section(event, *event_summary(context.store, slug), m)
    return admin_pages.event_page(
        m,
        event,
        join_url(context.settings.base_url, event),
        event_stats(context.store, slug),
        attendees,
        error_html(m, error) if error is not None else None,
        total=total,
        booths=booths,
        form=form,
    )


@page
async def event_page(request: Request) -> Response:
    """`GET /admin/events/{slug}`: the event's dashboard."""
    return _html(await run_in_threadpool(_event_page, request, _slug(request)))


@page
async def edit_event(request: Request) -> Response:
    """`POST /admin/events/{slug}` (form): change the name, dates, language or time zone."""
    slug = _slug(request)
    data = await read_form_or_json(request)
    fields: dict[str, Any] = {k: data[k] for k in EVENT_FORM_FIELDS[1:4] if k in data}
    fields |= {k: data[k] for k in EVENT_FORM_FIELDS[4:] if data.get(k)}
    try:
        checked = validate_event_fields(fields, partial=True)
        await run_in_threadpool(update_event, ctx(request).store, slug, checked)
    except InvalidField as exc:
        body = await run_in_threadpool(_event_page, request, slug, exc, fields)
        return _html(body, exc.status)
    return RedirectResponse(f"/admin/events/{slug}", status_code=303)


async def patch_event(request: Request) -> Response:
    """`PATCH /api/admin/events/{slug}` `{"name"?, "starts_on"?, "ends_on"?}` -> the event."""
    require_admin(request)
    slug = _slug(request)
    store = ctx(request).store
    await run_in_threadpool(get_event, store, slug)
    data = await read_json_object(request)
    if "slug" in data and data["slug"] != slug:
        raise InvalidField("An event's slug cannot change (it is in every link).", field="slug")
    checked = validate_event_fields({k: v for k, v in data.items() if k != "slug"}, partial=True)
    event = await run_in_threadpool(update_event, store, slug, checked)
    return JSON(organizer_event(ctx(request).settings.base_url, event))


# -- attendees ---------------------------------------------------------------------------------
async def import_csv(request: Request) -> Response:
    """`POST /api/admin/events/{slug}/attendees.csv` (text/csv): the contract's import result."""
    require_admin(request)
    context, slug = ctx(request), _slug(request)
    await run_in_threadpool(get_event, context.store, slug)
    if media_type(request) not in CSV_TYPES:
        raise UnsupportedMediaType("Send the attendee list as text/csv.")
    body = await read_body(request)
    result = await run_in_threadpool(
        import_attendees, context, slug, body, charset_of(request.headers.get("content-type", ""))
    )
    return JSON(result.as_json(), headers=NO_STORE)


async def signin_links(request: Request) -> Response:
    """`GET /api/admin/events/{slug}/attendees.csv`: fresh sign-in links for a mail merge."""
    require_admin(request)
    slug = _slug(request)
    text = await run_in_threadpool(signin_links_csv, ctx(request), slug)
    return Response(
        "\ufeff" + text,  # the BOM makes Excel read UTF-8 names right
        media_type="text/csv; charset=utf-8",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="{slug}-sign-in-links.csv"',
        },
    )


@page
async def import_form(request: Request) -> Response:
    """`POST /admin/events/{slug}/import` (multipart upload form): the import result page."""
    context, slug = ctx(request), _slug(request)
    event = await run_in_threadpool(get_event, context.store, slug)
    if request.headers.get("content-type", "").split(";")[0].strip() != "multipart/form-data":
        raise UnsupportedMediaType("Upload the CSV file with the form.")
    if declared_length(request) > MAX_BODY + FORM_OVERHEAD:
        raise TooLarge("The file is larger than 1 MiB.")
    async with request.form(max_files=1, max_fields=5) as form:  # closes the spooled upload
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Malformed("Choose a CSV file to import.")
        data = await upload.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise TooLarge("The file is larger than 1 MiB.")
    result = await run_in_threadpool(import_attendees, context, slug, data, None)
    m = page_messages(request, None, event.get("time_zone"))
    return _html(admin_pages.import_result_page(m, event, result))


@page
async def desk_signin_page(request: Request) -> Response:
    """`GET /admin/events/{slug}/attendees/{attendee_id}/signin`: a fresh sign-in QR (help desk)."""
    person = await run_in_threadpool(
        desk_signin, ctx(request), _slug(request), str(request.path_params["attendee_id"])
    )
    event = await run_in_threadpool(get_event, ctx(request).store, _slug(request))
    m = page_messages(request, None, event.get("time_zone"))
    return _html(admin_pages.desk_signin_page(m, event, person))


# -- printables --------------------------------------------------------------------------------
def _ids(request: Request) -> list[str] | None:
    ids = [i for v in request.query_params.getlist("ids") for i in v.split(",")]
    ids += request.query_params.getlist("id")
    ids = [i.strip() for i in ids if i.strip()]
    return ids or None


def _badges(request: Request, slug: str) -> str:
    context = ctx(request)
    event = get_event(context.store, slug)
    params = request.query_params
    try:
        offset = max(0, int(params.get("from") or 0))
    except ValueError as exc:
        raise InvalidField("from must be a number.", field="from") from exc
    rows, total = list_attendees(
        context,
        slug,
        ids=_ids(request),
        query=params.get("q"),
        offset=offset,
        limit=badges.BADGES_PER_PAGE,
    )
    keep = urlencode([(k, v) for k, v in params.multi_items() if k not in ("paper", "from")])
    paper = badges.paper(params.get("paper"))
    photos = params.get("photos") in ("1", "on", "true")
    return badges.badges_page(
        _event_messages(event), event, rows, paper, keep, offset=offset, total=total, photos=photos
    )


@page
async def badges_page(request: Request) -> Response:
    """`GET /admin/events/{slug}/badges?paper=a4|letter&q=…&ids=…&from=…&photos=1`: printable
    badges (with each attendee's photo when `photos=1`).

    At most BADGES_PER_PAGE badges per page (`from` pages on): a print run stays a few seconds.
    """
    return _html(await run_in_threadpool(_badges, request, _slug(request)))


def _poster(request: Request, slug: str) -> str:
    context = ctx(request)
    event = get_event(context.store, slug)
    url = join_url(context.settings.base_url, event)
    paper = badges.paper(request.query_params.get("paper"))
    return badges.poster_page(_event_messages(event), event, url, paper)


@page
async def poster_page(request: Request) -> Response:
    """`GET /admin/events/{slug}/poster?paper=a4|letter`: the printable join poster."""
    return _html(await run_in_threadpool(_poster, request, _slug(request)))


# -- stats -------------------------------------------------------------------------------------
async def stats(request: Request) -> Response:
    """`GET /api/admin/events/{slug}/stats`: aggregates only."""
    require_admin(request)
    data = await run_in_threadpool(event_stats, ctx(request).store, _slug(request))
    return JSON(data, headers=NO_STORE)


def _svg(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml", headers={**NO_STORE, **VARY_LANGUAGE})


def _swaps_chart(request: Request, slug: str) -> str:
    m = _messages(request, slug)
    data = event_stats(ctx(request).store, slug)
    title, empty = m.t("chart.swaps.title"), m.t("chart.swaps.empty")
    return charts.bar_chart(m, data["exchanges_by_hour"], title, empty)


def _registrations_chart(request: Request, slug: str) -> str:
    m = _messages(request, slug)
    points = registrations_by_hour(ctx(request).store, slug)
    title, empty = m.t("chart.registrations.title"), m.t("chart.registrations.empty")
    return charts.cumulative_chart(m, points, title, empty)


@page
async def swaps_chart(request: Request) -> Response:
    """Swaps per hour as an SVG bar chart (the organizer's language, the event's time zone)."""
    return _svg(await run_in_threadpool(_swaps_chart, request, _slug(request)))


@page
async def registrations_chart(request: Request) -> Response:
    """Registrations over time as an SVG running-total chart."""
    return _svg(await run_in_threadpool(_registrations_chart, request, _slug(request)))


routes: list[BaseRoute] = [
    Route("/admin", home, methods=["GET"]),
    Route("/admin/signin", signin, methods=["POST"]),
    Route("/admin/signout", signout, methods=["POST"]),
    Mount("/admin/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False)),
    Route("/admin/events", create_event, methods=["POST"]),
    Route("/admin/events/{slug}", event_page, methods=["GET"]),
    Route("/admin/events/{slug}", edit_event, methods=["POST"]),
    Route("/admin/events/{slug}/import", import_form, methods=["POST"]),
    Route("/admin/events/{slug}/attendees/{attendee_id}/signin", desk_signin_page, methods=["GET"]),
    Route("/admin/events/{slug}/badges", badges_page, methods=["GET"]),
    Route("/admin/events/{slug}/poster", poster_page, methods=["GET"]),
    Route("/admin/events/{slug}/swaps.svg", swaps_chart, methods=["GET"]),
    Route("/admin/events/{slug}/registrations.svg", registrations_chart, methods=["GET"]),
    Route("/api/admin/events/{slug}", patch_event, methods=["PATCH", "PUT"]),
    Route("/api/admin/events/{slug}/stats", stats, methods=["GET"]),
    Route("/api/admin/events/{slug}/attendees.csv", import_csv, methods=["POST"]),
    Route("/api/admin/events/{slug}/attendees.csv", signin_links, methods=["GET"]),
]
