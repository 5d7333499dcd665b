"""The OpenAPI document says exactly what the server does, as an API client finds out.

Runs the schemathesis command line the way a client author would, against a live server with an
attendee's bearer token: `schemathesis run <base>/api/openapi.json --checks all --seed 7
--max-examples 40`, reading the repository's schemathesis.toml (what JSON Schema cannot say).
Every check must pass: documented statuses, content types and headers; response schemas;
schema-valid requests accepted and schema-violating ones refused; 405 and OPTIONS with `Allow`.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import ADMIN, ROOT, LiveServer, free_port

pytestmark = pytest.mark.slow

SEED = 7
EXAMPLES = 40


@pytest.fixture
def attendee_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """A live server with one event and one registered attendee; yields (server, token)."""
    server = LiveServer(db_path=tmp_path / "conformance.db", port=free_port())
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            event = client.post(
                "/api/admin/events", json={"slug": "st", "name": "Schemathesis"}, headers=ADMIN
            ).json()
            body = {
                "join_code": event["join_code"],
                "card": {"fn": "Ada Lovelace", "emails": ["ada@example.org"]},
                "device_id": str(uuid.uuid4()),
            }
            response = client.post("/api/events/st/attendees", json=body)
            assert response.status_code == 201, response.text
        yield server, response.json()["token"]
    finally:
        server.stop()


def test_every_schemathesis_check_passes_for_an_attendee(
    attendee_server: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, token = attendee_server
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        f"{server.url}/api/openapi.json",
        "--checks",
        "all",
        "-H",
        f"Authorization: Bearer {token}",
        "--seed",
        str(SEED),
        "--max-examples",
        str(EXAMPLES),
        "--no-color",
    ]
    # In a scratch directory: the run keeps its crash cache (.schemathesis/) in the working one.
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-12000:]
