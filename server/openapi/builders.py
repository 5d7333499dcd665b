"""Builders of the OpenAPI document's parts: operations, parameters, error responses, pages.

Shared by the API paths (document.py) and the organizer's HTML pages (admin_paths.py).
"""

from __future__ import annotations

from server.openapi.schemas import MAX_TAG, SLUG_PATTERN, Schema, ref

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


def json_body(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


RETRY_AFTER: Schema = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def error_response(code: int, html: bool = False, json: bool = True) -> Schema:
    """One error response: the contract's JSON error shape, and/or an HTML page for browsers."""
    content: Schema = {}
    if json:
        content.update(json_body(ref("Error")))
    if html:
        content.update(HTML)
    out: Schema = {"description": _ERROR_TEXT[str(code)], "content": content}
    if code == 429:
        out["headers"] = RETRY_AFTER
    return out


def error_responses(*codes: int) -> dict[str, Schema]:
    return {str(c): error_response(c) for c in codes}


def op(
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
    out: Schema = {
        "summary": summary,
        "responses": {str(status): response, **error_responses(*codes)},
    }
    if body is not None:
        out["requestBody"] = {"required": True, "content": {body_type: {"schema": body}}}
    out["security"] = security if security is not None else []
    if params:
        out["parameters"] = params
    return out


def path_param(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def query_param(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema}


VCARD = {"text/vcard": {"schema": {"type": "string"}}}
SLUG = path_param("slug", {"type": "string", "pattern": SLUG_PATTERN})
TOKEN = path_param("token", {"type": "string", "maxLength": 2000})
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
    query_param("follow_up", {"enum": ["todo", "done", "none", ""]}),
    query_param("tag", {"type": "string", "maxLength": MAX_TAG}),
    query_param("starred", {"enum": ["true", "false", ""]}),
    query_param("q", {"type": "string", "maxLength": 200}),
]
IDS = query_param("ids", {"type": "string", "description": "comma-separated ids (at most 1000)"})
PAPER = query_param("paper", {"type": "string", "examples": ["a4", "letter"]})


def page(
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
            error = error_response(
                int(code), html=code not in json_only, json=code not in html_only
            )
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


def form_schema(*names: str) -> Schema:
    return {
        "type": "object",
        "properties": {n: {"type": "string", "maxLength": 300} for n in names},
    }
