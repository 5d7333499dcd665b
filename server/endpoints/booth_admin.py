"""The organizer's booth pages (HTML forms over server.booths): the event's booths, a booth's
staff link and questions, the exhibitor list upload.

Signed in with the admin cookie like the other admin pages (`endpoints.admin.page`); written in
the browser's language (Accept-Language). A refused form comes back as its page with the
message and the status of the refusal.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server.booths import booths
from server.booths.questions import MAX_QUESTIONS
from server.endpoints.admin import FORM_OVERHEAD, _html, page
from server.errors import CardswapError, Malformed, TooLarge, UnsupportedMediaType
from server.events import get_event
from server.http import MAX_BODY, ctx, declared_length, read_form_or_json
from server.i18n import Messages, from_accept_language, messages
from server.organizer import booth_pages
from server.organizer.attendees import signin_expiry
from server.organizer.stats import event_stats

FORM_FIELDS = 2 + 4 * MAX_QUESTIONS  # name, and id, kind, label, options of each question


def _messages(request: Request) -> Messages:
    return messages(from_accept_language(request.headers.get("accept-language")))


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])


def _booths_page(request: Request, message: str | None = None, name: str = "") -> str:
    context, slug = ctx(request), _slug(request)
    event = get_event(context.store, slug)
    found = booths.list_booths(context, slug)
    by_hour = event_stats(context.store, slug)["leads_by_hour"]
    return booth_pages.booths_page(event, found, _messages(request), message, name, by_hour)


@page
async def booths_page(request: Request) -> Response:
    """`GET /admin/events/{slug}/booths`: every booth with its lead count; create and import."""
    return _html(await run_in_threadpool(_booths_page, request))


@page
async def create(request: Request) -> Response:
    """`POST /admin/events/{slug}/booths` (form: name): create, then show the booth's page."""
    context, slug = ctx(request), _slug(request)
    data = await read_form_or_json(request)
    name = str(data.get("name", ""))
    try:
        booth = await run_in_threadpool(booths.create_booth, context, slug, {"name": name})
    except CardswapError as exc:
        if exc.status not in (409, 422):
            raise
        body = await run_in_threadpool(_booths_page, request, exc.message, name)
        return _html(body, exc.status)
    return RedirectResponse(f"/admin/events/{slug}/booths/{booth['id']}", status_code=303)


def _booth_page(request: Request, message: str | None = None) -> str:
    context, slug = ctx(request), _slug(request)
    event = get_event(context.store, slug)
    booth_id = str(request.path_params["booth_id"])
    booths.booth_of_event(context, slug, booth_id)
    found = next(b for b in booths.list_booths(context, slug) if b["id"] == booth_id)
    return booth_pages.booth_page(event, found, signin_expiry(event), _messages(request), message)


@page
async def booth_page(request: Request) -> Response:
    """`GET /admin/events/{slug}/booths/{booth_id}`: staff link, lead count, questions, exports."""
    return _html(await run_in_threadpool(_booth_page, request))


def questions_from_form(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions of the booth form: each row with a label, in order; options one a line."""
    out: list[dict[str, Any]] = []
    for i in range(MAX_QUESTIONS):
        label = str(data.get(f"q{i}_label", "")).strip()
        if not label:
            continue
        question: dict[str, Any] = {"kind": str(data.get(f"q{i}_kind", "")), "label": label}
        if data.get(f"q{i}_id"):
            question["id"] = str(data[f"q{i}_id"])
        if question["kind"] in ("choice", "multi"):
            lines = str(data.get(f"q{i}_options", "")).splitlines()
            question["options"] = [line.strip() for line in lines if line.strip()]
        out.append(question)
    return out


@page
async def edit(request: Request) -> Response:
    """`POST /admin/events/{slug}/booths/{booth_id}` (form): name and questions."""
    context, slug = ctx(request), _slug(request)
    booth_id = str(request.path_params["booth_id"])
    data = await read_form_or_json(request, max_fields=FORM_FIELDS)
    change = {"name": str(data.get("name", "")), "questions": questions_from_form(data)}
    try:
        await run_in_threadpool(booths.update_booth, context, slug, booth_id, change)
    except CardswapError as exc:
        if exc.status not in (409, 422):
            raise
        return _html(await run_in_threadpool(_booth_page, request, exc.message), exc.status)
    return RedirectResponse(f"/admin/events/{slug}/booths/{booth_id}", status_code=303)


@page
async def import_form(request: Request) -> Response:
    """`POST /admin/events/{slug}/booths-import` (upload form): the import result page."""
    context, slug = ctx(request), _slug(request)
    event = await run_in_threadpool(get_event, context.store, slug)
    if request.headers.get("content-type", "").split(";")[0].strip() != "multipart/form-data":
        raise UnsupportedMediaType("Upload the CSV file with the form.")
    if declared_length(request) > MAX_BODY + FORM_OVERHEAD:
        raise TooLarge("The file is larger than 1 MiB.")
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Malformed("Choose a CSV file to import.")
        data = await upload.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise TooLarge("The file is larger than 1 MiB.")
    result = await run_in_threadpool(booths.import_booths, context, slug, data, None)
    return _html(booth_pages.import_result_page(event, result, _messages(request)))


routes: list[BaseRoute] = [
    Route("/admin/events/{slug}/booths", booths_page, methods=["GET"]),
    Route("/admin/events/{slug}/booths", create, methods=["POST"]),
    Route("/admin/events/{slug}/booths-import", import_form, methods=["POST"]),
    Route("/admin/events/{slug}/booths/{booth_id}", booth_page, methods=["GET"]),
    Route("/admin/events/{slug}/booths/{booth_id}", edit, methods=["POST"]),
]
