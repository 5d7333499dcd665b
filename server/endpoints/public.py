"""`GET /c/{token}`: the light public card page (its HTML: server.organizer.public_pages).

A forged token or a deleted attendee gets the same plain 404 page, so nothing is leaked about
which it was. The page speaks the browser's language when it is one of ours, else the event's.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server import webshell
from server.events import event_locale
from server.http import VARY_LANGUAGE, ctx, page_messages
from server.organizer.public_pages import card_not_found, render_card_page
from server.tokens import InvalidToken


def not_found_page(request: Request, language: str | None = None) -> HTMLResponse:
    """The 404 card page in the browser's language, else the event's `language` when the token
    names one (also for /c/{token}.vcf)."""
    body = card_not_found(page_messages(request, language))
    return HTMLResponse(body, status_code=404, headers=VARY_LANGUAGE)


async def card_page(request: Request) -> Response:
    context = ctx(request)
    token = str(request.path_params["token"])
    try:
        payload = context.tokens.read_card_token(token)
    except InvalidToken:
        return not_found_page(request)
    found = await run_in_threadpool(webshell.public_card, context.store, payload)
    if found is None:  # withdrawn: the event's language still speaks for it
        language, _ = await run_in_threadpool(event_locale, context.store, payload.event_slug)
        return not_found_page(request, language)
    m = page_messages(request, found["event_language"], found["event_time_zone"])
    return HTMLResponse(
        render_card_page(token, found, m),
        headers={"Cache-Control": "private, no-cache", **VARY_LANGUAGE},
    )


routes: list[BaseRoute] = [
    Route("/c/{token}", card_page),
    Route("/C/{token}", card_page),
]
