"""A domain error as the organizer's pages show it: in the page's language.

The JSON API's messages stay English (developer-facing; the web app translates by error code),
so an error that reaches an admin HTML page is recognised here by its code and field and said
again from the catalogue. An error not foreseen here still says something in the page's language
for its status, with the API's English sentence beside it (marked `lang="en"`).
"""

from __future__ import annotations

from html import escape

from server.errors import CardswapError, InvalidField, TooLarge, UnsupportedMediaType
from server.events import DATES_OUT_OF_ORDER
from server.i18n import Html, Messages


def _known(m: Messages, exc: CardswapError) -> str | None:
    """The catalogue's text for an error the admin pages can meet, else None."""
    code, field = exc.code, exc.field or ""
    if code == "slug_taken":
        return m.t("admin.error.slug_taken")
    if code == "event_not_found":
        return m.t("admin.error.event_not_found")
    if code == "attendee_not_found":
        return m.t("admin.error.attendee_not_found")
    if code == "bad_origin":
        return m.t("admin.error.bad_origin")
    if code == "empty_file":
        return m.t("admin.error.empty_file")
    if code == "missing_column":
        if field == "email":
            return m.t("admin.error.no_email_column")
        return m.t("admin.error.no_name_column")
    if isinstance(exc, TooLarge):
        return m.t("admin.error.too_large")
    if isinstance(exc, UnsupportedMediaType) or field == "file":
        return m.t("admin.error.choose_file")
    if isinstance(exc, InvalidField):
        if field == "ends_on" and exc.message == DATES_OUT_OF_ORDER:
            return m.t("admin.error.dates_order")
        if field == "slug":
            return m.t("admin.error.slug")
        if field == "name":
            return m.t("admin.error.name")
        if field in ("starts_on", "ends_on"):
            return m.t("admin.error.date")
        if field == "language":
            return m.t("admin.error.language")
        if field == "time_zone":
            return m.t("admin.error.time_zone")
        if field == "from":
            return m.t("admin.error.page_number")
    return None


def error_html(m: Messages, exc: CardswapError) -> Html:
    """The error as HTML for a page in `m`'s language (every part escaped)."""
    known = _known(m, exc)
    if known is not None:
        return Html(escape(known))
    general = m.t("admin.error.general", status=str(exc.status))
    return Html(f'{escape(general)} <span lang="en" dir="ltr">{escape(exc.message)}</span>')
