"""The language of the server's pages: one catalogue per language
(server/i18n/catalogues/<tag>.json, the same format as the web app's web/i18n/), the choice
from Accept-Language, and dates and numbers through Babel in that locale and the event's time zone.

A catalogue maps a key to a string with {placeholders}, or to an object of plural forms (CLDR
categories: zero, one, two, few, many, other) chosen by the `count` parameter. A translator edits
one JSON file and no code.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, lists, numbers

LANGUAGES = ("en", "de", "fr", "es", "pt-BR", "ja", "zh-Hans", "ar")
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


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Messages:
    """The messages and formats of one language, for one page."""

    lang: str
    time_zone: str | None = None

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RIGHT_TO_LEFT else "ltr"

    def t(self, key: str, **params: Any) -> str:
        """The message for `key` with its placeholders filled (numbers in this locale's digits);
        a plural message picks its form by `count`. Not escaped: callers escape HTML."""
        text = catalogue(self.lang).get(key)
        if text is None:
            text = catalogue(DEFAULT)[key]  # a KeyError here is a bug the catalogue test catches
        if isinstance(text, dict):
            form = _locale(self.lang).plural_form(params.get("count", 0))
            text = text.get(form, text["other"])

        def fill(m: re.Match[str]) -> str:
            value = params.get(m.group(1), m.group(0))
            return self.number(value) if isinstance(value, int | float) else str(value)

        return _PLACEHOLDER.sub(fill, str(text))

    def number(self, value: float) -> str:
        return numbers.format_decimal(value, locale=_locale(self.lang))

    def datetime(self, moment: datetime | str, form: str = "medium") -> str:
        """A moment in this locale, in the event's time zone (UTC when it has none)."""
        when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        zone = _zone(self.time_zone)
        return dates.format_datetime(when, form, tzinfo=zone, locale=_locale(self.lang))

    def date(self, day: str, form: str = "medium") -> str:
        """An ISO date (`2026-05-12`) in this locale."""
        day_only = datetime.fromisoformat(day).date()
        return dates.format_date(day_only, form, locale=_locale(self.lang))

    def list(self, items: Sequence[str]) -> str:
        return lists.format_list(list(items), locale=_locale(self.lang))


def messages(lang: str | None, time_zone: str | None = None) -> Messages:
    """The Messages for a supported language (anything else: English)."""
    return Messages(lang if lang in LANGUAGES else DEFAULT, time_zone)
