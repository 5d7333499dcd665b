"""Booths in the OpenAPI document (DESIGN.md section 13): the organizer's booth API and pages, a
phone joining as staff, the staff's booth and exports, the attendee's shares, and the shapes of
them all (the lead ops themselves are in schemas.py, beside the attendee's ops)."""

from __future__ import annotations

from server.booths.questions import (
    KINDS,
    MAX_LABEL,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MAX_TEXT_ANSWER,
    QUESTION_ID,
    RATINGS,
)
from server.openapi.builders import (
    ADMIN,
    SLUG,
    VCARD,
    form_schema,
    json_body,
    op,
    page,
    path_param,
    query_param,
)
from server.openapi.schemas import LINE_PATTERN, UUID_PATTERN, Schema, ref

STAFF: list[dict[str, list[str]]] = [{"staff_bearer": []}, {"staff_cookie": []}]
ATTENDEE: list[dict[str, list[str]]] = [{"bearer": []}, {"session_cookie": []}]
BOOTH_ID = path_param("booth_id", {"type": "string", "maxLength": 64})
CSV = {"text/csv": {"schema": {"type": "string"}}}
_LINE: Schema = {"type": "string", "pattern": LINE_PATTERN}
_QID: Schema = {"type": "string", "pattern": QUESTION_ID.pattern}


def _question(with_id_required: bool) -> Schema:
    """A question as the server returns it (id required) or takes it (id to keep one)."""
    options: Schema = {
        "type": "array",
        "minItems": 2,
        "maxItems": MAX_OPTIONS,
        "items": {**_LINE, "minLength": 1, "maxLength": MAX_OPTION},
        "description": "the choices of a choice or multi question, each different (any case)",
    }
    return {
        "type": "object",
        "required": ["id", "kind", "label"] if with_id_required else ["kind", "label"],
        "additionalProperties": False,
        "properties": {
            "id": _QID,
            "kind": {"enum": list(KINDS)},
            "label": {**_LINE, "minLength": 1, "maxLength": MAX_LABEL},
            "options": options,
        },
        "description": f"a rating is {', '.join(RATINGS)}; choice and multi have options",
    }


_QUESTIONS_IN: Schema = {
    "type": "array",
    "maxItems": MAX_QUESTIONS,
    "items": ref("QuestionIn"),
    "description": "a question sent with an id keeps it (and its kind); one without is new",
}
_NAME: Schema = {**_LINE, "minLength": 1, "maxLength": 200}
_BOOTH_PROPS: Schema = {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "questions": {"type": "array", "items": ref("Question")},
}
_ANSWER: Schema = {
    "description": f"rating: {'|'.join(RATINGS)}; choice: an option; multi: options; yesno: "
    f"a boolean; text: at most {MAX_TEXT_ANSWER} characters; null clears",
}


def booth_schemas() -> dict[str, Schema]:
    """The component schemas of the booth endpoints and of a staff sync's changes."""
    return {
        "Question": _question(True),
        "QuestionIn": _question(False),
        "BoothCreate": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {"name": _NAME, "questions": _QUESTIONS_IN},
        },
        "BoothUpdate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"name": _NAME, "questions": _QUESTIONS_IN},
        },
        "Booth": {
            "type": "object",
            "required": ["id", "name", "questions", "staff_join_url"],
            "properties": {
                **_BOOTH_PROPS,
                "staff_join_url": {"type": "string", "description": "{BASE_URL}/booth/join/…"},
                "leads": {"type": "integer", "minimum": 0, "description": "a count, never who"},
            },
        },
        "BoothList": {
            "type": "object",
            "required": ["booths"],
            "properties": {"booths": {"type": "array", "items": ref("Booth")}},
        },
        "BoothImportResult": {
            "type": "object",
            "required": ["created", "booths", "errors"],
            "properties": {
                "created": {"type": "integer", "minimum": 0},
                "booths": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "staff_join_url"],
                        "properties": {
                            k: {"type": "string"} for k in ("id", "name", "staff_join_url")
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
        "StaffJoin": {
            "type": "object",
            "required": ["token", "device_id"],
            "additionalProperties": False,
            "properties": {
                "token": {"type": "string", "maxLength": 4096},
                "device_id": {"type": "string", "pattern": UUID_PATTERN},
            },
        },
        "StaffBooth": {
            "type": "object",
            "required": ["id", "name", "questions"],
            "properties": {
                **_BOOTH_PROPS,
                "event": {
                    "type": "object",
                    "required": ["slug", "name"],
                    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
        "StaffJoined": {
            "type": "object",
            "required": ["token", "booth"],
            "properties": {
                "token": {"type": "string", "description": "the staff bearer token"},
                "booth": ref("StaffBooth"),
            },
        },
        "StaffQuestions": {
            "type": "object",
            "required": ["questions"],
            "additionalProperties": False,
            "properties": {"questions": _QUESTIONS_IN},
        },
        "Lead": {
            "type": "object",
            "required": ["id", "card", "answers", "notes", "captured_at", "deleted", "updated_at"],
            "properties": {
                "id": {"type": "string", "pattern": "^lead:"},
                "card": {"type": "object", "description": "as shared; {} once withdrawn"},
                "answers": {"type": "object", "additionalProperties": _ANSWER},
                "notes": {"type": "string"},
                "captured_at": {"type": ["string", "null"]},
                "deleted": {"type": "boolean"},
                "updated_at": {"type": "string"},
            },
        },
        "Shares": {
            "type": "object",
            "required": ["shares"],
            "properties": {
                "shares": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["booth_id", "booth_name", "shared_at"],
                        "properties": {
                            "booth_id": {"type": "string"},
                            "booth_name": {"type": "string"},
                            "shared_at": {"type": ["string", "null"]},
                        },
                    },
                }
            },
        },
    }


def booth_paths() -> dict[str, Schema]:
    """The booth endpoints and the organizer's booth pages."""
    booth_ok = (200, json_body(ref("Booth")), "the booth with its staff link and lead count")
    return {
        "/api/admin/events/{slug}/booths": {
            "post": op(
                "Create a booth with up to ten qualifying questions",
                (201, json_body(ref("Booth")), "the booth with its staff link"),
                (400, 401, 403, 404, 409, 413, 415, 422),
                body=ref("BoothCreate"),
                security=ADMIN,
                params=[SLUG],
            ),
            "get": op(
                "The event's booths with their lead counts (never a lead)",
                (200, json_body(ref("BoothList")), "booths by name"),
                (401, 404),
                security=ADMIN,
                params=[SLUG],
            ),
        },
        "/api/admin/events/{slug}/booths/{booth_id}": {
            "patch": op(
                "Change a booth's name or questions (a booth of another event is 404)",
                booth_ok,
                (400, 401, 403, 404, 409, 413, 415, 422),
                body=ref("BoothUpdate"),
                security=ADMIN,
                params=[SLUG, BOOTH_ID],
            )
        },
        "/api/admin/events/{slug}/booths.csv": {
            "post": op(
                "Import the exhibitor list (a name column): one booth per name, idempotent",
                (200, json_body(ref("BoothImportResult")), "created count, booths, row errors"),
                (400, 401, 403, 404, 413, 415, 422),
                body={"type": "string"},
                body_type="text/csv",
                security=ADMIN,
                params=[SLUG],
            )
        },
        "/api/booth/staff": {
            "post": op(
                "Join a booth as staff with its staff link's token (sets the staff cookie)",
                (201, json_body(ref("StaffJoined")), "the staff bearer token and the booth"),
                (400, 401, 403, 404, 413, 415, 422),
                body=ref("StaffJoin"),
            )
        },
        "/api/booth": {
            "get": op(
                "The staff's booth: name, questions, event",
                (200, json_body(ref("StaffBooth")), "the booth"),
                (401,),
                security=STAFF,
            ),
            "patch": op(
                "The booth's lead changes the questions from a phone",
                (200, json_body(ref("StaffBooth")), "the booth"),
                (400, 401, 403, 404, 409, 413, 415, 422),
                body=ref("StaffQuestions"),
                security=STAFF,
            ),
        },
        "/api/booth/leads.csv": {
            "get": op(
                "The booth's leads as CSV (HubSpot's or Salesforce's import columns, or plain), "
                "one column per question",
                (200, CSV, "CSV file"),
                (401, 422),
                security=STAFF,
                params=[query_param("format", {"enum": ["plain", "hubspot", "salesforce", ""]})],
            )
        },
        "/api/booth/leads.vcf": {
            "get": op(
                "The booth's leads as one vCard 3.0 file",
                (200, VCARD, "vCard file"),
                (401,),
                security=STAFF,
            )
        },
        "/api/me/shares": {
            "get": op(
                "The booths the attendee's card was shared with",
                (200, json_body(ref("Shares")), "booths holding the card now"),
                (401,),
                security=ATTENDEE,
            )
        },
        "/api/me/shares/{booth_id}": {
            "delete": op(
                "Withdraw the card from a booth: its staff lose it at their next sync, and it "
                "cannot capture the attendee again",
                (204, None, "withdrawn"),
                (401, 403, 404),
                security=ATTENDEE,
                params=[BOOTH_ID],
            )
        },
        **_booth_pages(),
    }


def _booth_pages() -> dict[str, Schema]:
    seen = {"200": "the page", "401": "the sign-in form", "404": "no such event or booth"}
    posted = {
        "303": "to the booth page",
        "401": "sign-in form",
        "400": "malformed form",
        "403": "not from the admin pages' origin",
        "404": "no such event or booth",
        "409": "form: the name is taken",
        "413": "form too large",
        "415": "not a form",
        "422": "form: a field is invalid",
    }
    booth = [SLUG, BOOTH_ID]
    question_fields = [
        f"q{i}_{k}" for i in range(MAX_QUESTIONS) for k in ("id", "kind", "label", "options")
    ]
    return {
        "/admin/events/{slug}/booths": {
            "get": page("The event's booths: lead counts, create and import", seen, params=[SLUG]),
            "post": page(
                "Create a booth from the form",
                posted,
                params=[SLUG],
                form=form_schema("name"),
                html_only=("409", "422"),
            ),
        },
        "/admin/events/{slug}/booths-import": {
            "post": {
                **page(
                    "Import the exhibitor list (upload form): the result page",
                    {
                        **seen,
                        "400": "no file",
                        "403": "not from the admin pages' origin",
                        "413": "file too large",
                        "415": "not an upload",
                        "422": "unusable file",
                    },
                    params=[SLUG],
                ),  # fmt: skip
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
        "/admin/events/{slug}/booths/{booth_id}": {
            "get": page(
                "One booth: staff link and QR, lead count, questions, exports", seen, params=booth
            ),
            "post": page(
                "Change the booth's name and questions from the form",
                posted,
                params=booth,
                form=form_schema("name", *question_fields),
                html_only=("409", "422"),
            ),
        },
    }
