"""What a live server holds, read from its database (not through the API under test): the
SQLite file or the PostgreSQL schema, through the storage engine's own reads."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from server.storage import open_store
from tests.conftest import LiveServer


def read_rows(database: str, sql: str, args: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of one SELECT (`?` placeholders) on a SQLite file or a PostgreSQL URL."""
    store = open_store(database)
    try:
        return [tuple(row) for row in store.read().execute(sql, args or []).fetchall()]
    finally:
        store.close()


def server_ops(server: LiveServer) -> list[tuple[str, str, str]]:
    """Every op the server has applied or refused: (id, type, result), in id order."""
    rows = read_rows(server.database, "SELECT id, type, result FROM ops ORDER BY id")
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def held_contacts(server: LiveServer, owner_id: str) -> dict[str, tuple[str, str]]:
    """The live contacts an attendee holds on the server: contact id -> (notes, methods)."""
    rows = read_rows(
        server.database,
        "SELECT contact_id, notes, methods FROM contacts WHERE owner_id = ? AND deleted = 0",
        [owner_id],
    )
    return {str(c): (str(n), str(m)) for c, n, m in rows}


def register_over_http(server: LiveServer, event: Any, fn: str, **card: Any) -> dict[str, Any]:
    """Another attendee, registered through the API as their own phone would (201 body)."""
    body = {
        "join_code": event["join_code"],
        "card": {"fn": fn, **card},
        "device_id": str(uuid.uuid4()),
    }
    request = urllib.request.Request(
        f"{server.url}/api/events/{event['slug']}/attendees",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": server.url},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))
