"""The organizer's HTML pages: sign-in, the event list, each event's dashboard, import results.

Server-rendered and usable without JavaScript; web/admin/admin.js only adds live stats, copy and
print buttons (its few words come from these pages, in data- attributes). No inline script or
style anywhere (the CSP forbids both): classes and external files only. Every value is escaped.
Organizers see aggregates only: these pages list attendees (the organizer's own data) and counts,
never anything read from contacts or ops.

Every word comes from the catalogues (server/i18n) in the organizer's language (`m`, from the
browser's Accept-Language); dates, times and numbers are Babel's, in the event's time zone.
"""

from __future__ import annotations

from html import escape
from typing import Any

from server.i18n import ENDONYMS, LANGUAGES, Html, Messages, time_zones
from server.organizer.badges import paper_names, qr_svg
from server.organizer.public_pages import bdi, photo_img


def layout(m: Messages, title: str, body: str, *, signed_in: bool = True) -> str:
    """The page frame with the admin header (and a sign-out button when signed in)."""
    signout = (
        '<form method="post" action="/admin/signout" class="signout">'
        f'<button type="submit">{m.html("admin.signout")}</button></form>'
        if signed_in
        else ""
    )
    return (
        f'<!doctype html><html lang="{m.lang}" dir="{m.dir}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(m.t('admin.page_title', title=title))}</title>"
        '<link rel="stylesheet" href="/admin/static/admin.css">'
        '<script type="module" src="/admin/static/admin.js"></script>'
        '</head><body class="admin"><header class="top">'
        f'<a class="brand" href="/admin">cardswap <span>{m.html("admin.brand")}</span></a>'
        f"{signout}</header><main>{body}</main></body></html>"
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{message}</p>' if message else ""


def signin_page(m: Messages, next_path: str = "/admin", message: str | None = None) -> str:
    """The admin token form; it posts to /admin/signin, which sets the admin cookie.
    `message` is HTML (a catalogue text, escaped)."""
    body = (
        f'<section class="card narrow"><h1>{m.html("admin.signin.heading")}</h1>'
        "<p>"
        + m.html(
            "admin.signin.help",
            command=Html('<code dir="ltr">cardswap serve</code>'),
            variable=Html('<code dir="ltr">CARDSWAP_ADMIN_TOKEN</code>'),
        )
        + "</p>"
        f"{_error(message)}"
        '<form method="post" action="/admin/signin" class="stack">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        # a fixed user name lets password managers offer to keep the token
        '<input type="text" name="username" value="organizer" autocomplete="username" '
        'hidden readonly aria-hidden="true" tabindex="-1">'
        f'<label for="token">{m.html("admin.signin.token")}</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        'dir="ltr" required autofocus>'
        f'<button type="submit">{m.html("admin.signin.submit")}</button></form></section>'
    )
    return layout(m, m.t("admin.signin.title"), body, signed_in=False)


def error_page(m: Messages, status: int, message: str) -> str:
    """A domain error as a page; `message` is HTML (page_errors.error_html)."""
    body = (
        f'<section class="card narrow"><h1>{m.number(status)}</h1>{_error(message)}'
        f'<p><a href="/admin">{m.html("admin.back_to_events")}</a></p></section>'
    )
    return layout(m, m.t("admin.error.title", status=str(status)), body)


def _language_select(m: Messages, current: str) -> str:
    chosen = current if current in LANGUAGES else "en"
    options = "".join(
        f'<option value="{tag}" lang="{tag}"'
        + (" selected" if tag == chosen else "")
        + f">{escape(ENDONYMS[tag])}</option>"
        for tag in LANGUAGES
    )
    return (
        f'<span><label for="language">{m.html("admin.event.language")}</label>'
        f'<select id="language" name="language">{options}</select></span>'
    )


def _time_zone_input(m: Messages, current: str) -> str:
    zones = "".join(f'<option value="{escape(zone)}">' for zone in time_zones())
    return (
        f'<span><label for="time_zone">{m.html("admin.event.time_zone")}</label>'
        f'<input id="time_zone" name="time_zone" list="time-zones" dir="ltr" maxlength="64" '
        f'required value="{escape(current or "UTC")}" aria-describedby="time-zone-hint">'
        f'<datalist id="time-zones">{zones}</datalist></span>'
    )


def _event_fields(m: Messages, values: dict[str, Any], *, with_slug: bool) -> str:
    def value(key: str) -> str:
        return escape(str(values.get(key) or ""))

    slug = (
        f'<label for="slug">{m.html("admin.event.slug")}</label>'
        f'<input id="slug" name="slug" required pattern="[a-z0-9][a-z0-9\\-]{{0,63}}" '
        f'maxlength="64" dir="ltr" value="{value("slug")}">'
        if with_slug
        else ""
    )
    return (
        f"{slug}"
        f'<label for="name">{m.html("admin.event.name")}</label>'
        f'<input id="name" name="name" required maxlength="200" value="{value("name")}">'
        f'<div class="row"><span><label for="starts_on">{m.html("admin.event.starts_on")}</label>'
        f'<input id="starts_on" name="starts_on" type="date" value="{value("starts_on")}">'
        f'</span><span><label for="ends_on">{m.html("admin.event.ends_on")}</label>'
        f'<input id="ends_on" name="ends_on" type="date" value="{value("ends_on")}"></span></div>'
        '<div class="row">'
        + _language_select(m, str(values.get("language") or "en"))
        + _time_zone_input(m, str(values.get("time_zone") or "UTC"))
        + "</div>"
        f'<p class="hint" id="time-zone-hint">{m.html("admin.event.language_hint")}</p>'
    )


def events_page(
    m: Messages,
    events: list[dict[str, Any]],
    counts: dict[str, int],
    form: dict[str, Any] | None = None,
    message: str | None = None,
) -> str:
    """The organizer's home: every event with its attendee count, and the create form."""

    def day(value: str | None) -> str:
        return escape(m.date(value)) if value else ""

    rows = "".join(
        "<tr>"
        f'<td><a href="/admin/events/{escape(e["slug"])}">{escape(e["name"])}</a></td>'
        f'<td><code dir="ltr">{escape(e["slug"])}</code></td>'
        f"<td>{day(e.get('starts_on'))}</td><td>{day(e.get('ends_on'))}</td>"
        f"<td>{escape(ENDONYMS.get(str(e.get('language') or 'en'), ''))}</td>"
        f'<td class="num">{escape(m.number(counts.get(e["slug"], 0)))}</td></tr>'
        for e in events
    )
    table = (
        f'<table class="list"><thead><tr><th scope="col">{m.html("admin.events.event")}</th>'
        f'<th scope="col">{m.html("admin.events.slug")}</th>'
        f'<th scope="col">{m.html("admin.events.starts")}</th>'
        f'<th scope="col">{m.html("admin.events.ends")}</th>'
        f'<th scope="col">{m.html("admin.events.language")}</th>'
        f'<th scope="col" class="num">{m.html("admin.events.attendees")}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if events
        else f"<p>{m.html('admin.events.none')}</p>"
    )
    body = (
        f'<section class="card"><h1>{m.html("admin.events.heading")}</h1>{table}</section>'
        f'<section class="card" id="create"><h2>{m.html("admin.events.create")}</h2>'
        f"{_error(message)}"
        '<form method="post" action="/admin/events" class="stack">'
        # a new event speaks the organizer's language unless they choose another
        f"{_event_fields(m, form or {'language': m.lang}, with_slug=True)}"
        f'<button type="submit">{m.html("admin.events.create_submit")}</button></form></section>'
    )
    return layout(m, m.t("admin.events.title"), body)


def _hour_rows(m: Messages, hours: list[dict[str, Any]]) -> str:
    return "".join(
        f'<tr><td data-hour="{escape(str(h["hour"]))}">'
        f"{escape(m.datetime(str(h['hour']), 'short'))}</td>"
        f"<td class='num'>{escape(m.number(int(h['count'])))}</td></tr>"
        for h in reversed(hours)
    )


def _stats_section(m: Messages, slug: str, stats: dict[str, Any]) -> str:
    base = f"/admin/events/{escape(slug)}"

    def figure(key: str, label: Html) -> str:
        value = int(stats[key])
        return (
            f"<div><dt>{label}</dt>"
            f'<dd data-stat="{key}" data-value="{value}">{escape(m.number(value))}</dd></div>'
        )

    # admin.js reads its words from these attributes: the page's language, no script inline
    texts = {
        "data-text-live": m.t("admin.stats.live"),
        "data-text-failed": m.t("admin.stats.failed"),
        "data-text-signed-out": m.t("admin.stats.signed_out"),
    }
    attributes = " ".join(f'{name}="{escape(text)}"' for name, text in texts.items())
    zone = Html(f'<bdi dir="ltr">{escape(m.zone_name)}</bdi>')
    return (
        f'<section class="card" id="stats" data-stats-url="/api/admin/events/{escape(slug)}/stats"'
        f' data-time-zone="{escape(m.zone_name)}" {attributes}>'
        f'<div class="heading"><h2>{m.html("admin.stats.heading")}</h2>'
        f'<p class="status" data-stats-status aria-live="polite">{m.html("admin.stats.on_load")}'
        "</p></div>"
        '<dl class="figures">'
        + figure("attendees", m.html("admin.stats.attendees"))
        + figure("active_attendees", m.html("admin.stats.active"))
        + figure("exchanges", m.html("admin.stats.swaps"))
        + "</dl>"
        '<div class="charts">'
        f'<img data-chart="exchanges" src="{base}/swaps.svg" width="720" height="260" '
        f'alt="{escape(m.t("admin.stats.swaps_chart_alt"))}">'
        f'<img data-chart="attendees" src="{base}/registrations.svg" width="720" height="260" '
        f'alt="{escape(m.t("admin.stats.registrations_chart_alt"))}"></div>'
        "<details><summary>" + m.html("admin.stats.table_summary", zone=zone) + "</summary>"
        f'<table class="list"><thead><tr><th scope="col">{m.html("admin.stats.hour")}</th>'
        f'<th scope="col" class="num">{m.html("admin.stats.swaps")}</th></tr></thead>'
        f"<tbody data-hours>{_hour_rows(m, stats['exchanges_by_hour'])}</tbody></table>"
        f'</details><p class="note">{m.html("admin.stats.privacy")}</p></section>'
    )


def _join_section(m: Messages, event: dict[str, Any], join_url: str) -> str:
    slug = escape(event["slug"])
    papers = " · ".join(
        f'<a href="/admin/events/{slug}/poster?paper={key}">{escape(name)}</a>'
        for key, name in paper_names(m).items()
    )
    code = Html(f'<strong class="code" dir="ltr">{escape(event["join_code"])}</strong>')
    return (
        f'<section class="card" id="join"><h2>{m.html("admin.join.heading")}</h2>'
        f'<div class="join"><div class="qr-box small">'
        f"{qr_svg(join_url, m.t('admin.join.qr_label'))}</div><div>"
        f'<label for="join-url">{m.html("admin.join.share")}</label>'
        f'<div class="copy"><input id="join-url" readonly dir="ltr" value="{escape(join_url)}">'
        f'<button type="button" data-copy="join-url" '
        f'data-text-copied="{escape(m.t("admin.join.copied"))}">{m.html("admin.join.copy")}'
        "</button></div>"
        f"<p>{m.html('admin.join.code', code=code)}</p>"
        f"<p>{m.html('admin.join.poster', papers=Html(papers))}</p>"
        "</div></div></section>"
    )


def _attendee_rows(m: Messages, slug: str, attendees: list[dict[str, Any]]) -> str:
    s = escape(slug)
    return "".join(
        "<tr>"
        f'<td><input type="checkbox" name="id" value="{escape(a["id"])}" '
        f'aria-label="{escape(m.t("admin.attendees.select_one", name=a["card"]["fn"]))}"></td>'
        f'<td class="face">{photo_img(a["card"], "small", "face", 40, m)}</td>'
        f"<td>{escape(a['card']['fn'])}</td><td>{escape(a['card'].get('org', ''))}</td>"
        f"<td>{escape(a['card'].get('title', ''))}</td>"
        f'<td><bdi dir="ltr">{escape(a.get("email") or "")}</bdi></td>'
        f'<td><a href="{escape(a["card_url"])}">{m.html("admin.attendees.card")}</a> · '
        f'<a href="/admin/events/{s}/attendees/{escape(a["id"])}/signin">'
        f"{m.html('admin.attendees.signin_qr')}</a></td></tr>"
        for a in attendees
    )


def _attendee_section(m: Messages, slug: str, attendees: list[dict[str, Any]], total: int) -> str:
    s = escape(slug)
    more = (
        f'<p class="hint">{m.html("admin.attendees.more", count=total, shown=len(attendees))}</p>'
        if total > len(attendees)
        else ""
    )
    papers = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in paper_names(m).items())
    columns = Html(
        ", ".join(f'<code dir="ltr">{c}</code>' for c in ("name", "email", "org", "title"))
        + ", "
        + ", ".join(f'<code dir="ltr">{c}</code>' for c in ("phone", "url"))
    )
    return (
        f'<section class="card" id="attendees"><h2>{m.html("admin.attendees.heading")}</h2>'
        f'<form method="post" action="/admin/events/{s}/import" enctype="multipart/form-data" '
        'class="stack import"><label for="file">'
        + m.html(
            "admin.attendees.import_label",
            columns=columns,
            comma=Html('<code dir="ltr">,</code>'),
            semicolon=Html('<code dir="ltr">;</code>'),
        )
        + "</label>"
        '<input id="file" name="file" type="file" accept=".csv,text/csv" required>'
        f'<button type="submit">{m.html("admin.attendees.import")}</button></form>'
        f'<p><a href="/api/admin/events/{s}/attendees.csv" download>'
        f"{m.html('admin.attendees.download_links')}</a> {m.html('admin.attendees.fresh_links')}"
        "</p>"
        f'<form method="get" action="/admin/events/{s}/badges" class="badges-form">'
        f'<div class="row"><span><label for="q">{m.html("admin.attendees.badges_for")}</label>'
        '<input id="q" name="q" type="search"></span>'
        f'<span><label for="paper">{m.html("admin.attendees.paper")}</label>'
        f'<select id="paper" name="paper">{papers}</select></span>'
        '<span class="check"><input id="photos" name="photos" value="1" type="checkbox">'
        f'<label for="photos">{m.html("admin.attendees.with_photos")}</label></span>'
        f'<button type="submit">{m.html("admin.attendees.print_badges")}</button></div>'
        + (
            '<table class="list"><thead><tr><th scope="col"><span class="sr">'
            f"{m.html('admin.attendees.select')}</span></th>"
            f'<th scope="col"><span class="sr">{m.html("admin.attendees.photo")}</span></th>'
            f'<th scope="col">{m.html("admin.attendees.name")}</th>'
            f'<th scope="col">{m.html("admin.attendees.organisation")}</th>'
            f'<th scope="col">{m.html("admin.attendees.job_title")}</th>'
            f'<th scope="col">{m.html("admin.attendees.email")}</th>'
            f'<th scope="col">{m.html("admin.attendees.links")}</th>'
            f"</tr></thead><tbody>{_attendee_rows(m, slug, attendees)}</tbody></table>"
            f'<p class="hint">{m.html("admin.attendees.tick_hint")}</p>' + more
            if attendees
            else f"<p>{m.html('admin.attendees.none')}</p>"
        )
        + "</form></section>"
    )


def event_page(
    m: Messages,
    event: dict[str, Any],
    join_url: str,
    stats: dict[str, Any],
    attendees: list[dict[str, Any]],
    message: str | None = None,
    *,
    total: int | None = None,
    booths: str = "",
    form: dict[str, Any] | None = None,
) -> str:
    """One event: edit form, join link and poster, live stats with charts, attendees and badges
    (and `booths`, the booths' section, server.organizer.booth_pages). `message` is HTML; `form`
    the values sent back with it (else the event's)."""
    total = len(attendees) if total is None else total
    dates = m.date_range(event.get("starts_on"), event.get("ends_on"))
    body = (
        f'<nav class="crumbs"><a href="/admin">{m.html("admin.crumbs.events")}</a> / '
        f'<bdi dir="ltr">{escape(event["slug"])}</bdi></nav>'
        f"<h1>{escape(event['name'])}</h1>"
        + (f'<p class="dates">{escape(dates)}</p>' if dates else "")
        + _error(message)
        + _stats_section(m, event["slug"], stats)
        + booths
        + _join_section(m, event, join_url)
        + _attendee_section(m, event["slug"], attendees, total)
        + '<section class="card"><details'
        + (" open" if message else "")
        + f"><summary>{m.html('admin.event.edit')}</summary>"
        f'<form method="post" action="/admin/events/{escape(event["slug"])}" class="stack">'
        f"{_event_fields(m, {**event, **(form or {})}, with_slug=False)}"
        f'<button type="submit">{m.html("admin.event.save")}</button></form></details></section>'
    )
    return layout(m, str(event["name"]), body)


def _crumbs(m: Messages, event: dict[str, Any], last: str) -> str:
    slug = escape(event["slug"])
    return (
        f'<nav class="crumbs"><a href="/admin">{m.html("admin.crumbs.events")}</a> / '
        f'<a href="/admin/events/{slug}"><bdi dir="ltr">{slug}</bdi></a> / {last}</nav>'
    )


def _row_problem(m: Messages, error: dict[str, Any]) -> str:
    """One bad CSV row's problem in the page's language (attendee_import.RowError kinds)."""
    kind = str(error.get("kind") or "")
    column = Html(f'<code dir="ltr">{escape(str(error.get("column") or ""))}</code>')
    if kind == "email_required":
        return m.html("admin.import.error.email_required")
    if kind == "name_required":
        return m.html("admin.import.error.name_required")
    if kind == "duplicate":
        email = Html(f'<bdi dir="ltr">{escape(str(error.get("email") or ""))}</bdi>')
        return m.html("admin.import.error.duplicate", email=email, line=error.get("first_line", 0))
    if kind == "unreadable":
        return m.html("admin.import.error.unreadable")
    if kind == "invalid_email":
        return m.html("admin.import.error.invalid_email", column=column)
    if kind == "invalid_phone":
        return m.html("admin.import.error.invalid_phone", column=column)
    if kind == "invalid_url":
        return m.html("admin.import.error.invalid_url", column=column)
    if kind == "too_long":
        return m.html("admin.import.error.too_long", column=column, count=error.get("limit", 0))
    if kind == "one_line":
        return m.html("admin.import.error.one_line", column=column)
    return m.html("admin.import.error.invalid", column=column)


def import_result_page(m: Messages, event: dict[str, Any], result: Any) -> str:
    """What an upload did: created/updated counts, each bad row with its line."""
    slug = escape(event["slug"])
    errors = "".join(
        f"<tr><td class='num'>{escape(m.number(int(e['line'])))}</td>"
        f"<td>{_row_problem(m, e)}</td></tr>"
        for e in result.errors
    )
    names = "".join(f"<li>{escape(a['fn'])}</li>" for a in result.attendees[:1000])
    summary = m.list(
        [
            m.t("admin.import.created", count=result.created),
            m.t("admin.import.updated", count=result.updated),
            m.t("admin.import.unchanged", count=result.unchanged),
            m.t("admin.import.with_errors", count=len(result.errors)),
        ]
    )
    until = m.html(
        "admin.import.links_valid",
        until=m.datetime(result.expires_at, "long"),
    )
    body = (
        _crumbs(m, event, m.html("admin.crumbs.import"))
        + f'<section class="card"><h1>{m.html("admin.import.heading", event=bdi(event["name"]))}'
        f'</h1><p class="summary">{escape(summary)}</p>'
        f"<p>{until}</p>"
        f'<p><a href="/api/admin/events/{slug}/attendees.csv" download>'
        f"{m.html('admin.import.download_links')}</a> · "
        f'<a href="/admin/events/{slug}/badges">{m.html("admin.attendees.print_badges")}</a> · '
        f'<a href="/admin/events/{slug}">{m.html("admin.import.back")}</a></p>'
        + (
            f"<h2>{m.html('admin.import.not_imported')}</h2>"
            '<table class="list errors"><thead><tr>'
            f'<th scope="col" class="num">{m.html("admin.import.line")}</th>'
            f'<th scope="col">{m.html("admin.import.problem")}</th></tr></thead>'
            f"<tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + (
            f"<h2>{m.html('admin.import.imported')}</h2><ul class='names'>{names}</ul>"
            if names
            else ""
        )
        + "</section>"
    )
    return layout(m, m.t("admin.import.title"), body)


def desk_signin_page(m: Messages, event: dict[str, Any], person: dict[str, Any]) -> str:
    """The help desk's screen: a large QR that signs one attendee's phone in (once)."""
    fn = str(person["card"]["fn"])
    qr = qr_svg(person["sign_in_url"], m.t("admin.desk.qr_label", name=fn))
    body = (
        _crumbs(m, event, m.html("admin.crumbs.signin"))
        + f'<section class="card desk"><h1>{m.html("admin.desk.heading", name=bdi(fn))}</h1>'
        f"<p>{m.html('admin.desk.how')}</p>"
        f'<div class="qr-box large">{qr}</div>'
        f'<p class="hint">'
        f"{m.html('admin.desk.valid_until', until=m.datetime(person['expires_at'], 'long'))}</p>"
        "</section>"
    )
    return layout(m, m.t("admin.desk.heading", name=fn), body)
