"""Booth endpoints (DESIGN.md section 13): the organizer's booth API, a phone joining as staff,
the staff's booth and exports, and the attendee's shares.

Thin handlers: authenticate (admin token, staff session, attendee session), parse, call a plain
function of server.booths in the threadpool, shape the response. A staff session never reaches
an attendee's or the organizer's endpoints, nor the other way round: each handler asks for its
own credential (tests/test_booths_api.py checks every pair).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import vcard
from server.booths import booths, export, shares
from server.booths.booths import questions_of, staff_booth
from server.endpoints.admin import CSV_TYPES, NO_STORE
from server.endpoints.exports import CSV_TYPE, VCARD_TYPE, content_disposition
from server.errors import InvalidField, UnsupportedMediaType
from server.events import get_event
from server.http import (
    JSON,
    ctx,
    media_type,
    read_body,
    read_json_object,
    require_admin,
    session,
    set_staff_cookie,
    staff_session,
)
from server.organizer.attendee_import import charset_of
from server.storage import leads as stored_leads


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])


# -- the organizer -------------------------------------------------------------------------------
async def create(request: Request) -> Response:
    """`POST /api/admin/events/{slug}/booths` `{"name","questions"}` -> 201 the booth."""
    require_admin(request)
    data = await read_json_object(request)
    body = await run_in_threadpool(booths.create_booth, ctx(request), _slug(request), data)
    return JSON(body, status_code=201, headers=NO_STORE)


async def listing(request: Request) -> Response:
    """`GET /api/admin/events/{slug}/booths` -> `{"booths":[…]}` with lead counts only."""
    require_admin(request)
    found = await run_in_threadpool(booths.list_booths, ctx(request), _slug(request))
    return JSON({"booths": found}, headers=NO_STORE)


async def edit(request: Request) -> Response:
    """`PATCH /api/admin/events/{slug}/booths/{booth_id}` `{"name"?, "questions"?}`."""
    require_admin(request)
    data = await read_json_object(request)
    booth_id = str(request.path_params["booth_id"])
    body = await run_in_threadpool(
        booths.update_booth, ctx(request), _slug(request), booth_id, data
    )
    return JSON(body, headers=NO_STORE)


async def import_csv(request: Request) -> Response:
    """`POST /api/admin/events/{slug}/booths.csv` (text/csv, a `name` column): the exhibitors."""
    require_admin(request)
    context, slug = ctx(request), _slug(request)
    await run_in_threadpool(get_event, context.store, slug)
    if media_type(request) not in CSV_TYPES:
        raise UnsupportedMediaType("Send the exhibitor list as text/csv.")
    body = await read_body(request)
    charset = charset_of(request.headers.get("content-type", ""))
    result = await run_in_threadpool(booths.import_booths, context, slug, body, charset)
    return JSON(result.as_json(), headers=NO_STORE)


# -- a phone joins a booth -------------------------------------------------------------------------
async def join(request: Request) -> Response:
    """`POST /api/booth/staff` `{"token","device_id"}` -> 201 the staff bearer and the booth,
    and the staff cookie (the phone's downloads carry it)."""
    data = await read_json_object(request)
    context = ctx(request)
    body = await run_in_threadpool(booths.join_as_staff, context, data)
    response = JSON(body, status_code=201, headers=NO_STORE)
    set_staff_cookie(response, context, body["token"])
    return response


# -- the staff ---------------------------------------------------------------------------------
async def booth(request: Request) -> Response:
    """`GET /api/booth`: the staff's booth (name, questions, event)."""
    who = staff_session(request)
    body = await run_in_threadpool(booths.staff_info, ctx(request), who.booth_id)
    return JSON(body, headers=NO_STORE)


async def edit_questions(request: Request) -> Response:
    """`PATCH /api/booth` `{"questions"}`: the booth's lead edits the questions from a phone."""
    who = staff_session(request)
    data = await read_json_object(request)
    body = await run_in_threadpool(booths.staff_edit, ctx(request), who.booth_id, data)
    return JSON(body, headers=NO_STORE)


def _download(text: str, media: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store",
    }
    return Response(text.encode("utf-8"), media_type=media, headers=headers)


def _export(request: Request, kind: str) -> tuple[str, str]:
    """(file text, file stem) of the staff's booth's leads (`kind`: a CSV format, or vcf)."""
    context = ctx(request)
    who = staff_session(request)
    row = staff_booth(context, who.booth_id)
    event = get_event(context.store, row.event_slug)
    questions = questions_of(row)
    leads = stored_leads.live(context.store, row.id)
    if kind == "vcf":
        text = export.leads_vcf(context.store, row.id, row.name, event["name"], questions, leads)
    else:
        text = export.leads_csv(kind, row.name, event["name"], questions, leads)
    return text, vcard.file_stem(f"{row.name} leads")


def leads_csv(request: Request) -> Response:
    """`GET /api/booth/leads.csv?format=plain|hubspot|salesforce`: one column per question."""
    fmt = request.query_params.get("format") or "plain"
    if fmt not in export.FORMATS:
        raise InvalidField("format must be plain, hubspot or salesforce.", field="format")
    text, stem = _export(request, fmt)
    suffix = "" if fmt == "plain" else f" {fmt}"
    return _download(text, CSV_TYPE, f"{stem}{suffix}.csv")


def leads_vcf(request: Request) -> Response:
    """`GET /api/booth/leads.vcf`: every lead as one vCard file."""
    text, stem = _export(request, "vcf")
    return _download(text, VCARD_TYPE, f"{stem}.vcf")


# -- the attendee ------------------------------------------------------------------------------
def my_shares(request: Request) -> Response:
    """`GET /api/me/shares`: the booths that hold my card."""
    body: dict[str, Any] = shares.my_shares(ctx(request), session(request).attendee_id)
    return JSON(body, headers={"Cache-Control": "private, no-store"})


def withdraw(request: Request) -> Response:
    """`DELETE /api/me/shares/{booth_id}` -> 204: the booth loses my card at its next sync."""
    who = session(request)
    shares.withdraw(ctx(request), who.attendee_id, str(request.path_params["booth_id"]))
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/admin/events/{slug}/booths", create, methods=["POST"]),
    Route("/api/admin/events/{slug}/booths", listing, methods=["GET"]),
    Route("/api/admin/events/{slug}/booths.csv", import_csv, methods=["POST"]),
    Route("/api/admin/events/{slug}/booths/{booth_id}", edit, methods=["PATCH"]),
    Route("/api/booth/staff", join, methods=["POST"]),
    Route("/api/booth", booth, methods=["GET"]),
    Route("/api/booth", edit_questions, methods=["PATCH"]),
    Route("/api/booth/leads.csv", leads_csv, methods=["GET"]),
    Route("/api/booth/leads.vcf", leads_vcf, methods=["GET"]),
    Route("/api/me/shares", my_shares, methods=["GET"]),
    Route("/api/me/shares/{booth_id}", withdraw, methods=["DELETE"]),
]
