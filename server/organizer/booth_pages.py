"""The organizer's booth pages: the event's booths with their lead counts, create and import, and
one booth's staff link (with its QR), lead count, questions and exports.

Server-rendered in the reader's language (`server.i18n`, keys `admin.booth.*`), usable without
JavaScript, every value escaped. The organizer sees counts, never a lead: the exports are the
booth team's (they need the staff sign-in), and the page says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from server.booths.questions import KINDS, MAX_QUESTIONS
from server.i18n import Messages
from server.organizer.admin_pages import layout
from server.organizer.badges import qr_svg


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""


def _crumbs(event: dict[str, Any], m: Messages, *more: tuple[str, str | None]) -> str:
    slug = escape(event["slug"])
    parts = [
        f'<a href="/admin">{escape(m.t("admin.booth.events"))}</a>',
        f'<a href="/admin/events/{slug}">{slug}</a>',
    ]
    for text, href in more:
        parts.append(f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text))
    return f'<nav class="crumbs">{" / ".join(parts)}</nav>'


def event_section(event: dict[str, Any], booths: int, leads: int, m: Messages) -> str:
    """The booths' line on the event's dashboard: how many, how many leads, the link."""
    slug = escape(event["slug"])
    return (
        f'<section class="card" id="booths"><h2>{escape(m.t("admin.booth.title"))}</h2>'
        f"<p>{escape(m.t('admin.booth.summary', booths=booths, leads=leads))}</p>"
        f'<p><a href="/admin/events/{slug}/booths">{escape(m.t("admin.booth.manage"))}</a>'
        "</p></section>"
    )


def _hours(by_hour: list[dict[str, Any]], m: Messages) -> str:
    """Leads per hour of their first capture, newest first: counts, never who."""
    if not by_hour:
        return ""
    rows = "".join(
        f"<tr><td>{escape(h['hour'])}</td><td class='num'>{int(h['count'])}</td></tr>"
        for h in reversed(by_hour)
    )
    return (
        f"<details><summary>{escape(m.t('admin.booth.per_hour'))}</summary>"
        f'<table class="list"><thead><tr><th scope="col">{escape(m.t("admin.booth.hour"))}</th>'
        f'<th scope="col" class="num">{escape(m.t("admin.booth.leads_column"))}</th></tr>'
        f"</thead><tbody data-lead-hours>{rows}</tbody></table></details>"
    )


def booths_page(
    event: dict[str, Any],
    booths: list[dict[str, Any]],
    m: Messages,
    message: str | None = None,
    name: str = "",
    by_hour: list[dict[str, Any]] | None = None,
) -> str:
    """Every booth of the event with its number of leads (and all booths' leads per hour); the
    create and import forms."""
    slug = escape(event["slug"])
    rows = "".join(
        "<tr>"
        f'<td><a href="/admin/events/{slug}/booths/{escape(b["id"])}">{escape(b["name"])}</a></td>'
        f'<td class="num">{len(b["questions"])}</td>'
        f'<td class="num" data-leads>{int(b["leads"])}</td></tr>'
        for b in booths
    )
    table = (
        '<table class="list"><thead><tr>'
        f'<th scope="col">{escape(m.t("admin.booth.booth"))}</th>'
        f'<th scope="col" class="num">{escape(m.t("admin.booth.questions"))}</th>'
        f'<th scope="col" class="num">{escape(m.t("admin.booth.leads_column"))}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if booths
        else f"<p>{escape(m.t('admin.booth.none'))}</p>"
    )
    body = (
        _crumbs(event, m, (m.t("admin.booth.title"), None))
        + f"<h1>{escape(m.t('admin.booth.heading', event=event['name']))}</h1>"
        + f'<section class="card">{table}{_hours(by_hour or [], m)}'
        f'<p class="note">{escape(m.t("admin.booth.counts_only"))}</p></section>'
        f'<section class="card" id="create"><h2>{escape(m.t("admin.booth.create"))}</h2>'
        + _error(message)
        + f'<form method="post" action="/admin/events/{slug}/booths" class="stack">'
        f'<label for="booth-name">{escape(m.t("admin.booth.name"))}</label>'
        f'<input id="booth-name" name="name" required maxlength="200" value="{escape(name)}">'
        f'<button type="submit">{escape(m.t("admin.booth.create_button"))}</button></form>'
        "</section>"
        f'<section class="card" id="import"><h2>{escape(m.t("admin.booth.import"))}</h2>'
        f'<form method="post" action="/admin/events/{slug}/booths-import" '
        'enctype="multipart/form-data" class="stack">'
        f'<label for="booth-file">{escape(m.t("admin.booth.import_hint"))}</label>'
        '<input id="booth-file" name="file" type="file" accept=".csv,text/csv" required>'
        f'<button type="submit">{escape(m.t("admin.booth.import_button"))}</button></form>'
        "</section>"
    )
    return layout(m, m.t("admin.booth.title"), body)


def _question_rows(questions: list[dict[str, Any]], m: Messages) -> str:
    """Ten rows: the booth's questions, then empty ones to add; a row with no label is dropped
    (that is how a question is deleted)."""
    kinds = {
        "rating": m.t("admin.booth.kind.rating"),
        "choice": m.t("admin.booth.kind.choice"),
        "multi": m.t("admin.booth.kind.multi"),
        "yesno": m.t("admin.booth.kind.yesno"),
        "text": m.t("admin.booth.kind.text"),
    }
    assert set(kinds) == set(KINDS)
    out = []
    for i in range(MAX_QUESTIONS):
        q = questions[i] if i < len(questions) else {}
        kind = q.get("kind", "rating")
        choices = "".join(
            f'<option value="{k}"{" selected" if k == kind else ""}>{escape(v)}</option>'
            for k, v in kinds.items()
        )
        out.append(
            f'<fieldset class="question"><legend>{escape(m.t("admin.booth.question", n=i + 1))}'
            f'</legend><input type="hidden" name="q{i}_id" value="{escape(q.get("id", ""))}">'
            f'<label for="q{i}_label">{escape(m.t("admin.booth.label"))}</label>'
            f'<input id="q{i}_label" name="q{i}_label" maxlength="200" '
            f'value="{escape(q.get("label", ""))}">'
            f'<label for="q{i}_kind">{escape(m.t("admin.booth.kind_label"))}</label>'
            f'<select id="q{i}_kind" name="q{i}_kind">{choices}</select>'
            f'<label for="q{i}_options">{escape(m.t("admin.booth.options"))}</label>'
            f'<textarea id="q{i}_options" name="q{i}_options" rows="3">'
            f"{escape(chr(10).join(q.get('options', [])))}</textarea></fieldset>"
        )
    return "".join(out)


def booth_page(
    event: dict[str, Any],
    booth: dict[str, Any],
    expires_at: int,
    m: Messages,
    message: str | None = None,
) -> str:
    """One booth: its staff link and QR, its number of leads, its questions form, the exports."""
    slug, bid = escape(event["slug"]), escape(booth["id"])
    url = booth["staff_join_url"]
    until = m.datetime(datetime.fromtimestamp(expires_at, UTC))
    exports = "".join(
        f'<li><a href="/api/booth/leads.{ext}{query}">{escape(label)}</a></li>'
        for ext, query, label in (
            ("csv", "?format=hubspot", m.t("admin.booth.export_hubspot")),
            ("csv", "?format=salesforce", m.t("admin.booth.export_salesforce")),
            ("csv", "?format=plain", m.t("admin.booth.export_plain")),
            ("vcf", "", m.t("admin.booth.export_vcf")),
        )
    )
    body = (
        _crumbs(
            event,
            m,
            (m.t("admin.booth.title"), f"/admin/events/{event['slug']}/booths"),
            (booth["name"], None),
        )
        + f"<h1>{escape(booth['name'])}</h1>"
        + _error(message)
        + '<section class="card" id="staff-link">'
        f'<h2>{escape(m.t("admin.booth.staff_link"))}</h2><div class="join">'
        f'<div class="qr-box small">{qr_svg(url, m.t("admin.booth.staff_qr"))}</div><div>'
        f'<label for="staff-url">{escape(m.t("admin.booth.staff_link_hint"))}</label>'
        f'<div class="copy"><input id="staff-url" readonly value="{escape(url)}">'
        f'<button type="button" data-copy="staff-url">{escape(m.t("admin.booth.copy"))}'
        "</button></div>"
        f"<p>{escape(m.t('admin.booth.staff_link_until', until=until))}</p>"
        f'<p class="hint">{escape(m.t("admin.booth.staff_link_secret"))}</p>'
        "</div></div></section>"
        '<section class="card" id="leads">'
        f"<h2>{escape(m.t('admin.booth.leads_heading'))}</h2>"
        f'<p class="figure" data-leads>{escape(m.t("admin.booth.leads", count=booth["leads"]))}'
        "</p>"
        f'<p class="note">{escape(m.t("admin.booth.counts_only"))}</p>'
        f"<h3>{escape(m.t('admin.booth.exports'))}</h3>"
        f"<p>{escape(m.t('admin.booth.exports_hint'))}</p><ul>{exports}</ul></section>"
        '<section class="card" id="questions">'
        f"<h2>{escape(m.t('admin.booth.questions_heading'))}</h2>"
        f"<p>{escape(m.t('admin.booth.questions_hint'))}</p>"
        f'<form method="post" action="/admin/events/{slug}/booths/{bid}" class="stack">'
        f'<label for="booth-name">{escape(m.t("admin.booth.name"))}</label>'
        f'<input id="booth-name" name="name" required maxlength="200" '
        f'value="{escape(booth["name"])}">'
        + _question_rows(booth["questions"], m)
        + f'<button type="submit">{escape(m.t("admin.booth.save"))}</button></form></section>'
    )
    return layout(m, booth["name"], body)


def import_result_page(event: dict[str, Any], result: Any, m: Messages) -> str:
    """What an exhibitor list upload did: booths made, booths already there, bad lines."""
    slug = escape(event["slug"])
    errors = "".join(
        f"<tr><td class='num'>{int(e['line'])}</td><td>{escape(e['message'])}</td></tr>"
        for e in result.errors
    )
    names = "".join(
        f'<li><a href="/admin/events/{slug}/booths/{escape(b["id"])}">{escape(b["name"])}</a></li>'
        for b in result.booths
    )
    summary = m.t(
        "admin.booth.import_summary",
        created=result.created,
        listed=len(result.booths),
        errors=len(result.errors),
    )
    body = (
        _crumbs(
            event,
            m,
            (m.t("admin.booth.title"), f"/admin/events/{event['slug']}/booths"),
            (m.t("admin.booth.import"), None),
        )
        + f'<section class="card"><h1>{escape(m.t("admin.booth.import"))}</h1>'
        + f'<p class="summary">{escape(summary)}</p>'
        + (
            f'<h2>{escape(m.t("admin.booth.import_errors"))}</h2><table class="list errors">'
            f'<thead><tr><th scope="col" class="num">{escape(m.t("admin.booth.line"))}</th>'
            f'<th scope="col">{escape(m.t("admin.booth.problem"))}</th></tr></thead>'
            f"<tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + (f"<ul class='names'>{names}</ul>" if names else "")
        + "</section>"
    )
    return layout(m, m.t("admin.booth.import"), body)
