"""Where the server puts names in order (an export, the organizer's attendee list, badges): a
sort key close to what people of the language expect.

Babel has no collator (the browser has Intl.Collator; ICU bindings are a large native
dependency for a sort the server does in few places), so the key is built here:

- a name is sorted by how it is read when the card says so (`reading`, from the vCard's
  X-PHONETIC-* or SORT-STRING: Japanese names by their kana), else by how it is written;
- family name first, then given name, then the full name (as address books sort);
- letters compare without case and accents (é with e, Ä with A, as German and French
  dictionaries do), Spanish keeps ñ as its own letter after n, and katakana sorts with
  hiragana (the reading's two scripts are one order), each as a tie-break kept in order;
- names in different scripts follow each other by code point (Latin, then Arabic, then kana,
  then Han): no single order suits everyone there, and this one is stable.
"""

from __future__ import annotations

import unicodedata
from typing import Any

_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}  # ァ..ヶ -> ぁ..ゖ
_ENYE = "\U0010fffd"  # after every other letter n may be followed by: ñ sorts after n…


def _letters(text: str, lang: str) -> str:
    """`text` casefolded, without accents (Spanish ñ kept apart), katakana as hiragana."""
    if text.isascii():  # most names: nothing to fold but case (an export sorts 10,000)
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA)
    if lang == "es":
        text = text.replace("ñ", "n" + _ENYE)
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return unicodedata.normalize("NFC", stripped)


def name_key(card: dict[str, Any], lang: str = "en") -> tuple[str, ...]:
    """The sort key of a card's name in `lang`: reading first, then the written name."""
    raw = card.get("reading")
    reading: dict[str, Any] = raw if isinstance(raw, dict) else {}
    fn = str(card.get("fn") or "")
    family = str(reading.get("family") or card.get("family") or "")
    given = str(reading.get("given") or card.get("given") or "")
    if not family and not given:
        family = fn
    return (
        _letters(family, lang),
        _letters(given, lang),
        _letters(fn, lang),
        family.casefold(),
        given.casefold(),
        fn,
    )
