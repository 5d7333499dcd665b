"""How a name is read (the card's `reading`, e.g. Japanese kana) in and out of vCards.

Read from what phones write: Apple's and Android's X-PHONETIC-FIRST/MIDDLE/LAST-NAME, vCard 4.0
`N;SORT-AS=`, 3.0 SORT-STRING placed by the N it sorts, and Japanese feature phones' 2.1
`SOUND;X-IRMC-N` (the real files are in the corpus: tests/vcard_corpus.py); written as vCard 3.0
X-PHONETIC-FIRST-NAME / X-PHONETIC-LAST-NAME and SORT-STRING, checked with vobject (an
independent reader) and read back by ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import vobject

from server import vcard as vcards
from server.cards import normalize_card
from server.vcard.reader import reading_from_sort_string

FIXTURES = Path(__file__).resolve().parent / "vcard_fixtures"


def test_an_iphone_export_gives_the_phonetic_names() -> None:
    cards, errors = vcards.parse_many((FIXTURES / "iphone_phonetic.vcf").read_bytes())
    assert errors == []
    taro, anh = (c.card for c in cards)
    assert (taro["family"], taro["given"]) == ("山田", "太郎")
    assert taro["reading"] == {"family": "やまだ", "given": "たろう"}
    assert anh["reading"] == {"family": "Nwen"}  # only the one the phone has


def test_an_android_export_and_other_writers_give_theirs() -> None:
    cards, errors = vcards.parse_many((FIXTURES / "android_phonetic.vcf").read_bytes())
    assert errors == []
    hanako, xiaoming, ada = (c.card for c in cards)
    # vCard 2.1, quoted-printable UTF-8; the middle reading goes after the given one
    assert hanako["fn"] == "佐藤 花子"
    assert hanako["reading"] == {"family": "サトウ", "given": "ハナコ ミドリ"}
    assert xiaoming["reading"] == {"family": "Wang", "given": "Xiaoming"}  # 4.0 SORT-AS
    assert ada["reading"] == {"family": "Lovelace", "given": "Ada"}  # SORT-STRING by N


@pytest.mark.parametrize(
    ("sort", "family", "given", "expected"),
    [
        ("android", "And", "Roid", {"family": "and", "given": "roid"}),  # split where N splits
        ("Roidand", "And", "Roid", {"family": "and", "given": "Roid"}),  # given then family
        ("Doe John", "Doe", "John", {"family": "Doe", "given": "John"}),
        ("John Doe", "Doe", "John", {"family": "Doe", "given": "John"}),  # N's words, swapped
        (
            "やまだ　たろう",
            "山田",
            "太郎",
            {"family": "やまだ", "given": "たろう"},
        ),  # ideographic space
        ("JOHN", "Doe", "John", {"family": "", "given": "JOHN"}),  # Lotus writes the given name
        ("ｱﾝﾄﾞｳ", "安藤", "", {"family": "アンドウ", "given": ""}),  # half-width kana made full
        ("Harten", "Public", "John", {"family": "Harten", "given": ""}),  # else: sorts first
        ("Mary", "", "Mary", {"family": "", "given": "Mary"}),  # a card with a given name only
    ],
)
def test_sort_string_is_placed_by_the_n_it_sorts(
    sort: str, family: str, given: str, expected: dict[str, str]
) -> None:
    assert reading_from_sort_string(sort, family, given) == expected


@pytest.mark.parametrize(
    "reading",
    [
        {"family": "やまだ", "given": "たろう"},
        {"family": "ヤマダ"},
        {"given": "Zhāng; Wěi, \\ jr"},  # text that vCard escapes
    ],
)
def test_a_reading_round_trips_and_vobject_reads_what_phones_read(
    reading: dict[str, str],
) -> None:
    card = normalize_card({"fn": "山田 太郎", "reading": reading})
    text = vcards.card_vcard(card, "urn:uuid:1")
    parsed = vobject.readOne(text)
    if "given" in reading:
        assert parsed.x_phonetic_first_name.value == reading["given"]
    if "family" in reading:
        assert parsed.x_phonetic_last_name.value == reading["family"]
    spoken = " ".join(reading[k] for k in ("family", "given") if k in reading)
    assert parsed.sort_string.value == spoken
    assert vcards.parse_foreign(text).card["reading"] == reading


def test_a_card_without_a_reading_writes_none() -> None:
    text = vcards.card_vcard(normalize_card({"fn": "Ada Lovelace"}), "urn:uuid:1")
    assert "PHONETIC" not in text and "SORT-STRING" not in text


def test_my_card_from_a_contact_file_keeps_its_reading(client: Any) -> None:
    body = (FIXTURES / "iphone_phonetic.vcf").read_bytes()
    response = client.post(
        "/api/cards/from-vcard", content=body, headers={"Content-Type": "text/vcard"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["card"]["reading"] == {"family": "やまだ", "given": "たろう"}


def test_a_public_cards_vcf_carries_the_reading(client: Any, register: Any) -> None:
    ada = register("山田 太郎", reading={"family": "やまだ", "given": "たろう"})
    text = client.get(f"/c/{ada.card_token}.vcf").text
    assert "X-PHONETIC-FIRST-NAME:たろう\r\n" in text
    assert "X-PHONETIC-LAST-NAME:やまだ\r\n" in text
    assert "SORT-STRING:やまだ たろう\r\n" in text
