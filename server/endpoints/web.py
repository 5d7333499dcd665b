"""Serving the web app: the shell page on every app route, static files, the stamped service
worker, the manifest, and whitelisted third-party JavaScript from node_modules."""

from __future__ import annotations

import functools
from functools import partial
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from server import webshell
from server.errors import NotFound
from server.http import JSON, SESSION_COOKIE, ctx
from server.tokens import InvalidToken

NO_CACHE = {"Cache-Control": "no-cache"}


def shell(request: Request) -> Response:
    """index.html: the router in js/app.js draws the screen for the path."""
    web_dir = ctx(request).settings.web_dir
    return FileResponse(web_dir / "index.html", media_type="text/html", headers=NO_CACHE)


async def service_worker(request: Request) -> Response:
    settings = ctx(request).settings
    classic = request.query_params.get("classic") == "1"
    body = await run_in_threadpool(
        partial(webshell.service_worker, classic=classic),
        settings.web_dir,
        settings.node_modules_dir,
    )
    headers = {**NO_CACHE, "Service-Worker-Allowed": "/"}
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


def manifest(request: Request) -> Response:
    """The manifest; `?lang=<tag>` (the app sets it) names the app in that language."""
    web_dir = ctx(request).settings.web_dir
    worded = webshell.manifest(web_dir, request.query_params.get("lang"))
    if worded is not None:
        return JSON(worded, media_type="application/manifest+json", headers=NO_CACHE)
    return FileResponse(
        web_dir / "manifest.webmanifest", media_type="application/manifest+json", headers=NO_CACHE
    )


def session_probe(request: Request) -> Response:
    """Whether the session cookie is valid: lets the shell skip /api/me (and a 401) when not."""
    context = ctx(request)
    token = request.cookies.get(SESSION_COOKIE)
    signed_in = False
    if token:
        try:
            context.tokens.read_session(token)
            signed_in = True
        except InvalidToken:
            signed_in = False
    return JSON({"signed_in": signed_in}, headers={"Cache-Control": "no-store"})


def vendor(request: Request) -> Response:
    """A whitelisted file from node_modules (e.g. the jsQR decoder); 404 for anything else."""
    settings = ctx(request).settings
    path = webshell.vendor_path(settings.node_modules_dir, str(request.path_params["path"]))
    if path is None:
        raise NotFound("No such vendor file.")
    return FileResponse(path, media_type="text/javascript; charset=utf-8", headers=NO_CACHE)


@functools.cache
def _files(directory: Path) -> StaticFiles:
    """One StaticFiles per folder (the web_dir comes from each app's settings)."""
    return StaticFiles(directory=directory, check_dir=False)


def _static(sub: str) -> Mount:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await _files(ctx(Request(scope)).settings.web_dir / sub)(scope, receive, send)

    return Mount(f"/{sub}", app=app)


def route_table(request: Request) -> Response:
    """web/routes.json, which the router (js/routes.js) reads at start."""
    web_dir = ctx(request).settings.web_dir
    return FileResponse(
        web_dir / webshell.ROUTE_TABLE, media_type="application/json", headers=NO_CACHE
    )


def routes(web_dir: Path) -> list[BaseRoute]:
    """The shell on every page of the route table in `web_dir`, then the shell's own files."""
    return [
        *(Route(path, shell) for path in webshell.shell_paths(web_dir)),
        Route("/sw.js", service_worker),
        Route("/manifest.webmanifest", manifest),
        Route(f"/{webshell.ROUTE_TABLE}", route_table),
        Route("/vendor/{path:path}", vendor),
        Route("/shell/session", session_probe),
        _static("css"),
        _static("js"),
        _static("icons"),
        _static(webshell.CATALOGUES),
    ]
