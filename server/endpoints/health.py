"""`GET /api/health`: a trivial JSON answer, for load balancers and as the benchmarks' ceiling.

It touches neither the database nor a session, so its throughput is what Starlette and uvicorn
can do on this machine (scripts/bench/storm.py compares sync against it).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.http import JSON


async def health(request: Request) -> Response:
    """Always `{"ok": true}` while the process serves requests."""
    return JSON({"ok": True}, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/api/health", health, methods=["GET"])]
