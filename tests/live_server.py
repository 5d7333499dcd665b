"""The one launcher of a real server on 127.0.0.1, for the tests (tests/conftest.py) and the
benchmarks (scripts/bench/_common.py): `cardswap serve` on its own SQLite file, restartable on
the same database, stopped politely or killed.

Two variants run uvicorn on `app_from_env` below instead of `cardswap serve` (which hands uvicorn
an app object, and builds it from the checkout's web/): several worker processes (`workers`, a
benchmark comparison) and a copy of web/ that a test may change like a deploy (`web_dir`).

This module imports nothing of the server at the top: uvicorn loads it as `live_server` from
this folder in the child, where the server code may be another checkout (`code_root`, the
benchmarks' CARDSWAP_BENCH_SERVER).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key"
ADMIN_TOKEN = "admin-test-token"
_WEB_DIR_VARIABLE = "CARDSWAP_LIVE_WEB_DIR"  # read by app_from_env only, never by the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A real server on 127.0.0.1 with its own database; `start()` returns once it answers."""

    db_path: Path  # the SQLite file; on PostgreSQL only where the log goes (beside it)
    port: int = field(default_factory=free_port)
    db: str | None = None  # a postgresql:// URL instead of the SQLite file
    env: dict[str, str] | None = None  # extra environment (e.g. another CARDSWAP_SECRET_KEY)
    secret: str = SECRET
    admin_token: str = ADMIN_TOKEN
    code_root: Path = ROOT  # the checkout whose server code runs
    workers: int = 1
    web_dir: Path | None = None
    start_timeout: float = 60.0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> str:
        """CARDSWAP_DB of the server: the URL, or the SQLite file."""
        return self.db or str(self.db_path)

    @property
    def log_path(self) -> Path:
        return self.db_path.with_suffix(".log")

    def command(self) -> list[str]:
        if self.workers == 1 and self.web_dir is None:
            return [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1"]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "live_server:app_from_env",
            "--app-dir",
            str(Path(__file__).resolve().parent),
            "--host",
            "127.0.0.1",
            "--workers",
            str(self.workers),
        ]

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "CARDSWAP_SECRET_KEY": self.secret,
            "CARDSWAP_ADMIN_TOKEN": self.admin_token,
            "CARDSWAP_BASE_URL": self.url,
            "CARDSWAP_DB": self.database,
            "PYTHONPATH": str(self.code_root),
            **(self.env or {}),
        }
        command = [*self.command(), "--port", str(self.port), "--log-level", "warning"]
        if command[2] == "server.cli":
            command += ["--db", self.database]
        if self.web_dir is not None:
            env[_WEB_DIR_VARIABLE] = str(self.web_dir)
        if self.workers > 1:  # the app migrates at start-up: once first, so workers do not race
            from server.app import create_app
            from server.settings import Settings

            create_app(Settings.from_env(self.database)).state.ctx.store.close()
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept for the process)
        self.process = subprocess.Popen(
            command, cwd=self.code_root, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()  # the child has its own copy of the descriptor (no ResourceWarning here)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            if self.answers():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"server did not start within {self.start_timeout:.0f} s")

    def answers(self) -> bool:
        """Whether the server answers a request (any status: a worker took it)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/api/health")
            connection.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def app_from_env() -> Any:
    """The app built from the CARDSWAP_* environment (and the web/ copy, when one is set)."""
    from dataclasses import replace

    from server.app import create_app
    from server.settings import Settings

    settings = Settings.from_env()
    web_dir = os.environ.get(_WEB_DIR_VARIABLE)
    if web_dir:
        settings = replace(settings, web_dir=Path(web_dir))
    return create_app(settings)
