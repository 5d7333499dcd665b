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


def write_rows(database: str, sql: str, args: list[Any] | None = None) -> None:
    """One statement (`?` placeholders) in a write of its own, on either engine: a test's way
    to put the database in a state the API cannot make (an op received hours ago)."""
    store = open_store(database)
    try:
        with store.write() as tx:
            tx.execute(sql, args or [])
    finally:
        store.close()


def all_rows(database: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: equal before and after means nothing was stored or changed."""
    store = open_store(database)
    try:
        reader = store.read()
        if store.engine == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            sql = (
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        names = [str(row[0]) for row in reader.execute(sql).fetchall()]
        return {
            name: sorted(
                (tuple(row) for row in reader.execute(f'SELECT * FROM "{name}"').fetchall()),
                key=repr,
            )
            for name in names
        }
    finally:
        store.close()
