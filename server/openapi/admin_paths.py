"""The organizer's HTML pages in the OpenAPI document (signed in with the admin cookie)."""

from __future__ import annotations

from server.openapi.builders import PAPER, SLUG, form_schema, page, path_param, query_param
from server.openapi.schemas import EVENT_FORM, Schema


def admin_pages() -> dict[str, Schema]:
    """The organizer's HTML pages (signed in with the admin cookie set by /admin/signin)."""
    seen = {"200": "the page", "401": "the sign-in form", "404": "no such event"}
    # What reading a posted form can refuse (server.http.read_form_or_json), and the same-origin
    # check on a cookie-authenticated write.
    posted = {
        "400": "malformed form or JSON",
        "403": "not from the admin pages' origin",
        "413": "form too large",
        "415": "not a form or JSON",
    }
    chart = {
        "description": "SVG chart",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    }
    charts: dict[str, Schema] = {}
    for path, summary in (
        ("/admin/events/{slug}/swaps.svg", "Swaps per hour as an SVG bar chart"),
        ("/admin/events/{slug}/registrations.svg", "Registrations over time as SVG"),
    ):
        get = page(summary, {"401": "not signed in", "404": "no such event"}, params=[SLUG])
        get["responses"]["200"] = chart
        charts[path] = {"get": get}
    return {
        "/admin": {"get": page("Sign-in form, or the events list", {"200": "page"}, security=[])},
        "/admin/signin": {
            "post": page(
                "Sign in with the admin token (sets the admin cookie); a few tries per address",
                {
                    "303": "signed in (form)",
                    "204": "signed in (JSON)",
                    "401": "wrong token (the form again, or JSON for a JSON body)",
                    **posted,
                    "403": "posted from another origin",
                    "429": "too many tries from this address",
                },
                form=form_schema("token", "next"),
                security=[],
                json_only=("400", "403", "413", "415", "429"),
            )
        },
        "/admin/signout": {
            "post": page("Forget the admin cookie", {"303": "to /admin"}, security=[])
        },
        "/admin/events": {
            "post": page(
                "Create an event from the form",
                {
                    "303": "to the event page",
                    "401": "sign-in form",
                    **posted,
                    "409": "form: the slug is taken",
                    "422": "form with errors",
                },
                form={"type": "object", "required": ["slug", "name"], "properties": EVENT_FORM},
                html_only=("409", "422"),
            )
        },
        "/admin/events/{slug}": {
            "get": page("The event's dashboard", seen, params=[SLUG]),
            "post": page(
                "Change the event's name or dates from the form",
                {**seen, "303": "to the event page", **posted, "422": "form with errors"},
                params=[SLUG],
                form={
                    "type": "object",
                    "properties": {k: EVENT_FORM[k] for k in ("name", "starts_on", "ends_on")},
                },
                html_only=("422",),
            ),
        },
        "/admin/events/{slug}/import": {
            "post": {
                **page(
                    "Import attendees from an uploaded CSV (multipart form)",
                    {
                        **seen,
                        **posted,
                        "400": "no file chosen, or a malformed form",
                        "413": "file too large",
                        "415": "not a form upload",
                        "422": "the file is not a readable CSV",
                    },
                    params=[SLUG],
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
            }
        },
        "/admin/events/{slug}/badges": {
            "get": page(
                "Printable badges with each card's QR",
                {**seen, "422": "`from` is not a number"},
                params=[
                    SLUG,
                    PAPER,
                    query_param("q", {"type": "string", "description": "names, orgs, emails"}),
                    query_param("ids", {"type": "string"}),
                    query_param("from", {"type": "integer", "description": "the first badge (0)"}),
                ],
            )
        },
        "/admin/events/{slug}/attendees/{attendee_id}/signin": {
            "get": page(
                "A fresh single-use sign-in QR for one attendee (the help desk)",
                {**seen, "404": "no such event or attendee"},
                params=[SLUG, path_param("attendee_id", {"type": "string", "maxLength": 64})],
            )
        },
        "/admin/events/{slug}/poster": {
            "get": page(
                "The printable join poster",
                seen,
                params=[SLUG, PAPER],
            )
        },
        **charts,
    }
