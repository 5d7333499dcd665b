"""Printable pages for organizers: attendee badges with each card's QR, and the event's join poster.

Plain HTML with print CSS (web/admin/print.css plus one `@page` sheet per paper size), paginated
on the server into fixed-size sheets so every browser prints the same layout: 6 badges (95 mm
wide, 94 mm tall on A4, 90 mm on US Letter) per sheet, each with the name, organisation, title
(and, when asked, the attendee's photo beside them: a face helps people find each other)
and a 50 mm card QR whose symbol is over 4 cm wide (readable by a phone at arm's length). The QR
carries the card URL upper-cased (alphanumeric mode, a smaller code); the server and the app read
it in any case. Text is escaped, never trusted. Both are printed for everyone, so they speak the
event's language (`m`), not the organizer's browser's; right-to-left for Arabic.
"""

from __future__ import annotations

import functools
from html import escape
from typing import Any

from server.i18n import Html, Messages
from server.organizer.public_pages import reading_text
from server.qr import qr_text, svg

PAPERS = ("a4", "letter")
BADGES_PER_SHEET = 6
BADGES_PER_PAGE = 600  # 100 sheets: one print job of a few seconds; `?from=` pages on
LONG_NAME = 18


@functools.lru_cache(maxsize=8192)
def qr_svg(text: str, label: str = "QR code") -> str:
    """An inline, scalable SVG QR code (viewBox, no fixed size), cached: badges reprint often."""
    return svg(text, title=label, scalable=True).replace("<svg ", '<svg role="img" ', 1)


def paper(value: str | None) -> str:
    """The paper size key from `?paper=`: a4 (default) or letter."""
    value = (value or "a4").strip().lower()
    return value if value in PAPERS else "a4"


def paper_names(m: Messages) -> dict[str, str]:
    """Each paper size's key and its name in the page's language."""
    return {"a4": m.t("print.paper.a4"), "letter": m.t("print.paper.letter")}


def _head(m: Messages, title: str, paper_key: str) -> str:
    return (
        f'<!doctype html><html lang="{m.lang}" dir="{m.dir}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/admin/static/print.css">'
        f'<link rel="stylesheet" href="/admin/static/paper-{paper_key}.css">'
        '<script type="module" src="/admin/static/admin.js"></script>'
        f'</head><body class="print paper-{paper_key}">'
    )


def _toolbar(m: Messages, back: str, switch_base: str, paper_key: str, summary: str) -> str:
    links = " ".join(
        f'<a href="{escape(switch_base)}paper={key}"'
        + (' aria-current="true"' if key == paper_key else "")
        + f">{escape(name)}</a>"
        for key, name in paper_names(m).items()
    )
    return (
        f'<nav class="toolbar" aria-label="{escape(m.t("print.toolbar"))}">'
        f'<a href="{escape(back)}">{m.html("print.back")}</a>'
        f'<span class="papers">{m.html("print.paper", papers=Html(links))}</span>'
        f"<span>{escape(summary)}</span>"
        f'<button type="button" data-print>{m.html("print.print")}</button>'
        "</nav>"
    )


def _photo(card: dict[str, Any]) -> str:
    """The card's large photo for print (loaded at once: a print job does not scroll)."""
    photo = card.get("photo")
    url = str(photo.get("large") or "") if isinstance(photo, dict) else ""
    if not url.startswith("/photos/"):
        return ""
    return f'<img class="face" src="{escape(url)}" alt="" width="160" height="160">'


def _badge(m: Messages, event_name: str, row: dict[str, Any], photos: bool = False) -> str:
    card = row["card"]
    name = str(card.get("fn", ""))
    size = " long" if len(name) > LONG_NAME else ""
    face = _photo(card) if photos else ""
    parts = [
        f'<article class="badge" data-attendee="{escape(row["id"])}" '
        f'data-card-url="{escape(row["card_url"])}"><div class="text{" with-face" * bool(face)}">',
        f'<p class="event">{escape(event_name)}</p>',
        face,
    ]
    said = reading_text(card)
    if said:  # above the name, as furigana sit above a Japanese name
        parts.append(f'<p class="reading">{escape(said)}</p>')
    parts.append(f'<h2 class="name{size}">{escape(name)}</h2>')
    if card.get("org"):
        parts.append(f'<p class="org">{escape(str(card["org"]))}</p>')
    if card.get("title"):
        parts.append(f'<p class="title">{escape(str(card["title"]))}</p>')
    parts.append("</div>")
    qr = qr_svg(qr_text(row["card_url"]), m.t("print.badge.qr_label", name=name))
    parts.append(f'<div class="qr-box">{qr}</div>')
    parts.append(f'<p class="hint">{m.html("print.badge.scan")}</p></article>')
    return "".join(parts)


def _pager(m: Messages, query: str, paper_key: str, offset: int, shown: int, total: int) -> str:
    """Links to the previous and next pages of badges, when there are more than one."""
    if total <= BADGES_PER_PAGE:
        return ""
    base = f"?{query}&" if query else "?"
    links: list[str] = [m.html("print.pager", first=offset + 1, last=offset + shown, count=total)]
    if offset > 0:
        back = max(0, offset - BADGES_PER_PAGE)
        links.append(
            f'<a href="{escape(base)}paper={paper_key}&amp;from={back}">'
            f"{m.html('print.previous')}</a>"
        )
    if offset + shown < total:
        ahead = offset + BADGES_PER_PAGE
        links.append(
            f'<a href="{escape(base)}paper={paper_key}&amp;from={ahead}">{m.html("print.next")}</a>'
        )
    return f'<span class="pager">{" · ".join(links)}</span>'


def badges_page(
    m: Messages,
    event: dict[str, Any],
    rows: list[dict[str, Any]],
    paper_key: str,
    query: str,
    *,
    offset: int = 0,
    total: int | None = None,
    photos: bool = False,
) -> str:
    """The given attendees' badges, 6 per sheet, for printing on `paper_key` (with photos when
    `photos`).

    `query` is the page's query string without `paper` and `from`, kept by the paper and page
    links; `offset` and `total` place `rows` in the whole filtered list.
    """
    slug = str(event["slug"])
    name = str(event["name"])
    total = len(rows) if total is None else total
    sheets = -(-len(rows) // BADGES_PER_SHEET)
    summary = m.t(
        "print.badges.summary",
        badges=m.t("print.badges.count", count=len(rows)),
        sheets=m.t("print.badges.sheets", count=sheets, paper=paper_names(m)[paper_key]),
    )
    switch = f"?{query}&" if query else "?"
    if offset:
        switch += f"from={offset}&"
    out = [
        _head(m, m.t("print.badges.title", event=name), paper_key),
        _toolbar(m, f"/admin/events/{slug}", switch, paper_key, summary),
        _pager(m, query, paper_key, offset, len(rows), total),
        '<main class="sheets">',
    ]
    if not rows:
        out.append(f'<p class="empty">{m.html("print.badges.none")}</p>')
    for start in range(0, len(rows), BADGES_PER_SHEET):
        out.append('<section class="sheet badges">')
        out += [_badge(m, name, row, photos) for row in rows[start : start + BADGES_PER_SHEET]]
        out.append("</section>")
    out.append("</main></body></html>")
    return "".join(out)


def poster_page(m: Messages, event: dict[str, Any], join_url: str, paper_key: str) -> str:
    """One sheet: the event name, a large join QR, the join link and code spelled out."""
    slug = str(event["slug"])
    name = str(event["name"])
    dates = m.date_range(event.get("starts_on"), event.get("ends_on"))
    code = Html(f'<strong dir="ltr">{escape(str(event["join_code"]))}</strong>')
    out = [
        _head(m, m.t("print.poster.title", event=name), paper_key),
        _toolbar(m, f"/admin/events/{slug}", "?", paper_key, m.t("print.poster.name")),
        '<main class="sheets"><section class="sheet poster">',
        f"<h1>{escape(name)}</h1>",
    ]
    if dates:
        out.append(f'<p class="dates">{escape(dates)}</p>')
    out += [
        f'<p class="lead">{m.html("print.poster.lead")}</p>',
        f'<div class="qr-box">{qr_svg(join_url, m.t("print.poster.qr_label", event=name))}</div>',
        f'<p class="how">{m.html("print.poster.how")}</p>',
        f'<p class="url" dir="ltr">{escape(join_url)}</p>',
        f'<p class="code">{m.html("admin.join.code", code=code)}</p>',
        "</section></main></body></html>",
    ]
    return "".join(out)
