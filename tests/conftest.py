"""Shared fixtures: a fresh SQLite file per test, the app and a client built from test settings,
and a real uvicorn process on 127.0.0.1 for tests where the network matters."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "admin-test-token"
SECRET = "test-secret-key"
BASE_URL = "http://testserver"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def make_settings(db_path: Path, base_url: str = BASE_URL, **overrides: Any) -> Settings:
    return Settings(db_path=db_path, secret_keys=(SECRET,), admin_token=ADMIN_TOKEN,
                    base_url=base_url, **overrides)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cardswap.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return make_settings(db_path)


@pytest.fixture
def app(settings: Settings) -> Starlette:
    return create_app(settings)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def event(client: TestClient) -> dict[str, Any]:
    """An event `devconf` created through the admin API; includes its join_code."""
    response = client.post("/api/admin/events", json={"slug": "devconf", "name": "DevConf"},
                           headers=ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


@dataclass
class Attendee:
    """A registered attendee as a test sees it: id, session token, card URL, device id."""

    id: str
    token: str
    card_url: str
    device_id: str
    card: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def card_token(self) -> str:
        return self.card_url.rsplit("/c/", 1)[1]


@pytest.fixture
def register(client: TestClient, event: dict[str, Any]) -> Callable[..., Attendee]:
    """Register attendees in `event`: register("Ada Lovelace", org="Analytical")."""

    def _register(fn: str = "Ada Lovelace", **card: Any) -> Attendee:
        device_id = str(uuid.uuid4())
        body = {"join_code": event["join_code"], "card": {"fn": fn, **card},
                "device_id": device_id}
        response = client.post(f"/api/events/{event['slug']}/attendees", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        client.cookies.clear()  # tests authenticate explicitly with Bearer headers
        return Attendee(data["attendee"]["id"], data["token"], data["card_url"], device_id,
                        data["attendee"]["card"])

    return _register


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A real `cardswap serve` process on 127.0.0.1; restartable on the same database."""

    db_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] | None = None  # extra environment (e.g. another CARDSWAP_SECRET_KEY)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "CARDSWAP_SECRET_KEY": SECRET, "CARDSWAP_ADMIN_TOKEN": ADMIN_TOKEN,
               "CARDSWAP_BASE_URL": self.url, **(self.env or {})}
        log = open(self.db_path.with_suffix(".log"), "ab")  # noqa: SIM115 (kept for the process)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--db", str(self.db_path), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()  # the child has its own copy of the descriptor (no ResourceWarning here)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.db_path.with_suffix('.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start within 30 s")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real uvicorn server on 127.0.0.1 with its own SQLite file (demo event included)."""
    server = LiveServer(db_path=tmp_path / "live.db", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
