"""The export endpoints over HTTP: .vcf (all, selected, one), zip, CSV, the public card's .vcf,
and "create my card from a contact file", with real SQLite and the real sync endpoint.

Tricky real-world cards go in through `POST /api/sync` (exchange ops with a `vcard`) and come out
through the `.vcf` endpoints: every character must survive, read back by our reader, vobject and
ical.js.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import vobject
from PIL import Image
from starlette.testclient import TestClient

from server import vcard as vcards
from tests.conftest import ADMIN, Attendee
from tests.server_state import read_rows, write_rows
from tests.test_vcard_export import ical_js
from tests.vcard_corpus import corpus_dir

FIXTURES = Path(__file__).resolve().parent / "vcard_fixtures"
AT = "2026-03-01T09:00:00+00:00"

TRICKY_VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\n"
    "FN:Doe, Jane 👩‍💻 (東京)\r\n"
    "N:Doe;Jane;;;\r\n"
    "ORG:Example, Inc.\\; Labs\r\n"
    "TITLE:Head of R&D, EMEA; APAC\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:jane@example.com\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\n"
    "TEL;type=CELL:+1 (415) 555-0100\r\n"
    "URL:http\\://example.com/a\\,b\r\n"
    "NOTE:Line one\\, with a comma; and a semicolon\\nLine two \\\\ backslash مرحبا\r\n"
    "END:VCARD\r\n"
)


def sync(client: TestClient, who: Attendee, ops: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"device_id": who.device_id, "cursor": None, "ops": ops}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["rejected"] == [], data["rejected"]
    return data


def foreign(client: TestClient, who: Attendee, text: str) -> dict[str, Any]:
    """A foreign card saved through sync; the contact as the server returns it."""
    cid = f"ext:{uuid.uuid4()}"
    op = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": "qr",
        "contact_id": cid,
        "vcard": text,
        "at": AT,
    }
    data = sync(client, who, [op])
    return next(c for c in data["changes"] if c["id"] == cid)


def swap(client: TestClient, who: Attendee, other: Attendee) -> None:
    op = {
        "id": str(uuid.uuid4()),
        "type": "exchange",
        "method": "qr",
        "card_token": other.card_token,
        "at": AT,
    }
    sync(client, who, [op])


def update(client: TestClient, who: Attendee, contact_id: str, **fields: Any) -> None:
    op = {
        "id": str(uuid.uuid4()),
        "type": "contact.update",
        "contact_id": contact_id,
        "at": AT,
        "set": fields,
    }
    sync(client, who, [op])


def error(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    if code:
        assert response.json()["error"]["code"] == code


def same_card(exported: dict[str, Any], card: dict[str, Any]) -> None:
    """Every card field survived the export (the NOTE adds where we met and our notes)."""
    for key in ("fn", "given", "family", "org", "title", "emails", "phones", "urls"):
        assert exported.get(key) == card.get(key), key
    if card.get("note"):
        assert exported["note"].startswith(card["note"] + "\n\n")


# -- .vcf ----------------------------------------------------------------------------------------
def test_tricky_foreign_card_survives_sync_and_vcf_export(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    contact = foreign(client, ada, TRICKY_VCARD)
    card = contact["card"]
    assert card["fn"] == "Doe, Jane 👩‍💻 (東京)"
    assert card["org"] == "Example, Inc.; Labs"
    assert card["title"] == "Head of R&D, EMEA; APAC"
    assert card["urls"] == ["http://example.com/a,b"]
    assert card["note"] == "Line one, with a comma; and a semicolon\nLine two \\ backslash مرحبا"
    response = client.get(f"/api/contacts/{quote(contact['id'])}.vcf", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Doe, Jane ().vcf"; ')
    assert "filename*=UTF-8''" + quote("Doe, Jane 👩‍💻 (東京).vcf", safe="") in disposition
    text = response.content.decode("utf-8")
    (ours,) = vcards.parse_many(response.content)[0]
    same_card(ours.card, card)
    (in_js,) = ical_js(text)
    assert in_js["fn"] == [card["fn"]] and in_js["org"] == [["Example, Inc.", "Labs"]]
    assert in_js["title"] == [card["title"]] and in_js["urls"] == [card["urls"]]
    assert in_js["note"][0].startswith(card["note"])
    (in_vobject,) = vobject.readComponents(text)
    assert in_vobject.fn.value == card["fn"] and in_vobject.title.value == card["title"]
    assert in_vobject.note.value.startswith(card["note"])


def _one_card_utf8_files(paths: list[Path]) -> list[Path]:
    """The files a QR or an op's `vcard` string could carry: UTF-8, one card, up to 16 KiB."""
    out = []
    for path in paths:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(data) <= 16 * 1024 and text.upper().count("BEGIN:VCARD") == 1:
            out.append(path)
    return out


def _survives_sync_and_export(client: TestClient, who: Attendee, path: Path) -> bool:
    """The file in through sync and out through `.vcf` unchanged; False if refused."""
    text = path.read_text(encoding="utf-8")
    try:
        parsed = vcards.parse_foreign(text)
    except vcards.VCardError:
        return False  # the malformed fixtures are refused; tested in test_vcard_import.py
    expected = parsed.card
    contact = foreign(client, who, text)
    card = dict(contact["card"])
    photo = card.pop("photo")
    assert card == {k: v for k, v in expected.items() if k != "photo"}, path.name
    # A photo the card carries is kept when Pillow itself can decode it whole (the oracle here),
    # and the export embeds the stored small JPEG, byte for byte.
    assert (photo is not None) == decodes(parsed.photo), path.name
    response = client.get(f"/api/contacts/{quote(contact['id'])}.vcf", headers=who.headers)
    assert response.status_code == 200, path.name
    (back,) = vcards.parse_many(response.content)[0]
    same_card(back.card, expected)
    if photo is not None:
        stored = client.get(photo["small"])
        assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
        assert back.photo == ("image/jpeg", stored.content), path.name
    else:
        assert back.photo is None
    return True


def decodes(photo: tuple[str, bytes] | None) -> bool:
    """Whether Pillow reads the whole image (independently of the server's code)."""
    if photo is None:
        return False
    try:
        with Image.open(io.BytesIO(photo[1])) as image:
            image.load()
    except (OSError, SyntaxError, ValueError):
        return False
    return True


def test_every_single_card_fixture_survives_sync_and_export(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    paths = _one_card_utf8_files(sorted(FIXTURES.glob("*.vcf")))
    checked = [p.name for p in paths if _survives_sync_and_export(client, ada, p)]
    malformed = {"junk_line.vcf", "no_end.vcf"}
    assert checked == [p.name for p in paths if p.name not in malformed]
    assert len(checked) >= 9


def test_every_single_card_corpus_file_survives_sync_and_export(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    paths = _one_card_utf8_files(sorted(corpus_dir().rglob("*.vcf")))
    ada = register("Ada Lovelace")
    checked = [p.name for p in paths if _survives_sync_and_export(client, ada, p)]
    assert len(checked) >= 35, checked


def test_all_contacts_selected_ids_and_nothing_of_anyone_else(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada, bob, cy = register("Ada Lovelace"), register("Bob Byte", org="Bits, Ltd"), register("Cy")
    swap(client, ada, bob)
    jane = foreign(client, ada, TRICKY_VCARD)
    gone = foreign(client, ada, "MECARD:N:Gone,Gary;EMAIL:gary@example.com;;")
    sync(
        client,
        ada,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "contact.delete",
                "contact_id": gone["id"],
                "at": "2026-03-01T10:00:00+00:00",
            }
        ],
    )
    update(client, ada, f"att:{bob.id}", notes="Wants the API, soon", tags=["lead", "b, c"])
    response = client.get("/api/contacts.vcf", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert 'filename="DevConf contacts.vcf"' in response.headers["content-disposition"]
    cards = {c.card["fn"]: c.card for c in vcards.parse_many(response.content)[0]}
    assert set(cards) == {"Bob Byte", jane["card"]["fn"]}
    assert cards["Bob Byte"]["org"] == "Bits, Ltd"
    text = response.content.decode("utf-8")
    bob_js = next(c for c in ical_js(text) if c["fn"] == ["Bob Byte"])
    assert bob_js["categories"] == ["lead", "b, c"]
    assert "Met at DevConf on March 1, 2026." in bob_js["note"][0]
    assert "My notes: Wants the API, soon" in bob_js["note"][0]
    only = client.get(f"/api/contacts.vcf?ids={quote(jane['id'])}", headers=ada.headers)
    assert [c.card["fn"] for c in vcards.parse_many(only.content)[0]] == [jane["card"]["fn"]]
    # Cy holds no contacts; Ada's contact ids are nobody else's business.
    assert vcards.parse_many(client.get("/api/contacts.vcf", headers=cy.headers).content)[0] == []
    error(client.get(f"/api/contacts/{quote(jane['id'])}.vcf", headers=cy.headers), 404)
    error(client.get(f"/api/contacts/{quote(gone['id'])}.vcf", headers=ada.headers), 404)
    error(client.get("/api/contacts/att:nobody.vcf", headers=ada.headers), 404)


@pytest.mark.parametrize(
    "path", ["/api/contacts.vcf", "/api/contacts.csv", "/api/contacts.zip", "/api/contacts/x.vcf"]
)
def test_exports_need_a_session(client: TestClient, path: str) -> None:
    error(client.get(path), 401)
    error(client.get(path, headers={"Authorization": "Bearer forged"}), 401)


def test_ids_select_nothing_or_too_much(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    foreign(client, ada, TRICKY_VCARD)
    for path in ("/api/contacts.vcf?ids=", "/api/contacts.vcf?ids=,,", "/api/contacts.zip?ids="):
        response = client.get(path, headers=ada.headers)
        assert response.status_code == 200 and b"BEGIN:VCARD" not in response.content
    too_many = ",".join(f"x{n}" for n in range(1001))
    error(client.get(f"/api/contacts.vcf?ids={too_many}", headers=ada.headers), 422)


def test_zip_and_csv(client: TestClient, register: Callable[..., Attendee]) -> None:
    ada = register("Ada Lovelace")
    foreign(client, ada, TRICKY_VCARD)
    foreign(client, ada, "MECARD:N:Plus,Phil;TEL:+1 415 555 0199;EMAIL:phil@example.com;;")
    foreign(client, ada, 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:=HYPERLINK("x")\r\nEND:VCARD\r\n')
    response = client.get("/api/contacts.zip", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3 and all(n.endswith(".vcf") for n in names)
        for name in names:
            (card,) = vcards.parse_many(archive.read(name))[0]
            assert card.card["fn"]
    response = client.get("/api/contacts.csv", headers=ada.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="DevConf contacts.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    by_first = {r["First Name"]: r for r in rows}
    assert by_first["Phil"]["Phone 1 - Value"] == "+1 415 555 0199"
    assert by_first["Jane"]["Organization Name"] == "Example, Inc."
    assert by_first["Jane"]["Organization Department"] == "Labs"
    assert by_first['\'=HYPERLINK("x")']["Last Name"] == ""


# -- the public card -----------------------------------------------------------------------------
def test_public_card_vcf_is_the_current_card(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", org="Analytical, Engines; Ltd", note="Hi, I'm Ada;\nLet's talk")
    old_token = ada.card_token
    response = client.get(f"/c/{old_token}.vcf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert 'filename="Ada Lovelace.vcf"' in response.headers["content-disposition"]
    (card,) = vcards.parse_many(response.content)[0]
    assert card.card == ada.card
    (in_js,) = ical_js(response.content.decode("utf-8"))
    assert in_js["org"] == [["Analytical, Engines", "Ltd"]]
    assert in_js["note"] == [ada.card["note"]]
    upper = client.get(f"/C/{old_token.upper()}.vcf")
    assert upper.status_code == 200 and upper.content == response.content
    edited = client.put(
        "/api/me/card", json={"card": {"fn": "Ada King", "title": "Countess"}}, headers=ada.headers
    )
    assert edited.status_code == 200, edited.text
    (card,) = vcards.parse_many(client.get(f"/c/{old_token}.vcf").content)[0]
    assert card.card["fn"] == "Ada King" and card.card["title"] == "Countess"


def test_public_card_vcf_forged_or_withdrawn_is_404(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    token = ada.card_token
    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    for bad in (forged, "not-a-token", "a" * 3000):
        response = client.get(f"/c/{bad}.vcf")
        assert response.status_code == 404
        assert "Ada" not in response.text
    assert client.delete("/api/me", headers=ada.headers).status_code == 204
    response = client.get(f"/c/{token}.vcf")
    assert response.status_code == 404 and "Ada" not in response.text


# -- create my card from a contact file ------------------------------------------------------------
def test_card_from_vcard_gives_an_own_card_with_warnings(client: TestClient) -> None:
    emails = "".join(f"EMAIL:p{n}@example.com\r\n" for n in range(7))
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Example\r\nORG:Acme, Inc.\r\n"
        f"{emails}EMAIL:not-an-email\r\nTEL;VALUE=uri:tel:+1-418-656-9254;ext=102\r\n"
        "URL:www.example.com\r\nURL:ftp://files.example.com\r\n"
        f"NOTE:{'n' * 600}\r\nEND:VCARD\r\n"
    )
    response = client.post(
        "/api/cards/from-vcard",
        content=text.encode(),
        headers={"Content-Type": "text/vcard; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    card = data["card"]
    assert card["fn"] == "Zoë Example" and card["org"] == "Acme, Inc."
    assert card["emails"] == [f"p{n}@example.com" for n in range(5)]
    assert card["phones"] == ["+1-418-656-9254 x102"]
    assert card["urls"] == ["https://www.example.com"]
    assert card["note"] == "n" * 500
    warnings = " ".join(data["warnings"])
    for words in ("not-an-email", "ftp://files.example.com", "note was cut", "Only 5 emails"):
        assert words in warnings


def test_card_from_vcard_reads_x_vcard_and_legacy_charsets(client: TestClient) -> None:
    data = (FIXTURES / "qp_charsets.vcf").read_bytes()
    response = client.post(
        "/api/cards/from-vcard", content=data, headers={"Content-Type": "text/x-vcard"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["card"]["org"] == "Straßenbau Köln"


def test_card_from_vcard_refuses_bad_input(client: TestClient) -> None:
    post = client.post
    error(post("/api/cards/from-vcard", json={"x": 1}), 415, "unsupported_media_type")
    error(
        post("/api/cards/from-vcard", content=b"hello", headers={"Content-Type": "text/vcard"}),
        422,
        "invalid_vcard",
    )
    error(
        post(
            "/api/cards/from-vcard",
            content=(FIXTURES / "no_end.vcf").read_bytes(),
            headers={"Content-Type": "text/vcard"},
        ),
        422,
        "invalid_vcard",
    )
    big = b"BEGIN:VCARD\r\nNOTE:" + b"x" * (1024 * 1024) + b"\r\nEND:VCARD\r\n"
    error(
        post("/api/cards/from-vcard", content=big, headers={"Content-Type": "text/vcard"}),
        413,
        "too_large",
    )


def test_public_card_vcf_over_a_real_server(live_server: Any) -> None:
    """Through uvicorn: the download headers a phone sees, bytes exactly as written."""

    def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            live_server.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        return urllib.request.urlopen(request, timeout=10)

    with call("POST", "/api/admin/events", {"slug": "live", "name": "Live Conf"}, ADMIN) as r:
        join_code = json.load(r)["join_code"]
    card = {"fn": "Ünïcode Ådä 東京", "org": "Comma, Semi; Inc", "note": "Hi,\nthere; 🚀"}
    body = {"join_code": join_code, "card": card, "device_id": str(uuid.uuid4())}
    with call("POST", "/api/events/live/attendees", body) as r:
        joined = json.load(r)
    token = joined["card_url"].rsplit("/c/", 1)[1]
    with call("GET", f"/c/{token}.vcf") as r:
        assert r.headers["Content-Type"] == "text/vcard; charset=utf-8"
        disposition = r.headers["Content-Disposition"]
        raw = r.read()
    assert disposition.startswith('attachment; filename="Unicode Ada.vcf"; ')
    assert "filename*=UTF-8''" + quote("Ünïcode Ådä 東京.vcf", safe="") in disposition
    (parsed,) = vcards.parse_many(raw)[0]
    assert parsed.card == joined["attendee"]["card"]
    assert raw.count(b"\r\n") == raw.count(b"\n")


def test_card_from_a_mecard_file(client: TestClient) -> None:
    body = "MECARD:N:Doe,Jane;TEL:+1 555 0100;EMAIL:jane@example.com;URL:example.com;;"
    response = client.post(
        "/api/cards/from-vcard", content=body.encode(), headers={"Content-Type": "text/vcard"}
    )
    assert response.status_code == 200, response.text
    card = response.json()["card"]
    assert (card["fn"], card["given"], card["family"]) == ("Jane Doe", "Jane", "Doe")
    assert card["phones"] == ["+1 555 0100"] and card["urls"] == ["https://example.com"]


def test_exports_take_the_contact_list_filters(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    jane = foreign(client, ada, TRICKY_VCARD)
    phil = foreign(client, ada, "MECARD:N:Plus,Phil;EMAIL:phil@example.com;;")
    update(client, ada, jane["id"], tags=["lead"], follow_up="todo", starred=True)
    update(client, ada, phil["id"], tags=["press"])
    for query, names in [
        ("tag=lead", {"Jane"}),
        ("tag=press", {"Phil"}),
        ("follow_up=todo", {"Jane"}),
        ("starred=true", {"Jane"}),
        ("q=phil%40example", {"Phil"}),
        ("tag=lead&ids=" + quote(phil["id"]), set()),
    ]:
        for kind in ("vcf", "csv"):
            response = client.get(f"/api/contacts.{kind}?{query}", headers=ada.headers)
            assert response.status_code == 200, (query, response.text)
            if kind == "vcf":
                got = {c.card["given"] for c in vcards.parse_many(response.content)[0]}
            else:
                rows = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
                got = {row["First Name"] for row in rows}
            assert got == names, (query, kind)
    error(client.get("/api/contacts.vcf?follow_up=soon", headers=ada.headers), 422)


# -- the vCard cache -----------------------------------------------------------------------------
def cache_rows(database: str) -> dict[str, tuple[int, str]]:
    """contact id -> (seq, text) of the vcard_cache table, read from the real database."""
    rows = read_rows(database, "SELECT contact_id, seq, text FROM vcard_cache")
    return {cid: (seq, text) for cid, seq, text in rows}


def test_export_reuses_cached_cards_and_writes_changed_ones_again(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada, cy = register("Ada Lovelace"), register("Cy Young")
    bob = register("Bob Babbage", emails=["bob@example.com"])
    swap(client, ada, bob)
    swap(client, ada, cy)
    assert cache_rows(database) == {}
    first = client.get("/api/contacts.vcf", headers=ada.headers)
    assert first.status_code == 200
    rows = cache_rows(database)
    assert sorted(rows) == sorted([f"att:{bob.id}", f"att:{cy.id}"])
    assert first.text == "".join(text for _, text in rows.values()) or first.text == "".join(
        text for _, text in reversed(rows.values())
    )
    # vobject wrote it: after VERSION, PRODID and UID its properties come in name order.
    names = [line.split(":")[0].split(";")[0] for line in rows[f"att:{bob.id}"][1].split("\r\n")]
    assert names[:4] == ["BEGIN", "VERSION", "PRODID", "UID"]
    assert names[4:-2] == sorted(names[4:-2]) and names[4] == "EMAIL"
    # A second export reads the cache, not vobject: a marked cached text comes back as it is.
    marked = rows[f"att:{cy.id}"][1].replace("FN:Cy Young", "FN:Cy From The Cache")
    write_rows(
        database, "UPDATE vcard_cache SET text = ? WHERE contact_id = ?", [marked, f"att:{cy.id}"]
    )
    second = client.get("/api/contacts.vcf", headers=ada.headers).text
    assert "FN:Cy From The Cache" in second and "FN:Bob Babbage" in second
    one = client.get(f"/api/contacts/{quote(f'att:{cy.id}')}.vcf", headers=ada.headers)
    assert one.text == marked
    # A change to the contact (our notes) or to the linked card writes that card again.
    update(client, ada, f"att:{cy.id}", notes="Pitcher; call him")
    edited = client.put("/api/me/card", json={"card": {"fn": "Bob B."}}, headers=bob.headers)
    assert edited.status_code == 200, edited.text
    assert cache_rows(database) == {}  # both contacts changed: their texts went with the change
    third = client.get("/api/contacts.vcf", headers=ada.headers).text
    assert "From The Cache" not in third and "FN:Cy Young" in third and "FN:Bob B.\r\n" in third
    (in_vobject, _) = sorted(vobject.readComponents(third), key=lambda c: c.fn.value)
    assert in_vobject.fn.value == "Bob B."
    assert "My notes: Pitcher; call him" in third
    rows = cache_rows(database)
    assert {cid: text for cid, (_, text) in rows.items()} == {
        cid: text for cid, (_, text) in rows.items() if text in third
    }
    assert len(rows) == 2
    seqs = dict(
        read_rows(database, "SELECT contact_id, seq FROM contacts WHERE owner_id = ?", [ada.id])
    )
    assert {cid: seq for cid, (seq, _) in rows.items()} == seqs
    # Deleting one's data takes the cached texts (with our notes) along.
    assert client.delete("/api/me", headers=ada.headers).status_code == 204
    assert cache_rows(database) == {}


def test_zip_export_fills_and_reads_the_same_cache(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Babbage")
    swap(client, ada, bob)
    vcf = client.get("/api/contacts.vcf", headers=ada.headers).text
    ((_, cached),) = cache_rows(database).values()
    assert vcf == cached
    data = client.get("/api/contacts.zip", headers=ada.headers).content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("Bob Babbage.vcf").decode("utf-8") == cached


def test_a_cached_text_from_another_seq_is_never_used(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    """The text is trusted only for the seq of the contact row read in the same export: a text
    kept for any other seq (a change the triggers did not see, a write racing the export) is
    written again from the row and replaced in the cache."""
    ada, cy = register("Ada Lovelace"), register("Cy Young")
    swap(client, ada, cy)
    assert client.get("/api/contacts.vcf", headers=ada.headers).status_code == 200
    [(seq, text)] = cache_rows(database).values()
    for stale_seq in (seq - 1, seq + 1):
        write_rows(
            database,
            "UPDATE vcard_cache SET seq = ?, text = ?",
            [stale_seq, text.replace("FN:Cy Young", "FN:Stale Cy")],
        )
        again = client.get("/api/contacts.vcf", headers=ada.headers).text
        assert "FN:Stale Cy" not in again and again == text
        assert list(cache_rows(database).values()) == [(seq, text)]
