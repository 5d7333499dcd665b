"""The OpenAPI component schemas (request and response bodies) of the cardswap API.

Split from document.py, which assembles the paths: these are the contract's shapes and
limits (DESIGN.md sections 4 and 5), written out once so the document, the fuzzer and the tests
agree on them.
"""

from __future__ import annotations

from typing import Any

from server.cards import (
    MAX_EMAIL,
    MAX_ITEMS,
    MAX_NOTE,
    MAX_PHONE,
    MAX_PRONOUNS,
    MAX_READING,
    MAX_SOCIALS,
    MAX_TEXT,
    MAX_URL,
    SOCIAL_NETWORKS,
)
from server.i18n import LANGUAGES

Schema = dict[str, Any]

MAX_OPS = 500
MAX_NOTES = 10_000
MAX_TAGS = 50
MAX_TAG = 64
MAX_VCARD = 16 * 1024
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
# What an organizer may set on an event: all of it on create (slug, name required), any on update.
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
EVENT_FIELDS: Schema = {
    "slug": {"type": "string", "pattern": SLUG_PATTERN},
    "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
    "starts_on": {"anyOf": [{"type": "null"}, {"const": ""}, {"type": "string", "format": "date"}]},
    "ends_on": {"anyOf": [{"type": "null"}, {"const": ""}, {"type": "string", "format": "date"}]},
    "language": {
        "enum": list(LANGUAGES),
        "description": "The event's default language: its join poster, badges and public card "
        "page use it (a visitor's Accept-Language first where a page is theirs). Default en.",
    },
    "time_zone": {
        "type": "string",
        "maxLength": 64,
        "pattern": TIME_ZONE_PATTERN,
        "description": "An IANA time zone name (Europe/Berlin, Asia/Tokyo): the event's times "
        "are shown in it. Default UTC; an unknown name is refused with 422.",
    },
}
# An event's fields as the admin pages' forms post them: text only, an empty date is no date.
EVENT_FORM: Schema = {
    "slug": EVENT_FIELDS["slug"],
    "name": EVENT_FIELDS["name"],
    "starts_on": {"anyOf": [{"const": ""}, {"type": "string", "format": "date"}]},
    "ends_on": {"anyOf": [{"const": ""}, {"type": "string", "format": "date"}]},
    "language": EVENT_FIELDS["language"],
    "time_zone": EVENT_FIELDS["time_zone"],
}
# A time with an explicit offset: what `at` must be (a naive time is rejected).
AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


MAX_LABEL = 60
# One line with something in it: no control characters, not only spaces (the server strips).
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"
APP_PASSWORD_LISTED: Schema = {
    "id": {"type": "string"},
    "label": {"type": "string"},
    "username": {"type": "string", "pattern": "^[a-z0-9-]+$", "description": "plain ASCII, no @"},
    "created_at": {"type": "string"},
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(limit: int = MAX_TEXT) -> Schema:
    # One line of text; the server strips surrounding spaces and counts what is left.
    return {"type": ["string", "null"], "maxLength": limit, "pattern": r"^[^\x00-\x1f\x7f]*$"}


def _list(item: Schema) -> Schema:
    return {"type": ["array", "null"], "maxItems": MAX_ITEMS, "items": item}


HTTP_URL: Schema = {
    "type": "string",
    "maxLength": MAX_URL,
    "pattern": r"^https?://[^\s/?#]+[^\x00-\x1f\x7f]*$",
}
SOCIAL: Schema = {
    "type": "object",
    "description": "A social profile: its network and an http(s) link (a `javascript:` or any "
    "other scheme is refused with 422). The app shows it by the network's name; `other` is a "
    "plain link.",
    "additionalProperties": False,
    "required": ["network", "url"],
    "properties": {"network": {"enum": list(SOCIAL_NETWORKS)}, "url": HTTP_URL},
}
READING: Schema = {
    "type": ["object", "null"],
    "description": "How the name is read (Japanese kana, a Chinese name's pinyin): names sort "
    "and search by it. vCard: X-PHONETIC-LAST-NAME / X-PHONETIC-FIRST-NAME and SORT-STRING. "
    "Left out of a card when both parts are empty.",
    "additionalProperties": False,
    "properties": {"family": _text(MAX_READING), "given": _text(MAX_READING)},
}
PHOTO: Schema = {
    "type": "object",
    "description": "The card's photo (DESIGN.md section 11): two square JPEGs, `small` (at most "
    "128 px) and `large` (at most 512 px), at versioned URLs: paths on this server, to resolve "
    "against its base URL. A new photo has new URLs; a URL never shows another photo, so it may "
    "be cached for ever (and answers 404 once the photo is replaced or deleted).",
    "additionalProperties": False,
    "required": ["small", "large"],
    "properties": {
        "small": {"type": "string", "format": "uri-reference", "pattern": "^/photos/"},
        "large": {"type": "string", "format": "uri-reference", "pattern": "^/photos/"},
    },
}
CARD: Schema = {
    "type": "object",
    "description": "A card (DESIGN.md sections 4 and 11). Empty strings and null mean absent; "
    "unknown keys are refused with 422.",
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
        "pronouns": _text(MAX_PRONOUNS),
        "reading": READING,
        "socials": {"type": ["array", "null"], "maxItems": MAX_SOCIALS, "items": SOCIAL},
        "photo": {
            "type": "null",
            "description": "Read-only: set with PUT /api/me/photo, removed with DELETE. Leave "
            "it out or send null; a card sent back may also repeat the photo the server gave "
            "it, and any other photo is refused with 422 `invalid_field`.",
        },
    },
}
# What the server returns: the same fields, lists always present, foreign cards uncapped.
CARD_OUT: Schema = {
    "type": "object",
    "required": ["fn"],
    "properties": {
        **{
            k: {"type": "string"}
            for k in ("fn", "given", "family", "org", "title", "note", "pronouns")
        },
        **{k: {"type": "array", "items": {"type": "string"}} for k in ("emails", "phones", "urls")},
        "reading": READING,
        "socials": {"type": "array", "items": SOCIAL},
        "photo": {"anyOf": [{"type": "null"}, PHOTO]},
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
    "required": ["slug", "name", "starts_on", "ends_on", "language", "time_zone"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "starts_on": {"type": ["string", "null"], "format": "date"},
        "ends_on": {"type": ["string", "null"], "format": "date"},
        "language": {"enum": list(LANGUAGES)},
        "time_zone": {"type": "string"},
    },
}
ATTENDEE: Schema = {
    "type": "object",
    "required": ["id", "card"],
    "properties": {"id": {"type": "string"}, "card": ref("CardOut")},
}
ME: Schema = {
    "type": "object",
    "required": ["attendee", "card_url", "event", "settings"],
    "properties": {
        "attendee": ref("Attendee"),
        "card_url": {"type": "string"},
        "event": ref("Event"),
        "settings": {
            "type": "object",
            "required": ["share_back", "language"],
            "properties": {
                "share_back": {"type": "boolean"},
                "language": {"anyOf": [{"type": "null"}, {"enum": list(LANGUAGES)}]},
            },
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
        "card": ref("CardOut"),
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
            "items": {"anyOf": [ref(name) for name in OPS]},
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
        "changes": {"type": "array", "items": ref("Contact")},
        "more": {"type": "boolean"},
    },
}


def schemas() -> dict[str, Schema]:
    return {
        "Error": ERROR,
        "Card": CARD,
        "CardOut": CARD_OUT,
        "Event": EVENT,
        "EventCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["slug", "name"],
            "properties": EVENT_FIELDS,
        },
        "EventUpdate": {
            "type": "object",
            "additionalProperties": False,
            "properties": EVENT_FIELDS,
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
                "join_code": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"},
                "card": ref("Card"),
                "device_id": {"type": "string", "pattern": UUID_PATTERN},
            },
        },
        "Registration": {
            "type": "object",
            "required": ["attendee", "token", "card_url"],
            "properties": {
                "attendee": ref("Attendee"),
                "token": {"type": "string"},
                "card_url": {"type": "string"},
            },
        },
        "Attendee": ATTENDEE,
        "CardFromVCard": {
            "type": "object",
            "required": ["card", "warnings"],
            "properties": {
                "card": ref("CardOut"),
                "warnings": {"type": "array", "items": {"type": "string"}},
                "photo": {
                    "type": "string",
                    "pattern": "^data:image/jpeg;base64,",
                    "description": "the file's photo, re-encoded as a 512 px JPEG, when it has "
                    "one that decodes: the app offers it for PUT /api/me/photo",
                },
            },
        },
        "Me": ME,
        "CardRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["card"],
            "properties": {"card": ref("Card")},
        },
        "SettingsRequest": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "description": "The settings sent change; the others stay.",
            "properties": {
                "share_back": {"type": "boolean"},
                "language": {
                    "anyOf": [{"type": "null"}, {"enum": list(LANGUAGES)}],
                    "description": "The app's language chosen in Settings; null: the "
                    "browser's languages decide",
                },
            },
        },
        "AppPasswordRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["label"],
            "properties": {
                "label": {
                    "type": "string",
                    "maxLength": MAX_LABEL,
                    "pattern": LINE_PATTERN,
                    "description": "a name for the phone or app, e.g. iPhone",
                }
            },
        },
        "AppPasswordCreated": {
            "type": "object",
            "description": "The password is in this answer only; the server keeps its hash.",
            "required": [
                *APP_PASSWORD_LISTED,
                "password",
                "carddav_url",
                "mobileconfig_url",
                "davx5_url",
            ],
            "properties": {
                **APP_PASSWORD_LISTED,
                "password": {"type": "string", "minLength": 20},
                "carddav_url": {"type": "string", "description": "the CardDAV service root"},
                "mobileconfig_url": {
                    "type": "string",
                    "description": "the Apple profile: valid once, for 10 minutes",
                },
                "davx5_url": {"type": "string", "description": "opens DAVx5's login, filled in"},
            },
        },
        "AppPasswordList": {
            "type": "object",
            "required": ["app_passwords"],
            "properties": {
                "app_passwords": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [*APP_PASSWORD_LISTED, "last_used_at"],
                        "properties": {
                            **APP_PASSWORD_LISTED,
                            "last_used_at": {"type": ["string", "null"]},
                        },
                    },
                }
            },
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
            "properties": {"contacts": {"type": "array", "items": ref("Contact")}},
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
