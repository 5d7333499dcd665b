"""The HTTP API (DESIGN.md section 5) as an OpenAPI 3.1 document, for client authors and fuzzers.

Built by hand from the contract, not introspected from handlers: it is a second, independent
statement of the API, and tests/test_openapi.py keeps it and the route table equal both ways, while
tests/test_fuzz_api.py drives a live server with requests generated from it. Limits are the
contract's (section 4 card fields, section 5 sync), so generated data that passes this schema is
data the server must accept, and anything else must come back as the error shape.
"""

from __future__ import annotations

from typing import Any

from server.openapi.admin_paths import admin_pages
from server.openapi.booth_paths import booth_paths, booth_schemas
from server.openapi.builders import (
    ADMIN,
    BEARER,
    CONTACT_FILE,
    FILTERS,
    HTML,
    IDS,
    NOT_FOUND_HTML,
    SLUG,
    TOKEN,
    VCARD,
    json_body,
    op,
    path_param,
)
from server.openapi.schemas import Schema, ref, schemas


def _paths() -> dict[str, Schema]:
    me_ok = (200, json_body(ref("Me")), "the attendee, card URL, event and settings")
    paths: dict[str, Schema] = {
        "/api/admin/events": {
            "post": op(
                "Create an event",
                (201, json_body(ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 409, 413, 415, 422),
                body=ref("EventCreate"),
                security=ADMIN,
            )
        },
        "/api/events/{slug}": {
            "get": op(
                "An event's public face",
                (200, json_body(ref("Event")), "the event"),
                (404,),
                params=[SLUG],
            )
        },
        "/api/events/{slug}/attendees": {
            "post": op(
                "Register with the join code (sets the session cookie)",
                (201, json_body(ref("Registration")), "the attendee, session token and card URL"),
                (400, 403, 404, 413, 415, 422, 429),
                body=ref("RegistrationRequest"),
                params=[SLUG],
            )
        },
        "/api/me": {
            "get": op("The signed-in attendee", me_ok, (401,), security=BEARER),
            "delete": op(
                "Delete the attendee, their card and their contacts",
                (204, None, "deleted"),
                (401, 403),
                security=BEARER,
            ),
        },
        "/api/me/card": {
            "put": op(
                "Replace the own card (old card URLs resolve to the new card)",
                me_ok,
                (400, 401, 403, 413, 415, 422),
                body=ref("CardRequest"),
                security=BEARER,
            )
        },
        "/api/me/settings": {
            "put": op(
                "Change settings",
                me_ok,
                (400, 401, 403, 413, 415, 422),
                body=ref("SettingsRequest"),
                security=BEARER,
            )
        },
        "/api/me/photo": {
            "put": {
                **op(
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
            "delete": op(
                "Remove the card's photo (its URLs then answer 404)",
                me_ok,
                (401, 403),
                security=BEARER,
            ),
        },
        "/photos/{photo_id}/{size}.jpg": {
            "get": op(
                "A card's photo, at the versioned URL a card's `photo` names (cacheable for ever)",
                (200, {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}, "JPEG"),
                (404,),
                params=[path_param("photo_id"), path_param("size", {"enum": ["small", "large"]})],
            )
        },
        "/api/me/qr.svg": {
            "get": op(
                "The card URL as an SVG QR code",
                (200, {"image/svg+xml": {"schema": {"type": "string"}}}, "SVG"),
                (401,),
                security=BEARER,
            )
        },
        "/api/me/devices": {
            "post": op(
                "A short-lived sign-in link for another device (bodiless)",
                (201, json_body(ref("DeviceSignin")), "the link and when it expires"),
                (401, 403),
                security=BEARER,
            )
        },
        "/api/me/app-passwords": {
            "post": op(
                "A new app password for the phone's own address book (CardDAV); shown once",
                (201, json_body(ref("AppPasswordCreated")), "the password and its set-up links"),
                (400, 401, 403, 409, 413, 415, 422),
                body=ref("AppPasswordRequest"),
                security=BEARER,
            ),
            "get": op(
                "The attendee's app passwords (never the passwords)",
                (200, json_body(ref("AppPasswordList")), "app passwords, oldest first"),
                (401,),
                security=BEARER,
            ),
        },
        "/api/me/app-passwords/{password_id}": {
            "delete": op(
                "Revoke an app password, at once",
                (204, None, "revoked"),
                (401, 403, 404),
                security=BEARER,
                params=[path_param("password_id", {"type": "string", "maxLength": 64})],
            )
        },
        "/api/dav/profiles/{token}.mobileconfig": {
            "get": op(
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
            "post": op(
                "Send queued ops, receive changes since the cursor (an attendee's contacts, "
                "or with a booth's staff token its lead ops and leads)",
                (200, json_body(ref("SyncResponse")), "acks, rejections, changes, cursor"),
                (400, 401, 403, 413, 415, 422, 429),
                body=ref("SyncRequest"),
                security=[*BEARER, {"staff_bearer": []}],
            )
        },
        "/api/contacts": {
            "get": op(
                "The attendee's contacts (not deleted), filtered",
                (200, json_body(ref("ContactList")), "contacts"),
                (400, 401, 422),
                security=BEARER,
                params=FILTERS,
            )
        },
        "/api/contacts.vcf": {
            "get": op(
                "All (or the listed) contacts as one vCard 3.0 file",
                (200, VCARD, "vCard file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/contacts/{contact_id}.vcf": {
            "get": op(
                "One contact as a vCard",
                (200, VCARD, "vCard file"),
                (401, 404),
                security=BEARER,
                params=[path_param("contact_id")],
            )
        },
        "/api/contacts.csv": {
            "get": op(
                "Contacts as Google Contacts CSV",
                (200, {"text/csv": {"schema": {"type": "string"}}}, "CSV file"),
                (401, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/contacts.zip": {
            "get": op(
                "One .vcf per contact in a zip (Outlook desktop)",
                (200, {"application/zip": {"schema": {"type": "string"}}}, "zip file"),
                (400, 401, 404, 422),
                security=BEARER,
                params=[IDS, *FILTERS],
            )
        },
        "/api/cards/from-vcard": {
            "post": op(
                "An own card made from a contact file (to fill the card form)",
                (200, json_body(ref("CardFromVCard")), "the card and any warnings"),
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
            "post": op(
                "Import attendees from CSV (idempotent by email)",
                (200, json_body(ref("ImportResult")), "created count, attendees, row errors"),
                (400, 401, 403, 404, 413, 415, 422),
                body={"type": "string"},
                body_type="text/csv",
                security=ADMIN,
                params=[SLUG],
            ),
            "get": op(
                "Fresh sign-in links for every attendee, as CSV for a mail merge",
                (200, {"text/csv": {"schema": {"type": "string"}}}, "CSV file"),
                (401, 403, 404),
                security=ADMIN,
                params=[SLUG],
            ),
        },
        "/api/admin/events/{slug}": {
            method: op(
                "Change an event's name or dates (the slug never changes)",
                (200, json_body(ref("EventCreated")), "the event with its join code and URL"),
                (400, 401, 403, 404, 413, 415, 422),
                body=ref("EventUpdate"),
                security=ADMIN,
                params=[SLUG],
            )
            for method in ("patch", "put")
        },
        "/api/admin/events/{slug}/stats": {
            "get": op(
                "Aggregate stats (never who met whom)",
                (200, json_body(ref("Stats")), "stats"),
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
                        "content": json_body(
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
            "get": op(
                "This document",
                (200, {"application/json": {"schema": {"type": "object"}}}, "OpenAPI 3.1"),
                (),
            )
        },
        "/api/health": {
            "get": op(
                'Liveness: always {"ok": true} while the server answers',
                (
                    200,
                    json_body(
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
    return {**paths, **booth_paths(), **admin_pages()}


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
            "schemas": {**schemas(), **booth_schemas()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "session token"},
                "session_cookie": {"type": "apiKey", "in": "cookie", "name": "cardswap_session"},
                "admin_bearer": {"type": "http", "scheme": "bearer", "description": "admin token"},
                "admin_cookie": {"type": "apiKey", "in": "cookie", "name": "cardswap_admin"},
                "staff_bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a booth staff phone's token (POST /api/booth/staff)",
                },
                "staff_cookie": {"type": "apiKey", "in": "cookie", "name": "cardswap_staff"},
            },
        },
    }
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
