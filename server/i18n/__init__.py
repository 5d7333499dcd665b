"""The language of the server's pages: one catalogue per language
(server/i18n/catalogues/<tag>.json, the same format as the web app's web/i18n/), the choice
from Accept-Language, and dates and numbers through Babel in that locale and the event's time zone.

A catalogue maps a key to a string with {placeholders}, or to an object of plural forms (CLDR
categories: zero, one, two, few, many, other) chosen by the `count` parameter. A translator edits
one JSON file and no code.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, dates, lists, numbers

LANGUAGES = ("en", "de", "fr", "es", "pt-BR", "ja", "zh-Hans", "ar")
# Each language by its own name, as a language picker shows it (the same as web/js/i18n.js).
ENDONYMS = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "pt-BR": "Português (Brasil)",
    "ja": "日本語",
    "zh-Hans": "简体中文",
    "ar": "العربية",
}
DEFAULT = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
CATALOGUES = Path(__file__).resolve().parent / "catalogues"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_BY_LOWER = {tag.lower(): tag for tag in LANGUAGES}


def match(tag: str) -> str | None:
    """The supported language for one BCP 47 tag (`ja-JP` → ja, `zh-CN` → zh-Hans, `pt` → pt-BR),
    or None: Traditional Chinese is not offered, so zh-TW falls through to the next choice."""
    tag = tag.strip().replace("_", "-").lower()
    if tag in _BY_LOWER:
        return _BY_LOWER[tag]
    base, *rest = tag.split("-")
    if base == "zh":
        return None if {"hant", "tw", "hk", "mo"} & set(rest) else "zh-Hans"
    if base == "pt":
        return "pt-BR"
    return _BY_LOWER.get(base)


def from_accept_language(header: str | None, default: str = DEFAULT) -> str:
    """The best supported language for an Accept-Language header (q-values honoured, ties in
    the header's order), else `default`."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    for _, _, tag in sorted(ranked):
        found = match(tag)
        if found:
            return found
    return default if default in LANGUAGES else DEFAULT


@functools.cache
def catalogue(tag: str) -> dict[str, Any]:
    """One language's messages (read once per process)."""
    data: dict[str, Any] = json.loads((CATALOGUES / f"{tag}.json").read_text(encoding="utf-8"))
    return data


@functools.cache
def _locale(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


@functools.lru_cache(maxsize=64)
def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone this machine knows, sorted (read once per process)."""
    return tuple(sorted(available_timezones()))


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (`Europe/Berlin`, `UTC`)."""
    return name in time_zones()


class Html(str):
    """Markup the code built itself (every user value in it escaped): `Messages.html` puts it
    into a message as it is, where any other value is escaped."""

    __slots__ = ()


Moment = datetime | str | int | float  # an ISO text, a Unix time or a datetime
Day = date | str  # a date or an ISO date text


def _moment(value: Moment) -> datetime:
    """A datetime from an ISO text, a Unix time or a datetime (naive ones are UTC)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def _format_date(lang: str, day: date, form: str) -> str:
    """A day in a locale, kept: an export of 10,000 contacts writes a few hundred days, each
    many times (Babel takes ~30 us a date)."""
    if form in ("short", "medium", "long", "full"):
        return dates.format_date(day, form, locale=_locale(lang))
    return dates.format_skeleton(form, day, locale=_locale(lang))


@functools.lru_cache(maxsize=4096)
def _parts(text: str) -> tuple[tuple[str, str | None], ...]:
    """A message cut at its placeholders: (text before, placeholder name or None) pairs, kept
    (filling a message is then a join; an export fills 30,000)."""
    parts: list[tuple[str, str | None]] = []
    start = 0
    for found in _PLACEHOLDER.finditer(text):
        parts.append((text[start : found.start()], found.group(1)))
        start = found.end()
    parts.append((text[start:], None))
    return tuple(parts)


@dataclass(frozen=True)
class Messages:
    """The messages and formats of one language, for one page."""

    lang: str
    time_zone: str | None = None

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RIGHT_TO_LEFT else "ltr"

    def _text(self, key: str, params: dict[str, Any]) -> str:
        text = catalogue(self.lang).get(key)
        if text is None:
            text = catalogue(DEFAULT)[key]  # a KeyError here is a bug the catalogue test catches
        if isinstance(text, dict):
            form = _locale(self.lang).plural_form(params.get("count", 0))
            text = text.get(form, text["other"])
        return str(text)

    def _value(self, value: Any) -> str:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return self.number(value) if is_number else str(value)

    def t(self, key: str, **params: Any) -> str:
        """The message for `key` with its placeholders filled (numbers in this locale's digits);
        a plural message picks its form by `count`. Plain text, not escaped: for HTML use
        `html`, or escape the result."""
        out: list[str] = []
        for text, name in _parts(self._text(key, params)):
            out.append(text)
            if name is not None:
                out.append(self._value(params[name]) if name in params else "{" + name + "}")
        return "".join(out)

    def html(self, key: str, **params: Any) -> Html:
        """The message as HTML: the translation's text escaped, each value escaped unless it is
        `Html` the code built. A translation can never add markup, nor a value smuggle it in."""
        out: list[str] = []
        for text, name in _parts(self._text(key, params)):
            out.append(html.escape(text, quote=False))
            if name is None:
                continue
            if name not in params:
                out.append(html.escape("{" + name + "}"))
                continue
            value = params[name]
            out.append(value if isinstance(value, Html) else html.escape(self._value(value)))
        return Html("".join(out))

    def number(self, value: float) -> str:
        return numbers.format_decimal(value, locale=_locale(self.lang))

    @property
    def zone(self) -> ZoneInfo:
        """The event's time zone (UTC when it has none or an unknown one)."""
        return _zone(self.time_zone) or ZoneInfo("UTC")

    @property
    def zone_name(self) -> str:
        return self.zone.key

    def local(self, moment: Moment) -> datetime:
        """A moment (ISO text, Unix time, datetime) as the event's wall-clock time."""
        return _moment(moment).astimezone(self.zone)

    def datetime(self, moment: Moment, form: str = "medium") -> str:
        """A moment in this locale, in the event's time zone (UTC when it has none)."""
        return dates.format_datetime(
            _moment(moment), form, tzinfo=self.zone, locale=_locale(self.lang)
        )

    def time(self, moment: Moment, form: str = "short") -> str:
        """The time of day of a moment in the event's time zone (`14:00`, `2:00 PM`)."""
        return dates.format_time(_moment(moment), form, tzinfo=self.zone, locale=_locale(self.lang))

    def date(self, day: Day, form: str = "medium") -> str:
        """An ISO date (`2026-05-12`) in this locale (`form` a width or a CLDR skeleton such
        as `MMMd`)."""
        day_only = date.fromisoformat(day[:10]) if isinstance(day, str) else day
        return _format_date(self.lang, day_only, form)

    def date_range(self, start: str | None, end: str | None) -> str:
        """An event's dates as this locale writes a span (`12.–14. Mai 2026`), one date when
        they are the same or one is missing, "" without either."""
        if start and end and start != end:
            first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
            return dates.format_interval(first, last, "yMMMd", locale=_locale(self.lang))
        day = start or end
        return self.date(day, "long") if day else ""

    def list(self, items: Sequence[str]) -> str:
        """Items joined as this locale joins them ("a, b, and c", "a、b、c")."""
        return lists.format_list(list(items), locale=_locale(self.lang))


def messages(lang: str | None, time_zone: str | None = None) -> Messages:
    """The Messages for a supported language (anything else: English)."""
    return Messages(lang if lang in LANGUAGES else DEFAULT, time_zone)
