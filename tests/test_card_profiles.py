"""Pronouns, social profiles and the photo everywhere the card goes (DESIGN.md section 11): typed
and validated on the card, written to vCard 3.0 (read back by vobject and by ical.js with the
photo's bytes intact), read from vCard 2.1, 3.0 and 4.0 photos (data URIs too) through sync, in
the CSV export, on the public card page, the admin attendee list and the printed badges, and
given to cards stored before this existed (migration m004)."""

from __future__ import annotations

import base64
import csv
import io
import json
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import vobject
from PIL import Image
from starlette.testclient import TestClient

from server import vcard as vcards
from server.cards import normalize_card
from server.errors import InvalidField
from server.storage import open_store
from tests import images
from tests.conftest import ADMIN, Attendee
from tests.server_state import read_rows
from tests.test_photos import held_card, put_photo, swap, sync
from tests.test_vcard_export import ical_js

PROFILES = [
    {"network": "linkedin", "url": "https://www.linkedin.com/in/ada"},
    {"network": "mastodon", "url": "https://hachyderm.io/@ada"},
    {"network": "github", "url": "https://github.com/ada"},
    {"network": "bluesky", "url": "https://bsky.app/profile/ada.example"},
    {"network": "x", "url": "https://x.com/ada"},
    {"network": "other", "url": "https://ada.example/talks"},
]


# -- the fields -----------------------------------------------------------------------------------
def test_pronouns_and_socials_are_typed_kept_and_returned(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", pronouns=" she/her ", socials=PROFILES)
    assert ada.card["pronouns"] == "she/her" and ada.card["socials"] == PROFILES
    got = client.get("/api/me", headers=ada.headers).json()["attendee"]["card"]
    assert got["pronouns"] == "she/her" and got["socials"] == PROFILES


NINE = [{"network": "other", "url": f"https://a.example/{n}"} for n in range(9)]


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"socials": [{"network": "x", "url": "javascript:alert(1)"}]}, "card.socials.0.url"),
        ({"socials": [{"network": "x", "url": "JaVaScRiPt:alert(1)//x"}]}, "card.socials.0.url"),
        ({"socials": [{"network": "github", "url": "ftp://github.com/a"}]}, "card.socials.0.url"),
        ({"socials": [{"network": "github", "url": "github.com/ada"}]}, "card.socials.0.url"),
        ({"socials": [{"network": "myspace", "url": "https://a.b"}]}, "card.socials.0.network"),
        ({"socials": [{"network": {}, "url": "https://a.example"}]}, "card.socials.0.network"),
        ({"socials": [{"url": "https://a.example"}]}, "card.socials.0.network"),
        ({"socials": [{"network": "x", "url": "https://x.com/a", "x": 1}]}, "card.socials.0.x"),
        ({"socials": ["https://x.com/a"]}, "card.socials.0"),
        ({"socials": "https://x.com/a"}, "card.socials"),
        ({"socials": NINE}, "card.socials"),
        ({"pronouns": "p" * 41}, "card.pronouns"),
        ({"pronouns": "she\nher"}, "card.pronouns"),
        ({"pronouns": 3}, "card.pronouns"),
        ({"reading": "やまだ"}, "card.reading"),
        ({"reading": {"family": "やまだ", "middle": "x"}}, "card.reading.middle"),
        ({"reading": {"given": "た" * 101}}, "card.reading.given"),
        ({"reading": {"family": "やま\nだ"}}, "card.reading.family"),
        ({"reading": {"family": 7}}, "card.reading.family"),
    ],
)  # fmt: skip
def test_bad_profiles_and_pronouns_are_422_and_change_nothing(
    client: TestClient, register: Callable[..., Attendee], card: dict[str, Any], field: str
) -> None:
    ada = register("Ada Lovelace")
    before = client.get("/api/me", headers=ada.headers).json()
    response = client.put("/api/me/card", json={"card": {"fn": "Ada", **card}}, headers=ada.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_field" and error["field"] == field and error["message"]
    assert client.get("/api/me", headers=ada.headers).json() == before


def test_eight_profiles_and_forty_characters_are_the_limits() -> None:
    eight = [{"network": "other", "url": f"https://a.example/{n}"} for n in range(8)]
    card = normalize_card({"fn": "A", "pronouns": "p" * 40, "socials": eight})
    assert len(card["socials"]) == 8 and len(card["pronouns"]) == 40
    with pytest.raises(InvalidField):
        normalize_card({"fn": "A", "socials": [*eight, eight[0] | {"url": "https://b.example"}]})


def test_a_names_reading_is_kept_returned_and_reaches_the_cards_holders(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    reading = {"family": "やまだ", "given": "たろう"}
    taro = register("山田 太郎", reading={"family": " やまだ ", "given": "たろう"})
    assert taro.card["reading"] == reading
    # Written in Japanese script: the family name first, as the name is written.
    assert (taro.card["family"], taro.card["given"]) == ("山田", "太郎")
    ann = register("Ann Analyst")
    swap(client, ann, taro)
    assert held_card(client, ann, taro)["reading"] == reading
    cleared = {**taro.card, "reading": {"family": "", "given": ""}}
    response = client.put("/api/me/card", json={"card": cleared}, headers=taro.headers)
    assert response.status_code == 200, response.text
    assert "reading" not in response.json()["attendee"]["card"]
    assert "reading" not in held_card(client, ann, taro)


# -- vCard out: read back by vobject and by ical.js ----------------------------------------------
def test_vcard_export_carries_photo_profiles_and_pronouns(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", pronouns="she/her", socials=PROFILES[:3], note="Hi.")
    bob = register("Bob Byte")
    photo = put_photo(client, ada, images.phone_jpeg()).json()["attendee"]["card"]["photo"]
    small = client.get(photo["small"]).content
    swap(client, bob, ada)
    text = client.get("/api/contacts.vcf", headers=bob.headers).text
    assert "\r\nPHOTO;ENCODING=b;TYPE=JPEG:" in text
    assert "\r\nX-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ada\r\n" in text
    assert "\r\nPRONOUNS:she/her\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))

    (card,) = vobject.readComponents(text)
    assert card.photo.value == small  # vobject decodes ENCODING=b
    assert card.photo.params["TYPE"] == ["JPEG"]
    socials = [(p.params["TYPE"], p.value) for p in card.contents["x-socialprofile"]]
    assert socials == [([s["network"]], s["url"]) for s in PROFILES[:3]]
    urls = [(p.params.get("TYPE"), p.value) for p in card.contents["url"]]
    assert urls == [([s["network"]], s["url"]) for s in PROFILES[:3]]  # for Android too
    assert card.note.value.startswith("Hi.\n\nPronouns: she/her\n\n")

    (parsed,) = ical_js(text)
    assert base64.b64decode(parsed["photo"][0]["value"]) == small
    assert parsed["photo"][0]["encoding"].lower() == "b"
    assert parsed["pronouns"] == ["she/her"]
    assert parsed["socialprofiles"] == [[s["network"], s["url"]] for s in PROFILES[:3]]

    one = client.get(f"/api/contacts/{quote(f'att:{ada.id}')}.vcf", headers=bob.headers).text
    assert one == text  # the same text, from the same cache


def test_public_card_vcf_embeds_the_large_photo(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    photo = put_photo(client, ada, images.webp(), "image/webp").json()
    large = client.get(photo["attendee"]["card"]["photo"]["large"]).content
    token = photo["card_url"].rsplit("/c/", 1)[1]
    (card,) = vobject.readComponents(client.get(f"/c/{token}.vcf").text)
    assert card.photo.value == large and Image.open(io.BytesIO(large)).size == (512, 512)


def test_exported_vcard_reads_back_as_the_same_card_with_its_profiles(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", pronouns="she/her", socials=PROFILES, urls=["https://a.example"])
    bob = register("Bob Byte")
    swap(client, bob, ada)
    text = client.get("/api/contacts.vcf", headers=bob.headers).text
    back = vcards.parse_foreign(text)
    assert back.card["socials"] == PROFILES
    assert back.card["urls"] == ["https://a.example"]  # the profiles' URL lines are not doubled
    assert back.card["pronouns"] == "she/her"


# -- vCard in: photos of every version kept through sync -----------------------------------------
def _photo_lines(version: str, jpeg: bytes) -> str:
    b64 = base64.b64encode(jpeg).decode()
    if version == "2.1":  # a base64 block, ended by a blank line
        chunks = [b64[i : i + 72] for i in range(0, len(b64), 72)]
        return "PHOTO;JPEG;ENCODING=BASE64:" + "\r\n ".join(chunks) + "\r\n\r\n"
    if version == "3.0":
        return f"PHOTO;ENCODING=b;TYPE=JPEG:{b64}\r\n"
    return f"PHOTO:data:image/jpeg;base64,{b64}\r\n"  # 4.0: a data URI


@pytest.mark.parametrize("version", ["2.1", "3.0", "4.0"])
def test_an_imported_cards_photo_is_kept_through_sync_and_export(
    client: TestClient, register: Callable[..., Attendee], version: str
) -> None:
    ada = register("Ada Lovelace")
    jpeg = images.small_jpeg(160)
    text = (
        f"BEGIN:VCARD\r\nVERSION:{version}\r\nFN:Jane Roe\r\nN:Roe;Jane;;;\r\n"
        f"{_photo_lines(version, jpeg)}"
        "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/janeroe\r\n"
        "X-SOCIALPROFILE;TYPE=linkedin:javascript:alert(1)\r\n"
        "END:VCARD\r\n"
    )
    cid = f"ext:{uuid.uuid4()}"
    op = {"id": str(uuid.uuid4()), "type": "exchange", "method": "qr", "contact_id": cid,
          "vcard": text, "at": "2026-05-01T10:00:00+00:00"}  # fmt: skip
    change = sync(client, ada, [op])["changes"][0]
    card = change["card"]
    assert card["fn"] == "Jane Roe" and card["photo"] is not None
    assert card["socials"] == [{"network": "x", "url": "https://twitter.com/janeroe"}]
    stored = client.get(card["photo"]["small"]).content
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (128, 128)
    exported = client.get(f"/api/contacts/{quote(cid)}.vcf", headers=ada.headers).text
    (read,) = vobject.readComponents(exported)
    assert read.photo.value == stored


def test_a_foreign_card_without_a_photo_replaces_one_with_a_photo(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada = register("Ada Lovelace")
    cid = f"ext:{uuid.uuid4()}"
    b64 = base64.b64encode(images.small_jpeg()).decode()
    with_photo = (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jo\r\nPHOTO;ENCODING=b;TYPE=JPEG:{b64}\r\nEND:VCARD"
    )
    without = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jo Again\r\nEND:VCARD"
    ops = [
        {"id": str(uuid.uuid4()), "type": "exchange", "method": "qr", "contact_id": cid,
         "vcard": text, "at": at}
        for text, at in ((with_photo, "2026-05-01T10:00:00Z"), (without, "2026-05-01T11:00:00Z"))
    ]  # fmt: skip
    first = sync(client, ada, ops[:1])["changes"][0]["card"]["photo"]
    assert read_rows(database, "SELECT card_of FROM photos") == [(cid,)]
    last = sync(client, ada, ops[1:])["changes"][0]["card"]
    assert last["fn"] == "Jo Again" and last["photo"] is None
    assert client.get(first["small"]).status_code == 404
    assert read_rows(database, "SELECT count(*) FROM photos") == [(0,)]


def test_a_broken_photo_costs_the_photo_not_the_card(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    b64 = base64.b64encode(images.truncated_jpeg()[:3000]).decode()
    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim\r\nPHOTO;ENCODING=b;TYPE=JPEG:{b64}\r\nEND:VCARD"
    op = {"id": str(uuid.uuid4()), "type": "exchange", "method": "manual", "vcard": text,
          "contact_id": f"ext:{uuid.uuid4()}", "at": "2026-05-01T10:00:00Z"}  # fmt: skip
    out = sync(client, ada, [op])
    assert out["acked"] == [op["id"]]
    assert out["changes"][0]["card"]["fn"] == "Kim" and out["changes"][0]["card"]["photo"] is None


def test_my_card_from_a_contact_file_brings_its_photo_profiles_and_pronouns(
    client: TestClient,
) -> None:
    b64 = base64.b64encode(images.small_jpeg(300)).decode()
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\nPRONOUNS:she/her\r\n"
        "SOCIALPROFILE;SERVICE-TYPE=GitHub:https://github.com/ada\r\n"
        f"PHOTO:data:image/jpeg;base64,{b64}\r\nEND:VCARD\r\n"
    )
    response = client.post(
        "/api/cards/from-vcard", content=text.encode(), headers={"Content-Type": "text/vcard"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["card"]["pronouns"] == "she/her"
    assert body["card"]["socials"] == [{"network": "github", "url": "https://github.com/ada"}]
    head, _, data = body["photo"].partition(",")
    assert head == "data:image/jpeg;base64"
    assert Image.open(io.BytesIO(base64.b64decode(data))).size == (300, 300)


# -- CSV, pages, badges -------------------------------------------------------------------------
def test_csv_has_the_profile_links_labelled_by_network_and_the_pronouns(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", pronouns="she/her", socials=PROFILES[:2],
                   urls=["https://ada.example"])  # fmt: skip
    bob = register("Bob Byte")
    swap(client, bob, ada)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/contacts.csv", headers=bob.headers).text))
    )
    (row,) = rows
    websites = [(row[f"Website {n} - Label"], row[f"Website {n} - Value"]) for n in (1, 2, 3)]
    assert websites == [
        ("* Work", "https://ada.example"),
        ("LinkedIn", "https://www.linkedin.com/in/ada"),
        ("Mastodon", "https://hachyderm.io/@ada"),
    ]
    assert "Pronouns: she/her" in row["Notes"]


def test_public_card_page_shows_photo_pronouns_and_profiles_by_network(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace", pronouns="she/her", socials=PROFILES[:2])
    body = put_photo(client, ada, images.webp(), "image/webp").json()
    page = client.get(body["card_url"].replace("http://testserver", "")).text
    large = body["attendee"]["card"]["photo"]["large"]
    assert f'<img class="photo" src="{large}" alt="Photo of Ada Lovelace"' in page
    assert '<p class="pronouns">she/her</p>' in page
    assert '<span class="network">LinkedIn</span> <a href="https://www.linkedin.com/in/ada"' in page
    assert ">hachyderm.io/@ada</a>" in page


def test_public_card_page_escapes_a_foreign_looking_profile(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    sneaky = [{"network": "other", "url": 'https://a.example/"><script>alert(1)</script>'}]
    ada = register("Ada Lovelace", socials=sneaky)
    page = client.get(ada.card_url.replace("http://testserver", "")).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_admin_attendee_list_and_badges_show_the_photo(
    client: TestClient, register: Callable[..., Attendee], event: dict[str, Any]
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    photo = put_photo(client, ada, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    page = client.get(f"/admin/events/{event['slug']}", headers=ADMIN).text
    assert f'<img class="face" src="{photo["small"]}" alt="Photo of Ada Lovelace"' in page
    assert page.count('<img class="face"') == 1  # Bob has none
    plain = client.get(f"/admin/events/{event['slug']}/badges", headers=ADMIN).text
    assert photo["large"] not in plain
    faces = client.get(f"/admin/events/{event['slug']}/badges?photos=1", headers=ADMIN).text
    assert faces.count(f'<img class="face" src="{photo["large"]}"') == 1
    assert f'data-attendee="{bob.id}"' in faces


def test_a_reimport_keeps_what_the_attendee_set_themselves(
    client: TestClient, event: dict[str, Any]
) -> None:
    url = f"/api/admin/events/{event['slug']}/attendees.csv"
    headers = {**ADMIN, "Content-Type": "text/csv"}
    first = client.post(url, content=b"name,email\nAda Lovelace,ada@x.example\n", headers=headers)
    signin = first.json()["attendees"][0]["sign_in_url"].replace("http://testserver", "")
    client.get(signin, follow_redirects=False)
    origin = {"Origin": "http://testserver"}
    mine = {"fn": "Ada Lovelace", "pronouns": "she/her", "socials": PROFILES[:1]}
    assert client.put("/api/me/card", json={"card": mine}, headers=origin).status_code == 200
    put = client.put(
        "/api/me/photo",
        content=images.small_jpeg(),
        headers={**origin, "Content-Type": "image/jpeg"},
    )
    photo = put.json()["attendee"]["card"]["photo"]
    client.post(
        url, content=b"name,email,org\nAda Lovelace,ada@x.example,Engines\n", headers=headers
    )
    card = client.get("/api/me").json()["attendee"]["card"]
    client.cookies.clear()
    assert card["org"] == "Engines" and card["pronouns"] == "she/her"
    assert card["socials"] == PROFILES[:1] and card["photo"] == photo


# -- cards stored before photos -----------------------------------------------------------------
def test_migration_gives_old_cards_the_new_fields(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(path)
    store.migrate()
    store.close()
    old = {"fn": "Ada", "emails": [], "phones": [], "urls": []}
    with sqlite3.connect(path) as db:  # the database as m001 and m002 left it
        db.execute("DROP TABLE photos")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_card_photos'")
        db.execute(
            "INSERT INTO events (slug, name, join_code, created_at)"
            " VALUES ('e', 'E', 'CODE', 'now')"
        )
        for n in range(2500):  # more than one page of the migration's loop
            db.execute(
                "INSERT INTO attendees (id, event_slug, card, created_at)"
                " VALUES (?, 'e', ?, 'now')",
                [f"a{n:05}", json.dumps(old)],
            )
        db.execute(
            "INSERT INTO contacts (owner_id, contact_id, card, seq, updated_at) "
            "VALUES ('a00000', 'att:a00001', ?, 1, 'now')",
            [json.dumps(old)],
        )
    store = open_store(path)
    store.migrate()
    store.close()
    with sqlite3.connect(path) as db:
        cards = [json.loads(c) for (c,) in db.execute("SELECT card FROM attendees")]
        cards += [json.loads(c) for (c,) in db.execute("SELECT card FROM contacts")]
        assert db.execute("SELECT count(*) FROM photos").fetchone() == (0,)
    assert len(cards) == 2501
    assert all(c == {**old, "socials": [], "photo": None} for c in cards)


def test_every_photo_in_the_vcard_corpus_is_kept_when_pillow_reads_it_whole() -> None:
    from server import photos
    from tests.test_exports_api import decodes
    from tests.vcard_corpus import corpus_dir

    kept = refused = 0
    for path in sorted(corpus_dir().rglob("*.vcf")):
        data = path.read_bytes()
        if b"PHOTO" not in data.upper():
            continue
        for card in vcards.parse_many(data)[0]:
            if card.photo is None:
                continue
            encoded, why = photos.try_encode(card.photo[1])
            assert (encoded is not None) == decodes(card.photo), (path.name, why)
            if encoded is None:
                refused += 1
                continue
            kept += 1
            small = Image.open(io.BytesIO(encoded.small))
            assert small.format == "JPEG" and small.width == small.height <= 128, path.name
    assert kept >= 12 and refused <= 2, (kept, refused)  # Apple, Android, Outlook, Lotus, ...


def test_postgresql_migration_gives_old_cards_the_new_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import psycopg

    from server.storage import pg_migrations
    from tests import pg

    schema, url = pg.create_schema()
    old = {"fn": "Ada", "emails": [], "phones": [], "urls": []}
    try:
        with psycopg.connect(url) as conn:
            every = pg_migrations.MIGRATIONS
            monkeypatch.setattr(pg_migrations, "MIGRATIONS", every[:3])  # as m003 left it
            assert pg_migrations.apply_migrations(conn)[-1] == "m003_app_passwords"
            with conn.transaction():
                conn.execute("INSERT INTO events VALUES ('e', 'E', NULL, NULL, 'CODE', 'now')")
                for n in range(1500):
                    conn.execute(
                        "INSERT INTO attendees (id, event_slug, card, created_at)"
                        " VALUES (%s, 'e', %s, 'now')",
                        [f"a{n:05}", json.dumps(old)],
                    )
                conn.execute(
                    "INSERT INTO contacts (owner_id, contact_id, card, seq, updated_at)"
                    " VALUES ('a00000', 'att:a00001', %s, 1, 'now')",
                    [json.dumps(old)],
                )
            monkeypatch.setattr(pg_migrations, "MIGRATIONS", every)
            assert pg_migrations.apply_migrations(conn)[0] == "m004_card_photos"
            cards = [json.loads(c) for (c,) in conn.execute("SELECT card FROM attendees")]
            cards += [json.loads(c) for (c,) in conn.execute("SELECT card FROM contacts")]
            assert conn.execute("SELECT count(*) FROM photos").fetchone() == (0,)
    finally:
        pg.drop_schema(schema)
    assert len(cards) == 1501
    assert all(c == {**old, "socials": [], "photo": None} for c in cards)
