"""`GET /c/{token}`: the light public card page (its HTML: server.organizer.public_pages).

A forged token or a deleted attendee gets the same plain 404 page, so nothing is leaked about
which it was.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server import webshell
from server.http import ctx
from server.organizer.public_pages import CARD_NOT_FOUND, render_card_page
from server.tokens import InvalidToken


async def card_page(request: Request) -> Response:
    context = ctx(request)
    token = str(request.path_params["token"])
    try:
        payload = context.tokens.read_card_token(token)
    except InvalidToken:
        return HTMLResponse(CARD_NOT_FOUND, status_code=404)
    found = await run_in_threadpool(webshell.public_card, context.store, payload)
    if found is None:
        return HTMLResponse(CARD_NOT_FOUND, status_code=404)
    return HTMLResponse(
        render_card_page(token, found), headers={"Cache-Control": "private, no-cache"}
    )


routes: list[BaseRoute] = [
    Route("/c/{token}", card_page),
    Route("/C/{token}", card_page),
]
