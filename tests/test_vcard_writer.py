"""The fast vCard writer (`vcard_export._Writer`: vobject's lines reused, values escaped by vobject
before it writes them) gives the same text as vobject's own way of building a card (`vCard()`,
`add`, `serialize`), kept here as the reference: byte for byte, for tricky and generated cards,
card after card (reused lines must not carry over) and on several threads at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.cards import normalize_card
from server.vcard.reader import ORG_UNIT_SEPARATOR
from server.vcard.writer import contact_note, contact_vcard, stable_uid, write_card
from tests.test_vcard_export import TRICKY, cards, contact

# -- the reference: how the cards were written before the fast writer (vobject's own objects) --
_ESCAPE = re.compile(r"\\(.)")
_STRUCTURED = frozenset({"N", "ORG"})
_NAMES = {"X-ABSHOWAS": "X-ABShowAs"}
PRODID = "-//cardswap//cardswap 0.1//EN"


def _text(value: object) -> str:
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _uri(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        run = cut
        while run > start and data[run - 1] == 0x5C:
            run -= 1
        if (cut - run) % 2:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _line(line: str) -> str:
    head, colon, value = line.partition(":")
    name = head.partition(";")[0]
    if name in _NAMES:
        head = _NAMES[name] + head[len(name) :]
    if "\\;" in value and name not in _STRUCTURED:
        value = _ESCAPE.sub(lambda m: ";" if m.group(1) == ";" else m.group(0), value)
    return _fold(head + colon + value)


def _add(card: Any, name: str, value: Any, types: str | list[str] | None = None) -> Any:
    line = card.add(name)
    line.value = value
    if types is not None:
        line.type_param = types
    return line


def reference_card(
    card: dict[str, Any],
    uid: str,
    *,
    note: str | None = None,
    categories: Iterable[str] = (),
    rev: str | None = None,
) -> str:
    """`write_card` as it was: vobject.vCard(), add() and serialize(), traps undone per line."""
    family, given = str(card.get("family") or ""), str(card.get("given") or "")
    out = vobject.vCard()
    _add(out, "prodid", PRODID)
    _add(out, "uid", _uri(uid)).encoded = True
    _add(out, "fn", _text(card.get("fn") or ""))
    _add(out, "n", vobject.vcard.Name(family=_text(family), given=_text(given)))
    if card.get("org"):
        units = str(card["org"]).split(ORG_UNIT_SEPARATOR)
        _add(out, "org", [_text(unit) for unit in units])
        if not family and not given and card.get("fn") == units[0]:
            _add(out, "x-abshowas", "COMPANY")
    if card.get("title"):
        _add(out, "title", _text(card["title"]))
    for index, email in enumerate(card.get("emails") or []):
        _add(out, "email", _text(email), ["INTERNET", "PREF"] if index == 0 else ["INTERNET"])
    for index, phone in enumerate(card.get("phones") or []):
        _add(out, "tel", _text(phone), ["VOICE", "PREF"] if index == 0 else ["VOICE"])
    for index, url in enumerate(card.get("urls") or []):
        _add(out, "url", _uri(str(url)), "PREF" if index == 0 else None).encoded = True
    text = card.get("note") if note is None else note
    if text:
        _add(out, "note", _text(text))
    tags = [_text(t) for t in categories if str(t).strip()]
    if tags:
        _add(out, "categories", tags)
    if rev:
        _add(out, "rev", _uri(rev)).encoded = True
    lines = out.serialize(lineLength=1 << 30, validate=False).split("\r\n")
    return "".join(_line(line) for line in lines[:-1])


# -- the comparisons ----------------------------------------------------------------------------
AWKWARD = {
    "fn": "Acme\r\nGmbH; a\\;b \\\\; c",
    "org": "Acme\r\nGmbH; a\\;b \\\\; c; 東京 \\",
    "title": "CTO;\rCFO, \\n not a newline",
    "emails": ["a;b@x", "c\\;d@x", "e,f@x"],
    "phones": ["+1;ext=2", "+44\n20"],
    "urls": ["http://x/a\\;b", "http://x/a,b;c\\d", "http://x/\r\nsplit", "https://例え.jp/"],
    "note": "X-ABSHOWAS:COMPANY\r\nnot a line; " + "é" * 80 + "\\" * 75 + ";",
}


def test_tricky_cards_are_written_byte_for_byte_as_vobjects_own_path() -> None:
    company = normalize_card({"fn": "Acme", "org": "Acme; Sales", "emails": ["hi@acme.example"]})
    company.pop("given", None)
    company.pop("family", None)
    for card in (normalize_card(TRICKY), AWKWARD, company, {"fn": ""}, {}):
        kwargs: dict[str, Any] = {
            "note": "Met at DevConf; \\ 2026\r\nnext",
            "categories": ["client, big", "vip; maybe", " ", "東京\\", "a\rb"],
            "rev": "2026-03-01T09:05:00Z",
        }
        assert write_card(card, "urn:uuid:x;y\\;z") == reference_card(card, "urn:uuid:x;y\\;z")
        assert write_card(card, "urn:uuid:1", **kwargs) == reference_card(
            card, "urn:uuid:1", **kwargs
        )


def test_exported_contacts_are_written_as_vobjects_own_path() -> None:
    item = contact(
        1,
        card=normalize_card(TRICKY),
        notes="Ask about, the; pilot \\ soon\nnext week",
        tags=["client, big", "vip; maybe", "東京"],
        follow_up="todo",
        follow_up_on="2026-03-08",
    )
    for one in (item, contact(2), contact(3, card=AWKWARD, tags=["a;b"])):
        expected = reference_card(
            one["card"],
            stable_uid("owner-1", one["id"]),
            note=contact_note(one, "DevConf; 2026"),
            categories=one["tags"],
            rev="2026-03-01T09:05:00Z",
        )
        assert contact_vcard(one, "DevConf; 2026", "owner-1") == expected


_URLS = st.lists(st.text(max_size=40).map(lambda s: "https://x/" + s), max_size=3)
_TAGS = st.lists(st.text(max_size=20), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cards(), _URLS, _TAGS, st.none() | st.text(max_size=90)), max_size=6))
def test_generated_cards_one_after_another_match_vobjects_own_path(
    batch: list[tuple[dict[str, Any], list[str], list[str], str | None]],
) -> None:
    """Card after card: a card with fewer emails or no ORG after a fuller one keeps nothing."""
    for card, urls, tags, note in batch:
        card = {**card, "urls": urls}
        expected = reference_card(card, "urn:uuid:x", note=note, categories=tags, rev="2026")
        assert write_card(card, "urn:uuid:x", note=note, categories=tags, rev="2026") == expected


def test_threads_writing_at_once_each_get_their_own_cards() -> None:
    batch = [
        {**normalize_card(TRICKY), "fn": f"Person {n}", "emails": [f"p{n}@x"] * (n % 4)}
        for n in range(400)
    ]
    expected = [reference_card(card, f"urn:uuid:{n}") for n, card in enumerate(batch)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(pool.map(lambda n: write_card(batch[n], f"urn:uuid:{n}"), range(400)))
    assert written == expected
