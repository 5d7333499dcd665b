"""The clock's one time format: `canonical` (the fast path every synced op takes) must give
exactly what `iso` gives for the same instant, for every text a client may send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from server import clock

MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def _client_texts(moment: datetime) -> list[str]:
    """The shapes clients send: JavaScript's toISOString, no fraction, our own, offsets, `z`."""
    ms = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    whole = moment.replace(microsecond=0)
    shifted = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
    return [
        ms.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms.microsecond // 1000:03d}Z",
        whole.strftime("%Y-%m-%dT%H:%M:%SZ"),
        clock.iso(moment),
        clock.iso(moment).lower(),
        moment.isoformat(),
        shifted.isoformat(),
        moment.strftime("%Y-%m-%d %H:%M:%S.%fZ"),
    ]


@given(MOMENTS)
def test_canonical_text_is_iso_of_the_same_instant(moment: datetime) -> None:
    for text in _client_texts(moment):
        parsed = clock.parse_client_time(text)
        if parsed is None:  # years before 1000 are not ISO 8601 in strftime's spelling
            continue
        assert clock.canonical(text, parsed) == clock.iso(parsed), text


@given(st.text(alphabet="0123456789-:.TZz+ ", min_size=19, max_size=32))
def test_any_text_the_parser_accepts_gets_the_iso_form(text: str) -> None:
    parsed = clock.parse_client_time(text)
    if parsed is not None:
        assert clock.canonical(text, parsed) == clock.iso(parsed)


def test_iso_is_fixed_width_utc_with_microseconds() -> None:
    moment = datetime(2026, 11, 26, 9, 5, 23, tzinfo=timezone(timedelta(hours=-3)))
    assert clock.iso(moment) == "2026-11-26T12:05:23.000000Z"
    short = clock.parse_client_time("2026-11-26T12:05:23.1Z")
    assert short is not None
    assert clock.canonical("2026-11-26T12:05:23.1Z", short) == "2026-11-26T12:05:23.100000Z"
    assert clock.iso(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"
