"""A staff phone's lead ops, checked without the database (DESIGN.md section 13).

The same first phase as an attendee's sync (server.sync.ops): op ids, the clock rule, field
limits and card token signatures are checked before the write; an op that fails is kept with its
`error` and answered as rejected while the others go on. Answers are checked here as far as
their shape goes; against the booth's questions of the moment when applied (server.booths.merge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server import contacts
from server.booths.questions import AnswerError, check_answers_shape
from server.errors import CardswapError
from server.jsontext import dumps_text
from server.sync.ops import (
    ATTENDEE_TYPES,
    LEAD_TYPES,
    Rejected,
    effective_at,
    is_uuid,
    token_of,
)
from server.tokens import InvalidToken, Tokens

MAX_NOTES = contacts.MAX_NOTES
LEAD_PREFIX = "lead:"


def lead_id(attendee_id: str) -> str:
    """A lead's id in the API: `lead:{attendee_id}`."""
    return LEAD_PREFIX + attendee_id


@dataclass(slots=True)
class LeadOp:
    """One lead op as checked before the write; `error` set when it is already refused."""

    raw_id: Any
    op_id: str | None = None
    type: str = ""
    payload: str = ""
    client_at: str | None = None
    at: str | None = None
    error: tuple[str, str] | None = None
    attendee_id: str = ""
    event_slug: str = ""  # the event the card token names (a capture)
    answers: dict[str, Any] | None = None
    note: str = ""  # typed with a capture
    notes: str | None = None  # an update's new notes


def _note(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Rejected("invalid_field", f"{name} must be a string.")
    if len(value) > MAX_NOTES:
        raise Rejected("invalid_field", f"{name} is longer than {MAX_NOTES} characters.")
    return value.strip()


def _answers(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        return check_answers_shape(value)
    except AnswerError as exc:
        raise Rejected(exc.code, exc.message) from exc


def _lead(op: LeadOp, raw: dict[str, Any]) -> None:
    value = raw.get("lead_id")
    if not (
        isinstance(value, str)
        and value.startswith(LEAD_PREFIX)
        and 0 < len(value) - len(LEAD_PREFIX) <= 64
    ):
        raise Rejected("invalid_field", "lead_id must be a lead's id (lead:<attendee id>).")
    op.attendee_id = value[len(LEAD_PREFIX) :]


def _capture(op: LeadOp, raw: dict[str, Any], tokens: Tokens) -> None:
    token = raw.get("card_token")
    try:
        if not isinstance(token, str):
            raise InvalidToken("not a string")
        payload = tokens.read_card_token(token_of(token))
    except InvalidToken as exc:
        raise Rejected(
            "invalid_token", "This card token is not valid (forged or altered)."
        ) from exc
    op.attendee_id, op.event_slug = payload.attendee_id, payload.event_slug
    op.answers = _answers(raw.get("answers"))
    op.note = _note(raw.get("note"), "note")


def _update(op: LeadOp, raw: dict[str, Any], tokens: Tokens) -> None:
    _lead(op, raw)
    changes = raw.get("set")
    if not isinstance(changes, dict):
        raise Rejected("invalid_field", "set must be an object of the fields to change.")
    unknown = sorted(set(changes) - {"answers", "notes"})
    if unknown:
        raise Rejected("invalid_field", f"A lead has no field {unknown[0][:64]!r} to set.")
    op.answers = _answers(changes.get("answers"))
    if "notes" in changes:
        op.notes = _note(changes["notes"], "notes")


def _delete(op: LeadOp, raw: dict[str, Any], tokens: Tokens) -> None:
    _lead(op, raw)


_PREPARE = {"lead.capture": _capture, "lead.update": _update, "lead.delete": _delete}
assert set(_PREPARE) == LEAD_TYPES


def prepare(raw: Any, tokens: Tokens, now: datetime) -> LeadOp:
    """Check one op of a staff phone without the database."""
    if not isinstance(raw, dict):
        return LeadOp(None, error=("invalid_op", "Each op must be a JSON object."))
    raw_id = raw.get("id")
    if not is_uuid(raw_id):
        shown = raw_id if isinstance(raw_id, str) else None
        return LeadOp(shown, error=("invalid_op", "Each op needs an id that is a UUID string."))
    kind, at = raw.get("type"), raw.get("at")
    op = LeadOp(
        raw_id,
        op_id=str(raw_id).lower(),
        type=kind[:64] if isinstance(kind, str) else "",
        payload=dumps_text(raw),
        client_at=at[:64] if isinstance(at, str) else None,
    )
    try:
        if isinstance(kind, str) and kind in ATTENDEE_TYPES:
            raise Rejected(
                "wrong_session", "Swaps and contact changes come from an attendee's phone."
            )
        if not isinstance(kind, str) or kind not in _PREPARE:
            raise Rejected("invalid_op", f"Unknown op type {str(kind)[:64]!r}.")
        op.at = effective_at(at, now)
        _PREPARE[kind](op, raw, tokens)
    except CardswapError as exc:
        op.error = (exc.code, exc.message)
    return op
