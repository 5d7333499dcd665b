"""What a live server holds, read from its SQLite file (not through the API under test)."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
import uuid
from typing import Any

from tests.conftest import LiveServer


def server_ops(server: LiveServer) -> list[tuple[str, str, str]]:
    """Every op the server has applied or refused: (id, type, result), in id order."""
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute("SELECT id, type, result FROM ops ORDER BY id").fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def held_contacts(server: LiveServer, owner_id: str) -> dict[str, tuple[str, str]]:
    """The live contacts an attendee holds on the server: contact id -> (notes, methods)."""
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute(
            "SELECT contact_id, notes, methods FROM contacts WHERE owner_id = ? AND deleted = 0",
            [owner_id],
        ).fetchall()
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
