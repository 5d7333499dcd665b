"""The clock's one time format: every `at` a client sends becomes fixed-width UTC with
microseconds and `Z`, so that comparing the stored strings compares instants (DESIGN.md section 5,
"Ordering"). `canonical` (the fast path every synced op takes) is checked against the format
written out by hand here, for texts built in every shape clients send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server import clock

MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
OFFSETS = st.sampled_from([0, 1, -1, 5 * 60 + 30, -8 * 60, 14 * 60, -(23 * 60 + 59), 9 * 60 + 45])


def by_hand(moment: datetime) -> str:
    """The stored form, spelled out field by field (not through `clock`)."""
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}Z"
    )


@st.composite
def client_times(draw: st.DrawFn) -> tuple[str, datetime]:
    """(text, the instant it names) in the shapes clients send: JavaScript's toISOString
    (milliseconds and `Z`), no fraction, our own microseconds, a fraction of any length (digits
    past the sixth are cut), `.` or `,`, `T`, `t` or a space, `Z`, `z` or an offset."""
    moment = draw(MOMENTS)
    digits = draw(st.sampled_from([0, 0, 3, 3, 6, 6, 1, 2, 4, 5, 7, 9]))
    past = max(digits - 6, 0)
    extra = draw(st.text(alphabet="0123456789", min_size=past, max_size=past))
    keep = 10 ** (6 - min(digits, 6))
    moment = moment.replace(microsecond=moment.microsecond // keep * keep)
    minutes = draw(OFFSETS)
    zone = draw(st.sampled_from(["Z", "z", "offset"])) if minutes == 0 else "offset"
    local = moment.astimezone(timezone(timedelta(minutes=minutes)))
    sep = draw(st.sampled_from(["T", "T", "t", " "]))
    text = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}{sep}"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )
    if digits:
        point = draw(st.sampled_from([".", ".", ","]))
        text += point + f"{local.microsecond:06d}"[: min(digits, 6)] + extra
    if zone == "offset":
        sign, size = ("-" if minutes < 0 else "+"), abs(minutes)
        colon = draw(st.sampled_from([":", ""]))
        text += f"{sign}{size // 60:02d}{colon}{size % 60:02d}"
    else:
        text += zone
    return text, moment


def _fast_path(text: str) -> int | None:
    """Which of `canonical`'s copy-without-formatting shapes a text is (its length), if any."""
    if text[-1] in "Zz" and text[10] == "T" and len(text) in (20, 24, 27):
        return len(text)
    return None


def test_every_shape_a_client_sends_gets_the_fixed_width_utc_form() -> None:
    seen: list[str] = []

    # Each of `canonical`'s fast paths once for sure (random shapes reach them only most runs).
    @settings(max_examples=400, deadline=None)
    @given(client_times())
    @example(("2026-11-26T09:05:23Z", datetime(2026, 11, 26, 9, 5, 23, tzinfo=UTC)))
    @example(("2026-11-26T09:05:23.123Z", datetime(2026, 11, 26, 9, 5, 23, 123000, tzinfo=UTC)))
    @example(("2026-11-26T09:05:23.123456Z", datetime(2026, 11, 26, 9, 5, 23, 123456, tzinfo=UTC)))
    def check(sent: tuple[str, datetime]) -> None:
        text, moment = sent
        parsed = clock.parse_client_time(text)
        assert parsed is not None, text  # every shape here is one the parser must accept
        assert parsed == moment, text
        assert clock.canonical(text, parsed) == by_hand(moment), text
        assert clock.iso(parsed) == by_hand(moment), text
        seen.append(text)

    check()
    # The run reached the asserts, and through each of `canonical`'s fast paths.
    assert len(seen) >= 300
    assert {_fast_path(t) for t in seen} >= {20, 24, 27, None}


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2026-11-26T09:05:23Z", "2026-11-26T09:05:23.000000Z"),
        ("2026-11-26T09:05:23.123Z", "2026-11-26T09:05:23.123000Z"),
        ("2026-11-26T09:05:23.123456Z", "2026-11-26T09:05:23.123456Z"),
        ("2026-11-26T09:05:23.123456z", "2026-11-26T09:05:23.123456Z"),
        ("2026-11-26t09:05:23.123z", "2026-11-26T09:05:23.123000Z"),
        ("2026-11-26 09:05:23Z", "2026-11-26T09:05:23.000000Z"),
        ("2026-11-26T09:05:23,123Z", "2026-11-26T09:05:23.123000Z"),
        ("2026-11-26T09:05:23,123456Z", "2026-11-26T09:05:23.123456Z"),
        ("2026-11-26T09:05:23.1Z", "2026-11-26T09:05:23.100000Z"),
        ("2026-11-26T09:05:23.1234567Z", "2026-11-26T09:05:23.123456Z"),
        ("2026-11-26T09:05:23+00:00", "2026-11-26T09:05:23.000000Z"),
        ("2026-11-26T09:05:23.5+05:30", "2026-11-26T03:35:23.500000Z"),
        ("2026-11-26T01:05:23-0800", "2026-11-26T09:05:23.000000Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000000Z"),
        ("0999-01-02T00:00:00Z", "0999-01-02T00:00:00.000000Z"),
    ],
)
def test_client_texts_are_stored_in_the_one_format(text: str, stored: str) -> None:
    parsed = clock.parse_client_time(text)
    assert parsed is not None
    assert clock.canonical(text, parsed) == stored


@pytest.mark.parametrize(
    "text", ["2026-11-26T09:05:23", "yesterday", "", "2026-11-26T09:05:23.123X", "x" * 65]
)
def test_texts_without_an_offset_or_not_times_are_refused(text: str) -> None:
    assert clock.parse_client_time(text) is None


# Shapes fromisoformat takes that must not be copied as sent: a week date copied as is would
# sort after every calendar date of its year and win every last-writer-wins comparison.
@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2026-W48-4T09:05:23Z", "2026-11-26T09:05:23.000000Z"),  # ISO week date
        ("2026-W48-4T09:05:23.123Z", "2026-11-26T09:05:23.123000Z"),
        ("2026-11-26T090523.1Z", "2026-11-26T09:05:23.100000Z"),  # basic-format time
    ],
)
def test_other_iso_shapes_the_parser_accepts_are_stored_in_the_one_format(
    text: str, stored: str
) -> None:
    parsed = clock.parse_client_time(text)
    assert parsed is not None
    assert clock.canonical(text, parsed) == stored


def test_iso_is_fixed_width_utc_with_microseconds() -> None:
    moment = datetime(2026, 11, 26, 9, 5, 23, tzinfo=timezone(timedelta(hours=-3)))
    assert clock.iso(moment) == "2026-11-26T12:05:23.000000Z"
    assert clock.iso(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"
    assert clock.iso(datetime(2026, 1, 1, 0, 0, 0, 7, tzinfo=UTC)) == "2026-01-01T00:00:00.000007Z"
