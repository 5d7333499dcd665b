"""The web app's message catalogues (web/i18n/<tag>.json) against the code that uses them: every
key used is in every catalogue, no catalogue holds a key nobody uses, the eight share one key
set, each translation keeps its {placeholders}, plural forms are the language's own CLDR
categories (read from Node's Intl, a second implementation of CLDR), and no English is left
inline in the JavaScript where a person would read it.

Keys are found statically: `t('area.key')` in web/ (not web/admin/) and `data-i18n*="key"` in
index.html. A computed key is refused, but for the one place listed in DYNAMIC_CALLS.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.webshell import MANIFEST_KEYS
from tests.conftest import ROOT

WEB = ROOT / "web"
CATALOGUES = WEB / "i18n"


def app_languages() -> tuple[str, ...]:
    """The tags of web/js/i18n.js LANGUAGES (English first): the one list of the app's languages."""
    script = (WEB / "js" / "i18n.js").read_text(encoding="utf-8")
    block = script[script.index("export const LANGUAGES") : script.index("};")]
    return tuple(re.findall(r"^\s+'?([\w-]+)'?:", block, re.M))


LANGUAGES = app_languages()
# The one computed key: index.html's own words, keyed by its data-i18n* attributes (read below).
DYNAMIC_CALLS = {("js/app.js", "t(el.dataset.i18n)"), ("js/app.js", "t(el.dataset.i18nAriaLabel)"),
                 ("js/app.js", "t(el.dataset.i18nContent)")}  # fmt: skip
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Forms where a language says the number in words ("one contact", Arabic's dual): {count} may go.
NUMBER_IN_WORDS = {"zero", "one", "two"}


def app_sources() -> Iterator[Path]:
    """The web app's JavaScript (the organizer's admin pages are the server's, not ours)."""
    for path in sorted(WEB.rglob("*.js")):
        if "admin" not in path.relative_to(WEB).parts:
            yield path


def strip_comments(source: str) -> str:
    """The source without // and /* */ comments (strings and regexes kept as they are)."""
    return "".join(text for kind, text in tokens(source) if kind != "comment")


def tokens(source: str) -> Iterator[tuple[str, str]]:
    """A small JavaScript tokenizer: ("comment"|"string"|"template"|"regex"|"code", text).

    Enough for our own modules: a `/` starts a regex after an operator or keyword, else divides.
    """
    i, n = 0, len(source)
    code_start = 0
    last = ""  # the last non-space code character, to tell a regex from a division

    def flush(end: int) -> Iterator[tuple[str, str]]:
        if end > code_start:
            yield "code", source[code_start:end]

    while i < n:
        ch = source[i]
        if source.startswith("//", i) or source.startswith("/*", i):
            end = (
                source.find("\n", i)
                if ch == "/" and source[i + 1] == "/"
                else source.find("*/", i) + 2
            )
            end = n if end <= 0 else end
            yield from flush(i)
            yield "comment", source[i:end]
            i = code_start = end
            continue
        if ch in "'\"`":
            j = i + 1
            depth = 0
            while j < n:
                c = source[j]
                if c == "\\":
                    j += 2
                    continue
                if ch == "`" and source.startswith("${", j):
                    depth += 1
                elif ch == "`" and c == "}" and depth:
                    depth -= 1
                elif c == ch and not depth:
                    break
                j += 1
            yield from flush(i)
            yield ("template" if ch == "`" else "string"), source[i : j + 1]
            i = code_start = j + 1
            last = "a"
            continue
        if ch == "/" and (
            last in "(,=:[!&|?{};+-*%<>~^" or last == "" or _after_keyword(source, i)
        ):
            j = i + 1
            in_class = False
            while j < n and (source[j] != "/" or in_class):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            while j + 1 < n and source[j + 1].isalpha():
                j += 1
            yield from flush(i)
            yield "regex", source[i : j + 1]
            i = code_start = j + 1
            last = "a"
            continue
        if not ch.isspace():
            last = ch
        i += 1
    yield from flush(n)


def _after_keyword(source: str, i: int) -> bool:
    return bool(re.search(r"\b(return|typeof|case|of|in)\s*$", source[max(0, i - 12) : i]))


def used_keys() -> dict[str, set[str]]:
    """Every catalogue key the app uses, with the files using it."""
    used: dict[str, set[str]] = {}
    for path in app_sources():
        rel = path.relative_to(WEB).as_posix()
        code = strip_comments(path.read_text(encoding="utf-8"))
        for m in re.finditer(r"(?<![\w.$])t\(\s*'([^'\\]+)'", code):
            used.setdefault(m[1], set()).add(rel)
    html = (WEB / "index.html").read_text(encoding="utf-8")
    for m in re.finditer(r'data-i18n(?:-[\w-]+)?="([^"]+)"', html):
        used.setdefault(m[1], set()).add("index.html")
    for key in MANIFEST_KEYS.values():  # the server words the manifest from the catalogue
        used.setdefault(key, set()).add("server/webshell.py")
    return used


def catalogue(tag: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{tag}.json").read_text(encoding="utf-8"))
    return data


def forms(value: Any) -> dict[str, str]:
    """A message's forms: {"": text} for a plain string, its categories for a plural one."""
    return {"": value} if isinstance(value, str) else dict(value)


def test_the_catalogue_folder_holds_exactly_the_apps_languages() -> None:
    assert sorted(p.stem for p in CATALOGUES.glob("*.json")) == sorted(LANGUAGES)
    launch = {"en", "de", "fr", "es", "pt-BR", "ja", "zh-Hans", "ar"}  # DESIGN.md section 12
    assert launch <= set(LANGUAGES) and LANGUAGES[0] == "en"


def test_every_key_is_static_but_the_listed_ones() -> None:
    dynamic = set()
    for path in app_sources():
        code = strip_comments(path.read_text(encoding="utf-8"))
        for m in re.finditer(r"(?<![\w.$])(?<!function )t\(\s*([^'\s)][^),]*)", code):
            dynamic.add((path.relative_to(WEB).as_posix(), f"t({m[1]})"))
    assert dynamic == DYNAMIC_CALLS


def test_every_used_key_is_in_every_catalogue_and_every_key_is_used() -> None:
    used = used_keys()
    assert len(used) > 250  # the extraction found the app's words (a broken regex finds none)
    for tag in LANGUAGES:
        keys = set(catalogue(tag))
        missing = sorted(set(used) - keys)
        unused = sorted(keys - set(used))
        assert missing == [], f"{tag}.json lacks {missing} (used in {[used[k] for k in missing]})"
        assert unused == [], f"{tag}.json has keys no code uses: {unused}"


def test_the_catalogues_share_one_key_set() -> None:
    english = set(catalogue("en"))
    for tag in LANGUAGES:
        assert set(catalogue(tag)) == english, tag


def plural_categories() -> dict[str, list[str]]:
    """Each language's CLDR plural categories, from Node's Intl.PluralRules."""
    node = shutil.which("node")
    assert node, "node is required to read the CLDR plural rules"
    script = (
        f"const tags = {json.dumps(LANGUAGES)};"
        "console.log(JSON.stringify(Object.fromEntries(tags.map((t) =>"
        " [t, new Intl.PluralRules(t).resolvedOptions().pluralCategories]))));"
    )
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    out: dict[str, list[str]] = json.loads(done.stdout)
    return out


def test_plural_forms_are_the_languages_own_categories() -> None:
    categories = plural_categories()
    assert sorted(categories["ar"]) == sorted(["zero", "one", "two", "few", "many", "other"])
    english = catalogue("en")
    plural_keys = {k for k, v in english.items() if isinstance(v, dict)}
    assert plural_keys, "the English catalogue has plural messages"
    for tag in LANGUAGES:
        for key, value in catalogue(tag).items():
            if key not in plural_keys:
                assert isinstance(value, str), (tag, key)
                continue
            assert isinstance(value, dict), (tag, key)
            assert "other" in value, (tag, key)
            assert sorted(value) == sorted(categories[tag]), (tag, key, sorted(value))


def test_each_translation_keeps_the_english_placeholders() -> None:
    english = catalogue("en")
    for tag in LANGUAGES:
        for key, value in catalogue(tag).items():
            wanted = set().union(*(PLACEHOLDER.findall(v) for v in forms(english[key]).values()))
            for category, text in forms(value).items():
                found = set(PLACEHOLDER.findall(text))
                assert found <= wanted, (tag, key, category, found - wanted)
                may_drop = {"count"} if category in NUMBER_IN_WORDS else set()
                assert wanted - found <= may_drop, (tag, key, category, wanted - found)
                assert text.strip() and text.count("{") == text.count("}"), (tag, key, category)


def test_translations_are_not_english_left_in_place() -> None:
    english = catalogue("en")
    same_everywhere = {"NFC", "Android", "Zoom", "Online", "Offline", "Links", "Link", "Photo",
                       "Export", "Problem: {reason}", "NFC: {reason}", "Tag: {tag}"}  # fmt: skip
    for tag in LANGUAGES[1:]:
        copied = [
            key
            for key, value in catalogue(tag).items()
            if value == english[key] and forms(value).get("", "") not in same_everywhere
        ]
        # A few words are the same in a language (Contacts, Notes, NFC); a copied catalogue is not.
        assert len(copied) <= len(english) // 20, (tag, copied)


# -- Inline English: words a person reads that do not go through t(). --------------------------
# Literals that look like words but are no text for people: every entry says why.
NOT_WORDS = {
    "Content-Type",  # an HTTP header
    "application/json",
    "text/vcard",
    "image/jpeg",
    "windows-1252",  # TextDecoder labels
    "utf-8",
}
# Attribute values no person reads as text (class names, link relations, form hints).
MACHINE = re.compile(r"^\s*'?(?:class|rel|autocomplete|accept|type|name|id)'?\s*:")


def english_words(literal: str) -> bool:
    """Whether a string literal reads as English for people: two words or a capitalised word."""
    body = literal[1:-1]
    if body in NOT_WORDS or body.startswith(("/", "data:", "mailto:", "tel:", "http")):
        return False
    text = re.sub(r"\$\{[^}]*\}", " x ", body)
    return bool(re.search(r"[A-Za-z]{2,}[,.:;!?…'’)]*\s+[(“‘]*[A-Za-z]{2,}", text))


# DOM-free sync modules (they run in the service worker too): their failures stay in English for
# logs; the status bar words them from a reason code (sync.js `state.reason`).
LOG_ONLY = {"js/sync.js", "js/booth-sync.js"}


def machine_value(before: str) -> bool:
    """Whether a literal is the value of a class, rel or form attribute (its object key comes
    after the last `{` or `,` before it: `class: big ? 'avatar big' : 'avatar'`)."""
    tail = re.split(r"[{,]", before)[-1]
    return bool(MACHINE.search(tail))


def test_no_english_sentence_is_left_inline() -> None:
    allowed = {
        ("js/db.js", "'The change was not saved.'"),  # named NotSaved: messageOf words it
        ("js/i18n.js", "`no catalogue for ${tag}`"),  # CatalogueUnavailable: the UI words it
    }
    found = set()
    for path in app_sources():
        rel = path.relative_to(WEB).as_posix()
        if rel in LOG_ONLY:
            continue
        before = ""
        for kind, text in tokens(path.read_text(encoding="utf-8")):
            if kind in ("string", "template") and english_words(text) and not machine_value(before):
                found.add((rel, text))
            if kind != "comment":
                before = (before + text)[-200:]
    assert found - allowed == set()
    assert allowed - found == set()  # a stale entry: the code no longer has it


# Literals a person may read that are no words of a language.
SYMBOLS = {"'✕'", "'★ '", "' — '", "' '", "'https://…'"}
READ_BY_PEOPLE = re.compile(
    r"(?:(?<![\w.$])(?:toast|confirm|alert|field|SwapError)\(|\.textContent\s*=|"
    r"(?:'aria-label'|\balt|\bplaceholder|\btitle)\s*:|"
    r"(?<![\w.$])(?:qrCanvas|box)\([^(),]*,)\s*$"
)


def has_letters(literal: str) -> bool:
    return literal not in SYMBOLS and bool(
        re.search(r"[^\W\d_]", re.sub(r"\$\{[^}]*\}", "", literal))
    )


def literals_read_by_people(source: str) -> Iterator[str]:
    """String literals passed as h() text children (at the call's own level, ternaries too),
    to toast/confirm/alert, to textContent, or as aria-label, alt, placeholder or title."""
    toks = [(k, t) for k, t in tokens(source) if k != "comment"]
    for i, (kind, text) in enumerate(toks):
        if kind in ("string", "template") and i and READ_BY_PEOPLE.search(toks[i - 1][1]):
            if has_letters(text):
                yield text
    # h( calls: split the arguments at the call's own commas; the third on are children.
    for i, (kind, text) in enumerate(toks):
        if kind != "code":
            continue
        for m in re.finditer(r"(?<![\w.$])h\(", text):
            depth, arg = 0, 0
            rest = [("code", text[m.end() :]), *toks[i + 1 :]]
            done = False
            for j, (k, t) in enumerate(rest):
                if k == "code":
                    for ch in t:
                        if ch in "([{":
                            depth += 1
                        elif ch in ")]}":
                            if depth == 0:
                                done = True
                                break
                            depth -= 1
                        elif ch == "," and depth == 0:
                            arg += 1
                    if done:
                        break
                elif (
                    k != "regex"
                    and depth == 0
                    and arg >= 2
                    and has_letters(t)
                    and not compared(rest, j)
                ):
                    yield t


def compared(toks: list[tuple[str, str]], j: int) -> bool:
    """A literal in a comparison (`x === 'todo' ? …`, `'NDEFReader' in window`) is no text."""
    before = toks[j - 1][1] if j else ""
    after = toks[j + 1][1] if j + 1 < len(toks) else ""
    return bool(re.search(r"[!=]==?\s*$", before) or re.match(r"\s*([!=]==?|in\b)", after))


def test_no_word_is_left_inline_where_people_read_it() -> None:
    """h() text children, toasts, confirms, textContent and the read attributes take t() only."""
    offenders = []
    for path in app_sources():
        for literal in literals_read_by_people(path.read_text(encoding="utf-8")):
            offenders.append((path.relative_to(WEB).as_posix(), literal))
    assert offenders == []


def test_the_inline_word_check_catches_what_it_should() -> None:
    """The check above, on made-up code: it must fail on inline words (else it proves nothing)."""
    bad = (
        "h('p', {}, 'Saved');\n"
        "h('button', { type: 'button', onclick: () => go(1, 2) }, done ? 'Done' : t('x.y'));\n"
        "toast(`Not saved: ${err}`);\n"
        "el.textContent = 'Copied';\n"
        "h('input', { placeholder: 'Name' });\n"
        "h('img', { alt: 'QR code' });\n"
        "field('Name', input);\n"
        "await qrCanvas(url, 'Sign-in code');\n"
    )
    assert len(list(literals_read_by_people(bad))) == 8
    good = "h('p', { class: 'small' }, t('a.b'), ' — ', h('code', {}, x));\ntoast(t('c.d'));\n"
    assert list(literals_read_by_people(good)) == []


def test_the_english_catalogue_keeps_the_texts_the_tests_select_by() -> None:
    """Hundreds of tests select by today's English; a few of those texts, checked word for word."""
    en = catalogue("en")
    assert en["nav.card"] == "My card" and en["nav.settings"] == "Settings"
    assert en["saved.saved"] == "Saved on this phone"
    assert en["status.last_sync"] == "last sync {time}"
    assert en["sync.web_page"] == "a web page answered instead of the server (Wi-Fi sign-in?)"
    assert en["contacts.export_all_vcf"] == "Export all (.vcf)"


@pytest.mark.parametrize("tag", LANGUAGES)
def test_catalogues_are_valid_utf8_json_objects(tag: str) -> None:
    raw = (CATALOGUES / f"{tag}.json").read_bytes()
    data = json.loads(raw.decode("utf-8"))
    assert isinstance(data, dict) and data
