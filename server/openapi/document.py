"""The HTTP API (DESIGN.md section 5) as an OpenAPI 3.1 document, for client authors and fuzzers.

Built by hand from the contract, not introspected from handlers: it is a second, independent
statement of the API, and tests/test_openapi.py keeps it and the route table equal both ways, while
tests/test_fuzz_api.py drives a live server with requests generated from it. Limits are the
contract's (section 4 card fields, section 5 sync), so generated data that passes this schema is
data the server must accept, and anything else must come back as the error shape.
"""

from __future__ import annotations

from typing import Any

from server.openapi.schemas import (
    EVENT_FORM,
    MAX_TAG,
    SLUG_PATTERN,
    Schema,
    ref,
    schemas,
)

_ERROR_TEXT = {
    "400": "malformed request",
    "401": "no, bad or expired credentials",
    "403": "not allowed",
    "404": "not found",
    "409": "conflict",
    "413": "too large",
    "415": "wrong content type",
    "422": "invalid field",
    "429": "rate limited",
}
HTML = {"text/html": {"schema": {"type": "string"}}}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}, {"session_cookie": []}]
ADMIN: list[dict[str, list[str]]] = [{"admin_bearer": []}, {"admin_cookie": []}]


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


RETRY_AFTER: Schema = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def _error(code: int, html: bool = False, json: bool = True) -> Schema:
    """One error response: the contract's JSON error shape, and/or an HTML page for browsers."""
    content: Schema = {}
    if json:
        content.update(_json(ref("Error")))
    if html:
        content.update(HTML)
    out: Schema = {"description": _ERROR_TEXT[str(code)], "content": content}
    if code == 429:
        out["headers"] = RETRY_AFTER
    return out


def _errors(*codes: int) -> dict[str, Schema]:
    return {str(c): _error(c) for c in codes}


def _op(
    summary: str,
    ok: tuple[int, Schema | None, str],
    errors: tuple[int, ...],
    *,
    body: Schema | None = None,
    security: list[dict[str, list[str]]] | None = None,
    params: list[Schema] | None = None,
    body_type: str = "application/json",
) -> Schema:
    status, content, description = ok
    response: Schema = {"description": description}
    if content is not None:
        response["content"] = content
    # 429: the per-IP flood guard (server.middleware) answers any /api/ path past its budget.
    codes = sorted({*errors, 429})
    out: Schema = {"summary": summary, "responses": {str(status): response, **_errors(*codes)}}
    if body is not None:
        out["requestBody"] = {"required": True, "content": {body_type: {"schema": body}}}
    out["security"] = security if security is not None else []
    if params:
        out["parameters"] = params
    return out


def _path(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def _query(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema}


VCARD = {"text/vcard": {"schema": {"type": "string"}}}
SLUG = _path("slug", {"type": "string", "pattern": SLUG_PATTERN})
TOKEN = _path("token", {"type": "string", "maxLength": 2000})
NOT_FOUND_HTML = {"404": {"description": "not found", "content": HTML}}


FORM = "application/x-www-form-urlencoded"
# Any value is taken: `letter` (any case) prints on US Letter, anything else on A4.
# A contact file the card form can start from, in the plain form every exporter can write: a
# vCard (BEGIN:VCARD, a property a line with simple parameters, END:VCARD; whatever follows is
# read as more cards) or one MECARD, in printable text. The reader also takes real-world files
# beyond it (folded lines, quoted parameters, the vobject traps of DESIGN.md section 4); text
# that is no card at all is 422 `invalid_vcard`.
CONTACT_FILE = (
    r"^[ \t\r\n]*(?:BEGIN:VCARD[ \t]*\r?\n"
    r"(?:[A-Za-z][A-Za-z0-9-]*(?:;[A-Za-z0-9-]+(?:=[A-Za-z0-9,.-]*)?)*:[^\x00-\x1f\x7f]*\r?\n)*"
    r"END:VCARD[ \t]*(?:[\r\n][\s\S]*)?|MECARD:[^\x00-\x1f\x7f]*)$"
)
# The contact list's filters (server.contacts.parse_filters), for the list and its exports; an
# empty value is no filter.
FILTERS = [
    _query("follow_up", {"enum": ["todo", "done", "none", ""]}),
    _query("tag", {"type": "string", "maxLength": MAX_TAG}),
    _query("starred", {"enum": ["true", "false", ""]}),
    _query("q", {"type": "string", "maxLength": 200}),
]
IDS = _query("ids", {"type": "string", "description": "comma-separated ids (at most 1000)"})
PAPER = _query("paper", {"type": "string", "examples": ["a4", "letter"]})


def _page(
    summary: str,
    responses: dict[str, str],
    *,
    params: list[Schema] | None = None,
    form: Schema | None = None,
    security: list[dict[str, list[str]]] | None = None,
    html_only: tuple[str, ...] = (),
    json_only: tuple[str, ...] = (),
) -> Schema:
    """An organizer HTML page or form post: HTML (or a 303) out. An error is an HTML page for a
    browser (`Accept: text/html`) and the contract's JSON error for anyone else, except the
    codes a form answers with its own page (`html_only`) or that come before any page
    (`json_only`)."""
    out_responses: dict[str, Schema] = {}
    for code, text in responses.items():
        if code in ("204", "303"):
            out_responses[code] = {"description": text}
        elif code == "200":
            out_responses[code] = {"description": text, "content": HTML}
        else:
            error = _error(int(code), html=code not in json_only, json=code not in html_only)
            out_responses[code] = {**error, "description": text}
    out: Schema = {
        "summary": summary,
        "security": ADMIN if security is None else security,
        "responses": out_responses,
    }
    if params:
        out["parameters"] = params
    if form is not None:
        out["requestBody"] = {"required": True, "content": {FORM: {"schema": form}}}
    return out


def _form(*names: str) -> Schema:
    return {
        "type": "object",
        "properties": {n: {"type": "string", "maxLength": 300} for n in names},
    }


def _admin_pages() -> dict[str, Schema]:
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
        get = _page(summary, {"401": "not signed in", "404": "no such event"}, params=[SLUG])
        get["responses"]["200"] = chart
        charts[path] = {"get": get}
    return {
        "/admin": {"get": _page("Sign-in form, or the events list", {"200": "page"}, security=[])},
        "/admin/signin": {
            "post": _page(
                "Sign in with the admin token (sets the admin cookie); a few tries per address",
                {
                    "303": "signed in (form)",
                    "204": "signed in (JSON)",
                    "401": "wrong token (the form again, or JSON for a JSON body)",
                    **posted,
                    "403": "posted from another origin",
                    "429": "too many tries from this address",
                },
                form=_form("token", "next"),
                security=[],
                json_only=("400", "403", "413", "415", "429"),
            )
        },
        "/admin/signout": {
            "post": _page("Forget the admin cookie", {"303": "to /admin"}, security=[])
        },
        "/admin/events": {
            "post": _page(
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
            "get": _page("The event's dashboard", seen, params=[SLUG]),
            "post": _page(
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
                **_page(
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
            "get": _page(
                "Printable badges with each card's QR",
                {**seen, "422": "`from` is not a number"},
                params=[
                    SLUG,
                    PAPER,
                    _query("q", {"type": "string", "description": "names, orgs, emails"}),
                    _query("ids", {"type": "string"}),
                    _query("from", {"type": "integer", "description": "the first badge (0)"}),
                ],
            )
        },
        "/admin/events/{slug}/attendees/{attendee_id}/signin": {
            "get": _page(
                "A fresh single-use sign-in QR for one attendee (the help desk)",
                {**seen, "404": "no such event or attendee"},
                params=[SLUG, _path("attendee_id", {"type": "string", "maxLength": 64})],
            )
        },
        "/admin/events/{slug}/poster": {
            "get": _page(
                "The printable join poster",
                seen,
                params=[SLUG, PAPER],
            )
        },
        **charts,
    }


def _paths() -> dict[str, Schema]:
    me_ok = (200, _json(ref("Me")), "the attendee, card URL, event and settings")
    paths: dict[str, Schema] = {
        "/api/admin/events": {
            "post": _op(
                "Create an event",
                (201, _json(ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 409, 413, 415, 422),
                body=ref("EventCreate"),
                security=ADMIN,
            )
        },
        "/api/events/{slug}": {
            "get": _op(
                "An event's public face",
                (200, _json(ref("Event")), "the event"),
                (404,),
                params=[SLUG],
            )
        },
        "/api/events/{slug}/attendees": {
            "post": _op(
                "Register with the join code (sets the session cookie)",
                (201, _json(ref("Registration")), "the attendee, session token and card URL"),
                (400, 403, 404, 413, 415, 422, 429),
                body=ref("RegistrationRequest"),
                params=[SLUG],
            )
        },
        "/api/me": {
            "get": _op("The signed-in attendee", me_ok, (401,), security=BEARER),
            "delete": _op(
                "Delete the attendee, their card and their contacts",
                (204, None, "deleted"),
                (401, 403),
                security=BEARER,
            ),
        },
        "/api/me/card": {
            "put": _op(
                "Replace the own card (old card URLs resolve to the new card)",
                me_ok,
                (400, 401, 403, 413, 415, 422),
                body=ref("CardRequest"),
                security=BEARER,
            )
        },
        "/api/me/settings": {
            "put": _op(
                "Change settings",
                me_ok,
                (400, 401, 403, 413, 415, 422),
                body=ref("SettingsRequest"),
                security=BEARER,
            )
        },
        "/api/me/photo": {
            "put": {
                **_op(
                    "Set the card's photo: decoded, re-encoded (EXIF and GPS dropped), stored "
                    "small and large under new URLs; the card's holders get it at their next sync",
                    me_ok,
                    (400, 401, 403, 413, 415, 422),
                    security=BEARER,
                ),
                "requestBody": {
                    "required": True,
                    "description": "a JPEG, PNG or WebP image of at most 2 MiB and 24 million "
                    "pixels, checked by decoding it (the type only says how to read it): 413 "
                    "past 2 MiB, 415 for another type, 422 `not_an_image` for bytes that do not "
                    "decode whole, 422 `too_many_pixels` for more pixels",
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in ("image/jpeg", "image/png", "image/webp")
                    },
                },
            },
            "delete": _op(
                "Remove the card's photo (its URLs then answer 404)",
                me_ok,
                (401, 403),
                security=BEARER,
            ),
        },
        "/photos/{photo_id}/{size}.jpg": {
            "get": _op(
                "A card's photo, at the versioned URL a card's `photo` names (cacheable for ever)",
                (200, {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}, "JPEG"),
                (404,),
                params=[_path("photo_id"), _path("size", {"enum": ["small", "large"]})],
            )
        },
        "/api/me/qr.svg": {
            "get": _op(
                "The card URL as an SVG QR code",
                (200, {"image/svg+xml": {"schema": {"type": "string"}}}, "SVG"),
                (401,),
                security=BEARER,
            )
        },
        "/api/me/devices": {
            "post": _op(
                "A short-lived sign-in link for another device (bodiless)",
                (201, _json(ref("DeviceSignin")), "the link and when it expires"),
                (401, 403),
                security=BEARER,
            )
        },
        "/api/me/app-passwords": {
            "post": _op(
                "A new app password for the phone's own address book (CardDAV); shown once",
                (201, _json(ref("AppPasswordCreated")), "the password and its set-up links"),
                (400, 401, 403, 409, 413, 415, 422),
                body=ref("AppPasswordRequest"),
                security=BEARER,
            ),
            "get": _op(
                "The attendee's app passwords (never the passwords)",
                (200, _json(ref("AppPasswordList")), "app passwords, oldest first"),
                (401,),
                security=BEARER,
            ),
        },
        "/api/me/app-passwords/{password_id}": {
            "delete": _op(
                "Revoke an app password, at once",
                (204, None, "revoked"),
                (401, 403, 404),
                security=BEARER,
                params=[_path("password_id", {"type": "string", "maxLength": 64})],
            )
        },
        "/api/dav/profiles/{token}.mobileconfig": {
            "get": _op(
                "The Apple configuration profile that adds the address book (iPhone, Mac); "
                "valid once, for 10 minutes after the password was made",
                (
                    200,
                    {"application/x-apple-aspen-config": {"schema": {"type": "string"}}},
                    "the profile",
                ),
                (404,),
                params=[TOKEN],
            )
        },
        "/signin/{token}": {
            "get": {
                "summary": "Sign a device in (once); sets the session cookie",
                "security": [],
                "parameters": [TOKEN],
                "responses": {
                    "303": {"description": "signed in; redirect to /"},
                    "401": {"description": "link invalid, expired or used", "content": HTML},
                },
            }
        },
        "/api/sync": {
            "post": _op(
                "Send queued ops, receive changes since the cursor",
                (200, _json(ref("SyncResponse")), "acks, rejections, changes, cursor"),
                (400, 401, 403, 413, 415, 422, 429),
                body=ref("SyncRequest"),
                security=BEARER,
            )
        },
        "/api/contacts": {
            "get": _op(
                "The attendee's contacts (not deleted), filtered",
                (200, _json(ref("ContactList")), "contacts"),
                (400, 401, 422),
                security=BEARER,
                params=FILTERS,
            )
        },
        "/api/contacts.vcf": {
            "get": _op(
                "All (or the listed) contacts as one vCard 3.0 file",
                (200, VCARD, "vCard file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/contacts/{contact_id}.vcf": {
            "get": _op(
                "One contact as a vCard",
                (200, VCARD, "vCard file"),
                (401, 404),
                security=BEARER,
                params=[_path("contact_id")],
            )
        },
        "/api/contacts.csv": {
            "get": _op(
                "Contacts as Google Contacts CSV",
                (200, {"text/csv": {"schema": {"type": "string"}}}, "CSV file"),
                (401, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/contacts.zip": {
            "get": _op(
                "One .vcf per contact in a zip (Outlook desktop)",
                (200, {"application/zip": {"schema": {"type": "string"}}}, "zip file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/cards/from-vcard": {
            "post": _op(
                "An own card made from a contact file (to fill the card form)",
                (200, _json(ref("CardFromVCard")), "the card and any warnings"),
                (400, 413, 415, 422),
                body={
                    "type": "string",
                    "maxLength": 1024 * 1024,
                    "pattern": CONTACT_FILE,
                    "description": "a vCard or MECARD: the first card is used, the rest warned of",
                },
                body_type="text/vcard",
            )
        },
        "/c/{token}": {
            "get": {
                "summary": "The public card page",
                "security": [],
                "parameters": [TOKEN],
                "responses": {
                    "200": {"description": "card page", "content": HTML},
                    **NOT_FOUND_HTML,
                },
            }
        },
        "/c/{token}.vcf": {
            "get": {
                "summary": "The public card as a vCard",
                "security": [],
                "parameters": [TOKEN],
                "responses": {"200": {"description": "vCard", "content": VCARD}, **NOT_FOUND_HTML},
            }
        },
        "/api/admin/events/{slug}/attendees.csv": {
            "post": _op(
                "Import attendees from CSV (idempotent by email)",
                (200, _json(ref("ImportResult")), "created count, attendees, row errors"),
                (400, 401, 403, 404, 413, 415, 422),
                body={"type": "string"},
                body_type="text/csv",
                security=ADMIN,
                params=[SLUG],
            ),
            "get": _op(
                "Fresh sign-in links for every attendee, as CSV for a mail merge",
                (200, {"text/csv": {"schema": {"type": "string"}}}, "CSV file"),
                (401, 403, 404),
                security=ADMIN,
                params=[SLUG],
            ),
        },
        "/api/admin/events/{slug}": {
            method: _op(
                "Change an event's name or dates (the slug never changes)",
                (200, _json(ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 404, 413, 415, 422),
                body=ref("EventUpdate"),
                security=ADMIN,
                params=[SLUG],
            )
            for method in ("patch", "put")
        },
        "/api/admin/events/{slug}/stats": {
            "get": _op(
                "Aggregate stats (never who met whom)",
                (200, _json(ref("Stats")), "stats"),
                (401, 404),
                security=ADMIN,
                params=[SLUG],
            )
        },
        "/shell/session": {
            "get": {
                "summary": "Whether the session cookie is valid (the web shell's probe)",
                "security": [{"session_cookie": []}, {}],
                "responses": {
                    "200": {
                        "description": "signed in or not; never a 401",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["signed_in"],
                                "properties": {"signed_in": {"type": "boolean"}},
                            }
                        ),
                    }
                },
            }
        },
        "/api/openapi.json": {
            "get": _op(
                "This document",
                (200, {"application/json": {"schema": {"type": "object"}}}, "OpenAPI 3.1"),
                (),
            )
        },
        "/api/health": {
            "get": _op(
                'Liveness: always {"ok": true} while the server answers',
                (
                    200,
                    _json(
                        {
                            "type": "object",
                            "required": ["ok"],
                            "properties": {"ok": {"const": True}},
                            "additionalProperties": False,
                        }
                    ),
                    "alive",
                ),
                (),
            )
        },
    }
    return {**paths, **_admin_pages()}


def spec(base_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document; `servers` names `base_url` when given."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "cardswap",
            "version": "1",
            "description": "Swap business cards at in-person events, offline first. Errors are "
            'always {"error": {"code", "message", "field"?}}; request bodies over 1 MiB are 413.',
        },
        "paths": _paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "session token"},
                "session_cookie": {"type": "apiKey", "in": "cookie", "name": "cardswap_session"},
                "admin_bearer": {"type": "http", "scheme": "bearer", "description": "admin token"},
                "admin_cookie": {"type": "apiKey", "in": "cookie", "name": "cardswap_admin"},
            },
        },
    }
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
