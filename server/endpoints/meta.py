"""`GET /api/openapi.json`: the machine-readable API description (server/openapi/document.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import openapi
from server.http import JSON, ctx


def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 document, with this server's BASE_URL as its server."""
    return JSON(openapi.spec(ctx(request).settings.base_url))


routes: list[BaseRoute] = [Route("/api/openapi.json", openapi_json, methods=["GET"])]
