"""The HTTP API (DESIGN.md section 5) as an OpenAPI 3.1 document, for client authors and fuzzers.

Built by hand from the contract, not introspected from handlers: it is a second, independent
statement of the API, and tests/test_openapi.py keeps it and the route table equal both ways, while
tests/test_fuzz_api.py drives a live server with requests generated from it. Limits are the
contract's (section 4 card fields, section 5 sync), so generated data that passes this schema is
data the server must accept, and anything else must come back as the error shape.
"""

from __future__ import annotations

from typing import Any

from server.cards import MAX_EMAIL, MAX_ITEMS, MAX_NOTE, MAX_PHONE, MAX_TEXT, MAX_URL

Schema = dict[str, Any]

MAX_OPS = 500
MAX_NOTES = 10_000
MAX_TAGS = 50
MAX_TAG = 64
MAX_VCARD = 16 * 1024
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
# A time with an explicit offset: what `at` must be (a naive time is rejected).
AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(limit: int = MAX_TEXT) -> Schema:
    # One line of text; the server strips surrounding spaces and counts what is left.
    return {"type": ["string", "null"], "maxLength": limit, "pattern": r"^[^\x00-\x1f\x7f]*$"}


def _list(item: Schema) -> Schema:
    return {"type": ["array", "null"], "maxItems": MAX_ITEMS, "items": item}


CARD: Schema = {
    "type": "object",
    "description": "A card (DESIGN.md section 4). Empty strings and null mean absent; unknown "
    "keys are refused with 422.",
    "additionalProperties": False,
    "required": ["fn"],
    "properties": {
        "fn": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_TEXT,
            "pattern": r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$",
        },
        "given": _text(),
        "family": _text(),
        "org": _text(),
        "title": _text(),
        "emails": _list(
            {
                "type": "string",
                "maxLength": MAX_EMAIL,
                "pattern": r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$",
            }
        ),
        "phones": _list({"type": "string", "maxLength": MAX_PHONE, "pattern": r"^[0-9 +\-().x]+$"}),
        "urls": _list(
            {
                "type": "string",
                "maxLength": MAX_URL,
                "pattern": r"^https?://[^\s/?#]+[^\x00-\x1f\x7f]*$",
            }
        ),
        "note": {"type": ["string", "null"], "maxLength": MAX_NOTE},
    },
}
# What the server returns: the same fields, lists always present, foreign cards uncapped.
CARD_OUT: Schema = {
    "type": "object",
    "required": ["fn"],
    "properties": {
        **{k: {"type": "string"} for k in ("fn", "given", "family", "org", "title", "note")},
        **{k: {"type": "array", "items": {"type": "string"}} for k in ("emails", "phones", "urls")},
    },
}
ERROR: Schema = {
    "type": "object",
    "description": 'Every error: {"error": {"code", "message", "field"?}}.',
    "additionalProperties": False,
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string", "minLength": 1},
                "field": {"type": "string"},
            },
        }
    },
}
EVENT: Schema = {
    "type": "object",
    "required": ["slug", "name", "starts_on", "ends_on"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "starts_on": {"type": ["string", "null"], "format": "date"},
        "ends_on": {"type": ["string", "null"], "format": "date"},
    },
}
ATTENDEE: Schema = {
    "type": "object",
    "required": ["id", "card"],
    "properties": {"id": {"type": "string"}, "card": _ref("CardOut")},
}
ME: Schema = {
    "type": "object",
    "required": ["attendee", "card_url", "event", "settings"],
    "properties": {
        "attendee": _ref("Attendee"),
        "card_url": {"type": "string"},
        "event": _ref("Event"),
        "settings": {
            "type": "object",
            "required": ["share_back"],
            "properties": {"share_back": {"type": "boolean"}},
        },
    },
}
CONTACT: Schema = {
    "type": "object",
    "required": [
        "id",
        "card",
        "verified",
        "met_at",
        "methods",
        "notes",
        "tags",
        "follow_up",
        "follow_up_on",
        "starred",
        "deleted",
        "updated_at",
    ],
    "properties": {
        "id": {"type": "string"},
        "card": _ref("CardOut"),
        "verified": {"type": "boolean"},
        "met_at": {"type": ["string", "null"]},
        "methods": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "follow_up": {"enum": ["none", "todo", "done"]},
        "follow_up_on": {"type": ["string", "null"]},
        "starred": {"type": "boolean"},
        "deleted": {"type": "boolean"},
        "updated_at": {"type": "string"},
    },
}
_OP_BASE: Schema = {
    "id": {"type": "string", "pattern": UUID_PATTERN, "description": "client UUID (v7 advised)"},
    "at": {"type": "string", "pattern": AT_PATTERN, "description": "client time with offset"},
}
OPS: dict[str, Schema] = {
    "ExchangeOp": {
        "type": "object",
        "description": "A swap with an attendee, verified by their signed card token.",
        "required": ["id", "type", "at", "method", "card_token"],
        "properties": {
            **_OP_BASE,
            "type": {"const": "exchange"},
            "method": {"enum": ["qr", "nfc", "link"]},
            "card_token": {"type": "string", "maxLength": 2000},
            "note": {"type": "string", "maxLength": MAX_NOTES},
        },
    },
    "ExternalExchangeOp": {
        "type": "object",
        "description": "A foreign vCard/MECARD card, unverified.",
        "required": ["id", "type", "at", "method", "contact_id", "vcard"],
        "properties": {
            **_OP_BASE,
            "type": {"const": "exchange"},
            "method": {"enum": ["qr", "nfc", "manual"]},
            "contact_id": {"type": "string", "pattern": "^ext:" + UUID_PATTERN[1:]},
            "vcard": {"type": "string", "maxLength": MAX_VCARD},
            "note": {"type": "string", "maxLength": MAX_NOTES},
        },
    },
    "UpdateOp": {
        "type": "object",
        "description": "Each field is last-writer-wins by (at, device_id, op id).",
        "required": ["id", "type", "at", "contact_id", "set"],
        "properties": {
            **_OP_BASE,
            "type": {"const": "contact.update"},
            "contact_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "set": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "notes": {"type": ["string", "null"], "maxLength": MAX_NOTES},
                    "tags": {
                        "type": "array",
                        "maxItems": MAX_TAGS,
                        "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG},
                    },
                    "follow_up": {"enum": ["none", "todo", "done"]},
                    "follow_up_on": {"type": ["string", "null"], "format": "date"},
                    "starred": {"type": "boolean"},
                },
            },
        },
    },
    "DeleteOp": {
        "type": "object",
        "description": "A tombstone; a later exchange with the same person brings it back.",
        "required": ["id", "type", "at", "contact_id"],
        "properties": {
            **_OP_BASE,
            "type": {"const": "contact.delete"},
            "contact_id": {"type": "string", "minLength": 1, "maxLength": 200},
        },
    },
}
SYNC_REQUEST: Schema = {
    "type": "object",
    "required": ["device_id", "ops"],
    "properties": {
        "device_id": {"type": "string", "pattern": UUID_PATTERN},
        "cursor": {"type": ["string", "null"], "description": "opaque, from the last response"},
        "ops": {
            "type": "array",
            "maxItems": MAX_OPS,
            "description": f"applied in order; more than {MAX_OPS} is 413",
            "items": {"anyOf": [_ref(name) for name in OPS]},
        },
    },
}
SYNC_RESPONSE: Schema = {
    "type": "object",
    "required": ["acked", "rejected", "cursor", "changes", "more"],
    "properties": {
        "acked": {"type": "array", "items": {"type": "string"}},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "code", "message"],
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "cursor": {"type": "string"},
        "changes": {"type": "array", "items": _ref("Contact")},
        "more": {"type": "boolean"},
    },
}

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
BEARER: list[dict[str, list[str]]] = [{"bearer": []}, {"session_cookie": []}]
ADMIN: list[dict[str, list[str]]] = [{"admin_bearer": []}, {"admin_cookie": []}]


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _errors(*codes: int) -> dict[str, Schema]:
    return {
        str(c): {"description": _ERROR_TEXT[str(c)], "content": _json(_ref("Error"))} for c in codes
    }


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
    out: Schema = {"summary": summary, "responses": {str(status): response, **_errors(*errors)}}
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
HTML = {"text/html": {"schema": {"type": "string"}}}
SLUG = _path("slug", {"type": "string", "pattern": SLUG_PATTERN})
TOKEN = _path("token", {"type": "string", "maxLength": 2000})
NOT_FOUND_HTML = {"404": {"description": "not found", "content": HTML}}


FORM = "application/x-www-form-urlencoded"


def _page(
    summary: str,
    responses: dict[str, str],
    *,
    params: list[Schema] | None = None,
    form: Schema | None = None,
    security: list[dict[str, list[str]]] | None = None,
) -> Schema:
    """An organizer HTML page or form post: HTML (or a 303) out; JSON errors unless Accept HTML."""
    out: Schema = {
        "summary": summary,
        "security": ADMIN if security is None else security,
        "responses": {
            code: {"description": text, "content": HTML} if code != "303" else {"description": text}
            for code, text in responses.items()
        },
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
    chart = {
        "description": "SVG chart",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    }
    charts: dict[str, Schema] = {
        path: {
            "get": {
                "summary": summary,
                "security": ADMIN,
                "parameters": [SLUG],
                "responses": {**_errors(401, 404), "200": chart},
            }
        }
        for path, summary in (
            ("/admin/events/{slug}/swaps.svg", "Swaps per hour as an SVG bar chart"),
            ("/admin/events/{slug}/registrations.svg", "Registrations over time as SVG"),
        )
    }
    return {
        "/admin": {"get": _page("Sign-in form, or the events list", {"200": "page"}, security=[])},
        "/admin/signin": {
            "post": _page(
                "Sign in with the admin token (sets the admin cookie)",
                {"303": "signed in (form)", "204": "signed in (JSON)", "401": "wrong token"},
                form=_form("token", "next"),
                security=[],
            )
        },
        "/admin/signout": {
            "post": _page("Forget the admin cookie", {"303": "to /admin"}, security=[])
        },
        "/admin/events": {
            "post": _page(
                "Create an event from the form",
                {"303": "to the event page", "401": "sign-in form", "422": "form with errors"},
                form=_form("slug", "name", "starts_on", "ends_on"),
            )
        },
        "/admin/events/{slug}": {
            "get": _page("The event's dashboard", seen, params=[SLUG]),
            "post": _page(
                "Change the event's name or dates from the form",
                {**seen, "422": "form with errors"},
                params=[SLUG],
                form=_form("name", "starts_on", "ends_on"),
            ),
        },
        "/admin/events/{slug}/import": {
            "post": {
                **_page(
                    "Import attendees from an uploaded CSV (multipart form)",
                    {**seen, "413": "file too large", "415": "not a form upload"},
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
                seen,
                params=[
                    SLUG,
                    _query("paper", {"enum": ["a4", "letter"]}),
                    _query("q", {"type": "string", "maxLength": 200}),
                    _query("ids", {"type": "string"}),
                ],
            )
        },
        "/admin/events/{slug}/poster": {
            "get": _page(
                "The printable join poster",
                seen,
                params=[SLUG, _query("paper", {"enum": ["a4", "letter"]})],
            )
        },
        **charts,
    }


def _paths() -> dict[str, Schema]:
    me_ok = (200, _json(_ref("Me")), "the attendee, card URL, event and settings")
    paths: dict[str, Schema] = {
        "/api/admin/events": {
            "post": _op(
                "Create an event",
                (201, _json(_ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 409, 413, 415, 422),
                body=_ref("EventCreate"),
                security=ADMIN,
            )
        },
        "/api/events/{slug}": {
            "get": _op(
                "An event's public face",
                (200, _json(_ref("Event")), "the event"),
                (404,),
                params=[SLUG],
            )
        },
        "/api/events/{slug}/attendees": {
            "post": _op(
                "Register with the join code (sets the session cookie)",
                (201, _json(_ref("Registration")), "the attendee, session token and card URL"),
                (400, 403, 404, 413, 415, 422, 429),
                body=_ref("RegistrationRequest"),
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
                body=_ref("CardRequest"),
                security=BEARER,
            )
        },
        "/api/me/settings": {
            "put": _op(
                "Change settings",
                me_ok,
                (400, 401, 403, 413, 415, 422),
                body=_ref("SettingsRequest"),
                security=BEARER,
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
                (201, _json(_ref("DeviceSignin")), "the link and when it expires"),
                (401, 403),
                security=BEARER,
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
                (200, _json(_ref("SyncResponse")), "acks, rejections, changes, cursor"),
                (400, 401, 403, 413, 415, 422, 429),
                body=_ref("SyncRequest"),
                security=BEARER,
            )
        },
        "/api/contacts": {
            "get": _op(
                "The attendee's contacts (not deleted), filtered",
                (200, _json(_ref("ContactList")), "contacts"),
                (400, 401, 422),
                security=BEARER,
                params=[
                    _query("follow_up", {"enum": ["todo", "done", "none"]}),
                    _query("tag", {"type": "string", "maxLength": MAX_TAG}),
                    _query("starred", {"enum": ["true", "false"]}),
                    _query("q", {"type": "string", "maxLength": 200}),
                ],
            )
        },
        "/api/contacts.vcf": {
            "get": _op(
                "All (or the listed) contacts as one vCard 3.0 file",
                (200, VCARD, "vCard file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[_query("ids", {"type": "string", "description": "comma-separated ids"})],
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
                (401,),
                security=BEARER,
            )
        },
        "/api/contacts.zip": {
            "get": _op(
                "One .vcf per contact in a zip (Outlook desktop)",
                (200, {"application/zip": {"schema": {"type": "string"}}}, "zip file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[_query("ids", {"type": "string", "description": "comma-separated ids"})],
            )
        },
        "/api/cards/from-vcard": {
            "post": _op(
                "An own card made from a contact file (to fill the card form)",
                (200, _json(_ref("CardFromVCard")), "the card and any warnings"),
                (400, 413, 415, 422),
                body={"type": "string", "maxLength": 1024 * 1024},
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
                (200, _json(_ref("ImportResult")), "created count, attendees, row errors"),
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
                (200, _json(_ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 404, 413, 415, 422),
                body=_ref("EventUpdate"),
                security=ADMIN,
                params=[SLUG],
            )
            for method in ("patch", "put")
        },
        "/api/admin/events/{slug}/stats": {
            "get": _op(
                "Aggregate stats (never who met whom)",
                (200, _json(_ref("Stats")), "stats"),
                (401, 404),
                security=ADMIN,
                params=[SLUG],
            )
        },
        "/api/health": {
            "get": _op(
                "A trivial answer for load balancers",
                (
                    200,
                    _json(
                        {
                            "type": "object",
                            "required": ["ok"],
                            "properties": {"ok": {"const": True}},
                        }
                    ),
                    "the server is up",
                ),
                (),
            )
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


def _schemas() -> dict[str, Schema]:
    return {
        "Error": ERROR,
        "Card": CARD,
        "CardOut": CARD_OUT,
        "Event": EVENT,
        "EventCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["slug", "name"],
            "properties": {
                "slug": {"type": "string", "pattern": SLUG_PATTERN},
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                "starts_on": {"type": ["string", "null"], "format": "date"},
                "ends_on": {"type": ["string", "null"], "format": "date"},
            },
        },
        "EventUpdate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "slug": {"type": "string", "pattern": SLUG_PATTERN},
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                "starts_on": {"type": ["string", "null"], "format": "date"},
                "ends_on": {"type": ["string", "null"], "format": "date"},
            },
        },
        "EventCreated": {
            "type": "object",
            "required": ["slug", "name", "join_code", "join_url"],
            "properties": {
                k: {"type": "string"} for k in ("slug", "name", "join_code", "join_url")
            },
        },
        "RegistrationRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["join_code", "card", "device_id"],
            "properties": {
                "join_code": {"type": "string", "maxLength": 64},
                "card": _ref("Card"),
                "device_id": {"type": "string", "pattern": UUID_PATTERN},
            },
        },
        "Registration": {
            "type": "object",
            "required": ["attendee", "token", "card_url"],
            "properties": {
                "attendee": _ref("Attendee"),
                "token": {"type": "string"},
                "card_url": {"type": "string"},
            },
        },
        "Attendee": ATTENDEE,
        "CardFromVCard": {
            "type": "object",
            "required": ["card", "warnings"],
            "properties": {
                "card": _ref("CardOut"),
                "warnings": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Me": ME,
        "CardRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["card"],
            "properties": {"card": _ref("Card")},
        },
        "SettingsRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["share_back"],
            "properties": {"share_back": {"type": "boolean"}},
        },
        "DeviceSignin": {
            "type": "object",
            "required": ["sign_in_url", "expires_at"],
            "properties": {"sign_in_url": {"type": "string"}, "expires_at": {"type": "string"}},
        },
        **OPS,
        "SyncRequest": SYNC_REQUEST,
        "SyncResponse": SYNC_RESPONSE,
        "Contact": CONTACT,
        "ContactList": {
            "type": "object",
            "required": ["contacts"],
            "properties": {"contacts": {"type": "array", "items": _ref("Contact")}},
        },
        "ImportResult": {
            "type": "object",
            "required": ["created", "attendees", "errors"],
            "properties": {
                "created": {"type": "integer", "minimum": 0},
                "attendees": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "fn", "sign_in_url", "card_url"],
                        "properties": {
                            k: {"type": "string"} for k in ("id", "fn", "sign_in_url", "card_url")
                        },
                    },
                },
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["line", "message"],
                        "properties": {
                            "line": {"type": "integer", "minimum": 1},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Stats": {
            "type": "object",
            "required": ["attendees", "active_attendees", "exchanges", "exchanges_by_hour"],
            "properties": {
                "attendees": {"type": "integer", "minimum": 0},
                "active_attendees": {"type": "integer", "minimum": 0},
                "exchanges": {"type": "integer", "minimum": 0},
                "exchanges_by_hour": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["hour", "count"],
                        "properties": {
                            "hour": {"type": "string"},
                            "count": {"type": "integer", "minimum": 0},
                        },
                    },
                },
            },
        },
    }


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
            "schemas": _schemas(),
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
