"""`cardswap db copy SOURCE TARGET`: SQLite -> PostgreSQL -> SQLite gives the same data.

The data is made through the API as attendees make it (swaps, notes, a deleted attendee, a used
sign-in link, a refused op); the copies are compared by every row's digest, and a phone's sync
cursor from before the move still works on the copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import main
from server.storage import open_store
from server.storage.copy import digest
from tests import images, pg
from tests.conftest import ADMIN, BASE_URL, make_settings


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema, url = pg.create_schema()
    try:
        yield url
    finally:
        pg.drop_schema(schema)


def _join(client: TestClient, event: dict[str, Any], fn: str) -> dict[str, Any]:
    body = {"join_code": event["join_code"], "card": {"fn": fn}, "device_id": str(uuid.uuid4())}
    data = client.post("/api/events/ev/attendees", json=body).json()
    client.cookies.clear()
    return {
        "id": data["attendee"]["id"],
        "device": body["device_id"],
        "headers": {"Authorization": f"Bearer {data['token']}"},
        "token": data["card_url"].rsplit("/c/", 1)[1],
    }


def _sync(client: TestClient, who: dict[str, Any], ops: list[Any], cursor: str | None = None):
    body = {"device_id": who["device"], "cursor": cursor, "ops": ops}
    response = client.post("/api/sync", json=body, headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def _swap(token: str, note: str | None = None) -> dict[str, Any]:
    op = {"id": str(uuid.uuid4()), "type": "exchange", "method": "qr", "card_token": token}
    op["at"] = "2026-12-01T10:00:00Z"
    return {**op, "note": note} if note else op


def _capture(token: str, note: str | None = None) -> dict[str, Any]:
    op = {"id": str(uuid.uuid4()), "type": "lead.capture", "card_token": token}
    return {**op, "at": "2026-12-01T10:30:00Z", **({"note": note} if note else {})}


def _booth(
    client: TestClient, ada: dict[str, Any], cy: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """A booth whose staff phone captured ada and cy (cy then withdrew): (the phone, its cursor)."""
    booth = client.post(
        "/api/admin/events/ev/booths",
        json={"name": "Acme", "questions": [{"kind": "rating", "label": "Interest"}]},
        headers=ADMIN,
    ).json()
    device = str(uuid.uuid4())
    token = booth["staff_join_url"].rsplit("/", 1)[1]
    joined = client.post("/api/booth/staff", json={"token": token, "device_id": device}).json()
    client.cookies.clear()
    staff = {"device": device, "headers": {"Authorization": f"Bearer {joined['token']}"}}
    ops = [_capture(ada["token"], "kilns"), _capture(cy["token"]), _capture("forged")]
    _sync(client, staff, ops)
    assert client.delete(f"/api/me/shares/{booth['id']}", headers=cy["headers"]).status_code == 204
    return staff, _sync(client, staff, [])["cursor"]


def _digest(db: str) -> Any:
    store = open_store(db)
    try:
        return digest(store.read())
    finally:
        store.close()


def test_sqlite_to_postgresql_and_back_keeps_every_row_and_every_cursor(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.db"
    with TestClient(create_app(make_settings(source)), base_url=BASE_URL) as client:
        event = client.post(
            "/api/admin/events", json={"slug": "ev", "name": "Ev"}, headers=ADMIN
        ).json()
        ada, bob, cy, gone = (_join(client, event, n) for n in ("Ada", "Bob", "Cy", "Gone"))
        photo = client.put(
            "/api/me/photo",
            content=images.small_jpeg(),
            headers={**ada["headers"], "Content-Type": "image/jpeg"},
        ).json()["attendee"]["card"]["photo"]
        photo_bytes = {size: client.get(url).content for size, url in photo.items()}
        _sync(client, ada, [_swap(bob["token"], "robots"), _swap(gone["token"])])
        _sync(client, ada, [{"id": str(uuid.uuid4()), "type": "exchange", "card_token": "forged"}])
        cursor = _sync(client, bob, [_swap(cy["token"], "tea")])["cursor"]
        link = client.post("/api/me/devices", headers=cy["headers"]).json()["sign_in_url"]
        client.get(link.removeprefix(BASE_URL), follow_redirects=False)
        assert client.delete("/api/me", headers=gone["headers"]).status_code == 204
        staff, staff_cursor = _booth(client, ada, cy)
    original = _digest(str(source))
    # gone's own contact went with their data; their tombstone and ada's contact of them stay
    assert original.counts["contacts"] == 5 and original.counts["used_nonces"] == 1
    assert original.counts["photos"] == 1
    assert (original.counts["booths"], original.counts["leads"]) == (1, 2)
    assert (original.counts["staff_devices"], original.counts["lead_ops"]) == (1, 3)

    assert main(["db", "copy", str(source), pg_url]) == 0
    back = tmp_path / "back.db"
    assert main(["db", "copy", pg_url, str(back)]) == 0
    printed = capsys.readouterr().out
    assert printed.count(f"digest {original.digest}") == 2
    assert _digest(pg_url) == original == _digest(str(back))

    for copy in (pg_url, str(back)):  # bob's phone, moved to the copy, picks up where it was
        with TestClient(create_app(make_settings(copy)), base_url=BASE_URL) as client:
            assert {size: client.get(url).content for size, url in photo.items()} == photo_bytes
            assert _sync(client, bob, [], cursor)["changes"] == []
            edit = {
                "id": str(uuid.uuid4()),
                "type": "contact.update",
                "contact_id": f"att:{cy['id']}",
                "at": "2026-12-01T11:00:00Z",
                "set": {"follow_up": "todo"},
            }
            (changed,) = _sync(client, bob, [edit], cursor)["changes"]
            assert changed["notes"] == "tea" and changed["follow_up"] == "todo"
            # The booth's staff phone carries on too: its next lead comes after its cursor.
            (lead,) = _sync(client, staff, [_capture(bob["token"])], staff_cursor)["changes"]
            assert lead["id"] == f"lead:{bob['id']}"


def test_copy_refuses_a_target_that_holds_data_and_changes_nothing(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.db"
    with TestClient(create_app(make_settings(source)), base_url=BASE_URL) as client:
        client.post("/api/admin/events", json={"slug": "ev", "name": "Ev"}, headers=ADMIN)
    with TestClient(create_app(make_settings(pg_url)), base_url=BASE_URL) as client:
        client.post("/api/admin/events", json={"slug": "other", "name": "O"}, headers=ADMIN)
    before = _digest(pg_url)
    assert main(["db", "copy", str(source), pg_url]) == 2
    assert "already holds data" in capsys.readouterr().err
    assert _digest(pg_url) == before
    assert main(["db", "copy", str(tmp_path / "missing.db"), pg_url]) == 2
    assert main(["db", "copy", str(source), str(source)]) == 2
    assert not (tmp_path / "missing.db").exists()
