"""Schemathesis against a live server: requests generated from server/openapi/document.py, valid and
invalid, sent over the network to a real uvicorn. Nothing may answer 5xx, every API 4xx is the
contract's error shape, and a refused request changes nothing in the SQLite file.

Bounded for the default suite (CARDSWAP_FUZZ_EXAMPLES per operation, 25 unless set); the
soak script raises it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from server import openapi
from tests.conftest import ADMIN, LiveServer, free_port

EXAMPLES = int(os.environ.get("CARDSWAP_FUZZ_EXAMPLES", "25"))
SPEC = openapi.spec()
schema = schemathesis.openapi.from_dict(SPEC)
ERROR = jsonschema_rs.Draft202012Validator(SPEC["components"]["schemas"]["Error"])
STATS: dict[str, int] = {"calls": 0, "refused": 0, "2xx": 0}
BY_OPERATION: dict[str, int] = {}


class Fuzzed:
    """The live server under fuzzing, with an event, two attendees and a swap between them."""

    def __init__(self, server: LiveServer, tokens: dict[str, str], join: dict[str, Any]) -> None:
        self.server = server
        self.tokens = tokens
        self.join = join


def _fingerprint(path: Path) -> str:
    """A hash of every row of every table: equal fingerprints mean nothing was stored."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        digest = hashlib.sha256()
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            digest.update(table.encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    server = LiveServer(db_path=path, port=free_port())
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            event = client.post(
                "/api/admin/events", json={"slug": "fuzz", "name": "Fuzz"}, headers=ADMIN
            ).json()
            people = []
            for fn in ("Ada Lovelace", "Grace Hopper"):
                body = {
                    "join_code": event["join_code"],
                    "card": {"fn": fn, "emails": [f"{fn.split()[0].lower()}@example.org"]},
                    "device_id": str(uuid.uuid4()),
                }
                response = client.post("/api/events/fuzz/attendees", json=body)
                assert response.status_code == 201, response.text
                people.append({**response.json(), "device_id": body["device_id"]})
            ada, grace = people
            op = {
                "id": str(uuid.uuid4()),
                "type": "exchange",
                "at": datetime.now(UTC).isoformat(),
                "method": "qr",
                "card_token": grace["card_url"].rsplit("/c/", 1)[1],
            }
            response = client.post(
                "/api/sync",
                json={"device_id": ada["device_id"], "cursor": None, "ops": [op]},
                headers={"Authorization": f"Bearer {ada['token']}"},
            )
            assert response.status_code == 200 and response.json()["acked"] == [op["id"]]
        yield Fuzzed(server, {"ada": ada["token"], "grace": grace["token"]}, event)
    finally:
        server.stop()
    print(f"\nfuzz: {STATS}")
    if os.environ.get("CARDSWAP_FUZZ_REPORT"):
        for key, count in sorted(BY_OPERATION.items()):
            print(f"  {key}: {count}")


def _headers(case: Any, fuzzed: Fuzzed) -> dict[str, str]:
    if "admin" in case.path:
        return dict(ADMIN)
    return {"Authorization": f"Bearer {fuzzed.tokens['ada']}"}


def _error_shape(case: Any, response: Any) -> None:
    if response.status_code < 400 or not case.path.startswith("/api/"):
        return
    media = (response.headers.get("content-type") or [""])[0]
    assert media.startswith("application/json"), (case.path, response.status_code, media)
    body = response.json()
    assert ERROR.is_valid(body), (case.method, case.path, response.status_code, body)


@schema.exclude(method="DELETE", path="/api/me").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("CARDSWAP_SOAK") != "1",
)
def test_fuzz_the_live_api(case: Any, fuzzed: Fuzzed) -> None:
    db = fuzzed.server.db_path
    before = _fingerprint(db)
    response = case.call(base_url=fuzzed.server.url, headers=_headers(case, fuzzed), timeout=30)
    STATS["calls"] += 1
    key = f"{case.method} {case.path} {response.status_code}"
    BY_OPERATION[key] = BY_OPERATION.get(key, 0) + 1
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
    _error_shape(case, response)
    if response.status_code >= 400:
        STATS["refused"] += 1
        assert _fingerprint(db) == before, (
            f"{case.method} {case.path} answered {response.status_code} but stored something"
        )
    else:
        STATS["2xx"] += 1
