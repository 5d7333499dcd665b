"""The server's pages in the reader's language (DESIGN.md section 12), through the app on SQLite.

Public card, sign-in and not-found pages speak the browser's Accept-Language when it is one of
ours, else the event's language, else English; the organizer's pages speak the organizer's
browser's language with the event's dates and times in its time zone; the poster and the badges
speak the event's language whoever prints them. Arabic pages are right to left with addresses
kept left to right. Exports write their NOTE words in the attendee's language.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, Attendee

HTML = {"Accept": "text/html"}
ORIGIN = {"Origin": "http://testserver"}


def lang_of(page: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', page)
    assert found, page[:200]
    return found.group(1), found.group(2)


def make_event(client: TestClient, slug: str, **fields: Any) -> dict[str, Any]:
    body = {"slug": slug, "name": f"{slug.title()} <Summit>", **fields}
    response = client.post("/api/admin/events", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


def join(client: TestClient, event: dict[str, Any], fn: str, **card: Any) -> Attendee:
    device = str(uuid.uuid4())
    body = {"join_code": event["join_code"], "card": {"fn": fn, **card}, "device_id": device}
    response = client.post(f"/api/events/{event['slug']}/attendees", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    client.cookies.clear()
    return Attendee(data["attendee"]["id"], data["token"], data["card_url"], device, card)


def card_path(who: Attendee) -> str:
    return "/c/" + who.card_token


# -- the public card page ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accept", "lang", "words"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.5", "ja", "連絡先に保存"),
        ("de-DE,de;q=0.9", "de", "In Kontakten speichern"),
        ("en;q=0.2, fr-CA;q=0.8", "fr", "Enregistrer dans les contacts"),
        ("es-MX", "es", "Guardar en contactos"),
        ("pt-PT", "pt-BR", "Salvar nos contatos"),
        ("zh-CN,zh;q=0.9", "zh-Hans", "保存到通讯录"),
        ("ar-AE", "ar", "الحفظ في جهات الاتصال"),
        ("sv-SE, nl;q=0.5", "de", "In Kontakten speichern"),  # none of ours: the event's
        ("", "de", "In Kontakten speichern"),
    ],
)
def test_the_card_page_speaks_the_browsers_language_else_the_events(
    client: TestClient, accept: str, lang: str, words: str
) -> None:
    event = make_event(client, "messe", language="de", time_zone="Europe/Berlin")
    ada = join(client, event, "Ada Lovelace", emails=["ada@example.org"])
    page = client.get(card_path(ada), headers={"Accept-Language": accept})
    assert page.status_code == 200
    assert lang_of(page.text)[0] == lang and words in page.text
    assert "Accept-Language" in page.headers["vary"]
    assert page.headers["cache-control"] == "private, no-cache"


def test_an_english_event_and_a_browser_in_none_of_our_languages_get_english(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    ada = register()
    page = client.get(card_path(ada), headers={"Accept-Language": "ko-KR, sv;q=0.5"})
    assert lang_of(page.text) == ("en", "ltr") and "Save to contacts" in page.text


def test_the_arabic_card_page_is_right_to_left_with_addresses_left_to_right(
    client: TestClient,
) -> None:
    event = make_event(client, "dubai", language="ar", time_zone="Asia/Dubai")
    ada = join(
        client,
        event,
        "Ada Lovelace",
        emails=["ada@example.org"],
        phones=["+971 4 555 0100"],
        urls=["https://ada.example"],
    )
    page = client.get(card_path(ada)).text  # no Accept-Language: the event's Arabic
    assert lang_of(page) == ("ar", "rtl")
    assert 'href="tel:+971%204%20555%200100" dir="ltr">+971 4 555 0100</a>' in page
    assert 'href="mailto:ada@example.org" dir="ltr">' in page
    assert 'href="https://ada.example" rel="nofollow noopener" dir="ltr">' in page
    # the event's name is a user value inside an Arabic sentence: isolated, and escaped
    assert "<bdi>Dubai &lt;Summit&gt;</bdi>" in page and "<Summit>" not in page


def test_the_not_found_pages_speak_the_browsers_language(client: TestClient) -> None:
    for path in ("/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/c/AAAAAAAAAAAAAAAAAAAAAAAA.vcf"):
        page = client.get(path, headers={"Accept-Language": "fr-FR"})
        assert page.status_code == 404
        assert lang_of(page.text) == ("fr", "ltr") and "Carte introuvable" in page.text
        assert "Accept-Language" in page.headers["vary"]
        english = client.get(path)
        assert lang_of(english.text)[0] == "en" and "Card not found" in english.text


# -- sign-in links -----------------------------------------------------------------------------
def test_sign_in_pages_speak_the_browsers_language_else_the_events(client: TestClient) -> None:
    event = make_event(client, "tokyo", language="ja", time_zone="Asia/Tokyo")
    ada = join(client, event, "Ada Lovelace")
    link = client.post("/api/me/devices", headers=ada.headers).json()["sign_in_url"]
    path = link.removeprefix("http://testserver")

    preview = client.head(path)  # a link previewer: the link stays unused
    assert preview.status_code == 200 and "accept-language" in preview.headers["vary"].lower()
    assert client.get(path, follow_redirects=False).status_code == 303
    client.cookies.clear()
    used = client.get(path, follow_redirects=False)  # no Accept-Language: the event's Japanese
    assert used.status_code == 401 and lang_of(used.text)[0] == "ja"
    assert "このログインリンクはすでに使用されています" in used.text
    arabic = client.get(path, headers={"Accept-Language": "ar"}, follow_redirects=False)
    assert lang_of(arabic.text) == ("ar", "rtl") and "سبق استخدام" in arabic.text
    forged = client.get("/signin/not-a-token", headers={"Accept-Language": "es"})
    assert forged.status_code == 401 and "no es válido o ha caducado" in forged.text
    assert "not valid or has expired" in client.get("/signin/not-a-token").text


# -- the organizer's pages ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accept", "words"),
    [
        ("de", "Anmeldung für Veranstalter"),
        ("ja", "主催者ログイン"),
        ("zh-Hans-CN", "主办方登录"),
        ("ar", "تسجيل دخول المنظِّمين"),
        ("it-IT", "Organizer sign-in"),  # not ours, and the admin pages have no event default
    ],
)
def test_the_admin_sign_in_page_speaks_the_organizers_language(
    client: TestClient, accept: str, words: str
) -> None:
    page = client.get("/admin", headers={**HTML, "Accept-Language": accept})
    assert words in page.text and "Accept-Language" in page.headers["vary"]
    assert page.headers["cache-control"] == "no-store"
    wrong = client.post(
        "/admin/signin", data={"token": "nope"}, headers={"Accept-Language": accept}
    )
    assert wrong.status_code == 401 and lang_of(wrong.text)[0] == lang_of(page.text)[0]


def test_the_dashboard_dates_and_counts_are_in_the_organizers_locale_and_event_time_zone(
    client: TestClient,
) -> None:
    event = make_event(
        client,
        "expo",
        language="en",
        time_zone="Asia/Tokyo",
        starts_on="2026-05-12",
        ends_on="2026-05-14",
    )
    for n in range(3):
        join(client, event, f"Person {n}")
    japanese = client.get("/admin/events/expo", headers={**ADMIN, **HTML, "Accept-Language": "ja"})
    assert lang_of(japanese.text) == ("ja", "ltr")
    assert "2026年5月12日～14日" in japanese.text and "リアルタイム統計" in japanese.text
    assert 'data-time-zone="Asia/Tokyo"' in japanese.text and "Asia/Tokyo" in japanese.text
    assert 'data-stat="attendees" data-value="3">3</dd>' in japanese.text
    german = client.get("/admin/events/expo", headers={**ADMIN, **HTML, "Accept-Language": "de"})
    assert "12.–14. Mai 2026" in german.text and "Live-Statistik" in german.text
    # admin.js takes its words from the page, in the page's language
    assert 'data-text-live="Live · aktualisiert um {time}"' in german.text
    assert 'data-text-copied="Kopiert"' in german.text
    events = client.get("/admin", headers={**ADMIN, "Accept-Language": "de"})
    assert "12.05.2026" in events.text and "14.05.2026" in events.text


def test_the_event_forms_offer_the_eight_languages_by_their_own_names_and_a_time_zone(
    client: TestClient,
) -> None:
    make_event(client, "kyoto", language="ja", time_zone="Asia/Tokyo")
    page = client.get("/admin/events/kyoto", headers={**ADMIN, **HTML}).text
    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"( selected)?>([^<]+)</option>', page)
    assert [(tag, name) for tag, _, name in options] == [
        ("en", "English"),
        ("de", "Deutsch"),
        ("fr", "Français"),
        ("es", "Español"),
        ("pt-BR", "Português (Brasil)"),
        ("ja", "日本語"),
        ("zh-Hans", "简体中文"),
        ("ar", "العربية"),
    ]
    assert [tag for tag, selected, _ in options if selected] == ["ja"]
    assert 'name="time_zone" list="time-zones"' in page and 'value="Asia/Tokyo"' in page
    assert '<option value="Europe/Berlin">' in page  # the datalist of known zones

    saved = client.post(
        "/admin/events/kyoto",
        data={"name": "Kyoto", "language": "ar", "time_zone": "Asia/Dubai"},
        headers={**ADMIN, **ORIGIN},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    event = client.get("/api/events/kyoto").json()
    assert (event["language"], event["time_zone"]) == ("ar", "Asia/Dubai")
    refused = client.post(
        "/admin/events/kyoto",
        data={"name": "Kyoto", "time_zone": "Mars/Olympus"},
        headers={**ADMIN, **ORIGIN, **HTML, "Accept-Language": "fr"},
    )
    assert refused.status_code == 422 and "Saisissez un fuseau horaire" in refused.text
    assert 'value="Mars/Olympus"' in refused.text  # what was typed is kept to fix
    taken = client.post(
        "/admin/events",
        data={"slug": "kyoto", "name": "Again"},
        headers={**ADMIN, **ORIGIN, **HTML, "Accept-Language": "ja"},
    )
    assert taken.status_code == 409 and "このスラッグのイベントはすでにあります" in taken.text


def test_the_import_page_reports_rows_in_the_organizers_language(client: TestClient) -> None:
    make_event(client, "salon", language="fr", time_zone="Europe/Paris", ends_on="2026-06-30")
    text = "name,email\nAda,ada@example.org\n<b>Bold</b>,not-an-email\nAda,ADA@example.org\n"
    page = client.post(
        "/admin/events/salon/import",
        files={"file": ("people.csv", text.encode(), "text/csv")},
        headers={**ADMIN, **ORIGIN, **HTML, "Accept-Language": "de"},
    )
    assert page.status_code == 200 and lang_of(page.text)[0] == "de"
    assert "1 neu angelegt, 0 aktualisiert, 0 unverändert und 2 Zeilen mit Fehlern" in page.text
    assert '<code dir="ltr">email</code>: keine gültige E-Mail-Adresse.' in page.text
    assert '<bdi dir="ltr">ADA@example.org</bdi> steht schon in Zeile 2.' in page.text
    # the links' end: 30 days after 30 June, midnight UTC, in Paris time and German words
    assert "bis 31. Juli 2026, 02:00:00 MESZ" in page.text


def test_an_unforeseen_error_says_so_in_the_page_language_beside_the_api_sentence(
    client: TestClient,
) -> None:
    make_event(client, "lisboa", language="pt-BR")
    page = client.get(
        "/admin/events/lisboa/badges?from=x",
        headers={**ADMIN, **HTML, "Accept-Language": "pt-BR"},
    )
    assert page.status_code == 422 and "O número da página não é um número." in page.text
    missing = client.get("/admin/events/nope", headers={**ADMIN, **HTML, "Accept-Language": "es"})
    assert missing.status_code == 404 and "Ese evento no existe." in missing.text


def test_charts_speak_the_organizers_language_in_the_events_time_zone(
    client: TestClient,
) -> None:
    make_event(client, "berlin", time_zone="Europe/Berlin")
    empty = client.get("/admin/events/berlin/swaps.svg", headers={**ADMIN, "Accept-Language": "de"})
    assert empty.headers["content-type"].startswith("image/svg+xml")
    assert "Kartentausche pro Stunde" in empty.text and "Noch keine Kartentausche" in empty.text
    assert "Accept-Language" in empty.headers["vary"]
    arabic = client.get(
        "/admin/events/berlin/registrations.svg", headers={**ADMIN, "Accept-Language": "ar"}
    )
    assert 'direction="rtl"' in arabic.text and "التسجيلات" in arabic.text


# -- printed pages: the event's language -------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ja", "スキャンひとつで名刺交換"),
        ("de", "Visitenkarten tauschen – mit einem Scan"),
        ("ar", "تبادل بطاقات العمل بمسحة واحدة"),
    ],
)
def test_the_poster_speaks_the_events_language_whoever_prints_it(
    client: TestClient, language: str, words: str
) -> None:
    make_event(client, "fair", language=language, starts_on="2026-11-03", ends_on="2026-11-05")
    poster = client.get(
        "/admin/events/fair/poster?paper=letter",
        headers={**ADMIN, **HTML, "Accept-Language": "en-US"},
    ).text
    assert lang_of(poster) == (language, "rtl" if language == "ar" else "ltr")
    assert words in poster and "Swap business cards" not in poster
    dates = {"ja": "2026年11月3日～5日", "de": "3.–5. Nov. 2026", "ar": "3–5 نوفمبر 2026"}
    assert dates[language] in poster
    assert re.search(r'<p class="url" dir="ltr">http://testserver/join/fair\?code=\w+</p>', poster)


def test_badges_speak_the_events_language_with_its_plurals(client: TestClient) -> None:
    event = make_event(client, "cairo", language="ar")
    for fn in ("Ada Lovelace", "Bea Builder"):
        join(client, event, fn)
    page = client.get("/admin/events/cairo/badges", headers={**ADMIN, **HTML}).text
    assert lang_of(page) == ("ar", "rtl")
    assert "شارتان على ورقة A4 واحدة" in page  # two badges on one A4 sheet
    assert page.count("امسح الرمز لتبادل البطاقات") == 2
    assert 'aria-label="بطاقة Ada Lovelace"' in page or "بطاقة Ada Lovelace" in page


# -- exports: the attendee's language ----------------------------------------------------------
def test_exports_write_notes_in_the_attendees_language_and_the_csv_sorts_by_reading(
    client: TestClient,
) -> None:
    event = make_event(client, "osaka", language="en", time_zone="Asia/Tokyo")
    ann = join(client, event, "Ann Owner")
    yamada = join(client, event, "山田 太郎", reading={"family": "やまだ", "given": "たろう"})
    aoki = join(client, event, "青木 花子", reading={"family": "あおき", "given": "はなこ"})
    ops = [
        {
            "id": str(uuid.uuid4()),
            "type": "exchange",
            "at": at,  # both on 2 May in Osaka
            "method": "qr",
            "card_token": who.card_token,
        }
        for who, at in ((yamada, "2026-05-01T23:30:00+00:00"), (aoki, "2026-05-01T20:00:00Z"))
    ]
    body = {"device_id": ann.device_id, "cursor": None, "ops": ops}
    assert client.post("/api/sync", json=body, headers=ann.headers).status_code == 200
    setting = client.put("/api/me/settings", json={"language": "ja"}, headers=ann.headers)
    assert setting.status_code == 200

    vcf = client.get("/api/contacts.vcf", headers=ann.headers).text
    assert "2026年5月2日、Osaka <Summit>で出会いました。" in vcf.replace("\r\n ", "")
    # the .vcf in the list's order (most recently met first): address books sort it themselves
    assert vcf.index("FN:山田 太郎") < vcf.index("FN:青木 花子")
    assert "X-PHONETIC-LAST-NAME:あおき\r\n" in vcf and "SORT-STRING:やまだ たろう\r\n" in vcf
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/contacts.csv", headers=ann.headers).text))
    )
    assert [r["Phonetic Last Name"] for r in rows] == ["あおき", "やまだ"]  # the CSV by reading
    assert rows[0]["Phonetic First Name"] == "はなこ"

    client.put("/api/me/settings", json={"language": "de"}, headers=ann.headers)
    again = client.get("/api/contacts.vcf", headers=ann.headers).text  # not the cached Japanese
    assert "Kennengelernt bei Osaka <Summit> am 2. Mai 2026." in again.replace("\r\n ", "")


def test_my_qr_codes_title_follows_the_attendees_language_and_its_etag_too(
    client: TestClient, event: dict[str, Any], register: Callable[..., Attendee]
) -> None:
    ada = register()
    english = client.get("/api/me/qr.svg", headers=ada.headers)
    assert "<title>My card</title>" in english.text
    assert "Accept-Language" in english.headers["vary"]
    client.put("/api/me/settings", json={"language": "ar"}, headers=ada.headers)
    etag = english.headers["etag"]
    arabic = client.get("/api/me/qr.svg", headers={**ada.headers, "If-None-Match": etag})
    assert arabic.status_code == 200 and "<title>بطاقتي</title>" in arabic.text


def test_the_reading_of_a_name_shows_on_the_card_page_and_the_badge(client: TestClient) -> None:
    event = make_event(client, "nagoya", language="ja")
    taro = join(client, event, "山田 太郎", reading={"family": "やまだ", "given": "たろう"})
    page = client.get(card_path(taro)).text
    assert '<h1>山田 太郎</h1><p class="reading">やまだ たろう</p>' in page
    badge = client.get("/admin/events/nagoya/badges", headers={**ADMIN, **HTML}).text
    assert '<p class="reading">やまだ たろう</p><h2 class="name">山田 太郎</h2>' in badge
    new_event_form = client.get("/admin", headers={**ADMIN, "Accept-Language": "ja"}).text
    assert '<option value="ja" lang="ja" selected>' in new_event_form


def test_a_withdrawn_card_says_so_in_the_events_language(client: TestClient) -> None:
    event = make_event(client, "rio", language="pt-BR")
    bea = join(client, event, "Bea Builder")
    assert client.delete("/api/me", headers=bea.headers).status_code == 204
    page = client.get(card_path(bea))
    assert page.status_code == 404 and "Cartão não encontrado" in page.text
    assert "Card not found" in client.get(card_path(bea), headers={"Accept-Language": "en"}).text
