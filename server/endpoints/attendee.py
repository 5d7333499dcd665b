"""Attendee endpoints: registration, `/api/me` (card, QR, settings, delete), device sign-in.

Thin handlers: parse, authenticate, call server.attendees, shape the response. Every `/api/me`
endpoint re-checks the attendee (a session token outlives a deleted attendee).
"""

from __future__ import annotations

import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server import attendees, events, i18n, qr
from server.http import (
    JSON,
    VARY_LANGUAGE,
    clear_session_cookie,
    client_ip,
    ctx,
    page_messages,
    read_json_object,
    session,
    set_session_cookie,
)
from server.organizer import public_pages


async def register(request: Request) -> Response:
    """`POST /api/events/{slug}/attendees` → 201, and the session cookie."""
    data = await read_json_object(request)
    context = ctx(request)
    body = await run_in_threadpool(
        attendees.register, context, request.path_params["slug"], data, client_ip(request)
    )
    response = JSON(body, status_code=201)
    set_session_cookie(response, context, body["token"])
    return response


def me(request: Request) -> Response:
    """`GET /api/me`."""
    return JSON(attendees.get_me(ctx(request), session(request).attendee_id))


async def put_card(request: Request) -> Response:
    """`PUT /api/me/card {"card"}` → the `/api/me` shape with the new card URL."""
    who = session(request)
    data = await read_json_object(request)
    body = await run_in_threadpool(attendees.update_card, ctx(request), who.attendee_id, data)
    return JSON(body)


async def put_settings(request: Request) -> Response:
    """`PUT /api/me/settings {"share_back": bool}` → the `/api/me` shape."""
    who = session(request)
    data = await read_json_object(request)
    body = await run_in_threadpool(attendees.update_settings, ctx(request), who.attendee_id, data)
    return JSON(body)


def qr_svg(request: Request) -> Response:
    """`GET /api/me/qr.svg`: the card URL as a QR code, revalidated by ETag; its title ("My
    card") in the attendee's language, else the browser's."""
    context = ctx(request)
    row = attendees.require_attendee(context.store, session(request).attendee_id)
    url = attendees.card_url(context, row)
    own = row.get("language")
    m = i18n.messages(own) if own in i18n.LANGUAGES else page_messages(request)
    etag = '"' + hashlib.sha256(f"{url}\x1f{m.lang}".encode()).hexdigest()[:20] + '"'
    vary = "Authorization, Cookie, Accept-Language"
    headers = {"Cache-Control": "private, no-cache", "ETag": etag, "Vary": vary}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    svg = qr.svg(qr.qr_text(url), title=m.t("public.qr.my_card"))
    return Response(svg, media_type="image/svg+xml", headers=headers)


def new_device(request: Request) -> Response:
    """`POST /api/me/devices` (bodiless) → 201 `{"sign_in_url","expires_at"}`."""
    who = session(request)
    body = attendees.create_device_signin(ctx(request), who.attendee_id)
    return JSON(body, status_code=201, headers={"Cache-Control": "no-store"})


def delete_me(request: Request) -> Response:
    """`DELETE /api/me` → 204; the cookie is cleared."""
    context = ctx(request)
    attendees.delete_attendee(context.store, session(request).attendee_id)
    response = Response(status_code=204)
    clear_session_cookie(response, context)
    return response


def _signin_page(request: Request, reason: str, slug: str | None) -> HTMLResponse:
    """The sign-in page in the browser's language, else the event's (when the link names one)."""
    language, _ = events.event_locale(ctx(request).store, slug)
    m = page_messages(request, language)
    if reason == "ok":
        title, message, status = m.t("public.signin.title"), m.t("public.signin.open"), 200
    else:
        title, status = m.t("public.signin.failed_title"), 401
        if reason == "used":
            message = m.t("public.signin.used")
        elif reason == "deleted":
            message = m.t("public.signin.deleted")
        else:
            message = m.t("public.signin.invalid")
    page = public_pages.signin_page(m, title, message)
    headers = {"Cache-Control": "no-store", **VARY_LANGUAGE}
    return HTMLResponse(page, status_code=status, headers=headers)


def signin(request: Request) -> Response:
    """`GET /signin/{token}`: single use; sets the session cookie and redirects (303) to `/`.

    A HEAD (link previewers, mail scanners) only checks the link, so it is not used up.
    """
    context = ctx(request)
    token = request.path_params["token"]
    try:
        if request.method == "HEAD":
            return _signin_page(request, "ok", attendees.check_signin(context, token))
        session_token = attendees.sign_in_with_token(context, token)
    except attendees.SignInFailed as exc:
        return _signin_page(request, exc.reason, exc.event_slug)
    response = RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})
    set_session_cookie(response, context, session_token)
    return response


routes: list[BaseRoute] = [
    Route("/api/events/{slug}/attendees", register, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/me", delete_me, methods=["DELETE"]),
    Route("/api/me/card", put_card, methods=["PUT"]),
    Route("/api/me/settings", put_settings, methods=["PUT"]),
    Route("/api/me/qr.svg", qr_svg, methods=["GET"]),
    Route("/api/me/devices", new_device, methods=["POST"]),
    Route("/signin/{token}", signin, methods=["GET"]),
]
