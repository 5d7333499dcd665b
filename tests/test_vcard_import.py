"""Importing foreign vCards and MECARDs: our trap fixtures and the real-world corpus.

The corpus (74 files from real clients and other libraries' suites) lives outside git, reached
through CARDSWAP_VCARD_CORPUS (default ../shared/vcards): its tests skip on a bare clone and fail
under CI when it is missing (`corpus_dir()`). The expectations are what a careful reader of
RFC 2425/2426/6350 (and vCard 2.1) gets from each file, checked field by field; they are in
tests/vcard_corpus.py. Every quirk class the corpus holds also has a fixture of our own in
tests/vcard_fixtures/, tested here, so a bare clone still proves each one.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import vcard as vcards
from server.vcard.reader import VCardError, split_structured, unescape
from tests.vcard_corpus import BROKEN_PHOTOS, CORPUS, MORE, corpus_dir

FIXTURES = Path(__file__).resolve().parent / "vcard_fixtures"


def corpus_files() -> list[str]:
    folder = corpus_dir()
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.vcf"))


def check(card: vcards.ParsedCard, expected: dict[str, Any]) -> None:
    """Every expected field equal; lists absent from `expected` must be empty."""
    got = dict(card.card)
    for key in ("emails", "phones", "urls"):
        assert got.get(key) == expected.get(key, []), key
    for key in ("fn", "given", "family", "org", "title", "note", "reading"):
        if key in expected or key in got:
            if key == "note" and "note_start" in expected:
                continue
            assert got.get(key) == expected.get(key), key
    if "note_start" in expected:
        note = got["note"]
        assert note.startswith(expected["note_start"])
        assert note.endswith(expected["note_end"])
        assert len(note) == expected["note_len"]
    assert (card.photo[0] if card.photo else None) == expected.get("photo")


def test_the_corpus_is_all_here() -> None:
    files = corpus_files()
    assert len(files) == 74
    assert set(files) == set(CORPUS)
    assert (corpus_dir() / "PROVENANCE.tsv").is_file()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_imports_every_field(name: str) -> None:
    count, expected = CORPUS[name]
    cards, errors = vcards.parse_many((corpus_dir() / name).read_bytes())
    assert errors == []
    assert len(cards) == count
    for card, fields in zip(cards, expected, strict=False):
        check(card, fields)
        assert card.raw.lstrip().upper().startswith("BEGIN:VCARD")
    broken = any("photo" in w and "dropped" in w for c in cards for w in c.warnings)
    assert broken == (name in BROKEN_PHOTOS)


@pytest.mark.parametrize(("name", "index", "fields"), MORE)
def test_corpus_later_cards(name: str, index: int, fields: dict[str, Any]) -> None:
    cards, _ = vcards.parse_many((corpus_dir() / name).read_bytes())
    got = cards[index].card
    for key, value in fields.items():
        assert got.get(key) == value, key


# The corpus files that are not UTF-8 (Shift_JIS from Japanese phones, Latin-1 from SAP): they
# reach the server as a file's bytes, never as the JSON string of an op.
NOT_UTF8 = {
    "aosp-android/res_raw_v21_japanese_1.vcf",
    "aosp-android/res_raw_v21_japanese_2.vcf",
    "aosp-android/res_raw_v21_japanese_3.vcf",
    "aosp-android/res_raw_v21_multiple_entry.vcf",
    "aosp-android/res_raw_v30_japanese.vcf",
    "ical4j-vcard/samples_vcard-vCards-SAP.vcf",
}
_BEGIN = re.compile(rb"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(rb"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)


def cut_cards(data: bytes) -> list[bytes]:
    """Each top-level BEGIN:VCARD ... END:VCARD of a file, bytes as they are (a nested AGENT card
    stays inside its card): what one scan or one op would carry."""
    pieces: list[bytes] = []
    current: list[bytes] | None = None
    depth = 0
    for line in data.splitlines(keepends=True):
        bare = line.rstrip(b"\r\n")
        if current is None:
            if _BEGIN.match(bare):
                current, depth = [line], 0
            continue
        current.append(line)
        if _BEGIN.match(bare):
            depth += 1
        elif _END.match(bare) and depth:
            depth -= 1
        elif _END.match(bare):
            pieces.append(b"".join(current))
            current = None
    return pieces


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_single_cards_read_the_same_as_text(name: str) -> None:
    """What a QR payload or an op's `vcard` string gives is what the file gives: every card of
    the file, cut out on its own, reads as it does in the file (from its bytes, and from its text
    when the file is UTF-8); a text holding several cards is refused, one scan being one person."""
    data = (corpus_dir() / name).read_bytes()
    count = CORPUS[name][0]
    cards, errors = vcards.parse_many(data)
    assert errors == [] and len(cards) == count
    assert _is_utf8(data) == (name not in NOT_UTF8)
    pieces = cut_cards(data)
    assert len(pieces) == count
    for piece, card in zip(pieces, cards, strict=True):
        assert vcards.parse_foreign(piece).card == card.card
        if name not in NOT_UTF8:
            assert vcards.parse_foreign(piece.decode("utf-8")).card == card.card
    if count == 1 and name not in NOT_UTF8:
        assert vcards.parse_foreign(data.decode("utf-8")).card == cards[0].card
    if count > 1:
        with pytest.raises(VCardError, match=f"holds {count} cards"):
            vcards.parse_foreign(data)


# -- our own trap fixtures ----------------------------------------------------------------------
def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_unescaped_commas_lose_no_text() -> None:
    card = vcards.parse_foreign(fixture("unescaped_commas.vcf")).card
    assert card["fn"] == "Doe, Jane"
    assert card["org"] == "Example, Inc.; R&D, Europe"
    assert card["title"] == "Head of Sales, EMEA"
    assert card["note"] == "Met at the booth, talked about pricing, follow up Monday"
    assert card["urls"] == ["http://example.com/a,b"]  # `http\://` and `\,` unescaped
    assert card["emails"] == ["jane@example.com"]  # item1. group
    assert card["phones"] == ["+1 (415) 555-0100"]


def test_type_in_every_spelling() -> None:
    card = vcards.parse_foreign(fixture("type_spellings.vcf")).card
    assert card["phones"] == ["1", "2", "3", "4"]
    assert card["emails"] == ["tess@example.com", "tess2@example.com"]
    assert (card["given"], card["family"]) == ("Tess", "Typed")


def test_quoted_printable_with_charsets() -> None:
    card = vcards.parse_foreign(fixture("qp_charsets.vcf")).card
    assert card["fn"] == "Jürgen Müller"
    assert (card["given"], card["family"]) == ("Jürgen", "Müller")
    assert card["org"] == "Straßenbau Köln"  # ISO-8859-1
    assert card["title"] == "部長"  # Shift_JIS
    assert card["note"] == "First line\nSecond line with € and a soft break, joined."


def test_fold_inside_multibyte_characters() -> None:
    card = vcards.parse_foreign(fixture("fold_multibyte.vcf")).card
    assert card["fn"] == "Zoë 東京 🚀"
    assert card["note"] == "café crème"


def test_broken_photo_is_dropped_with_a_warning_and_the_card_kept() -> None:
    cards, errors = vcards.parse_many(fixture("broken_photo.vcf"))
    assert errors == []
    broken, good = cards
    assert broken.card["emails"] == ["broken@example.com"]
    assert broken.photo is None
    assert any("photo" in w for w in broken.warnings)
    assert good.photo is not None and good.photo[0] == "image/png"
    assert good.photo[1].startswith(b"\x89PNG")
    assert good.warnings == []


def test_missing_fn_comes_from_n_then_org_then_email_else_unknown() -> None:
    cards, errors = vcards.parse_many(fixture("missing_fn.vcf"))
    assert errors == []
    assert [c.card["fn"] for c in cards] == [
        "Countess Ada Augusta Lovelace",
        "Analytical Engines Ltd",
        "nobody@example.com",
        "Unknown",
    ]
    assert (cards[0].card["given"], cards[0].card["family"]) == ("Ada", "Lovelace")
    assert "given" not in cards[2].card and "family" not in cards[3].card


def test_escapes_everywhere() -> None:
    card = vcards.parse_foreign(fixture("escapes.vcf")).card
    assert card["fn"] == "Back\\slash, Semi;colon"
    assert (card["given"], card["family"]) == ("Sam, Jr.", "O;Neil")
    assert card["org"] == "A;B, C; Unit\\1"
    assert card["note"] == "one\ntwo\nthree\\n literal"
    assert card["urls"] == ["https://example.com/?q=a,b"]


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("no_end.vcf", 1, "END:VCARD"),
        ("junk_line.vcf", 4, "no colon"),
    ],
)
def test_malformed_files_are_refused_naming_the_line(name: str, line: int, words: str) -> None:
    cards, errors = vcards.parse_many(fixture(name))
    assert cards == []
    assert len(errors) == 1 and errors[0].line == line
    assert words in errors[0].message and f"Line {line}" in errors[0].message
    with pytest.raises(VCardError) as raised:
        vcards.parse_foreign(fixture(name))
    assert raised.value.status == 422 and raised.value.code == "invalid_vcard"
    assert raised.value.field == "vcard"


@pytest.mark.parametrize("text", ["", "hello", "BEGIN:VEVENT\r\nEND:VEVENT\r\n", "MEBKM:URL:x;;"])
def test_not_a_card_is_a_clear_error(text: str) -> None:
    with pytest.raises(VCardError):
        vcards.parse_foreign(text)


def test_several_cards_in_one_scan_are_refused() -> None:
    with pytest.raises(VCardError, match="2 cards"):
        vcards.parse_foreign(fixture("broken_photo.vcf"))


def test_lone_cr_and_cr_cr_lf_line_ends() -> None:
    for sep in ("\r", "\r\r\n", "\n"):
        text = sep.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Ada", "EMAIL:a@b.example", "END:VCARD"])
        assert vcards.parse_foreign(text).card["emails"] == ["a@b.example"]


def test_foreign_lists_are_not_capped_and_long_notes_kept_whole() -> None:
    emails = "".join(f"EMAIL:p{n}@example.com\r\n" for n in range(12))
    note = "x" * 9000
    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\n{emails}NOTE:{note}\r\nEND:VCARD\r\n"
    card = vcards.parse_foreign(text).card
    assert len(card["emails"]) == 12
    assert card["note"] == note


# -- MECARD ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "MECARD:N:Doe,Jane;TEL:+1 555 0100;EMAIL:jane@example.com;;",
            {
                "fn": "Jane Doe",
                "given": "Jane",
                "family": "Doe",
                "phones": ["+1 555 0100"],
                "emails": ["jane@example.com"],
            },
        ),
        (
            "MECARD:N:Lovelace\\, Countess,Ada;NOTE:Likes\\; engines\\: all\\\\;URL:http\\://a.example;;",
            {
                "fn": "Ada Lovelace, Countess",
                "given": "Ada",
                "family": "Lovelace, Countess",
                "note": "Likes; engines: all\\",
                "urls": ["http://a.example"],
            },
        ),
        (
            "mecard:N:山田 太郎;TEL:0312345678;TEL:09012345678;EMAIL:t@example.jp;;",
            {
                "fn": "山田 太郎",
                "phones": ["0312345678", "09012345678"],
                "emails": ["t@example.jp"],
            },
        ),
        (
            "MECARD:EMAIL:only@example.com;;",
            {"fn": "only@example.com", "emails": ["only@example.com"]},
        ),
    ],
)
def test_mecard(text: str, expected: dict[str, Any]) -> None:
    card = vcards.parse_foreign(text).card
    for key, value in expected.items():
        assert card[key] == value, key
    for key in ("emails", "phones", "urls"):
        assert card[key] == expected.get(key, [])


def test_unescape_and_split_helpers() -> None:
    assert unescape("a\\,b\\;c\\\\d\\ne\\:f\\x") == "a,b;c\\d\ne:f\\x"
    assert split_structured("a\\;b;c\\\\;d") == ["a;b", "c\\", "d"]


# -- never a crash --------------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "FN:",
        "N:",
        "ORG:",
        "NOTE",
        ";ENCODING=QUOTED-PRINTABLE",
        ";CHARSET=SHIFT_JIS",
        ";CHARSET=bogus",
        ";ENCODING=b",
        "PHOTO",
        "item1.",
        'TYPE="a,b"',
        ":",
        ";",
        ",",
        "\\",
        "=",
        "=C3",
        "=\r\n",
        "\r\n",
        "\n",
        "\r",
        " ",
        "\t",
        '"',
        "MECARD:",
        "東京",
        "🚀",
        "\x00",
        "\ufeff",
        "a",
        "0",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_text_gives_cards_or_clear_errors_never_a_crash(text: str) -> None:
    cards, errors = vcards.parse_many(text)
    assert all(isinstance(e, VCardError) and e.message for e in errors)
    for card in cards:
        assert card.card["fn"]
    try:
        vcards.parse_foreign(text)
    except VCardError as exc:
        assert exc.status == 422


def test_corrupted_corpus_bytes_never_crash() -> None:
    data = (corpus_dir() / "ez-vcard/ezvcard_io_text_John_Doe_GMAIL.vcf").read_bytes()

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=300), st.integers(min_value=0, max_value=10_000))
    def corrupted(noise: bytes, where: int) -> None:
        where %= len(data)
        cards, errors = vcards.parse_many(data[:where] + noise + data[where:])
        assert all(isinstance(e, VCardError) for e in errors)

    corrupted()


def test_a_one_mebibyte_file_is_read_whole() -> None:
    """A large 2.1 base64 block, a long 3.0 fold and 200,000 folded junk lines are each read
    as one card or one error (the linear-time unfolding is a speed matter, not asserted here)."""
    blob = base64.b64encode(b"\xff\xd8\xff" + bytes(range(256)) * 2700)
    v21 = b"\r\n".join(b"  " + blob[i : i + 76] for i in range(0, len(blob), 76))
    v30 = b"\r\n ".join(blob[i : i + 74] for i in range(0, len(blob), 74))
    junk = b"\r\n x" * 200_000
    for body in (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Big\r\nPHOTO;ENCODING=BASE64;JPEG:\r\n" + v21,
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nPHOTO;ENCODING=b;TYPE=JPEG:" + v30,
    ):
        cards, errors = vcards.parse_many(body + b"\r\n\r\nEND:VCARD\r\n")
        assert errors == [] and [c.card["fn"] for c in cards] == ["Big"]
    body = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nX-JUNK" + junk
    cards, errors = vcards.parse_many(body + b"\r\n\r\nEND:VCARD\r\n")
    assert cards == [] and len(errors) == 1 and "not a vCard property" in str(errors[0])


@pytest.mark.parametrize(
    ("charset", "encoded", "text"),
    [
        ("x-sjis", "部長".encode("cp932"), "部長"),
        ("Windows-31J", "髙橋".encode("cp932"), "髙橋"),
        ("windows-1252", "Grüße €".encode("cp1252"), "Grüße €"),
        ('"UTF8"', "Zoë 🚀".encode(), "Zoë 🚀"),
        ("KOI8-R", "Привет".encode("koi8-r"), "Привет"),
    ],
)
def test_charset_spellings(charset: str, encoded: bytes, text: str) -> None:
    qp = "".join(f"={b:02X}" for b in encoded).encode()
    body = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:X\r\nTITLE;CHARSET=" + charset.encode()
    body += b";ENCODING=QUOTED-PRINTABLE:" + qp + b"\r\nEND:VCARD\r\n"
    card = vcards.parse_foreign(body)
    assert card.card["title"] == text and card.warnings == []


def test_vcard_21_text_is_taken_as_written_and_30_is_unescaped() -> None:
    body = "FN:Dir\\, Ada\r\nN:Dir\\;ect;Ada;;;\r\nNOTE:C:\\new\\folder\r\nEND:VCARD\r\n"
    v21 = vcards.parse_foreign("BEGIN:VCARD\r\nVERSION:2.1\r\n" + body).card
    assert (v21["fn"], v21["note"], v21["family"]) == ("Dir\\, Ada", "C:\\new\\folder", "Dir;ect")
    # VERSION may come last (it does in KDE and node-vcf files); it still decides.
    late = vcards.parse_foreign("BEGIN:VCARD\r\n" + body.replace("END:", "VERSION:2.1\r\nEND:"))
    assert late.card == v21
    v30 = vcards.parse_foreign("BEGIN:VCARD\r\nVERSION:3.0\r\n" + body).card
    assert (v30["fn"], v30["note"], v30["family"]) == ("Dir, Ada", "C:\new\\folder", "Dir;ect")


@pytest.mark.parametrize("version", ["2.1", "3.0", "4.0"])
def test_escaped_colon_in_a_url_is_undone_in_every_version(version: str) -> None:
    text = (f"BEGIN:VCARD\r\nVERSION:{version}\r\nFN:Jane Doe\r\n"
            "URL:https\\://example.com/a\\,b\r\nEND:VCARD\r\n")  # fmt: skip
    parsed = vcards.parse_foreign(text)
    assert parsed.card["urls"] == ["https://example.com/a,b"]
    card, warnings = vcards.own_card(parsed)
    assert card["urls"] == ["https://example.com/a,b"] and warnings == []


# -- vobject reads every card; our code corrects its traps -------------------------------------
# The one corpus card vobject 0.9.9 refuses: KDE writes `X-MESSAGING/GADU-ALL`, a property name
# with a slash, which vobject's line grammar rejects. Our reader reads it; the card is kept.
VOBJECT_REFUSES = {"ical4j-vcard/samples_vcard-antoni-kontact.vcf"}


def test_vobject_reads_every_corpus_card_but_one_and_the_refused_one_is_kept() -> None:
    via: dict[str, int] = {"vobject": 0, "fallback": 0}
    fell_back: set[str] = set()
    for name in corpus_files():
        cards, _errors = vcards.parse_many((corpus_dir() / name).read_bytes())
        for card in cards:
            via[card.via] += 1
            if card.via == "fallback":
                fell_back.add(name)
                assert any("vobject could not read" in w for w in card.warnings)
    assert fell_back == VOBJECT_REFUSES
    assert via == {"vobject": 115, "fallback": 1}


TRAPS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nNOTE:Hello, world\r\n"
    "URL:http\\://example.com\r\nitem1.TEL;TYPE=WORK,VOICE:+1 555 0100\r\n"
    "item1.X-ABLabel:Desk\r\nPHOTO;ENCODING=b;TYPE=JPEG:not*base64\r\nEND:VCARD\r\n"
)


def test_vobject_gives_the_structure_and_our_code_the_values_it_would_mangle() -> None:
    import vobject

    from server.vcard.lines import logical_lines, physical_lines
    from server.vcard.reader import _nested_free, through_vobject

    # The traps are real: vobject alone cuts the note at its comma, keeps `\:`, and a bad PHOTO
    # would be its to choke on.
    plain = vobject.readOne(TRAPS.replace("PHOTO;ENCODING=b;TYPE=JPEG:not*base64\r\n", ""))
    assert plain.note.value == "Hello" and plain.url.value == "http\\://example.com"
    lines = physical_lines(TRAPS.encode())
    props, via, warnings = through_vobject(_nested_free(logical_lines(lines, 1)[:-1]))
    assert (via, warnings) == ("vobject", [])
    tel = next(p for p in props if p.name == "TEL")
    assert (tel.group, tel.params["TYPE"]) == ("item1", ["WORK", "VOICE"])
    assert any(p.name == "X-ABLABEL" and p.group == "item1" for p in props)
    parsed = vcards.parse_foreign(TRAPS)
    assert parsed.via == "vobject"
    assert parsed.card["note"] == "Hello, world"
    assert parsed.card["urls"] == ["http://example.com"]
    assert parsed.card["phones"] == ["+1 555 0100"]
    assert parsed.photo is None and any("photo" in w for w in parsed.warnings)


def test_a_card_vobject_refuses_falls_back_to_our_reader_with_a_warning() -> None:
    text = TRAPS.replace("END:VCARD", "X-MESSAGING/GADU-ALL:452342\r\nEND:VCARD")
    parsed = vcards.parse_foreign(text)
    assert parsed.via == "fallback"
    assert any("vobject could not read this card" in w for w in parsed.warnings)
    assert parsed.card["note"] == "Hello, world" and parsed.card["phones"] == ["+1 555 0100"]


def test_quoted_printable_shift_jis_goes_through_vobject_decoded_first() -> None:
    qp = "".join(f"={b:02X}" for b in "山田 太郎, 営業".encode("shift_jis"))
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Yamada;Taro\r\n"
        f"NOTE;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp}\r\nEND:VCARD\r\n"
    )
    parsed = vcards.parse_foreign(text)
    assert parsed.via == "vobject" and parsed.card["note"] == "山田 太郎, 営業"
