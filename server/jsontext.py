"""The one JSON codec every layer uses: sync bodies and answers, and the JSON text the database
stores. orjson for speed, the json module's answer where the two differ (see below)."""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson parses and writes JSON 5-10x faster than the json module (a 500-op sync body is about
# 100 KB each way; scripts/bench/README.md). It is stricter in a few corners, where the json
# module's answer is kept: integers past 64 bits (orjson would read them as floats), NaN and
# Infinity, lone surrogates, non-string keys. Those inputs take the json module's path.
# A run of 19 digits is found by mapping every digit to "0" and everything else to "." in one
# C-level pass and searching that: a regex over a 100 KB sync body cost ~2 ms, ~10% of a sync.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_LONG_RUN = b"0" * 19


def has_long_number(body: bytes) -> bool:
    """True when `body` holds 19 or more digits in a row (maybe an integer past 64 bits)."""
    return _LONG_RUN in body.translate(_DIGITS_AS_ZERO)


def loads(body: bytes) -> Any:
    """Parsed JSON, the same values `json.loads` gives; ValueError when it is not JSON."""
    if not has_long_number(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body.decode("utf-8"))


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON, as json.dumps(ensure_ascii=False, separators=(",", ":")).

    `orjson.Fragment`s (stored JSON text spliced in as is) need the orjson path: use them only
    in content orjson can write (str keys, 64-bit integers, no lone surrogates)."""
    try:
        return orjson.dumps(content)
    except orjson.JSONEncodeError:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8")


def dumps_text(content: Any) -> str:
    """`dumps` as text: what the database stores (op payloads, cards, lists, versions)."""
    return dumps(content).decode("utf-8")
