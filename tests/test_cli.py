"""The `cardswap` console script: `event create`, `event list`, and `serve` on a fresh database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import main
from tests.conftest import ROOT, SECRET, free_port, make_settings


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSWAP_SECRET_KEY", SECRET)
    monkeypatch.setenv("CARDSWAP_BASE_URL", "https://cards.example.org")
    monkeypatch.delenv("CARDSWAP_DB", raising=False)
    monkeypatch.delenv("CARDSWAP_ADMIN_TOKEN", raising=False)


def test_event_create_prints_the_join_code_and_url_and_people_can_join(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    db = tmp_path / "c.db"
    rc = main(
        [
            "event",
            "create",
            "--slug",
            "meetup",
            "--name",
            "Python Meetup",
            "--starts-on",
            "2026-12-01",
            "--ends-on",
            "2026-12-02",
            "--db",
            str(db),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    code = re.search(r"join code: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert f"https://cards.example.org/join/meetup?code={code}" in out
    with TestClient(create_app(make_settings(db)), base_url="http://testserver") as client:
        assert client.get("/api/events/meetup").json() == {
            "slug": "meetup",
            "name": "Python Meetup",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-02",
            "language": "en",
            "time_zone": "UTC",
        }
        body = {"join_code": code, "card": {"fn": "Guido"}, "device_id": str(uuid.uuid4())}
        assert client.post("/api/events/meetup/attendees", json=body).status_code == 201


def test_event_create_base_url_flag_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert (
        main(
            [
                "event",
                "create",
                "--slug",
                "a",
                "--name",
                "A",
                "--db",
                str(tmp_path / "a.db"),
                "--base-url",
                "http://10.0.0.5:8000/",
            ]
        )
        == 0
    )
    assert "join URL:  http://10.0.0.5:8000/join/a?code=" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Bad Slug", "--name", "X"], "slug"),
        (["--slug", "ok", "--name", " "], "name"),
        (["--slug", "ok", "--name", "X", "--starts-on", "tomorrow"], "starts_on"),
        (
            ["--slug", "ok", "--name", "X", "--starts-on", "2026-05-02", "--ends-on", "2026-05-01"],
            "ends_on",
        ),
    ],
)
def test_event_create_refuses_bad_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
):
    db = tmp_path / "bad.db"
    assert main(["event", "create", *args, "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert not db.exists()


def test_event_create_refuses_a_taken_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    db = str(tmp_path / "t.db")
    assert main(["event", "create", "--slug", "dup", "--name", "One", "--db", db]) == 0
    assert main(["event", "create", "--slug", "dup", "--name", "Two", "--db", db]) == 2
    assert "dup" in capsys.readouterr().err


def test_event_list_shows_every_event_with_its_join_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    db = str(tmp_path / "l.db")
    assert main(["event", "list", "--db", db]) == 0
    assert "no events yet" in capsys.readouterr().err
    main(["event", "create", "--slug", "one", "--name", "One", "--db", db])
    main(
        [
            "event",
            "create",
            "--slug",
            "two",
            "--name",
            "Two",
            "--starts-on",
            "2026-03-01",
            "--db",
            db,
        ]
    )
    created = re.findall(r"join URL:  (\S+)", capsys.readouterr().out)
    assert main(["event", "list", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert {line.split("\t")[0] for line in lines} == {"one", "two"}
    assert {line.split("\t")[-1] for line in lines} == set(created)
    assert "2026-03-01" in next(line for line in lines if line.startswith("two"))


def test_the_installed_console_script_runs(tmp_path: Path):
    script = Path(sys.executable).with_name("cardswap")
    result = subprocess.run(
        [
            str(script),
            "event",
            "create",
            "--slug",
            "x",
            "--name",
            "X",
            "--db",
            str(tmp_path / "x.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert "join URL:  https://cards.example.org/join/x?code=" in result.stdout


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CARDSWAP_BASE_URL"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "serve.db"),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        assert proc.stdout is not None
        proc.stdout.close()


def test_serve_on_a_fresh_database_prints_a_working_demo_join_url_and_admin_token(
    served: tuple[subprocess.Popen[str], int], tmp_path: Path
):
    proc, port = served
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any("serving on" in line for line in lines):
        line = proc.stdout.readline()
        assert line, "serve exited: " + "".join(lines)
        lines.append(line)
    text = "".join(lines)
    base = f"http://127.0.0.1:{port}"
    join = re.search(rf"{re.escape(base)}/join/demo\?code=(\w+)", text)
    token = re.search(r"admin token: (\S+?)\)", text)
    assert join and token, text
    assert (tmp_path / "serve.db.admin-token").read_text().strip() == token.group(1)

    def call(
        method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            base + path,
            method=method,
            headers=headers or {},
            data=json.dumps(body).encode() if body else None,
        )
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for _ in range(100):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        raise AssertionError("server never answered")

    status, registered = call(
        "POST",
        "/api/events/demo/attendees",
        {"join_code": join.group(1), "card": {"fn": "Demo Person"}, "device_id": str(uuid.uuid4())},
    )
    assert status == 201, registered
    assert str(registered["card_url"]).startswith(f"{base}/c/")
    status, created = call(
        "POST",
        "/api/admin/events",
        {"slug": "real", "name": "Real"},
        {"Authorization": f"Bearer {token.group(1)}"},
    )
    assert status == 201 and str(created["join_url"]).startswith(f"{base}/join/real?code=")


def _serve_until_listening(db: Path, port: int) -> str:
    """Run `cardswap serve` on `db`, return what it printed up to "serving on", then stop it."""
    env = {k: v for k, v in os.environ.items() if k != "CARDSWAP_BASE_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("serving on" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "serve exited: " + "".join(lines)
            lines.append(line)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        proc.stdout.close()
    return "".join(lines)


def test_serve_prints_the_demo_join_url_at_every_start_not_only_the_first(tmp_path: Path):
    db = tmp_path / "again.db"
    port = free_port()
    first = _serve_until_listening(db, port)
    second = _serve_until_listening(db, port)
    pattern = rf"http://127\.0\.0\.1:{port}/join/demo\?code=(\w+)"
    joins = [re.findall(pattern, out) for out in (first, second)]
    assert len(joins[0]) == 1 and joins[1] == joins[0], (first, second)
    assert "created the demo event" in first and "created the demo event" not in second
    with TestClient(create_app(make_settings(db)), base_url="http://testserver") as client:
        body = {"join_code": joins[1][0], "card": {"fn": "Late"}, "device_id": str(uuid.uuid4())}
        assert client.post("/api/events/demo/attendees", json=body).status_code == 201
