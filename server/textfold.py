"""Search text folded as the web app folds it (web/js/names.js), so that `?q=` on the server (a
filtered export) finds the contacts the app's search shows: letter case, width (full-width
Latin, half-width katakana), Latin accents, German umlauts typed as ae/oe/ue, Arabic vowel marks
and letter variants, and hiragana/katakana are ignored."""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_ALEF = re.compile("[\u0622\u0623\u0625\u0671]")
_KATAKANA = re.compile("[\u30a1-\u30f6]")
_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue"}
_SEPARATOR = "\n\0\n"  # between variants: no search term spans it


def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def _strip_latin_marks(text: str) -> str:
    """Combining marks dropped after a Latin letter (é → e), kept after others (が stays が)."""
    out: list[str] = []
    base_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) or unicodedata.category(ch).startswith("M"):
            if not base_latin:
                out.append(ch)
            continue
        base_latin = _is_latin(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def fold(text: str) -> str:
    """Text as the search compares it."""
    s = unicodedata.normalize("NFKC", text).lower().replace("ß", "ss")
    s = _KATAKANA.sub(lambda m: chr(ord(m[0]) - 0x60), s)
    s = _ALEF.sub("\u0627", _ARABIC_MARKS.sub("", s)).replace("\u0649", "\u064a")
    return _strip_latin_marks(s)


def variants(text: str) -> list[str]:
    """The forms a reader may type: Müller as muller or as mueller."""
    plain = fold(text)
    spelled = fold(
        re.sub("[äöü]", lambda m: _UMLAUTS[m[0]], unicodedata.normalize("NFC", text).lower())
    )
    return [plain] if spelled == plain else [plain, spelled]


def searchable(text: str) -> str:
    """A haystack holding every variant of `text`."""
    return _SEPARATOR.join(variants(text))


def matches(haystack: str, term: str) -> bool:
    """Whether a `searchable` haystack holds what was typed."""
    needles = [n for n in variants(term.strip()) if n]
    return not needles or any(n in haystack for n in needles)
