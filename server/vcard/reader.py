"""Reading foreign vCards (2.1, 3.0, 4.0) into the `card` shape, losing no text.

vobject 0.9.9 reads each card; our code handles its traps around it. Left alone, vobject loses
text on files real clients write: it cuts a text value at an unescaped comma (Gmail, Apple,
Outlook, KDE), keeps the backslash of `http\\://`, needs `allowQP=True` for quoted-printable, and
aborts a whole file on one bad PHOTO. So the steps, each where the RFCs put it, are:

1. unfold physical lines into logical ones at the byte level (`lines`), split the cards,
   and split each logical line into group, name, parameters and raw value bytes;
2. decode each value: quoted-printable, then the CHARSET (UTF-8 when absent, Windows-1252 when the
   bytes are not UTF-8), and only then unescape and split, so Shift_JIS bytes that look like `\\`
   are never mistaken for escapes. vCard 3.0 and 4.0 escape every text value; vCard 2.1 only
   `\\;` between the parts of N, ADR and ORG, so its other text is taken as written;
3. hand vobject the cleaned card (decoded, one line per property, PHOTO and other binaries
   checked by us and left out) and take the structure from its component: which properties,
   their groups and parameters (`through_vobject`). The text values stay ours. A card vobject
   refuses is read by our reader alone, with a warning: no card is lost;
4. build the card: FN (else derived from N, then ORG, then EMAIL, else "Unknown"), every EMAIL,
   TEL and URL, the first ORG (its units joined by `; `) and TITLE, every NOTE, the first
   PRONOUNS (RFC 9554; X-PRONOUNS too), every social profile (Apple's X-SOCIALPROFILE;TYPE=…,
   RFC 9554's SOCIALPROFILE;SERVICE-TYPE=…) that is an http(s) link or can be made one from its
   user name, and the first PHOTO (3.0 `ENCODING=b`, 2.1 `ENCODING=BASE64` blocks, 4.0 data URIs)
   as bytes for the caller to check and re-encode;
5. read how the name is said (`reading`: family and given, as Japanese cards give it in kana):
   Apple's and Android's X-PHONETIC-FIRST-NAME / X-PHONETIC-LAST-NAME (and -MIDDLE-NAME, added
   to the given reading), else vCard 4.0's `N;SORT-AS="family,given"`, else 3.0's SORT-STRING
   placed by the N it sorts (`reading_from_sort_string`), else Japanese feature phones' 2.1
   `SOUND;X-IRMC-N:family;given`. Half-width kana are made full-width (NFKC).

MECARD lives in `mecard`; `server.vcard` is the public entry point.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import vobject

from server.cards import MAX_FOREIGN_NOTE, is_http_url, normalize_card
from server.errors import InvalidField
from server.vcard.lines import BEGIN, END, logical_lines, physical_lines, property_head

MAX_PHOTO_BYTES = 512 * 1024


class VCardError(InvalidField):
    """Text that is not a readable vCard or MECARD; `line` names where, when known."""

    code = "invalid_vcard"

    def __init__(self, message: str, line: int | None = None) -> None:
        if line is not None and not message.startswith("Line "):
            message = f"Line {line}: {message}"
        super().__init__(message, field="vcard")
        self.line = line


@dataclass
class ParsedCard:
    """One foreign card: the `card` shape (foreign=True rules), its own text, and warnings."""

    card: dict[str, Any]
    raw: str
    warnings: list[str] = field(default_factory=list)
    photo: tuple[str, bytes] | None = None  # (media type, bytes) of a valid embedded photo
    via: str = "vobject"  # "vobject", or "fallback" when vobject refused the card


@dataclass
class _Prop:
    line: int
    group: str
    name: str
    params: dict[str, list[str]]
    raw: bytes


# RFC 2426/6350 escapes, plus `\:` (Apple, Gmail) and `\"` (Gmail) that real files write.
_ESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":", '"': '"'}
_QP_WORDS = {"QUOTED-PRINTABLE", "QP"}
_B64_WORDS = {"B", "BASE64"}
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


# -- 1. properties -----------------------------------------------------------------------------
def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
            current.append(char)
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_property(number: int, line: bytes) -> _Prop:
    head = property_head(line)
    if head == line:
        preview = line[:40].decode("utf-8", "replace")
        raise VCardError(f"'{preview}' is not a vCard property (no ':').", number)
    raw = line[len(head) + 1 :]
    head_text = head.decode("utf-8", "replace")
    pieces = _split_outside_quotes(head_text, ";")
    name = pieces[0].strip()
    group = ""
    if "." in name:
        group, _, name = name.rpartition(".")
    if not name:
        raise VCardError("A property has no name.", number)
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        piece = piece.strip()
        if not piece:
            continue
        key, eq, value = piece.partition("=")
        if not eq:  # vCard 2.1 bare parameter: TEL;WORK;VOICE, PHOTO;JPEG, NOTE;QUOTED-PRINTABLE
            key, value = _bare_param(piece)
        values = [v.strip().strip('"') for v in _split_outside_quotes(value, ",")]
        params.setdefault(key.strip().upper(), []).extend(v for v in values if v)
    return _Prop(number, group, name.upper(), params, raw)


def _bare_param(word: str) -> tuple[str, str]:
    upper = word.upper()
    if upper in _QP_WORDS or upper in _B64_WORDS or upper in {"8BIT", "7BIT"}:
        return "ENCODING", word
    if upper.startswith("CHARSET"):
        return "CHARSET", word
    return "TYPE", word


# -- 2. values ---------------------------------------------------------------------------------
# IANA names Python's codecs do not know, seen in Japanese phones' and Mac exports.
_CHARSET_ALIASES = {"x-sjis": "cp932", "windows-31j": "cp932", "x-mac-roman": "mac_roman"}


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip('"')
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(name.lower(), name)).name
    except LookupError:
        return None


def _decode(prop: _Prop, warnings: list[str]) -> str:
    """The value as text: quoted-printable undone, then decoded with its CHARSET."""
    data = prop.raw
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    if encoding in _QP_WORDS:
        data = quopri.decodestring(data)
    charsets = prop.params.get("CHARSET") or []
    declared = charsets[0] if charsets else None
    codec = _charset(declared)
    if declared and codec is None:
        warnings.append(f"Line {prop.line}: unknown charset {declared!r}; read as UTF-8.")
    if codec is not None:  # a declared charset wins; bytes it cannot read become U+FFFD
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            warnings.append(f"Line {prop.line}: {prop.name} has bytes that are not {declared}.")
            return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"Line {prop.line}: {prop.name} is not UTF-8; read as Windows-1252.")
        return data.decode("cp1252", "replace")


def unescape(text: str) -> str:
    """A vCard text value with its backslash escapes undone (unknown escapes kept as written)."""
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPES:
            out.append(_ESCAPES[text[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _as_written(text: str) -> str:
    return text


def split_structured(text: str) -> list[str]:
    """A structured value (N, ADR, ORG) split at unescaped semicolons, each part unescaped."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == ";":
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append(unescape("".join(current)))
    return parts


def _photo(prop: _Prop, warnings: list[str]) -> tuple[str, bytes] | None:
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    value_type = (prop.params.get("VALUE") or [""])[0].lower()
    raw = prop.raw.strip()
    if raw.lower().startswith(b"data:") and b"," in raw:
        meta, _, raw = raw.partition(b",")
        if b";base64" not in meta.lower():
            return None
    elif encoding not in _B64_WORDS or value_type in {"uri", "url"}:
        return None  # a link to a photo, not the photo
    try:
        data = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=True)
    except (binascii.Error, ValueError):
        warnings.append(f"Line {prop.line}: the photo is not valid base64 and was dropped.")
        return None
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            if len(data) > MAX_PHOTO_BYTES:
                warnings.append(f"Line {prop.line}: the photo is too large and was dropped.")
                return None
            return media_type, data
    warnings.append(f"Line {prop.line}: the photo is not a JPEG, PNG or GIF and was dropped.")
    return None


# -- 3. cards ----------------------------------------------------------------------------------
def _join(parts: list[str], sep: str = " ") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


ORG_UNIT_SEPARATOR = "; "


def join_org_units(units: list[str]) -> str:
    """ORG's name and units as one `org` text, `; ` between them (empty trailing units dropped).

    The export splits `org` at `; ` again, so `ORG:IBM;Accounting` goes out as it came in.
    """
    while units and not units[-1].strip():
        units = units[:-1]
    return ORG_UNIT_SEPARATOR.join(units)


# A profile's network from its TYPE or SERVICE-TYPE (lower case), else from its link's host.
_NETWORK_NAMES = {"linkedin": "linkedin", "twitter": "x", "x": "x", "mastodon": "mastodon",
                  "github": "github", "bluesky": "bluesky", "bsky": "bluesky"}  # fmt: skip
_NETWORK_HOSTS = (
    (re.compile(r"^https?://([\w-]+\.)?linkedin\.com/", re.I), "linkedin"),
    (re.compile(r"^https?://(www\.)?(twitter|x)\.com/", re.I), "x"),
    (re.compile(r"^https?://(www\.)?github\.com/", re.I), "github"),
    (re.compile(r"^https?://(www\.)?bsky\.app/", re.I), "bluesky"),
)
# A profile given as a user name only (Apple: `X-SOCIALPROFILE;TYPE=twitter;X-USER=ada:x-apple:ada`)
_PROFILE_URLS = {"x": "https://x.com/{}", "github": "https://github.com/{}",
                 "linkedin": "https://www.linkedin.com/in/{}",
                 "bluesky": "https://bsky.app/profile/{}"}  # fmt: skip


def _social(prop: _Prop, value: str, warnings: list[str]) -> dict[str, str] | None:
    """One social profile as {network, url}, or None (with a warning) when it is no web link."""
    kinds = [v.lower() for k in ("TYPE", "SERVICE-TYPE") for v in prop.params.get(k) or []]
    network = next((_NETWORK_NAMES[k] for k in kinds if k in _NETWORK_NAMES), "")
    url = value.strip()
    user = ((prop.params.get("X-USER") or prop.params.get("USERNAME") or [""])[0]).strip()
    if not is_http_url(url) and user and network in _PROFILE_URLS:
        url = _PROFILE_URLS[network].format(user.lstrip("@"))
    if network == "mastodon" and not is_http_url(url):
        found = re.fullmatch(r"@?([\w.-]+)@([\w.-]+\.[a-z]{2,})", user or url, re.I)
        url = f"https://{found.group(2)}/@{found.group(1)}" if found else url
    if not is_http_url(url) or re.search(r"[\x00-\x1f\x7f\s]", url):
        warnings.append(f"Line {prop.line}: a social profile that is not a web link was left out.")
        return None
    if not network:
        network = next((n for pattern, n in _NETWORK_HOSTS if pattern.match(url)), "other")
    return {"network": network, "url": url}


def _strip_scheme(value: str, scheme: str) -> str:
    if value.lower().startswith(scheme + ":"):
        return value[len(scheme) + 1 :]
    return value


def card_from_properties(
    props: list[_Prop], raw: str, warnings: list[str] | None = None
) -> ParsedCard:
    """The foreign card built from one vCard's properties."""
    warnings = list(warnings or [])
    versions = [p.raw.decode("ascii", "replace").strip() for p in props if p.name == "VERSION"]
    version = versions[0] if versions else "3.0"
    # vCard 2.1 defines one escape, `\;` between the parts of N, ADR or ORG; its other text is
    # taken as written (newlines come quoted-printable). 3.0 and 4.0 escape every text value.
    text_value = _as_written if version == "2.1" else unescape
    fn = ""
    names: list[str] = []
    orgs: list[str] = []
    titles: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    urls: list[str] = []
    notes: list[str] = []
    pronouns: list[str] = []
    socials: list[dict[str, str]] = []
    photo: tuple[str, bytes] | None = None
    spoken: dict[str, str] = {}  # how the name is read: PHONETIC-*, SORT-AS, SORT-STRING, IRMC
    for prop in props:
        name = prop.name
        if name in _PHONETIC or name == "SORT-STRING":
            key = _PHONETIC.get(name, "sort")
            spoken.setdefault(key, text_value(_decode(prop, warnings)).strip())
            continue
        if name == "SOUND" and "X-IRMC-N" in {t.upper() for t in prop.params.get("TYPE", [])}:
            spoken.setdefault("irmc", _decode(prop, warnings))
            continue
        if name == "N" and not names and prop.params.get("SORT-AS"):
            spoken.setdefault("sort_as", ",".join(prop.params["SORT-AS"]))
        if name in {"PHOTO", "LOGO"}:
            if name == "PHOTO" and photo is None:
                photo = _photo(prop, warnings)
            continue
        if name in {"KEY", "SOUND", "X-MS-CARDPICTURE", "AGENT"}:
            continue
        if name in {"X-SOCIALPROFILE", "SOCIALPROFILE"}:
            social = _social(prop, unescape(_decode(prop, warnings)), warnings)
            if social is not None and social not in socials:
                socials.append(social)
            continue
        if name in {"PRONOUNS", "X-PRONOUNS"}:
            said = text_value(_decode(prop, warnings)).strip()
            if said:
                pronouns.append(said)
            continue
        if name not in {"FN", "N", "ORG", "TITLE", "EMAIL", "TEL", "URL", "NOTE"}:
            continue
        text = _decode(prop, warnings)
        if name == "N":
            names = split_structured(text) if not names else names
        elif name == "ORG":
            org = join_org_units(split_structured(text))
            if org.strip():
                orgs.append(org.strip())
        elif name == "FN":
            fn = fn or text_value(text).strip()
        elif name == "TITLE":
            title = text_value(text).strip()
            if title:
                titles.append(title)
        elif name == "EMAIL":
            emails.append(_strip_scheme(text_value(text).strip(), "mailto"))
        elif name == "TEL":
            phones.append(_strip_scheme(text_value(text).strip(), "tel"))
        elif name == "URL":
            # A backslash before `:` or `,` is never part of a URL: undo it in 2.1 files too
            # (Outlook and Apple write `http\://` whatever the version says).
            urls.append(unescape(text).strip())
        elif name == "NOTE":
            note = text_value(text).replace("\r\n", "\n").replace("\r", "\n").strip()
            if note:
                notes.append(note)
    has_n = bool(names)
    names += [""] * (5 - len(names))
    family, given, middle, prefix, suffix = (n.strip() for n in names[:5])
    if not fn:
        fn = _join([prefix, given, middle, family, suffix])
    named = bool(fn)
    if not fn:
        fn = orgs[0] if orgs else next((e for e in emails if e), "") or "Unknown"
    profiles = {s["url"] for s in socials}  # written as URL too (for Android): once is enough
    urls = [u for u in urls if u not in profiles]
    data: dict[str, Any] = {"fn": fn, "emails": emails, "phones": phones, "urls": urls}
    if pronouns:
        data["pronouns"] = pronouns[0]
    if socials:
        data["socials"] = socials
    if given:
        data["given"] = given
    if family:
        data["family"] = family
    if orgs:
        data["org"] = orgs[0]
    if titles:
        data["title"] = titles[0]
    reading = _reading(spoken, family, given)
    if reading is not None:
        data["reading"] = reading
    for label, extra in (("ORG", orgs[1:]), ("TITLE", titles[1:])):
        if extra:
            warnings.append(f"Only the first {label} is kept; also given: {'; '.join(extra)}.")
    note = "\n".join(notes)
    if len(note) > MAX_FOREIGN_NOTE:
        warnings.append(f"The note was cut to its first {MAX_FOREIGN_NOTE} characters.")
        note = note[:MAX_FOREIGN_NOTE]
    if note:
        data["note"] = note
    if version not in {"2.1", "3.0", "4.0", "4"}:
        warnings.append(f"Unknown vCard version {version!r}; read as 3.0.")
    card = normalize_card(data, foreign=True)
    if not named or (has_n and not given and not family):
        # A name made up from ORG, EMAIL or "Unknown", or an N left empty on purpose (an
        # organisation's card), is no given/family name: only a card without N gets them from FN.
        card.pop("given", None)
        card.pop("family", None)
    return ParsedCard(card=card, raw=raw, warnings=warnings, photo=photo)


# -- 5. how the name is read -------------------------------------------------------------------
_PHONETIC = {
    "X-PHONETIC-FIRST-NAME": "given",
    "X-PHONETIC-MIDDLE-NAME": "middle",
    "X-PHONETIC-LAST-NAME": "family",
}
_WORDS = re.compile(r"[\s\u3000]+")


def _said(text: str) -> str:
    """A reading as stored: full-width kana for half-width (NFKC), single spaces."""
    return " ".join(_WORDS.split(unicodedata.normalize("NFKC", text).strip()))


def reading_from_sort_string(sort: str, family: str, given: str) -> dict[str, str]:
    """SORT-STRING (one text) placed by the N it sorts: two words as family and given (in N's
    order when they are N's words in either order), one word that spells family then given
    split where N splits (`android` for And;Roid), else the given name when it is that (Lotus
    writes the first name), else all of it as the family reading, which sorts first."""
    sort = _said(sort)
    words = sort.split(" ")
    fold = str.casefold
    if len(words) == 2 and family and given:
        if fold(words[0]) == fold(given) and fold(words[1]) == fold(family):
            return {"family": words[1], "given": words[0]}
        return {"family": words[0], "given": words[1]}
    joined = sort.replace(" ", "")
    if family and given and fold(joined) == fold(family + given):
        return {"family": joined[: len(family)], "given": joined[len(family) :]}
    if family and given and fold(joined) == fold(given + family):
        return {"family": joined[len(given) :], "given": joined[: len(given)]}
    if given and not family or (given and fold(sort) == fold(given)):
        return {"family": "", "given": sort}
    return {"family": sort, "given": ""}


def _reading(said: dict[str, str], family: str, given: str) -> dict[str, str] | None:
    """The card's `reading` from what the vCard says of it, or None when it says nothing."""
    reading: dict[str, str] = {}
    if said.get("family") or said.get("given") or said.get("middle"):
        first = " ".join(p for p in (said.get("given"), said.get("middle")) if p)
        reading = {"family": _said(said.get("family", "")), "given": _said(first)}
    elif said.get("sort_as"):
        parts = [_said(p) for p in re.split(r"[,;]", said["sort_as"])] + [""]
        reading = {"family": parts[0], "given": parts[1]}
    elif said.get("sort"):
        reading = reading_from_sort_string(said["sort"], family, given)
    elif said.get("irmc"):
        parts = [_said(p) for p in split_structured(said["irmc"])] + ["", ""]
        reading = {"family": parts[0], "given": parts[1]}
    if not reading.get("family") and not reading.get("given"):
        return None
    return reading


# -- 4. vobject reads the card, our code handles its traps -------------------------------------
# Binary properties are checked by our code (`_photo`) and never shown to vobject: one bad PHOTO
# would abort its whole parse, and it cannot re-serialise ENCODING=BASE64 bytes anyway.
# PROFILE:VCARD (Lotus Notes) makes vobject refuse the card; it carries nothing.
_NOT_FOR_VOBJECT = {"PHOTO", "LOGO", "KEY", "SOUND", "X-MS-CARDPICTURE", "AGENT", "PROFILE"}
_HANDLED_BY_US = {"ENCODING", "CHARSET"}  # undone before vobject sees the line


def _param_text(values: list[str]) -> str:
    clean = [v.replace('"', "") for v in values]
    return ",".join(f'"{v}"' if any(c in v for c in ";:,") else v for v in clean)


def _clean_line(prop: _Prop) -> str:
    """One property as vobject-safe text: charset and quoted-printable undone, on one line."""
    value = _decode(prop, [])  # warnings come once, from `card_from_properties`
    value = value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    head = f"{prop.group}.{prop.name}" if prop.group else prop.name
    for key, values in prop.params.items():
        if key not in _HANDLED_BY_US and values:
            head += f";{key}={_param_text(values)}"
    return f"{head}:{value}"


def through_vobject(props: list[_Prop]) -> tuple[list[_Prop], str, list[str]]:
    """The card's properties as vobject reads them, our decoded raw values kept.

    vobject (allowQP=True, on text we already unfolded, decoded and stripped of binaries) gives the
    structure: which properties, their groups (itemN.X-ABLabel) and parameters such as TYPE. The
    text VALUES stay the raw ones of our reader, because vobject cuts unstructured text at an
    unescaped comma and keeps the backslash of `http\\://`. A card vobject refuses, or reads
    into other properties than ours, is read by our reader alone, with a warning.
    Returns the properties, "vobject" or "fallback", and the warnings.
    """
    shown = [p for p in props if p.name not in _NOT_FOR_VOBJECT]
    text = "\r\n".join(["BEGIN:VCARD", *(_clean_line(p) for p in shown), "END:VCARD", ""])
    try:
        component = vobject.readOne(text, allowQP=True, transform=False)
    except Exception as exc:  # vobject raises ParseError, but also ValueError and others
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return props, "fallback", [f"vobject could not read this card ({reason}); read as written."]
    contents: dict[str, list[Any]] = component.contents
    seen: dict[str, int] = {}
    structure: dict[int, _Prop] = {}
    for prop in shown:
        key = prop.name.lower()
        index = seen.get(key, 0)
        seen[key] = index + 1
        lines = contents.get(key, [])
        if index >= len(lines):
            return props, "fallback", [f"vobject lost the {prop.name} property; read as written."]
        line = lines[index]
        params = {k.upper(): [str(v) for v in vs] for k, vs in line.params.items()}
        for key_ in _HANDLED_BY_US:
            if key_ in prop.params:
                params[key_] = prop.params[key_]
        group = line.group or ""
        structure[id(prop)] = _Prop(prop.line, group, line.name.upper(), params, prop.raw)
    extra = sorted(k.upper() for k, v in contents.items() if len(v) != seen.get(k, 0))
    if extra:
        return props, "fallback", [f"vobject read other properties ({', '.join(extra)})."]
    return [structure.get(id(p), p) for p in props], "vobject", []


def _raw_text(lines: list[bytes]) -> str:
    data = b"\r\n".join(lines)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _as_bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")


def read_vcards(text: str | bytes) -> tuple[list[ParsedCard], list[VCardError]]:
    """Every BEGIN:VCARD ... END:VCARD block: the readable cards, and an error for each other."""
    lines = physical_lines(_as_bytes(text))
    cards: list[ParsedCard] = []
    errors: list[VCardError] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not BEGIN.match(line):
            index += 1  # text between cards (blank lines, a mail header) is not a card
            continue
        logical = logical_lines(lines, index + 1)
        if not logical or not END.match(logical[-1][1]):
            errors.append(VCardError("The card has no END:VCARD.", index + 1))
            break
        end = logical[-1][0]
        try:
            props = _nested_free(logical[:-1])
            if isinstance(text, str):
                props = [_already_decoded(prop) for prop in props]
            props, via, notes = through_vobject(props)
            parsed = card_from_properties(props, _raw_text(lines[index:end]), notes)
            parsed.via = via
            cards.append(parsed)
        except VCardError as exc:
            errors.append(exc)
        except InvalidField as exc:
            errors.append(VCardError(exc.message, index + 1))
        index = end
    return cards, errors


def _already_decoded(prop: _Prop) -> _Prop:
    """A property of a card that came as text (a scanned QR, a pasted card): its characters are
    decoded already, so a CHARSET names what the bytes were once, not how to read them now.

    Kept where quoted-printable escapes stand for bytes in that charset."""
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    if "CHARSET" not in prop.params or encoding in _QP_WORDS:
        return prop
    params = {name: values for name, values in prop.params.items() if name != "CHARSET"}
    return _Prop(prop.line, prop.group, prop.name, params, prop.raw)


def _nested_free(logical: list[tuple[int, bytes]]) -> list[_Prop]:
    """Properties of one card; a nested BEGIN:VCARD (a 2.1 AGENT) is skipped whole."""
    props: list[_Prop] = []
    depth = 0
    for number, line in logical:
        if BEGIN.match(line):
            depth += 1
            continue
        if depth:
            if END.match(line):
                depth -= 1
            continue
        props.append(_parse_property(number, line))
    return props
