"""The organizer API and CLI: CSV import (every status, bad rows by line, idempotent re-import,
personal sign-in links), the sign-in links CSV, event edits, and the aggregate stats."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.tokens import Tokens
from tests.conftest import ADMIN, ROOT, SECRET, Attendee
from tests.server_state import read_rows, write_rows

CSV_HEADERS = {**ADMIN, "Content-Type": "text/csv"}
GOOD = (
    "name,email,org,title,phone,url\n"
    "Ada Lovelace,Ada@Example.org,Analytical,Countess,+44 20 7946 0000,https://ada.example\n"
    "Grace Hopper,grace@example.org,Navy,Rear Admiral,,\n"
)


def post_csv(client: TestClient, text: str | bytes, slug: str = "devconf", **headers: str) -> Any:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        f"/api/admin/events/{slug}/attendees.csv", content=body, headers={**CSV_HEADERS, **headers}
    )


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return str(body["error"]["code"])


def attendee_rows(database: str | Path) -> list[tuple[Any, ...]]:
    return read_rows(
        str(database), "SELECT id, email, card, card_version FROM attendees ORDER BY created_at, id"
    )


def signin_payload(sign_in_url: str) -> list[Any]:
    """The JSON inside an itsdangerous sign-in token: [attendee id, nonce, expires_at]."""
    token = sign_in_url.rsplit("/signin/", 1)[1]
    first = token.split(".")[0]
    return list(json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))))


def sync(client: TestClient, who: Attendee, ops: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post(
        "/api/sync",
        json={"device_id": who.device_id, "cursor": None, "ops": ops},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def exchange(card_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "at": datetime.now(UTC).isoformat(),
        "method": "qr",
        "card_token": card_url.rsplit("/c/", 1)[1],
        **extra,
    }


# -- import: statuses --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic YWRtaW4="}],
)
def test_admin_endpoints_refuse_without_the_admin_token(
    client: TestClient, event: dict[str, Any], database: str, headers: dict[str, str]
) -> None:
    base = "/api/admin/events/devconf"
    calls = [
        client.post(
            f"{base}/attendees.csv", content=GOOD, headers={"Content-Type": "text/csv", **headers}
        ),
        client.get(f"{base}/attendees.csv", headers=headers),
        client.get(f"{base}/stats", headers=headers),
        client.patch(base, json={"name": "X"}, headers=headers),
    ]
    for response in calls:
        assert response.status_code == 401, response.text
        assert error_code(response) == "unauthorized"
    assert attendee_rows(database) == []


def test_an_attendee_session_is_not_an_admin(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register()
    response = post_csv(client, GOOD, Authorization=f"Bearer {ada.token}")
    assert response.status_code == 401


def test_unknown_event_is_404(client: TestClient, event: dict[str, Any]) -> None:
    assert post_csv(client, GOOD, slug="nope").status_code == 404
    assert error_code(post_csv(client, GOOD, slug="nope")) == "event_not_found"
    assert client.get("/api/admin/events/nope/stats", headers=ADMIN).status_code == 404
    assert client.get("/api/admin/events/nope/attendees.csv", headers=ADMIN).status_code == 404
    assert (
        client.patch("/api/admin/events/nope", json={"name": "X"}, headers=ADMIN).status_code == 404
    )


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x", ""]
)
def test_import_needs_text_csv(
    client: TestClient, event: dict[str, Any], database: str, content_type: str
) -> None:
    headers = {**ADMIN, "Content-Type": content_type} if content_type else dict(ADMIN)
    response = client.post(
        "/api/admin/events/devconf/attendees.csv", content=GOOD.encode(), headers=headers
    )
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert attendee_rows(database) == []


def test_import_accepts_a_charset_parameter(client: TestClient, event: dict[str, Any]) -> None:
    latin = "name,email\nJosé Müller,jose@example.org\n".encode("latin-1")
    response = post_csv(client, latin, **{"Content-Type": "text/csv; charset=ISO-8859-1"})
    assert response.status_code == 200, response.text
    assert response.json()["attendees"][0]["fn"] == "José Müller"


def test_import_over_one_mebibyte_is_413_and_changes_nothing(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    rows = "".join(f"Person {i},p{i}@example.org,Org,Title,,\n" for i in range(40000))
    body = ("name,email,org,title,phone,url\n" + rows).encode()
    assert len(body) > 1024 * 1024
    response = post_csv(client, body)
    assert response.status_code == 413
    assert error_code(response) == "too_large"
    assert attendee_rows(database) == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "file"),
        ("\n\n", "file"),
        ("name,org\nAda,Analytical\n", "email"),
        ("email,org\nada@example.org,Analytical\n", "name"),
    ],
)
def test_a_file_without_email_or_name_column_is_422(
    client: TestClient, event: dict[str, Any], database: str, text: str, field: str
) -> None:
    response = post_csv(client, text)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert attendee_rows(database) == []


# -- import: rows ------------------------------------------------------------------------------
def test_import_creates_attendees_with_cards_links_and_sign_in(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    response = post_csv(client, GOOD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"created", "attendees", "errors"}
    assert body["created"] == 2 and body["errors"] == []
    ada, grace = body["attendees"]
    assert set(ada) == {"id", "fn", "sign_in_url", "card_url"}
    assert (ada["fn"], grace["fn"]) == ("Ada Lovelace", "Grace Hopper")
    assert ada["card_url"].startswith("http://testserver/c/")
    assert ada["sign_in_url"].startswith("http://testserver/signin/")
    payload = Tokens((SECRET,)).read_card_token(ada["card_url"].rsplit("/c/", 1)[1])
    assert (payload.attendee_id, payload.event_slug, payload.org) == (
        ada["id"],
        "devconf",
        "Analytical",
    )

    rows = {r[0]: r for r in attendee_rows(database)}
    assert rows[ada["id"]][1] == "ada@example.org"  # the idempotency key, lower-cased
    card = json.loads(rows[ada["id"]][2])
    assert card["emails"] == ["Ada@Example.org"] and card["phones"] == ["+44 20 7946 0000"]
    assert card["urls"] == ["https://ada.example"] and card["title"] == "Countess"

    signin = client.get(
        ada["sign_in_url"].removeprefix("http://testserver"), follow_redirects=False
    )
    assert signin.status_code == 303
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["attendee"]["id"] == ada["id"]
    client.cookies.clear()
    again = client.get(ada["sign_in_url"].removeprefix("http://testserver"), follow_redirects=False)
    assert again.status_code != 303  # single use


def test_bad_rows_are_reported_by_line_and_good_rows_imported(
    client: TestClient, event: dict[str, Any]
) -> None:
    text = (
        "name,email,org,title,phone,url\n"  # 1
        "Ada Lovelace,ada@example.org,,,,\n"  # 2
        "No Email,,Org,,,\n"  # 3 missing email
        "\n"  # 4 blank: skipped
        "Bad Email,not-an-email,,,,\n"  # 5
        '"Multi\nLine",multi@example.org,"Line one\nline two",,,\n'  # 6-8: fn has a newline
        "Bad Phone,phone@example.org,,,call me maybe,\n"  # 9
        ",noname@example.org,,,,\n"  # 10 no name
        "Bad Url,url@example.org,,,,ftp://files.example\n"  # 11
        f"Long Title,long@example.org,,{'x' * 201},,\n"  # 12
        "Ada Again,ADA@example.org,,,,\n"  # 13 duplicate of line 2
        "Grace Hopper,grace@example.org,,,,\n"  # 14
    )
    body = post_csv(client, text).json()
    assert body["created"] == 2
    assert [a["fn"] for a in body["attendees"]] == ["Ada Lovelace", "Grace Hopper"]
    lines = {e["line"]: e["message"] for e in body["errors"]}
    assert sorted(lines) == [3, 5, 6, 9, 10, 11, 12, 13]
    assert lines[3] == "email is required"
    assert lines[5] == "email: 'not-an-email' is not a valid email address."
    assert lines[6] == "name: name must be one line of text."
    assert lines[9].startswith("phone: A phone number has at most 40 digits")
    assert lines[10] == "name is required"
    assert lines[11] == "url: Links must be http:// or https:// URLs."
    assert lines[12] == "title: title is longer than 200 characters."
    assert lines[13] == "ADA@example.org is already on line 2"


def test_a_bom_semicolon_file_with_aliases_and_crlf(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    text = (
        "\ufeff Full Name ;E-Mail;Company;Job Title;Phone Number;Website;Dietary needs\r\n"
        "Émilie du Châtelet;emilie@example.fr;Académie;Physicienne;+33 1 23 45 67 89;"
        "example.fr;none\r\n"
        "Broken;broken@;;;;;\r\n"
        'Ørsted, Hans;hans@example.dk;"Uni; Copenhagen";;;;\r\n'
    )
    body = post_csv(client, text).json()
    assert body["created"] == 2
    assert body["errors"] == [{"line": 3, "message": body["errors"][0]["message"]}]
    assert "broken@" in body["errors"][0]["message"]
    cards = {json.loads(r[2])["fn"]: json.loads(r[2]) for r in attendee_rows(database)}
    emilie = cards["Émilie du Châtelet"]
    assert emilie["org"] == "Académie" and emilie["title"] == "Physicienne"
    assert emilie["urls"] == ["https://example.fr"]
    assert cards["Ørsted, Hans"]["org"] == "Uni; Copenhagen"


@pytest.mark.parametrize(
    "header",
    [
        "Name,Email,Organization,Title,Phone,URL",
        "FULL NAME,E-mail address,Organisation,Position,Mobile,Homepage",
        "full_name,e_mail,company_name,job_title,telephone,web",
    ],
)
def test_header_aliases(
    client: TestClient, event: dict[str, Any], database: str, header: str
) -> None:
    body = post_csv(
        client,
        f"{header}\nAda Lovelace,ada@example.org,Analytical,Countess,+1 555,https://a.example\n",
    ).json()
    assert body["created"] == 1 and body["errors"] == []
    card = json.loads(attendee_rows(database)[0][2])
    assert card["org"] == "Analytical" and card["title"] == "Countess"
    assert card["phones"] == ["+1 555"] and card["urls"] == ["https://a.example"]


def test_first_and_last_name_columns_make_the_full_name(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    body = post_csv(client, "First name\tLast name\tEmail\nAda\tLovelace\tada@example.org\n").json()
    assert body["attendees"][0]["fn"] == "Ada Lovelace"
    card = json.loads(attendee_rows(database)[0][2])
    assert (card["given"], card["family"]) == ("Ada", "Lovelace")


def test_windows_1252_and_utf16_files_are_read(client: TestClient, event: dict[str, Any]) -> None:
    text = "name;email\nFrançois Noël;francois@example.org\n"
    for data in (text.encode("cp1252"), text.encode("utf-16")):
        body = post_csv(client, data).json()
        assert [a["fn"] for a in body["attendees"]] == ["François Noël"], data[:8]


# -- import: idempotent re-import --------------------------------------------------------------
def test_reimport_is_idempotent_by_email_with_fresh_links(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    first = post_csv(client, GOOD).json()
    # the same people, Ada's address typed in capitals: matched by the lower-cased email
    second = post_csv(client, GOOD.replace("Ada@Example.org", "ADA@EXAMPLE.ORG", 1)).json()
    assert second["created"] == 0 and second["errors"] == []
    assert [a["id"] for a in second["attendees"]] == [a["id"] for a in first["attendees"]]
    rows = attendee_rows(database)
    assert len(rows) == 2
    versions = {r[0]: r[3] for r in rows}
    ada, grace = (a["id"] for a in first["attendees"])
    assert (versions[ada], versions[grace]) == (2, 1)  # Ada's card changed (her email's case)
    assert second["attendees"][1]["card_url"] == first["attendees"][1]["card_url"]
    for old, new in zip(first["attendees"], second["attendees"], strict=True):
        assert old["sign_in_url"] != new["sign_in_url"]  # fresh single-use links


def test_reimporting_the_same_file_changes_no_card(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    post_csv(client, GOOD)
    before = attendee_rows(database)
    post_csv(client, GOOD)
    assert attendee_rows(database) == before


def test_reimport_updates_cards_and_live_linked_contacts(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee], database: str
) -> None:
    ada = post_csv(client, GOOD).json()["attendees"][0]
    bea = register("Bea Builder")
    assert sync(client, bea, [exchange(ada["card_url"])])["acked"]

    changed = GOOD.replace("Analytical,Countess", "Babbage & Co,Programmer")
    body = post_csv(client, changed).json()
    assert body["created"] == 0
    updated = body["attendees"][0]
    assert updated["id"] == ada["id"] and updated["card_url"] != ada["card_url"]
    version = {r[0]: r[3] for r in attendee_rows(database)}[ada["id"]]
    assert version == 2
    held = [c for c in sync(client, bea, [])["changes"] if c["id"] == f"att:{ada['id']}"]
    assert held and held[-1]["card"]["org"] == "Babbage & Co"
    assert held[-1]["card"]["title"] == "Programmer"


def test_a_deleted_attendee_is_not_matched_again(
    client: TestClient, event: dict[str, Any], database: str
) -> None:
    ada = post_csv(client, GOOD).json()["attendees"][0]
    path = ada["sign_in_url"].removeprefix("http://testserver")
    assert client.get(path, follow_redirects=False).status_code == 303
    assert client.delete("/api/me", headers={"Origin": "http://testserver"}).status_code == 204
    client.cookies.clear()
    body = post_csv(client, GOOD).json()
    assert body["created"] == 1
    assert body["attendees"][0]["id"] != ada["id"]


# -- sign-in links ------------------------------------------------------------------------------
def test_sign_in_links_last_until_thirty_days_after_the_end(client: TestClient) -> None:
    created = client.post(
        "/api/admin/events",
        json={
            "slug": "summit",
            "name": "Summit",
            "starts_on": "2030-05-01",
            "ends_on": "2030-05-03",
        },
        headers=ADMIN,
    )
    assert created.status_code == 201
    entry = post_csv(client, GOOD, slug="summit").json()["attendees"][0]
    expires = signin_payload(entry["sign_in_url"])[2]
    assert datetime.fromtimestamp(expires, UTC) == datetime(2030, 6, 3, tzinfo=UTC)


def test_sign_in_links_without_an_end_last_ninety_days(
    client: TestClient, event: dict[str, Any]
) -> None:
    entry = post_csv(client, GOOD).json()["attendees"][0]
    expires = signin_payload(entry["sign_in_url"])[2]
    assert abs(expires - (time.time() + 90 * 86400)) < 60


def test_links_of_a_long_past_event_are_expired(client: TestClient) -> None:
    client.post(
        "/api/admin/events",
        json={"slug": "old", "name": "Old", "starts_on": "2020-01-01", "ends_on": "2020-01-02"},
        headers=ADMIN,
    )
    entry = post_csv(client, GOOD, slug="old").json()["attendees"][0]
    response = client.get(
        entry["sign_in_url"].removeprefix("http://testserver"), follow_redirects=False
    )
    assert response.status_code != 303
    assert client.get("/api/me").status_code == 401


def test_sign_in_links_csv_for_a_mail_merge(client: TestClient, event: dict[str, Any]) -> None:
    post_csv(client, GOOD + '=HYPERLINK("x"),eve@example.org,+Evil,-1,,\n')
    response = client.get("/api/admin/events/devconf/attendees.csv", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'attachment; filename="devconf-sign-in-links.csv"'
        == response.headers["content-disposition"]
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["email"] for r in rows] == ["eve@example.org", "grace@example.org", "ada@example.org"]
    eve = next(r for r in rows if r["email"] == "eve@example.org")
    assert eve["name"].startswith("'=") and eve["org"] == "'+Evil" and eve["title"] == "'-1"
    for row in rows:
        assert row["sign_in_url"].startswith("http://testserver/signin/")
        assert row["card_url"].startswith("http://testserver/c/")
    first = rows[0]["sign_in_url"]
    again = client.get("/api/admin/events/devconf/attendees.csv", headers=ADMIN)
    assert first not in again.text and rows[0]["card_url"] in again.text


# -- event edits -------------------------------------------------------------------------------
def test_patch_event_changes_name_and_dates(client: TestClient, event: dict[str, Any]) -> None:
    response = client.patch(
        "/api/admin/events/devconf",
        json={"name": "DevConf 2030", "starts_on": "2030-01-01", "ends_on": "2030-01-02"},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "DevConf 2030" and body["ends_on"] == "2030-01-02"
    assert body["join_url"] == event["join_url"]
    public = client.get("/api/events/devconf").json()
    assert public == {
        "slug": "devconf",
        "name": "DevConf 2030",
        "starts_on": "2030-01-01",
        "ends_on": "2030-01-02",
        "language": "en",
        "time_zone": "UTC",
    }


def test_an_event_has_a_language_and_a_time_zone_set_at_creation_and_changed_by_a_patch(
    client: TestClient,
) -> None:
    created = client.post(
        "/api/admin/events",
        json={"slug": "tokyo", "name": "Tokyo Dev", "language": "ja", "time_zone": "Asia/Tokyo"},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    public = client.get("/api/events/tokyo").json()
    assert (public["language"], public["time_zone"]) == ("ja", "Asia/Tokyo")
    patched = client.patch(
        "/api/admin/events/tokyo", json={"language": "ar", "time_zone": "Asia/Dubai"}, headers=ADMIN
    )
    assert patched.status_code == 200, patched.text
    public = client.get("/api/events/tokyo").json()
    assert (public["language"], public["time_zone"], public["name"]) == (
        "ar",
        "Asia/Dubai",
        "Tokyo Dev",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "other"}, "slug"),
        ({"name": ""}, "name"),
        ({"starts_on": "tomorrow"}, "starts_on"),
        ({"starts_on": "2030-02-02", "ends_on": "2030-02-01"}, "ends_on"),
        ({"colour": "red"}, "colour"),
        ({"language": "xx"}, "language"),
        ({"language": "EN"}, "language"),
        ({"language": None}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"time_zone": 1}, "time_zone"),
        ({"name": "Renamed", "time_zone": "Nowhere"}, "time_zone"),
    ],
)
def test_patch_event_refuses_bad_fields(
    client: TestClient, event: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.patch("/api/admin/events/devconf", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    public = client.get("/api/events/devconf").json()
    assert (public["name"], public["language"], public["time_zone"]) == ("DevConf", "en", "UTC")


# -- stats -------------------------------------------------------------------------------------
HOUR = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:00:00Z$")


def test_stats_count_applied_exchanges_and_active_attendees(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee], database: str
) -> None:
    empty = client.get("/api/admin/events/devconf/stats", headers=ADMIN).json()
    assert empty == {"attendees": 0, "active_attendees": 0, "exchanges": 0, "exchanges_by_hour": []}
    ada, bea = register("Ada"), register("Bea")
    register("Cid")  # registered, never syncs: an attendee, not an active one
    post_csv(client, GOOD)
    swap = exchange(bea.card_url)
    foreign = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "at": datetime.now(UTC).isoformat(),
        "method": "manual",
        "contact_id": f"ext:{uuid.uuid4()}",
        "vcard": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Paper Card\r\nEND:VCARD\r\n",
    }
    forged = exchange(bea.card_url[:-4] + "aaaa")
    result = sync(client, ada, [swap, foreign, forged])
    assert len(result["acked"]) == 2 and len(result["rejected"]) == 1
    sync(client, ada, [swap])  # a replay is acked again, never counted twice
    sync(
        client,
        bea,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "contact.update",
                "at": datetime.now(UTC).isoformat(),
                "contact_id": f"att:{ada.id}",
                "set": {"starred": True},
            }
        ],
    )

    stats = client.get("/api/admin/events/devconf/stats", headers=ADMIN)
    assert stats.status_code == 200
    assert stats.headers["content-type"] == "application/json; charset=utf-8"
    body = stats.json()
    assert body["attendees"] == 5  # three registered, two imported
    assert body["active_attendees"] == 2  # Ada swapped, Bea edited; Cid did nothing
    assert (
        body["exchanges"] == 2
    )  # the swap and the paper card; not the reciprocal, not the forgery
    assert len(body["exchanges_by_hour"]) == 1
    (bucket,) = body["exchanges_by_hour"]
    assert HOUR.match(bucket["hour"]) and bucket["count"] == 2
    [(received,)] = read_rows(database, "SELECT received_at FROM ops WHERE id = ?", [swap["id"]])
    assert bucket["hour"] == received[:13] + ":00:00Z"


def test_stats_group_by_server_receive_hour(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee], database: str
) -> None:
    ada, bea = register("Ada"), register("Bea")
    ops = [exchange(bea.card_url), exchange(bea.card_url)]
    sync(client, ada, ops)
    # as if the first arrived two hours earlier
    write_rows(
        database,
        "UPDATE ops SET received_at = '2030-01-01T07:59:59.999999Z' WHERE id = ?",
        [ops[0]["id"]],
    )
    write_rows(
        database,
        "UPDATE ops SET received_at = '2030-01-01T09:00:00.000000Z' WHERE id = ?",
        [ops[1]["id"]],
    )
    body = client.get("/api/admin/events/devconf/stats", headers=ADMIN).json()
    assert body["exchanges_by_hour"] == [
        {"hour": "2030-01-01T07:00:00Z", "count": 1},
        {"hour": "2030-01-01T09:00:00Z", "count": 1},
    ]


def test_exchanges_stay_counted_after_delete_me(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    ada, bea = register("Ada"), register("Bea")
    sync(client, ada, [exchange(bea.card_url)])
    before = client.get("/api/admin/events/devconf/stats", headers=ADMIN).json()
    assert client.delete("/api/me", headers=ada.headers).status_code == 204
    after = client.get("/api/admin/events/devconf/stats", headers=ADMIN).json()
    assert after["exchanges"] == before["exchanges"] == 1
    assert after["exchanges_by_hour"] == before["exchanges_by_hour"]
    assert after["attendees"] == 1


def test_stats_of_other_events_do_not_mix(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    client.post("/api/admin/events", json={"slug": "other", "name": "Other"}, headers=ADMIN)
    ada, bea = register("Ada"), register("Bea")
    sync(client, ada, [exchange(bea.card_url)])
    other = client.get("/api/admin/events/other/stats", headers=ADMIN).json()
    assert other == {"attendees": 0, "active_attendees": 0, "exchanges": 0, "exchanges_by_hour": []}


# -- CLI ---------------------------------------------------------------------------------------
def cli(*args: str, db: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "CARDSWAP_SECRET_KEY": SECRET,
        "CARDSWAP_BASE_URL": "https://cards.example",
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--db", str(db)],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_cli_imports_attendees_and_prints_sign_in_links(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert cli("event", "create", "--slug", "expo", "--name", "Expo", db=db).returncode == 0
    source = tmp_path / "people.csv"
    source.write_text(
        "\ufeffName;E-mail;Company\nAda Lovelace;ada@example.org;Analytical\nBad;nope;\n"
    )
    done = cli("attendees", "import", str(source), "--event", "expo", db=db)
    assert done.returncode == 1  # one row refused, the other imported
    err = done.stderr.decode()
    assert "line 3:" in err and "1 created, 0 updated, 0 unchanged, 1 errors" in err
    assert "each sign-in link works once, until" in err
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    assert [(r["name"], r["email"]) for r in rows] == [("Ada Lovelace", "ada@example.org")]
    assert rows[0]["sign_in_url"].startswith("https://cards.example/signin/")
    assert rows[0]["card_url"].startswith("https://cards.example/c/")

    out = tmp_path / "links.csv"
    good = tmp_path / "good.csv"
    good.write_text("name,email\nAda Lovelace,ada@example.org\nGrace Hopper,grace@example.org\n")
    again = cli("attendees", "import", str(good), "--event", "expo", "--out", str(out), db=db)
    assert again.returncode == 0, again.stderr
    assert again.stdout == b""
    assert "1 created, 1 updated, 0 unchanged, 0 errors" in again.stderr.decode()
    links = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in links][0] == rows[0]["id"]
    assert len(attendee_rows(db)) == 2


def test_cli_import_failures(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cli("event", "create", "--slug", "expo", "--name", "Expo", db=db)
    missing = cli("attendees", "import", str(tmp_path / "none.csv"), "--event", "expo", db=db)
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
    unknown = cli("attendees", "import", "-", "--event", "nope", db=db, stdin=GOOD.encode())
    assert unknown.returncode == 2 and b"no event" in unknown.stderr
    no_column = cli("attendees", "import", "-", "--event", "expo", db=db, stdin=b"name\nAda\n")
    assert no_column.returncode == 2 and b"email column" in no_column.stderr
    assert attendee_rows(db) == []


def test_cli_event_stats(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cli("event", "create", "--slug", "expo", "--name", "Expo Fair", db=db)
    cli("attendees", "import", "-", "--event", "expo", db=db, stdin=GOOD.encode())
    with sqlite3.connect(db) as conn:
        ada = conn.execute("SELECT id FROM attendees ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute(
            "INSERT INTO ops (id, attendee_id, event_slug, device_id, type, payload, received_at, "
            "result) VALUES ('op-1', ?, 'expo', 'd', 'exchange', '{\"method\":\"qr\"}', "
            "'2030-01-01T10:15:00.000000Z', 'applied')",
            [ada],
        )
    text = cli("event", "stats", "expo", db=db)
    assert text.returncode == 0, text.stderr
    out = text.stdout.decode()
    assert "Expo Fair (expo)" in out
    assert re.search(r"attendees\s+2\n", out) and re.search(r"active attendees\s+1\n", out)
    assert re.search(r"swaps\s+1\n", out) and "2030-01-01T10:00:00Z" in out
    as_json = json.loads(cli("event", "stats", "expo", "--json", db=db).stdout)
    assert as_json == {
        "attendees": 2,
        "active_attendees": 1,
        "exchanges": 1,
        "exchanges_by_hour": [{"hour": "2030-01-01T10:00:00Z", "count": 1}],
    }
    assert cli("event", "stats", "nope", db=db).returncode == 2


def test_slow_stats_are_reused_briefly_and_fast_ones_never(
    client: TestClient,
    event: dict[str, Any],
    register: Callable[..., Attendee],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server.organizer import stats

    ada, bea = register("Ada"), register("Bea")
    url = "/api/admin/events/devconf/stats"
    sync(client, ada, [exchange(bea.card_url)])
    assert client.get(url, headers=ADMIN).json()["exchanges"] == 1
    sync(client, ada, [exchange(bea.card_url)])
    assert client.get(url, headers=ADMIN).json()["exchanges"] == 2  # fast: always fresh

    monkeypatch.setattr(stats, "SLOW_SECONDS", -1.0)  # as if every count were slow
    monkeypatch.setattr(stats, "MAX_REUSE_SECONDS", 0.5)
    monkeypatch.setattr(stats, "REUSE_FACTOR", 1e9)
    assert client.get(url, headers=ADMIN).json()["exchanges"] == 2
    sync(client, ada, [exchange(bea.card_url)])
    assert client.get(url, headers=ADMIN).json()["exchanges"] == 2  # reused
    time.sleep(0.6)
    assert client.get(url, headers=ADMIN).json()["exchanges"] == 3
