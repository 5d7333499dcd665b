"""Exporting vCard 3.0: round trips through our reader, and two independent parsers agree.

Every export here is read back by vobject 0.9.9 and by ical.js (npm, run under Node), besides our
own reader: card -> vCard -> card is identity for every field, with commas, semicolons,
backslashes, newlines, emoji and non-Latin scripts (Hypothesis searches for counterexamples).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import vcard as vcards
from server.cards import normalize_card
from server.vcard.writer import UID_NAMESPACE, fold

ROOT = Path(__file__).resolve().parent.parent
NODE_SCRIPT = ROOT / "tests" / "js" / "parse_vcards.mjs"

TRICKY = {
    "fn": 'Zoë "Z" O\'Brien, PhD; Esq. \\ 🚀',
    "given": "Zoë; Anne",
    "family": "O'Brien, Jr.",
    "org": "Acme; Inc, 東京支社 \\ R&D",
    "title": "Chief 🚀 Officer, Мир; שלום",
    "emails": ["zoe@example.com", "z.o@例え.jp"],
    "phones": ["+1 (415) 555-0100 x12", "+81 3-1234-5678"],
    "urls": ["https://example.com/a?b=c&d=e", "https://例え.jp/パス"],
    "note": "line one, with; punctuation \\ and\nline two 👩‍👩‍👧 مرحبا "
    + "東京東京東京東京東京東京東京東京東京東京 🚀" * 5,
}


def ical_js(text: str) -> list[dict[str, Any]]:
    """The cards as ical.js (an independent JavaScript parser) reads them."""
    done = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    cards: list[dict[str, Any]] = json.loads(done.stdout)
    return cards


def org_as_ical_js(org: str) -> list[Any]:
    """ORG as ical.js gives it: one text, or the list of the name and its units."""
    units = org.split("; ")
    return [units[0]] if len(units) == 1 else [units]


def vobject_cards(text: str) -> list[Any]:
    return list(vobject.readComponents(text))


def expect_same_in_ical_js(parsed: dict[str, Any], card: dict[str, Any]) -> None:
    assert parsed["version"] == ["3.0"]
    assert parsed["fn"] == [card["fn"]]
    # ical.js splits N and ORG at every `;` after a backslash, an escaped backslash's too
    # (`N:a\\\\;b` gives "a\\;b"); vobject and our reader check those components.
    family, given = card.get("family", ""), card.get("given", "")
    if not family.endswith("\\") and not given.endswith("\\"):
        assert parsed["n"][0][:2] == [family, given]
    if not any(unit.endswith("\\") for unit in card.get("org", "").split("; ")[:-1]):
        assert parsed["org"] == (org_as_ical_js(card["org"]) if card.get("org") else None)
    assert parsed["title"] == ([card["title"]] if card.get("title") else None)
    assert [v[0] for v in parsed["emails"]] == card["emails"]
    # ical.js reads vCard 3.0 TEL as its phone-number type, which drops every backslash.
    assert [v[0] for v in parsed["tels"]] == [p.replace("\\", "") for p in card["phones"]]
    assert [v[0] for v in parsed["urls"]] == card["urls"]


def expect_same_in_vobject(parsed: Any, card: dict[str, Any]) -> None:
    assert parsed.fn.value == card["fn"]
    assert parsed.n.value.family == card.get("family", "")
    assert parsed.n.value.given == card.get("given", "")
    if card.get("org"):
        assert parsed.org.value == card["org"].split("; ")
    if card.get("title"):
        assert parsed.title.value == card["title"]
    assert [e.value for e in parsed.contents.get("email", [])] == card["emails"]
    assert [t.value for t in parsed.contents.get("tel", [])] == card["phones"]
    # vobject 0.9.9 cuts any value at an unescaped comma, URIs included (URIs are not escaped,
    # RFC 2426 section 5); compare the part before the first comma, ical.js checks it whole.
    assert [u.value for u in parsed.contents.get("url", [])] == [
        u.split(",")[0] for u in card["urls"]
    ]


def test_own_card_round_trip_and_two_parsers_agree() -> None:
    card = normalize_card(TRICKY)
    text = vcards.card_vcard(card, "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert vcards.parse_foreign(text).card == card
    (in_js,) = ical_js(text)
    expect_same_in_ical_js(in_js, card)
    assert in_js["note"] == [card["note"]]
    assert in_js["uid"] == ["urn:uuid:00000000-0000-4000-8000-000000000000"]
    (in_vobject,) = vobject_cards(text)
    expect_same_in_vobject(in_vobject, card)
    assert in_vobject.note.value == card["note"]


def test_lines_are_crlf_folded_at_75_octets_never_inside_a_character() -> None:
    text = vcards.card_vcard(normalize_card(TRICKY), "urn:uuid:x")
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert lines[0] == b"BEGIN:VCARD" and lines[1] == b"VERSION:3.0"
    assert lines[-1] == b"END:VCARD"
    assert any(line.startswith(b" ") for line in lines)  # the note was folded
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole UTF-8: no character was split
        assert not re.search(rb"(?<!\\)(\\\\)*\\$", line)  # no escape split across a fold


def test_fold_keeps_escapes_and_characters_whole() -> None:
    line = "NOTE:" + "a\\n" * 40 + "🚀" * 30
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line + "\r\n"
    for part in folded.split("\r\n")[:-1]:
        assert len(part.encode("utf-8")) <= 75


def test_escaping_rules() -> None:
    """vobject escapes; `;` stays escaped only where it separates components, URIs are bare."""
    card = {
        "fn": "a,b;c\\d\ne\r\nf",
        "family": "x;y",
        "given": "g,h",
        "org": "IBM; Acc;t, R&D",
        "title": "T;1",
        "emails": ["e;f@x"],
        "phones": ["+1;ext=2"],
        "urls": ["http://x/a,b;c\\d"],
        "note": "n;o",
    }
    text = vcards.card_vcard(card, "urn:uuid:x")
    for line in (
        "FN:a\\,b;c\\\\d\\ne\\nf",
        "N:x\\;y;g\\,h;;;",
        "ORG:IBM;Acc\\;t\\, R&D",
        "TITLE:T;1",
        "EMAIL;TYPE=INTERNET,PREF:e;f@x",
        "TEL;TYPE=VOICE,PREF:+1;ext=2",
        "URL;TYPE=PREF:http://x/a,b;c\\d",
        "NOTE:n;o",
    ):
        assert f"\r\n{line}\r\n" in text


def contact(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"ext:{n:08d}-0000-4000-8000-000000000000",
        "card": normalize_card({"fn": f"Person {n}", "emails": [f"p{n}@example.com"]}),
        "verified": False,
        "met_at": "2026-03-01T09:00:00.000000Z",
        "methods": ["qr"],
        "notes": "",
        "tags": [],
        "follow_up": "none",
        "follow_up_on": None,
        "starred": False,
        "deleted": False,
        "updated_at": "2026-03-01T09:05:00.000000Z",
        **extra,
    }


def test_contacts_file_has_uid_note_and_categories_both_parsers() -> None:
    card = normalize_card(TRICKY)
    item = contact(
        1,
        card=card,
        notes="Ask about, the; pilot \\ soon\nnext week",
        tags=["client, big", "vip; maybe", "東京"],
        follow_up="todo",
        follow_up_on="2026-03-08",
    )
    text = vcards.contacts_vcf([item, contact(2)], "DevConf 2026", owner_id="owner-1")
    again = vcards.contacts_vcf([item, contact(2)], "DevConf 2026", owner_id="owner-1")
    assert text == again
    other_owner = vcards.contacts_vcf([item], "DevConf 2026", owner_id="owner-2")
    uid = re.search(r"UID:(\S+)", text)
    assert uid and uid.group(1) not in other_owner  # stable per owner and contact
    note = (
        f"{card['note']}\n\nMet at DevConf 2026 on March 1, 2026.\n\n"
        "My notes: Ask about, the; pilot \\ soon\nnext week\n\nFollow up: to do by March 8, 2026."
    )
    js_first, js_second = ical_js(text)
    expect_same_in_ical_js(js_first, card)
    assert js_first["note"] == [note]
    assert js_first["categories"] == ["client, big", "vip; maybe", "東京"]
    assert js_second["fn"] == ["Person 2"]
    vo_first, vo_second = vobject_cards(text)
    expect_same_in_vobject(vo_first, card)
    assert vo_first.note.value == note
    assert vo_first.categories.value == ["client, big", "vip; maybe", "東京"]
    assert vo_first.rev.value == "2026-03-01T09:05:00Z"
    assert vo_first.uid.value != vo_second.uid.value
    ours = [c.card for c in vcards.parse_many(text)[0]]
    assert {k: v for k, v in ours[0].items() if k != "note"} == {
        k: v for k, v in card.items() if k != "note"
    }
    assert ours[0]["note"] == note


def test_zip_has_one_vcard_per_contact_with_unique_names() -> None:
    items = [contact(1), contact(2, card=normalize_card({"fn": "Person 1"})), contact(3)]
    items[2]["card"] = normalize_card({"fn": 'a/b\\c:"d"'})
    data = vcards.contacts_zip(items, "DevConf")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == ["Person 1.vcf", "Person 1 (2).vcf", "a b c d.vcf"]
        for name in names:
            (card,) = vobject_cards(archive.read(name).decode("utf-8"))
            assert card.version.value == "3.0"


def test_csv_has_google_columns_and_defuses_formulas_but_not_phones() -> None:
    evil = normalize_card(
        {
            "fn": '=HYPERLINK("http://x")',
            "given": "=cmd|' /C calc'!A0",
            "family": "@SUM(1)",
            "org": "+Acme",
            "title": "-1+1",
            "phones": ["+1 415 555 0100", "-12", "=1+2"],
            "emails": ["a@example.com", "b@example.com"],
            "note": "=1+1, a note",
        },
        foreign=True,
    )
    items = [contact(1, card=evil, tags=["vip", "=2+3"], notes="x"), contact(2)]
    text = vcards.contacts_csv(items, "DevConf")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    for column in (
        "First Name",
        "Last Name",
        "E-mail 1 - Label",
        "E-mail 1 - Value",
        "Phone 1 - Label",
        "Phone 1 - Value",
        "Organization Name",
        "Organization Title",
        "Website 1 - Value",
        "Notes",
        "Labels",
    ):
        assert column in header
    first = rows[0]
    assert first["First Name"] == "'=cmd|' /C calc'!A0"
    assert first["Last Name"] == "'@SUM(1)"
    assert first["Organization Name"] == "'+Acme"
    assert first["Organization Title"] == "'-1+1"
    assert first["Phone 1 - Value"] == "+1 415 555 0100"  # a phone number stays a phone number
    assert first["Phone 2 - Value"] == "-12"
    assert first["Phone 3 - Value"] == "'=1+2"
    assert first["E-mail 2 - Value"] == "b@example.com"
    assert first["Labels"] == "vip ::: =2+3"
    assert first["Notes"].startswith("'=1+1, a note")
    assert "Met at DevConf on March 1, 2026." in first["Notes"]
    assert rows[1]["First Name"] == "Person" and rows[1]["Last Name"] == "2"
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "@", "\t", "\r")) or value.startswith("'")


def test_ten_thousand_contacts_export_whole() -> None:
    """Every one of 10,000 contacts is written (the one-second goal is scripts/bench/export.py)."""
    items = [
        contact(
            n,
            card=normalize_card({**TRICKY, "fn": f"Person {n}"}),
            tags=["a", "b"],
            notes="Talked about the pilot, follow up",
        )
        for n in range(10_000)
    ]
    text = vcards.contacts_vcf(items, "DevConf", owner_id="o")
    assert text.count("BEGIN:VCARD") == text.count("END:VCARD") == 10_000
    assert "FN:Person 0\r\n" in text and "FN:Person 9999\r\n" in text


# -- properties ----------------------------------------------------------------------------------
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
    | st.sampled_from(list(",;\\:\"'🚀👩‍👩‍👧東京مرحبا")),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())
_NOTE = st.lists(_TEXT, min_size=1, max_size=4).map("\n".join)


@st.composite
def cards(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"fn": draw(_TEXT)}
    for key in ("given", "family", "org", "title"):
        if draw(st.booleans()):
            data[key] = draw(_TEXT)
    data["emails"] = draw(st.lists(_TEXT, max_size=3))
    data["phones"] = draw(st.lists(_TEXT, max_size=3))
    if draw(st.booleans()):
        data["note"] = draw(_NOTE)
    return normalize_card(data, foreign=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards())
def test_round_trip_is_identity_for_any_text(card: dict[str, Any]) -> None:
    text = vcards.card_vcard(card, "urn:uuid:x")
    assert vcards.parse_foreign(text).card == card
    for line in text.encode("utf-8").split(b"\r\n"):
        assert len(line) <= 75


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cards(), min_size=1, max_size=5))
def test_two_independent_parsers_read_any_text_back(batch: list[dict[str, Any]]) -> None:
    text = "".join(vcards.card_vcard(card, f"urn:uuid:{n}") for n, card in enumerate(batch))
    for parsed, card in zip(ical_js(text), batch, strict=True):
        expect_same_in_ical_js(parsed, card)
        assert parsed["note"] == ([card["note"]] if card.get("note") else None)
    for parsed, card in zip(vobject_cards(text), batch, strict=True):
        expect_same_in_vobject(parsed, card)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=3))
def test_stable_uid_is_the_rfc_4122_uuid5(parts: list[str]) -> None:
    expected = "urn:uuid:" + str(uuid.uuid5(UID_NAMESPACE, "\x1f".join(parts)))
    assert vcards.stable_uid(*parts) == expected


def test_a_company_card_is_shown_as_a_company() -> None:
    company = normalize_card({"fn": "Acme", "org": "Acme; Sales", "emails": ["hi@acme.example"]})
    company.pop("given", None)
    company.pop("family", None)
    text = vcards.card_vcard(company, "urn:uuid:x")
    assert "\r\nN:;;;;\r\n" in text and "\r\nX-ABShowAs:COMPANY\r\n" in text
    assert vcards.parse_foreign(text).card == company
    person = vcards.card_vcard(normalize_card({"fn": "Ada", "org": "Acme"}), "urn:uuid:y")
    assert "X-ABShowAs" not in person
