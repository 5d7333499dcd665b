"""Server-rendered SVG charts for the admin dashboard: no JavaScript and no chart library needed.

Two shapes: bars per hour (swaps) and a running total as a step line (registrations). Gaps between
hours with data are filled with zero; long spans are drawn per day (the event's days, in its time
zone) so bars stay readable. Titles, labels and numbers are in the organizer's language and times
in the event's time zone (`m`); time runs left to right in every language, as on a clock's axis,
while the title sits at the start of a right-to-left line. Only presentation attributes are used
(no `style`), so the strict CSP never blocks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from html import escape
from typing import Any

from server.i18n import Messages

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 34, 44
MAX_HOURLY_BUCKETS = 96
FONT = 'font-family="system-ui, sans-serif"'
INK, GRID, BAR, LINE = "#1f2933", "#d9dee3", "#2f6fdf", "#0f8a5f"


def _parse_hour(hour: str) -> datetime:
    return datetime.strptime(hour, "%Y-%m-%dT%H:00:00Z").replace(tzinfo=UTC)


def buckets(
    points: Sequence[dict[str, Any]], zone: tzinfo = UTC
) -> tuple[list[tuple[datetime, int]], str]:
    """Counts per hour with the gaps filled, or per day of `zone` when the span is long; each
    bucket's start in `zone`; and the unit."""
    counts: dict[datetime, int] = {}
    for point in points:
        moment = _parse_hour(str(point["hour"]))
        counts[moment] = counts.get(moment, 0) + int(point["count"])
    if not counts:
        return [], "hour"
    first, last = min(counts), max(counts)
    if (last - first) / timedelta(hours=1) < MAX_HOURLY_BUCKETS:
        out: list[tuple[datetime, int]] = []
        moment = first
        while moment <= last:
            out.append((moment.astimezone(zone), counts.get(moment, 0)))
            moment += timedelta(hours=1)
        return out, "hour"
    daily: dict[date, int] = {}
    for moment, count in counts.items():
        day = moment.astimezone(zone).date()
        daily[day] = daily.get(day, 0) + count
    days: list[tuple[datetime, int]] = []
    day = min(daily)
    while day <= max(daily):
        days.append((datetime.combine(day, time(), zone), daily.get(day, 0)))
        day += timedelta(days=1)
    return days, "day"


def _nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    return next(f * power for f in (1, 2, 5, 10) if f * power >= value)


def _label(m: Messages, moment: datetime, unit: str, previous: datetime | None) -> str:
    if unit == "day":
        return m.date(moment.date(), "MMMd")
    if previous is None or previous.date() != moment.date():
        return f"{m.date(moment.date(), 'MMMd')} {m.time(moment)}"
    return m.time(moment)


def _frame(m: Messages, title: str, description: str, top: int) -> list[str]:
    """The SVG header, title (at the start of the line: the right in Arabic), background and
    horizontal grid with y labels."""
    plot_h = HEIGHT - TOP - BOTTOM
    place = f'x="{LEFT}"' if m.dir == "ltr" else f'x="{WIDTH - RIGHT}" direction="rtl"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text {place} y="20" {FONT} font-size="14" font-weight="600" '
        f'fill="{INK}">{escape(title)}</text>',
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        text = f"{value:g}" if value == int(value) else ""
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        if text:
            parts.append(
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" {FONT} font-size="11" '
                f'text-anchor="end" fill="{INK}">{escape(m.number(int(value)))}</text>'
            )
    return parts


def _x_labels(m: Messages, moments: list[datetime], unit: str, x_of: Any) -> list[str]:
    parts: list[str] = []
    every = max(1, math.ceil(len(moments) / 8))
    previous: datetime | None = None
    for index, moment in enumerate(moments):
        if index % every:
            continue
        x = x_of(index)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" {FONT} font-size="11" '
            f'text-anchor="middle" fill="{INK}">{escape(_label(m, moment, unit, previous))}</text>'
        )
        previous = moment
    return parts


def _empty(m: Messages, title: str, message: str) -> str:
    parts = _frame(m, title, message, 1)
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" {FONT} font-size="14" text-anchor="middle" '
        f'fill="{INK}">{escape(message)}</text></svg>'
    )
    return "".join(parts)


def _description(m: Messages, total: int, unit: str) -> str:
    zone = m.zone_name
    if unit == "day":
        return m.t("chart.per_day", count=total, zone=zone)
    return m.t("chart.per_hour", count=total, zone=zone)


def bar_chart(m: Messages, points: Sequence[dict[str, Any]], title: str, empty: str) -> str:
    """Bars per hour (or day), with gaps as zero bars, the event's local times on the x axis."""
    series, unit = buckets(points, m.zone)
    if not series:
        return _empty(m, title, empty)
    total = sum(count for _, count in series)
    top = _nice_max(max(count for _, count in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series)

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    parts = _frame(m, title, _description(m, total, unit), top)
    for index, (moment, count) in enumerate(series):
        height = plot_h * count / top
        when = m.date(moment.date(), "medium") if unit == "day" else m.datetime(moment, "short")
        label = m.t("chart.bar", when=when, count=count)
        parts.append(
            f'<rect x="{LEFT + slot * index + slot * 0.12:.1f}" y="{TOP + plot_h - height:.1f}" '
            f'width="{max(slot * 0.76, 1):.1f}" height="{height:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}</title></rect>"
        )
    parts += _x_labels(m, [moment for moment, _ in series], unit, x_of)
    parts.append("</svg>")
    return "".join(parts)


def cumulative_chart(m: Messages, points: Sequence[dict[str, Any]], title: str, empty: str) -> str:
    """The running total as a step line with the area under it."""
    series, unit = buckets(points, m.zone)
    if not series:
        return _empty(m, title, empty)
    running: list[int] = []
    total = 0
    for _, count in series:
        total += count
        running.append(total)
    top = _nice_max(total)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series)

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    def y_of(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    path = [f"M{LEFT:.1f},{y_of(0):.1f}"]
    for index, value in enumerate(running):
        path.append(f"L{LEFT + slot * index:.1f},{y_of(value):.1f}")
        path.append(f"L{LEFT + slot * (index + 1):.1f},{y_of(value):.1f}")
    line = " ".join(path)
    parts = _frame(m, title, _description(m, total, unit), top)
    parts.append(
        f'<path d="{line} L{LEFT + plot_w:.1f},{y_of(0):.1f} Z" fill="{LINE}" '
        f'fill-opacity="0.15" stroke="none"/>'
    )
    parts.append(f'<path d="{line}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    parts += _x_labels(m, [moment for moment, _ in series], unit, x_of)
    place = f'x="{WIDTH - RIGHT}" text-anchor="end"' if m.dir == "ltr" else f'x="{LEFT}"'
    parts.append(
        f'<text {place} y="20" {FONT} font-size="13" fill="{INK}">'
        f"{escape(m.number(total))}</text></svg>"
    )
    return "".join(parts)
