"""The organizer's HTML pages: sign-in, the event list, each event's dashboard, import results.

Server-rendered and usable without JavaScript; web/admin/admin.js only adds live stats, copy and
print buttons. No inline script or style anywhere (the CSP forbids both): classes and external
files only. Every value is escaped. Organizers see aggregates only: these pages list attendees
(the organizer's own data) and counts, never anything read from contacts or ops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from server.organizer.badges import PAPERS, qr_svg
from server.organizer.public_pages import photo_img


def layout(title: str, body: str, *, signed_in: bool = True) -> str:
    """The page frame with the admin header (and a sign-out button when signed in)."""
    signout = (
        '<form method="post" action="/admin/signout" class="signout">'
        '<button type="submit">Sign out</button></form>'
        if signed_in
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)} · cardswap admin</title>"
        '<link rel="stylesheet" href="/admin/static/admin.css">'
        '<script type="module" src="/admin/static/admin.js"></script>'
        '</head><body class="admin"><header class="top">'
        '<a class="brand" href="/admin">cardswap <span>organizer</span></a>'
        f"{signout}</header><main>{body}</main></body></html>"
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""


def signin_page(next_path: str = "/admin", message: str | None = None) -> str:
    """The admin token form; it posts to /admin/signin, which sets the admin cookie."""
    body = (
        '<section class="card narrow"><h1>Organizer sign-in</h1>'
        "<p>Enter the admin token. <code>cardswap serve</code> prints it at start-up "
        "(or set <code>CARDSWAP_ADMIN_TOKEN</code>).</p>"
        f"{_error(message)}"
        '<form method="post" action="/admin/signin" class="stack">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        # a fixed user name lets password managers offer to keep the token
        '<input type="text" name="username" value="organizer" autocomplete="username" '
        'hidden readonly aria-hidden="true" tabindex="-1">'
        '<label for="token">Admin token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        "required autofocus>"
        '<button type="submit">Sign in</button></form></section>'
    )
    return layout("Sign in", body, signed_in=False)


def error_page(status: int, message: str) -> str:
    body = (
        f'<section class="card narrow"><h1>{status}</h1>{_error(message)}'
        '<p><a href="/admin">Back to the events</a></p></section>'
    )
    return layout(f"Error {status}", body)


def _event_fields(values: dict[str, Any], *, with_slug: bool) -> str:
    def value(key: str) -> str:
        return escape(str(values.get(key) or ""))

    slug = (
        '<label for="slug">Slug (in links: lower-case letters, digits, dashes)</label>'
        f'<input id="slug" name="slug" required pattern="[a-z0-9][a-z0-9\\-]{{0,63}}" '
        f'maxlength="64" value="{value("slug")}">'
        if with_slug
        else ""
    )
    return (
        f"{slug}"
        '<label for="name">Name</label>'
        f'<input id="name" name="name" required maxlength="200" value="{value("name")}">'
        '<div class="row"><span><label for="starts_on">Starts on</label>'
        f'<input id="starts_on" name="starts_on" type="date" value="{value("starts_on")}">'
        '</span><span><label for="ends_on">Ends on</label>'
        f'<input id="ends_on" name="ends_on" type="date" value="{value("ends_on")}"></span></div>'
    )


def events_page(
    events: list[dict[str, Any]],
    counts: dict[str, int],
    form: dict[str, Any] | None = None,
    message: str | None = None,
) -> str:
    """The organizer's home: every event with its attendee count, and the create form."""
    rows = "".join(
        "<tr>"
        f'<td><a href="/admin/events/{escape(e["slug"])}">{escape(e["name"])}</a></td>'
        f"<td><code>{escape(e['slug'])}</code></td>"
        f"<td>{escape(e.get('starts_on') or '')}</td><td>{escape(e.get('ends_on') or '')}</td>"
        f'<td class="num">{counts.get(e["slug"], 0)}</td></tr>'
        for e in events
    )
    table = (
        '<table class="list"><thead><tr><th scope="col">Event</th><th scope="col">Slug</th>'
        '<th scope="col">Starts</th><th scope="col">Ends</th>'
        '<th scope="col" class="num">Attendees</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if events
        else "<p>No events yet: create the first one below.</p>"
    )
    body = (
        f'<section class="card"><h1>Events</h1>{table}</section>'
        '<section class="card" id="create"><h2>Create an event</h2>'
        f"{_error(message)}"
        '<form method="post" action="/admin/events" class="stack">'
        f"{_event_fields(form or {}, with_slug=True)}"
        '<button type="submit">Create event</button></form></section>'
    )
    return layout("Events", body)


def _stats_section(slug: str, stats: dict[str, Any]) -> str:
    base = f"/admin/events/{escape(slug)}"
    hours = "".join(
        f"<tr><td>{escape(h['hour'])}</td><td class='num'>{int(h['count'])}</td></tr>"
        for h in reversed(stats["exchanges_by_hour"])
    )
    return (
        f'<section class="card" id="stats" data-stats-url="/api/admin/events/{escape(slug)}/stats">'
        '<div class="heading"><h2>Live statistics</h2>'
        '<p class="status" data-stats-status aria-live="polite">Updated on load</p></div>'
        '<dl class="figures">'
        f'<div><dt>Attendees</dt><dd data-stat="attendees">{stats["attendees"]}</dd></div>'
        "<div><dt>Active (swapped or synced)</dt>"
        f'<dd data-stat="active_attendees">{stats["active_attendees"]}</dd></div>'
        f'<div><dt>Swaps</dt><dd data-stat="exchanges">{stats["exchanges"]}</dd></div></dl>'
        '<div class="charts">'
        f'<img data-chart="exchanges" src="{base}/swaps.svg" width="720" height="260" '
        'alt="Bar chart: swaps per hour">'
        f'<img data-chart="attendees" src="{base}/registrations.svg" width="720" height="260" '
        'alt="Line chart: registrations over time"></div>'
        "<details><summary>Swaps per hour as a table (UTC)</summary>"
        '<table class="list"><thead><tr><th scope="col">Hour</th>'
        '<th scope="col" class="num">Swaps</th></tr></thead>'
        f"<tbody data-hours>{hours}</tbody></table></details>"
        '<p class="note">Aggregates only: who met whom stays with the attendees.</p></section>'
    )


def _join_section(event: dict[str, Any], join_url: str) -> str:
    slug = escape(event["slug"])
    return (
        '<section class="card" id="join"><h2>Join link</h2><div class="join">'
        f'<div class="qr-box small">{qr_svg(join_url, "Join QR code")}</div><div>'
        '<label for="join-url">Share this link or print the poster</label>'
        f'<div class="copy"><input id="join-url" readonly value="{escape(join_url)}">'
        '<button type="button" data-copy="join-url">Copy</button></div>'
        f'<p>Join code: <strong class="code">{escape(event["join_code"])}</strong></p>'
        f'<p>Poster: <a href="/admin/events/{slug}/poster?paper=a4">A4</a> · '
        f'<a href="/admin/events/{slug}/poster?paper=letter">US Letter</a></p>'
        "</div></div></section>"
    )


def _attendee_section(slug: str, attendees: list[dict[str, Any]], total: int) -> str:
    s = escape(slug)
    more = (
        f'<p class="hint">Showing the first {len(attendees)} of {total} attendees: search above '
        "to print the badges of others.</p>"
        if total > len(attendees)
        else ""
    )
    rows = "".join(
        "<tr>"
        f'<td><input type="checkbox" name="id" value="{escape(a["id"])}" '
        f'aria-label="Select {escape(a["card"]["fn"])}"></td>'
        f'<td class="face">{photo_img(a["card"], "small", "face", 40)}</td>'
        f"<td>{escape(a['card']['fn'])}</td><td>{escape(a['card'].get('org', ''))}</td>"
        f"<td>{escape(a['card'].get('title', ''))}</td><td>{escape(a.get('email') or '')}</td>"
        f'<td><a href="{escape(a["card_url"])}">card</a> · '
        f'<a href="/admin/events/{s}/attendees/{escape(a["id"])}/signin">sign-in QR</a></td></tr>'
        for a in attendees
    )
    papers = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in PAPERS.items())
    return (
        '<section class="card" id="attendees"><h2>Attendees</h2>'
        f'<form method="post" action="/admin/events/{s}/import" enctype="multipart/form-data" '
        'class="stack import"><label for="file">Import a CSV (columns name, email, org, title, '
        "phone, url; <code>,</code> or <code>;</code>; re-importing updates by email)</label>"
        '<input id="file" name="file" type="file" accept=".csv,text/csv" required>'
        '<button type="submit">Import</button></form>'
        f'<p><a href="/api/admin/events/{s}/attendees.csv" download>Download the sign-in links '
        "(CSV for a mail merge)</a> — each download makes fresh single-use links.</p>"
        f'<form method="get" action="/admin/events/{s}/badges" class="badges-form">'
        '<div class="row"><span><label for="q">Badges for (name, organisation, title or email; '
        'empty for everyone)</label><input id="q" name="q" type="search"></span>'
        f'<span><label for="paper">Paper</label><select id="paper" name="paper">{papers}'
        '</select></span><span class="check"><input id="photos" name="photos" value="1" '
        'type="checkbox"><label for="photos">With photos</label></span>'
        '<button type="submit">Print badges</button></div>'
        + (
            '<table class="list"><thead><tr><th scope="col"><span class="sr">Select</span></th>'
            '<th scope="col"><span class="sr">Photo</span></th>'
            '<th scope="col">Name</th><th scope="col">Organisation</th>'
            '<th scope="col">Title</th><th scope="col">Email</th><th scope="col">Links</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
            '<p class="hint">Tick attendees to print only their badges.</p>' + more
            if attendees
            else "<p>No attendees yet.</p>"
        )
        + "</form></section>"
    )


def event_page(
    event: dict[str, Any],
    join_url: str,
    stats: dict[str, Any],
    attendees: list[dict[str, Any]],
    message: str | None = None,
    *,
    total: int | None = None,
    booths: str = "",
) -> str:
    """One event: edit form, join link and poster, live stats with charts, attendees and badges
    (and `booths`, the booths' section, server.organizer.booth_pages)."""
    total = len(attendees) if total is None else total
    dates = " – ".join(d for d in (event.get("starts_on"), event.get("ends_on")) if d)
    body = (
        f'<nav class="crumbs"><a href="/admin">Events</a> / {escape(event["slug"])}</nav>'
        f"<h1>{escape(event['name'])}</h1>"
        + (f'<p class="dates">{escape(dates)}</p>' if dates else "")
        + _error(message)
        + _stats_section(event["slug"], stats)
        + booths
        + _join_section(event, join_url)
        + _attendee_section(event["slug"], attendees, total)
        + '<section class="card"><details'
        + (" open" if message else "")
        + "><summary>Edit event</summary>"
        f'<form method="post" action="/admin/events/{escape(event["slug"])}" class="stack">'
        f"{_event_fields(event, with_slug=False)}"
        '<button type="submit">Save</button></form></details></section>'
    )
    return layout(str(event["name"]), body)


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def import_result_page(event: dict[str, Any], result: Any) -> str:
    """What an upload did: created/updated counts, each bad row with its line."""
    slug = escape(event["slug"])
    errors = "".join(
        f"<tr><td class='num'>{int(e['line'])}</td><td>{escape(e['message'])}</td></tr>"
        for e in result.errors
    )
    names = "".join(f"<li>{escape(a['fn'])}</li>" for a in result.attendees[:1000])
    body = (
        f'<nav class="crumbs"><a href="/admin">Events</a> / '
        f'<a href="/admin/events/{slug}">{escape(event["slug"])}</a> / import</nav>'
        f'<section class="card"><h1>Import into {escape(event["name"])}</h1>'
        f'<p class="summary">{result.created} created, {result.updated} updated, '
        f"{result.unchanged} unchanged, {len(result.errors)} "
        f"row{'s' * (len(result.errors) != 1)} with errors.</p>"
        f"<p>Sign-in links work once each, until {escape(_day(result.expires_at))} (UTC).</p>"
        f'<p><a href="/api/admin/events/{slug}/attendees.csv" download>Download the sign-in '
        "links (CSV)</a> · "
        f'<a href="/admin/events/{slug}/badges">Print badges</a> · '
        f'<a href="/admin/events/{slug}">Back to the event</a></p>'
        + (
            '<h2>Rows not imported</h2><table class="list errors"><thead><tr>'
            '<th scope="col" class="num">Line</th><th scope="col">Problem</th></tr></thead>'
            f"<tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + (f"<h2>Imported</h2><ul class='names'>{names}</ul>" if names else "")
        + "</section>"
    )
    return layout("Import", body)


def desk_signin_page(event: dict[str, Any], person: dict[str, Any]) -> str:
    """The help desk's screen: a large QR that signs one attendee's phone in (once)."""
    slug = escape(event["slug"])
    name = escape(person["card"]["fn"])
    body = (
        f'<nav class="crumbs"><a href="/admin">Events</a> / '
        f'<a href="/admin/events/{slug}">{escape(event["slug"])}</a> / sign-in</nav>'
        f'<section class="card desk"><h1>Sign in {name}</h1>'
        "<p>Let them scan this with their phone camera: it signs the phone in to their card "
        "and contacts. The code works once; reload the page for another.</p>"
        f'<div class="qr-box large">{qr_svg(person["sign_in_url"], f"Sign-in code for {name}")}'
        "</div>"
        f'<p class="hint">Valid until {escape(_day(person["expires_at"]))} UTC. Do not share '
        "a screenshot of it: whoever scans it first is signed in as this attendee.</p>"
        "</section>"
    )
    return layout(f"Sign in {person['card']['fn']}", body)
