"""The fast vCard writer (`vcard_export.write_card`: vobject's lines reused, values escaped by
vobject before it writes them) against oracles that share none of its code:

- vobject's own way of building a card (`vCard()`, `add`, `serialize`), both texts read back by
  vobject's parser: the same properties, parameters and values, card after card and on several
  threads at once;
- whole cards and folds written out by hand, byte for byte (the octet folding, the bare `;`
  outside N and ORG, bare URIs, Apple's `X-ABShowAs`);
- ical.js (an independent parser, run under Node) reading the text back to the card's values;
- what RFC 2425/6350 require of every physical line, checked on generated cards.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.cards import normalize_card
from server.i18n import messages
from server.vcard.writer import contact_note, contact_vcard, stable_uid, write_card
from tests.test_vcard_export import TRICKY, cards, contact, ical_js

PRODID = "-//cardswap//cardswap 0.1//EN"


# -- oracle 1: vobject's own path, compared by what vobject's parser reads ----------------------
def vobject_card(
    card: dict[str, Any],
    uid: str,
    *,
    note: str | None = None,
    categories: list[str] | tuple[str, ...] = (),
    rev: str | None = None,
) -> str:
    """The card built the slow way vobject documents: `vCard()`, `add`, `serialize`. URIs are
    marked `encoded` (vobject's flag for a value already in wire form: a URI is not text)."""
    out = vobject.vCard()

    def add(name: str, value: Any, types: Any = None, uri: bool = False) -> None:
        line = out.add(name)
        line.value = value
        if types is not None:
            line.type_param = types
        if uri:
            line.encoded = True

    family, given = card.get("family") or "", card.get("given") or ""
    add("prodid", PRODID)
    add("uid", uid, uri=True)
    add("fn", card.get("fn") or "")
    add("n", vobject.vcard.Name(family=family, given=given))
    if card.get("org"):
        units = card["org"].split("; ")  # the card's "name; unit; unit"
        add("org", units)
        if not family and not given and card.get("fn") == units[0]:
            add("x-abshowas", "COMPANY")  # a company's card: Apple shows it by the company
    if card.get("title"):
        add("title", card["title"])
    for n, email in enumerate(card.get("emails") or []):
        add("email", email, ["INTERNET", "PREF"] if n == 0 else ["INTERNET"])
    for n, phone in enumerate(card.get("phones") or []):
        add("tel", phone, ["VOICE", "PREF"] if n == 0 else ["VOICE"])
    for n, url in enumerate(card.get("urls") or []):
        add("url", url, "PREF" if n == 0 else None, uri=True)
    text = card.get("note") if note is None else note
    if text:
        add("note", text)
    tags = [t for t in categories if t.strip()]
    if tags:
        add("categories", tags)
    if rev:
        add("rev", rev, uri=True)
    return str(out.serialize(validate=False))


def read_back(text: str) -> dict[str, list[tuple[str, dict[str, Any], Any]]]:
    """Every property as vobject's parser reads it: name -> [(group, params, value)]."""
    card = vobject.readOne(text)
    return {
        name: [(line.group or "", dict(line.params), line.value) for line in lines]
        for name, lines in card.contents.items()
    }


def same_as_vobject(card: dict[str, Any], uid: str, **kwargs: Any) -> None:
    ours = write_card(card, uid, **kwargs)
    assert read_back(ours) == read_back(vobject_card(card, uid, **kwargs))
    check_lines(ours)


# -- oracle 2: what RFC 2425 section 5.8.1 / RFC 6350 section 3.2 ask of every physical line ---
_TRAILING_BACKSLASHES = re.compile(rb"\\*$")


def check_lines(text: str) -> None:
    """CRLF only; at most 75 octets a line; each line whole UTF-8; a fold is CRLF and one space,
    never between a backslash and the character it escapes; BEGIN/VERSION first, END last."""
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert lines[:2] == [b"BEGIN:VCARD", b"VERSION:3.0"] and lines[-1] == b"END:VCARD"
    for n, line in enumerate(lines):
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises if a fold split a character
        folded_after = n + 1 < len(lines) and lines[n + 1].startswith(b" ")
        if folded_after:
            run = _TRAILING_BACKSLASHES.search(line)
            assert run is not None and len(run.group()) % 2 == 0, line  # `\` kept with its char
    assert not lines[0].startswith(b" ")


def unfold(text: str) -> list[str]:
    """The logical lines (RFC 6350 section 3.2: a CRLF followed by one space is removed)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


# -- the comparisons ----------------------------------------------------------------------------
AWKWARD = {
    "fn": "Acme\r\nGmbH; a\\;b \\\\; c",
    "org": "Acme\r\nGmbH; a\\;b \\\\; c; 東京 \\",
    "title": "CTO;\rCFO, \\n not a newline",
    "emails": ["a;b@x", "c\\;d@x", "e,f@x"],
    "phones": ["+1;ext=2", "+44\n20"],
    "urls": ["http://x/a\\;b", "http://x/a,b;c\\d", "https://例え.jp/"],
    "note": "X-ABSHOWAS:COMPANY\r\nnot a line; " + "é" * 80 + "\\" * 75 + ";",
}
COMPANY = {"fn": "Acme", "org": "Acme; Sales", "emails": ["hi@acme.example"]}
EXTRAS: dict[str, Any] = {
    "note": "Met at DevConf; \\ 2026\r\nnext",
    "categories": ["client, big", "vip; maybe", " ", "東京\\", "a\rb"],
    "rev": "2026-03-01T09:05:00Z",
}


def test_tricky_cards_read_back_as_vobjects_own_path_writes_them() -> None:
    for card in (normalize_card(TRICKY), AWKWARD, COMPANY, {"fn": ""}, {}):
        same_as_vobject(card, "urn:uuid:x;y\\;z")
        same_as_vobject(card, "urn:uuid:1", **EXTRAS)


def test_exported_contacts_read_back_as_vobjects_own_path_writes_them() -> None:
    item = contact(
        1,
        card=normalize_card(TRICKY),
        notes="Ask about, the; pilot \\ soon\nnext week",
        tags=["client, big", "vip; maybe", "東京"],
        follow_up="todo",
        follow_up_on="2026-03-08",
    )
    for one in (item, contact(2), contact(3, card=AWKWARD, tags=["a;b"])):
        ours = contact_vcard(one, "DevConf; 2026", "owner-1")
        reference = vobject_card(
            one["card"],
            stable_uid("owner-1", one["id"]),
            note=contact_note(one, "DevConf; 2026", messages("en")),
            categories=one["tags"],
            rev="2026-03-01T09:05:00Z",
        )
        assert read_back(ours) == read_back(reference)
        check_lines(ours)


def test_a_whole_card_byte_for_byte() -> None:
    """Written out by hand: vobject's line order (VERSION, PRODID, UID, then by name), `;` bare
    except between N and ORG components, `,` `\\` and line breaks escaped, URIs bare and without
    line breaks, blank tags dropped, the first email/phone/URL PREF, Apple's X-ABShowAs."""
    card = {
        "fn": "Acme",
        "org": "Acme; Sales",
        "title": "CTO; CFO, \\ boss",
        "emails": ["hi@acme.example", "b;c@acme.example"],
        "phones": ["+1 415 555 0100", "+44 20 7946 0000"],
        "urls": ["https://acme.example/a,b;c", "http://x/\r\nsplit"],
    }
    text = write_card(
        card,
        "urn:uuid:6f1d4c1e-0000-5000-8000-000000000001",
        note="Line one; two\r\nnext, \\ end",
        categories=["vip", "client, big", " ", "a;b"],
        rev="2026-03-01T09:05:00Z",
    )
    assert text == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "PRODID:-//cardswap//cardswap 0.1//EN\r\n"
        "UID:urn:uuid:6f1d4c1e-0000-5000-8000-000000000001\r\n"
        "CATEGORIES:vip,client\\, big,a;b\r\n"
        "EMAIL;TYPE=INTERNET,PREF:hi@acme.example\r\n"
        "EMAIL;TYPE=INTERNET:b;c@acme.example\r\n"
        "FN:Acme\r\n"
        "N:;;;;\r\n"
        "NOTE:Line one; two\\nnext\\, \\\\ end\r\n"
        "ORG:Acme;Sales\r\n"
        "REV:2026-03-01T09:05:00Z\r\n"
        "TEL;TYPE=VOICE,PREF:+1 415 555 0100\r\n"
        "TEL;TYPE=VOICE:+44 20 7946 0000\r\n"
        "TITLE:CTO; CFO\\, \\\\ boss\r\n"
        "URL;TYPE=PREF:https://acme.example/a,b;c\r\n"
        "URL:http://x/split\r\n"
        "X-ABShowAs:COMPANY\r\n"
        "END:VCARD\r\n"
    )


def test_a_person_byte_for_byte() -> None:
    card = {"fn": "Ada Lovelace", "given": "Ada; A.", "family": "Lovelace", "org": "Analytical"}
    assert write_card(card, "urn:uuid:1") == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//cardswap//cardswap 0.1//EN\r\nUID:urn:uuid:1\r\n"
        "FN:Ada Lovelace\r\nN:Lovelace;Ada\\; A.;;;\r\nORG:Analytical\r\nEND:VCARD\r\n"
    )


A = "a" * 69  # "NOTE:" and these: 74 octets, one short of a full line
FOLDS = [
    (A + "b", ["NOTE:" + A + "b"]),  # 75 octets: no fold
    (A + "bc", ["NOTE:" + A + "b", " c"]),  # 76: the 76th octet goes on
    (A + "é", ["NOTE:" + A, " é"]),  # é is octets 75-76: not split, moved whole
    (A[1:] + "🚀", ["NOTE:" + A[1:], " 🚀"]),  # four octets 74-77
    (A + "\nb", ["NOTE:" + A, " \\nb"]),  # the escape `\n` is octets 75-76: kept together
    (A[1:] + "\\b", ["NOTE:" + A[1:] + "\\\\", " b"]),  # `\\` ends at octet 75: it stays
    (A + ",", ["NOTE:" + A, " \\,"]),
    ("x" * 70 + "y" * 74 + "z" * 5, ["NOTE:" + "x" * 70, " " + "y" * 74, " " + "z" * 5]),
]


def test_folds_at_75_octets_written_out_by_hand() -> None:
    for note, lines in FOLDS:
        text = write_card({"fn": "F"}, "u", note=note)
        assert "\r\n" + "\r\n".join(lines) + "\r\n" in text, note
        check_lines(text)


def test_ical_js_reads_back_every_value() -> None:
    """An independent parser: each text value as the card holds it (line breaks as LF)."""
    batch = [normalize_card(TRICKY), AWKWARD, COMPANY, {"fn": "Zoë", "note": "é" * 200}]
    # Not a tag ending in `\`: ical.js takes the comma after an escaped backslash as escaped.
    extras = {**EXTRAS, "categories": ["client, big", "vip; maybe", " ", "東京", "a\rb"]}
    text = "".join(write_card(card, f"urn:uuid:{n}", **extras) for n, card in enumerate(batch))
    parsed = ical_js(text)
    assert len(parsed) == len(batch)

    def lf(value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n")

    for n, (card, got) in enumerate(zip(batch, parsed, strict=True)):
        assert got["uid"] == [f"urn:uuid:{n}"]
        assert got["fn"] == [lf(card["fn"])]
        assert got["title"] == ([lf(card["title"])] if card.get("title") else None)
        assert [v[0] for v in got["emails"]] == card.get("emails", [])
        if not any("\\" in url for url in card.get("urls", [])):  # ical.js unescapes URIs
            assert [v[0] for v in got["urls"]] == card.get("urls", [])
        assert got["note"] == [lf(EXTRAS["note"])]
        assert got["categories"] == ["client, big", "vip; maybe", "東京", "a\nb"]


_URLS = st.lists(
    # codec: text that JSON can carry (no lone surrogates), as every card the server writes
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=40).map(
        lambda s: "https://x/" + s
    ),
    max_size=3,
)
_TAGS = st.lists(st.text(max_size=20), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cards(), _URLS, _TAGS, st.none() | st.text(max_size=200)), max_size=6))
def test_generated_cards_one_after_another_read_back_as_vobjects_own_path(
    batch: list[tuple[dict[str, Any], list[str], list[str], str | None]],
) -> None:
    """Card after card: a card with fewer emails or no ORG after a fuller one keeps nothing."""
    for card, urls, tags, note in batch:
        card = {**card, "urls": urls}
        same_as_vobject(card, "urn:uuid:x", note=note, categories=tags, rev="2026")
        text = write_card(card, "urn:uuid:x", note=note, categories=tags, rev="2026")
        assert sum(line.startswith("EMAIL") for line in unfold(text)) == len(card["emails"])


def test_threads_writing_at_once_each_get_their_own_cards() -> None:
    batch = [
        {**normalize_card(TRICKY), "fn": f"Person {n}", "emails": [f"p{n}@x"] * (n % 4)}
        for n in range(400)
    ]
    expected = [read_back(vobject_card(card, f"urn:uuid:{n}")) for n, card in enumerate(batch)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(pool.map(lambda n: write_card(batch[n], f"urn:uuid:{n}"), range(400)))
    assert [read_back(text) for text in written] == expected
