"""Each quirk class of the real-world vCard corpus, proven on fixtures of our own.

The corpus (tests/test_vcard_import.py) is not in git, so a bare clone skips it. These fixtures
in tests/vcard_fixtures/ are ours: invented people, written fresh for one quirk each, so every
quirk the corpus holds is proven on every run. The expected values are written by hand: what a
careful reader of RFC 2425/2426/6350, vCard 2.1 and the MECARD format gets from each file.

Quirk class: its fixtures (those marked * are tested in tests/test_vcard_import.py).
- vCard 2.1 quoted-printable, soft line breaks, charsets: qp_charsets*, qp_soft_breaks
- a vCard 2.1 card in Shift_JIS bytes (CHARSET=SHIFT_JIS): shift_jis_21
- text in Windows-1252 bytes with no CHARSET: undeclared_latin1
- CR CR LF line ends (iOS): cr_cr_lf
- broken photos: broken_photo*, broken_photos_mixed
- unescaped commas: unescaped_commas*
- `http\\:` escaped URLs: escaped_colon_urls, escaped_colon_urls_21, unescaped_commas*
- itemN. groups with X-ABLabel: item_groups, cr_cr_lf, unescaped_commas*
- several cards in one file: multi_card, broken_photos_mixed, missing_fn*
- MECARD: mecard_docomo, mecard_zxing, mecard_escapes
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from server import vcard as vcards
from tests.test_vcard_import import check

FIXTURES = Path(__file__).resolve().parent / "vcard_fixtures"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# file: every card it holds, field by field (`check`: lists not named must be empty)
CARDS: dict[str, list[dict[str, Any]]] = {
    "shift_jis_21.vcf": [
        {
            "fn": "能登 ソウタ",
            "family": "能登",
            "given": "ソウタ",
            "org": "能登情報機構; 研究開発部",
            "title": "代表",
            "phones": ["080-5555-0123"],
            "emails": ["sota.noto@example.jp"],
            "note": "十日の展示会で名刺交換",
            # SOUND;X-IRMC-N in half-width kana, made full-width
            "reading": {"family": "ノト", "given": "ソウタ"},
        }
    ],
    "qp_soft_breaks.vcf": [
        {
            "fn": "Renée Lefèvre",
            "family": "Lefèvre",
            "given": "Renée",
            "org": "Café du Port; Cuisine",
            "title": "Chef pâtissier",
            "emails": ["renee@port.example"],
            "note": "Première ligne\n"
            "Deuxième ligne, coupée au milieu d'un caractère\n"
            "Troisième = fin",
        }
    ],
    "undeclared_latin1.vcf": [
        {
            "fn": "Jörg Größer",
            "family": "Größer",
            "given": "Jörg",
            "org": "Bäckerei Größer & Söhne",
            "note": "Preis: 12 € pro Stück",
        }
    ],
    "cr_cr_lf.vcf": [
        {
            "fn": "Orla Brennan",
            "family": "Brennan",
            "given": "Orla",
            "org": "Tidewater Kites",
            "title": "Founder",
            "emails": ["orla@tidewater.example"],
            "phones": ["+353 1 555 0142"],
            "urls": ["www.tidewater.example"],
            "note": "Flies kites at every trade fair, asked about a reorder.\nCall after the 14th.",
            "photo": "image/png",
        }
    ],
    "escaped_colon_urls.vcf": [
        {
            "fn": "Priya Raman",
            "family": "Raman",
            "given": "Priya",
            "urls": [
                "http://priya.example/",
                "https://blog.priya.example/2026/talks,slides",
                "https://work.example/team?who=priya;role=lead",
            ],
            "note": "Slides at https://blog.priya.example, talk at 10:30",
        }
    ],
    "escaped_colon_urls_21.vcf": [
        {
            "fn": "Chidi Okafor",
            "family": "Okafor",
            "given": "Chidi",
            "urls": ["http://www.okafor-design.example/portfolio", "http://chidi.example/"],
        }
    ],
    "item_groups.vcf": [
        {
            "fn": "Maja Lindqvist",
            "family": "Lindqvist",
            "given": "Maja",
            "emails": ["maja@fjord.example", "maja.l@home.example", "maja@archive.example"],
            "phones": ["+46 8 555 010 20", "+46 8 555 010 21"],
            "urls": ["https://fjord.example/maja"],
        }
    ],
    "multi_card.vcf": [
        {
            "fn": "Samir Haddad",
            "family": "Haddad",
            "given": "Samir",
            "phones": ["+961 1 555 300"],
            "note": "Met at the café",
        },
        {
            "fn": "Ines Duarte",
            "family": "Duarte",
            "given": "Ines",
            "org": "Azulejo Labs",
            "emails": ["ines@lisboa.example"],
        },
        {
            "fn": "Tomasz Wójcik",
            "family": "Wójcik",
            "given": "Tomasz",
            "phones": ["+48-22-555-0199"],
            "emails": ["tomasz@wisla.example"],
        },
        {"fn": "Solo", "family": "Solo", "emails": ["solo@example.net"]},
    ],
    "broken_photos_mixed.vcf": [  # no N: `given` and `family` derived from FN (DESIGN.md)
        {
            "fn": "Colon Inside",
            "given": "Colon",
            "family": "Inside",
            "emails": ["colon@photos.example"],
        },
        {"fn": "Cut Short", "given": "Cut", "family": "Short", "emails": ["cut@photos.example"]},
        {
            "fn": "Only Words",
            "given": "Only",
            "family": "Words",
            "emails": ["words@photos.example"],
        },
        {
            "fn": "Data Broken",
            "given": "Data",
            "family": "Broken",
            "emails": ["data@photos.example"],
        },
        {"fn": "Photo Link", "given": "Photo", "family": "Link", "emails": ["link@photos.example"]},
        {
            "fn": "Block Good",
            "given": "Block",
            "family": "Good",
            "emails": ["block@photos.example"],
            "photo": "image/png",
        },
        {
            "fn": "Block Unended",
            "given": "Block",
            "family": "Unended",
            "emails": ["unended@photos.example"],
            "photo": "image/png",
        },
    ],
    "mecard_docomo.txt": [
        {
            "fn": "Mio Kagawa",
            "family": "Kagawa",
            "given": "Mio",
            "phones": ["+81-90-5555-0123", "+81-80-5555-0456"],
            "emails": ["mio@example.jp"],
            "urls": ["https://mio.example.jp/"],
            "note": "Booth 7, hall B; ask about the demo: Tuesday",
        }
    ],
    "mecard_zxing.txt": [
        {
            "fn": "Zoë Núñez",
            "family": "Núñez",
            "given": "Zoë",
            "org": "Núñez & Filhos, Lda",
            "title": "Owner",
            "phones": ["+351 21 555 0177"],
            "emails": ["zoe@nunez.example"],
            "urls": ["https://nunez.example/menu"],
            "note": "Bring samples, two boxes",
        }
    ],
    "mecard_escapes.txt": [
        {
            "fn": "Kit O,Brien; Jr",
            "family": "O,Brien; Jr",
            "given": "Kit",
            "emails": ["kit@example.org"],
            "note": "C:\\temp\\ and a;b",
        }
    ],
}

# file: the warning words of each card, in card order ("" for a card read without a warning)
WARNINGS = {
    "shift_jis_21.vcf": [""],
    "qp_soft_breaks.vcf": ["TITLE is not UTF-8; read as Windows-1252"],
    "undeclared_latin1.vcf": ["not UTF-8; read as Windows-1252"],
    "cr_cr_lf.vcf": [""],
    "escaped_colon_urls.vcf": [""],
    "escaped_colon_urls_21.vcf": [""],
    "item_groups.vcf": [""],
    "multi_card.vcf": ["", "", "", ""],
    "broken_photos_mixed.vcf": [
        "the photo is not valid base64 and was dropped",
        "the photo is not valid base64 and was dropped",
        "the photo is not a JPEG, PNG or GIF and was dropped",
        "the photo is not valid base64 and was dropped",
        "",
        "",
        "",
    ],
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_fixture_reads_every_field_of_every_card(name: str) -> None:
    cards, errors = vcards.parse_many(fixture(name))
    assert errors == []
    assert len(cards) == len(CARDS[name])
    for card, expected in zip(cards, CARDS[name], strict=True):
        check(card, expected)


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_fixture_warns_only_where_text_or_a_photo_was_guessed_or_dropped(name: str) -> None:
    cards, _ = vcards.parse_many(fixture(name))
    for card, words in zip(cards, WARNINGS[name], strict=True):
        if words:
            assert any(words in w for w in card.warnings), card.warnings
        else:
            assert card.warnings == []
        assert card.via == "vobject"


@pytest.mark.parametrize("name", sorted(n for n, cards in CARDS.items() if len(cards) == 1))
def test_a_one_card_fixture_reads_the_same_as_one_scan(name: str) -> None:
    """A one-card file is what a scanned QR gives; only multi-card files are refused there."""
    (expected,) = CARDS[name]
    check(vcards.parse_foreign(fixture(name)), expected)


def test_shift_jis_bytes_that_look_like_backslashes_are_no_escapes() -> None:
    data = fixture("shift_jis_21.vcf")
    # The trap is in the file: 機構 ends in byte 0x5C, so `機構;` holds the bytes of `\;`, and
    # 代表 ends a line with 0x5C, an Android 2.1 line-end escape if read as bytes.
    assert "機構;".encode("shift_jis").endswith(b"\\;") and b"\\;" in data
    assert "代表\r\n".encode("shift_jis") in data and "代表".encode("shift_jis").endswith(b"\\")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    card = vcards.parse_foreign(data).card
    assert card["org"] == "能登情報機構; 研究開発部" and card["title"] == "代表"


def test_cr_cr_lf_is_one_line_end_and_folds_still_join() -> None:
    data = fixture("cr_cr_lf.vcf")
    assert data.count(b"\r\r\n") == 17 and data.replace(b"\r\r\n", b"").count(b"\n") == 0
    card = vcards.parse_foreign(data)
    assert card.photo == ("image/png", PNG)
    assert card.card["note"].endswith("Call after the 14th.")


def test_quoted_printable_soft_break_inside_a_character_is_joined_before_decoding() -> None:
    data = fixture("qp_soft_breaks.vcf")
    assert b"Deuxi=C3=\r\n=A8me" in data  # the soft break splits the bytes of one `è`
    note = vcards.parse_foreign(data).card["note"]
    assert "Deuxième" in note and "\ufffd" not in note


def test_several_cards_in_one_file_keep_their_own_text_and_one_scan_refuses_them() -> None:
    data = fixture("multi_card.vcf")
    assert not data.endswith(b"\n")  # the last END:VCARD has no line end
    cards, _ = vcards.parse_many(data)
    for card in cards:
        assert card.raw.lstrip().upper().startswith("BEGIN:VCARD")
        assert card.raw.rstrip().upper().endswith("END:VCARD")
    assert "Samir" in cards[0].raw and "Samir" not in cards[1].raw
    with pytest.raises(vcards.VCardError, match="4 cards"):
        vcards.parse_foreign(data)


def test_good_photos_in_a_file_of_broken_ones_are_decoded_whole() -> None:
    cards, _ = vcards.parse_many(fixture("broken_photos_mixed.vcf"))
    assert [c.photo for c in cards if c.photo] == [("image/png", PNG), ("image/png", PNG)]


@pytest.mark.parametrize("name", ["mecard_docomo.txt", "mecard_zxing.txt", "mecard_escapes.txt"])
def test_a_mecard_as_text_reads_as_the_file(name: str) -> None:
    """A MECARD arrives as QR text (a str), or as a file with a BOM and a line end."""
    text = fixture(name).decode("utf-8")
    assert vcards.parse_foreign(text).card == vcards.parse_foreign(fixture(name)).card


def test_a_shift_jis_card_that_arrives_as_text_is_not_decoded_twice() -> None:
    """A QR decoder or a paste hands over characters: CHARSET then names what the bytes once
    were. Its quoted-printable values are still bytes in that charset."""
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:山田;花子\r\n"
        "FN;CHARSET=SHIFT_JIS:山田 花子\r\n"
        "ORG;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=8A=94=8E=AE=89=EF=8E=D0\r\n"
        "END:VCARD\r\n"
    )
    for given in (text, text.encode("shift_jis")):  # as a scanned text, and as a file
        card = vcards.parse_foreign(given).card
        assert (card["fn"], card["family"], card["given"]) == ("山田 花子", "山田", "花子")
        assert card["org"] == "株式会社"
