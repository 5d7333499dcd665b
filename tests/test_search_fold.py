"""Search folding, written twice: the app's (web/js/names.js, run in Node) and the server's
(server/textfold.py, behind `?q=`) find the same contacts, and both find what a reader of each
language types (a table written by hand)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from server import textfold
from tests.conftest import ROOT

# (what the card says, what a person types, found?)
CASES = [
    ("Müller", "muller", True),  # no accent typed
    ("Müller", "mueller", True),  # as Germans type an umlaut
    ("MUELLER", "müller", True),
    ("Straße", "strasse", True),
    ("Núñez-O'Brien", "nunez", True),
    ("François", "FRANCOIS", True),
    ("Ｔａｒｏ Ｙａｍａｄａ", "taro", True),  # full-width Latin
    ("ヤマダ タロウ", "やまだ", True),  # katakana found by hiragana
    ("やまだ", "ﾔﾏﾀﾞ", True),  # half-width katakana
    ("がっこう", "かっこう", False),  # a voiced kana is another letter
    ("مُحَمَّد", "محمد", True),  # Arabic vowel marks
    ("أحمد", "احمد", True),  # hamza on alef
    ("مصطفى", "مصطفي", True),  # alef maksura / yeh
    ("Zhāng Wěi", "zhang wei", True),  # pinyin tone marks
    ("张伟", "張偉", False),  # simplified and traditional are different characters
    ("Anna", "hanna", False),
    ("Ann Analyst", "", True),
]
CORPUS = sorted({text for case in CASES for text in case[:2]} | {"İstanbul", "ǅemal", "ﬁne"})


def node_fold(texts: list[str], terms: list[tuple[str, str]]) -> dict[str, object]:
    node = shutil.which("node")
    assert node, "node is required for the web app's module tests"
    script = (
        f"import * as n from '{(ROOT / 'web/js/names.js').as_uri()}';\n"
        f"const texts = {json.dumps(texts)}; const terms = {json.dumps(terms)};\n"
        "console.log(JSON.stringify({variants: texts.map((t) => n.variants(t)),"
        " found: terms.map(([h, q]) => n.matches(n.searchable(h), q))}));"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_the_app_and_the_server_fold_alike() -> None:
    out = node_fold(CORPUS, [])
    assert out["variants"] == [textfold.variants(text) for text in CORPUS]


@pytest.mark.parametrize(("card", "typed", "found"), CASES)
def test_the_server_finds_what_a_reader_types(card: str, typed: str, found: bool) -> None:
    assert textfold.matches(textfold.searchable(card), typed) is found


def test_the_app_finds_what_a_reader_types() -> None:
    out = node_fold([], [(card, typed) for card, typed, _ in CASES])
    assert out["found"] == [found for _, _, found in CASES]
