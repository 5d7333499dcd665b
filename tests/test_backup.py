"""Data safety: `cardswap backup PATH` copies a live database consistently, and the secret key can
be rotated without logging anyone out until the old key is removed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from server.events import create_event
from server.storage import backup
from server.storage.sqlite import SqliteStore as Store
from tests.conftest import ADMIN, ROOT, SECRET, LiveServer, free_port


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_backup_while_another_thread_writes_is_one_committed_state(tmp_path: Path) -> None:
    store = Store(tmp_path / "src.db")
    store.migrate()
    for i in range(300):
        create_event(store, {"slug": f"pre-{i}", "name": "x" * 500})
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        writes = Store(store.path)
        i = 0
        while not stop.is_set():
            with writes.write() as db:  # each transaction adds two rows: never one without other
                for half in ("a", "b"):
                    db.execute(
                        "INSERT INTO events (slug, name, join_code, created_at)"
                        " VALUES (?, 'n', 'C', 't')",
                        [f"live-{i}-{half}"],
                    )
            written.append(i)
            i += 1
        writes.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            assert thread.is_alive(), "the writer thread died"
            threading.Event().wait(0.005)
        before = len(written)
        result = backup.backup(store.path, tmp_path / "copy.db", pages_per_step=8)
    finally:
        stop.set()
        thread.join()
    assert result.pages > 8  # copied in several steps while the writer ran
    assert backup.integrity(result.path) == "ok"
    slugs = {r[0] for r in _rows(result.path, "SELECT slug FROM events")}
    assert {f"pre-{i}" for i in range(300)} <= slugs
    live = sorted(int(s.split("-")[1]) for s in slugs if s.endswith("-a"))
    assert live == list(range(len(live)))  # a prefix of the commits, no gaps
    assert len(live) >= before  # everything committed before the backup started is in it
    assert {f"live-{i}-b" for i in live} <= slugs  # no half transaction
    assert not (tmp_path / "copy.db-wal").exists()
    store.close()


def test_backup_refuses_a_missing_source_and_keeps_the_old_copy(tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"previous backup")
    with pytest.raises(backup.BackupFailed):
        backup.backup(tmp_path / "nope.db", target)
    assert target.read_bytes() == b"previous backup"
    result = _run_cli("backup", str(target), "--db", str(tmp_path / "nope.db"))
    assert result.returncode == 2 and "no database" in result.stderr
    assert target.read_bytes() == b"previous backup"


def _create_event(client: httpx.Client, slug: str) -> bool:
    response = client.post(
        "/api/admin/events", json={"slug": slug, "name": f"Event {slug}"}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return True


def test_cli_backup_of_a_live_server_mid_traffic_restores(live_server: LiveServer) -> None:
    acked: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def traffic() -> None:
        try:
            with httpx.Client(base_url=live_server.url, timeout=30) as client:
                i = 0
                while not stop.is_set():
                    slug = f"ev-{i}"
                    if _create_event(client, slug):
                        acked.append(slug)
                    i += 1
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=traffic)]
    threads[0].start()
    try:
        while len(acked) < 30 and not errors:
            threading.Event().wait(0.01)
        acked_before = list(acked)
        target = live_server.db_path.parent / "backups" / "cardswap-copy.db"
        result = _run_cli("backup", str(target), "--db", str(live_server.db_path))
        during = len(acked)
    finally:
        stop.set()
        threads[0].join()
    assert not errors, errors
    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout
    assert during > len(acked_before) or len(acked) > len(acked_before)  # traffic went on
    assert _rows(target, "PRAGMA integrity_check") == [("ok",)]
    in_copy = {r[0] for r in _rows(target, "SELECT slug FROM events")}
    assert set(acked_before) <= in_copy
    assert in_copy - {"demo"} <= set(acked)  # nothing in the copy that the server never acked
    # The copy is a working database: a server started on it serves what was backed up.
    restored = LiveServer(db_path=target, port=free_port())
    restored.start()
    try:
        with httpx.Client(base_url=restored.url, timeout=30) as client:
            for slug in acked_before[-3:]:
                response = client.get(f"/api/events/{slug}")
                assert response.status_code == 200, response.text
                assert response.json()["name"] == f"Event {slug}"
    finally:
        restored.stop()


def _register(client: httpx.Client, slug: str, join_code: str, fn: str) -> dict[str, Any]:
    body = {"join_code": join_code, "card": {"fn": fn}, "device_id": str(uuid.uuid4())}
    response = client.post(f"/api/events/{slug}/attendees", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _me(url: str, token: str) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        return client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _card_page(url: str, card_url: str) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        return client.get("/c/" + card_url.rsplit("/c/", 1)[1]).status_code


def test_secret_key_rotation_across_real_restarts(tmp_path: Path) -> None:
    server = LiveServer(db_path=tmp_path / "rot.db", port=free_port())
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            event = client.post(
                "/api/admin/events", json={"slug": "rot", "name": "Rot"}, headers=ADMIN
            ).json()
            old = _register(client, "rot", event["join_code"], "Old Key")
        assert _me(server.url, old["token"]) == 200
    finally:
        server.stop()

    # Rotate: the new key signs, the old one still verifies.
    server.env = {"CARDSWAP_SECRET_KEY": f"brand-new-key,{SECRET}"}
    server.start()
    try:
        assert _me(server.url, old["token"]) == 200
        assert _card_page(server.url, old["card_url"]) == 200
        with httpx.Client(base_url=server.url, timeout=30) as client:
            new = _register(client, "rot", event["join_code"], "New Key")
        assert _me(server.url, new["token"]) == 200
        assert new["card_url"] != old["card_url"]
    finally:
        server.stop()

    # The old key removed: its tokens stop working, the new key's keep working.
    server.env = {"CARDSWAP_SECRET_KEY": "brand-new-key"}
    server.start()
    try:
        assert _me(server.url, old["token"]) == 401
        assert _card_page(server.url, old["card_url"]) == 404
        assert _me(server.url, new["token"]) == 200
        assert _card_page(server.url, new["card_url"]) == 200
    finally:
        server.stop()
