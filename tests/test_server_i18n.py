"""The server's message catalogues (server/i18n/catalogues) and their formats, without a server.

The catalogue checks read the code, not a list kept by hand: every key a `.t("…")` or
`.html("…")` call names exists in all eight catalogues, no catalogue holds a key nobody uses,
each translation has the English placeholders, and plural messages have exactly the CLDR
categories of their language. Then the formats (Babel) and the escaping rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from server import i18n
from server.i18n import Html, messages
from server.i18n.collation import name_key

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
CALL = re.compile(r"""\.(?:t|html)\(\s*["']([^"']+)["']""")
ANY_CALL = re.compile(r"""\b\w+\.(?:t|html)\(\s*(\S)""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SERVER.rglob("*.py"):
        keys |= set(CALL.findall(path.read_text(encoding="utf-8")))
    return keys


def catalogues() -> dict[str, dict[str, Any]]:
    return {
        lang: json.loads((i18n.CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in i18n.LANGUAGES
    }


def forms(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_message_call_names_its_key_as_a_literal() -> None:
    """A key built at run time would escape the checks below: none is."""
    for path in SERVER.rglob("*.py"):
        for first in ANY_CALL.findall(path.read_text(encoding="utf-8")):
            assert first in "\"'", f"{path.relative_to(ROOT)}: a message key that is not a literal"


def test_every_key_used_exists_in_every_catalogue_and_none_is_unused() -> None:
    used = used_keys()
    assert len(used) > 150  # the scan finds the calls (a broken pattern would find none)
    for lang, catalogue in catalogues().items():
        assert used - set(catalogue) == set(), f"{lang}: missing keys"
        assert set(catalogue) - used == set(), f"{lang}: keys no code uses"


def test_translations_keep_the_english_placeholders() -> None:
    """Each form uses only the English placeholders, and the forms together use them all (an
    Arabic "one badge" may spell the number out)."""
    all_catalogues = catalogues()
    english = all_catalogues["en"]
    for lang, catalogue in all_catalogues.items():
        for key, value in catalogue.items():
            wanted = set().union(*(placeholders(f) for f in forms(english[key])))
            found = [placeholders(f) for f in forms(value)]
            assert all(f <= wanted for f in found), f"{lang} {key}: unknown placeholder"
            assert set().union(*found) == wanted, f"{lang} {key}: a placeholder is missing"
            assert isinstance(value, dict) == isinstance(english[key], dict), f"{lang} {key}"


def test_plural_messages_have_exactly_their_languages_cldr_categories() -> None:
    for lang, catalogue in catalogues().items():
        categories = set(Locale.parse(lang, sep="-").plural_form.tags) | {"other"}
        for key, value in catalogue.items():
            if isinstance(value, dict):
                assert set(value) == categories, f"{lang} {key}: {sorted(value)}"
                assert "count" in set().union(*(placeholders(f) for f in value.values()))


def test_translations_are_not_english_left_in_place() -> None:
    """A translation equal to the English is allowed only where the words are the same in
    that language (names of paper sizes, "Link", a bare placeholder)."""
    all_catalogues = catalogues()
    same_allowed = {"print.paper.a4", "chart.bar", "public.card.network_other"}
    for lang, catalogue in all_catalogues.items():
        if lang == "en":
            continue
        same = {
            k
            for k, v in catalogue.items()
            if v == all_catalogues["en"][k] and k not in same_allowed
        }
        # German "Name", "Events", "Problem", "Leads"…: at most one message in fifteen.
        assert len(same) <= max(12, len(catalogue) // 15), f"{lang}: {sorted(same)}"


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.8", "en", "ja"),
        ("en;q=0.3, de;q=0.9", "en", "de"),
        ("zh-CN", "en", "zh-Hans"),
        ("zh-TW, fr;q=0.5", "en", "fr"),  # Traditional Chinese is not offered
        ("pt", "en", "pt-BR"),
        ("ar-AE", "en", "ar"),
        ("sv-SE, nl;q=0.8", "de", "de"),  # none of ours: the event's language
        ("", "ja", "ja"),
        (None, "xx", "en"),  # no header, an unknown default: English
        ("de;q=0, es", "en", "es"),  # q=0 means "not this one"
    ],
)
def test_accept_language_picks_the_best_supported_language(
    header: str | None, default: str, expected: str
) -> None:
    assert i18n.from_accept_language(header, default) == expected


def test_dates_numbers_and_lists_are_babels_in_the_locale_and_the_event_time_zone() -> None:
    # 23:30 UTC on 1 May is already 2 May in Tokyo and 08:30 there
    moment = "2026-05-01T23:30:00+00:00"
    assert messages("ja", "Asia/Tokyo").datetime(moment, "long").startswith("2026年5月2日 8:30")
    assert messages("de", "Europe/Berlin").datetime(moment) == "02.05.2026, 01:30:00"
    assert messages("en", "America/New_York").time(moment) == "7:30\u202fPM"
    assert messages("de").date_range("2026-05-12", "2026-05-14") == "12.–14. Mai 2026"
    assert messages("ja").date_range("2026-05-12", "2026-05-14") == "2026年5月12日～14日"
    assert messages("fr").number(1234567) == "1\u202f234\u202f567"
    assert messages("de").number(1234567) == "1.234.567"
    assert messages("ar").list(["أ", "ب", "ج"]) == "أ وب وج"
    assert messages("en", "Not/AZone").zone_name == "UTC"  # an unknown zone: UTC, no crash


def test_plural_forms_follow_each_languages_rules() -> None:
    assert messages("en").t("print.badges.count", count=1) == "1 badge"
    assert messages("en").t("print.badges.count", count=2) == "2 badges"
    assert messages("ar").t("print.badges.count", count=2) == "شارتان"
    assert messages("ar").t("print.badges.count", count=3) == "3 شارات"
    assert messages("ar").t("print.badges.count", count=11) == "11 شارة"
    assert messages("ja").t("print.badges.count", count=1) == "名札1枚"
    assert messages("de").t("print.badges.count", count=1200) == "1.200 Namensschilder"


def test_a_translation_with_placeholders_never_turns_a_user_value_into_markup() -> None:
    hostile = '<img src=x onerror=alert(1)>"&'
    for lang in i18n.LANGUAGES:
        out = messages(lang).html("admin.desk.heading", name=hostile)
        assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;&quot;&amp;" in out
    # only markup the code built itself goes in as it is
    built = Html("<strong>X</strong>")
    assert "<strong>X</strong>" in messages("de").html("admin.join.code", code=built)
    # a value that looks like a placeholder stays text: no second round of filling
    assert messages("en").t("public.card.photo_alt", name="{name}") == "Photo of {name}"


def test_a_translation_containing_markup_is_shown_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A translator's `<b>` (or worse) reaches the page escaped, never as HTML."""
    poisoned = {**i18n.catalogue("fr"), "public.card.met_at": "<b>Rencontre</b> : {event}"}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: poisoned)
    out = messages("fr").html("public.card.met_at", event="<i>x</i>")
    assert out == "&lt;b&gt;Rencontre&lt;/b&gt; : &lt;i&gt;x&lt;/i&gt;"


def test_names_sort_by_their_reading_then_without_accents_and_case() -> None:
    cards = [
        {"fn": "山田太郎", "family": "山田", "given": "太郎", "reading": {"family": "ヤマダ"}},
        {"fn": "青木花子", "family": "青木", "given": "花子", "reading": {"family": "あおき"}},
        {"fn": "Émile Zola", "family": "Zola", "given": "Émile"},
        {"fn": "ada Ames", "family": "ames", "given": "ada"},
        {"fn": "Bea Ñúñez", "family": "Ñúñez", "given": "Bea"},
        {"fn": "Nora Nuñez", "family": "Nuñez", "given": "Nora"},
        {"fn": "Oz Ortega", "family": "Ortega", "given": "Oz"},
    ]
    order = [c["fn"] for c in sorted(cards, key=lambda c: name_key(c, "ja"))]
    # あおき (aoki) before ヤマダ (yamada) however their kanji compare
    assert order.index("青木花子") < order.index("山田太郎")
    assert order[:2] == ["ada Ames", "Bea Ñúñez"]  # Ñ sorts as N outside Spanish
    spanish = [c["fn"] for c in sorted(cards, key=lambda c: name_key(c, "es"))]
    assert spanish.index("Nora Nuñez") < spanish.index("Bea Ñúñez") < spanish.index("Oz Ortega")
