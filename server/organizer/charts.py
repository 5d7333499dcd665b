"""Server-rendered SVG charts for the admin dashboard: no JavaScript and no chart library needed.

Two shapes: bars per hour (swaps) and a running total as a step line (registrations). Gaps between
hours with data are filled with zero; long spans are drawn per day so bars stay readable. Only
presentation attributes are used (no `style`), so the strict CSP never blocks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 34, 44
MAX_HOURLY_BUCKETS = 96
FONT = 'font-family="system-ui, sans-serif"'
INK, GRID, BAR, LINE = "#1f2933", "#d9dee3", "#2f6fdf", "#0f8a5f"


def _parse_hour(hour: str) -> datetime:
    return datetime.strptime(hour, "%Y-%m-%dT%H:00:00Z").replace(tzinfo=UTC)


def buckets(points: Sequence[dict[str, Any]]) -> tuple[list[tuple[datetime, int]], str]:
    """Counts per hour with the gaps filled, or per day when the span is long; and the unit."""
    counts: dict[datetime, int] = {}
    for point in points:
        moment = _parse_hour(str(point["hour"]))
        counts[moment] = counts.get(moment, 0) + int(point["count"])
    if not counts:
        return [], "hour"
    first, last = min(counts), max(counts)
    unit, step = "hour", timedelta(hours=1)
    if (last - first) / step >= MAX_HOURLY_BUCKETS:
        unit, step = "day", timedelta(days=1)
        daily: dict[datetime, int] = {}
        for moment, count in counts.items():
            day = moment.replace(hour=0)
            daily[day] = daily.get(day, 0) + count
        counts, first, last = daily, min(daily), max(daily)
    out: list[tuple[datetime, int]] = []
    moment = first
    while moment <= last:
        out.append((moment, counts.get(moment, 0)))
        moment += step
    return out, unit


def _nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    return next(f * power for f in (1, 2, 5, 10) if f * power >= value)


def _label(moment: datetime, unit: str, previous: datetime | None) -> str:
    if unit == "day":
        return moment.strftime("%d %b")
    if previous is None or previous.date() != moment.date():
        return moment.strftime("%d %b %H:00")
    return moment.strftime("%H:00")


def _frame(title: str, description: str, top: int) -> list[str]:
    """The SVG header, title, background and horizontal grid with y labels."""
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="20" {FONT} font-size="14" font-weight="600" '
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
                f'text-anchor="end" fill="{INK}">{int(value)}</text>'
            )
    return parts


def _x_labels(moments: list[datetime], unit: str, x_of: Any) -> list[str]:
    parts: list[str] = []
    every = max(1, math.ceil(len(moments) / 8))
    previous: datetime | None = None
    for index, moment in enumerate(moments):
        if index % every:
            continue
        x = x_of(index)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" {FONT} font-size="11" '
            f'text-anchor="middle" fill="{INK}">{escape(_label(moment, unit, previous))}</text>'
        )
        previous = moment
    return parts


def _empty(title: str, message: str) -> str:
    parts = _frame(title, message, 1)
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" {FONT} font-size="14" text-anchor="middle" '
        f'fill="{INK}">{escape(message)}</text></svg>'
    )
    return "".join(parts)


def bar_chart(points: Sequence[dict[str, Any]], title: str, empty: str) -> str:
    """Bars per hour (or day), with gaps as zero bars, UTC labels on the x axis."""
    series, unit = buckets(points)
    if not series:
        return _empty(title, empty)
    total = sum(count for _, count in series)
    top = _nice_max(max(count for _, count in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series)

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    parts = _frame(title, f"{total} in total, per {unit} (UTC).", top)
    for index, (moment, count) in enumerate(series):
        height = plot_h * count / top
        label = f"{moment.strftime('%Y-%m-%d %H:00')} UTC: {count}"
        parts.append(
            f'<rect x="{LEFT + slot * index + slot * 0.12:.1f}" y="{TOP + plot_h - height:.1f}" '
            f'width="{max(slot * 0.76, 1):.1f}" height="{height:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}</title></rect>"
        )
    parts += _x_labels([m for m, _ in series], unit, x_of)
    parts.append("</svg>")
    return "".join(parts)


def cumulative_chart(points: Sequence[dict[str, Any]], title: str, empty: str) -> str:
    """The running total as a step line with the area under it."""
    series, unit = buckets(points)
    if not series:
        return _empty(title, empty)
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
    parts = _frame(title, f"{total} in total, running total per {unit} (UTC).", top)
    parts.append(
        f'<path d="{line} L{LEFT + plot_w:.1f},{y_of(0):.1f} Z" fill="{LINE}" '
        f'fill-opacity="0.15" stroke="none"/>'
    )
    parts.append(f'<path d="{line}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    parts += _x_labels([m for m, _ in series], unit, x_of)
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="20" {FONT} font-size="13" text-anchor="end" '
        f'fill="{INK}">{total}</text></svg>'
    )
    return "".join(parts)
