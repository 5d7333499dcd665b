"""Sync, phase 1: a sync request and each of its ops checked without the database.

Everything that needs no database happens here, before the write: the request's shape and
cursor, op ids, the clock rule, field limits, card token signatures and vCard parsing. An op
that fails a check is kept with its `error` and answered as rejected; the others go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server import clock, contacts, photos, vcard
from server.cards import photo_urls
from server.errors import CardswapError, InvalidCursor, InvalidField, TooLarge
from server.jsontext import dumps_text
from server.tokens import InvalidToken, Tokens

MAX_OPS = 500
MAX_NOTES = contacts.MAX_NOTES
MAX_VCARD = 16 * 1024
MAX_CONTACT_ID = 200
CLOCK_SKEW = timedelta(minutes=5)
TOKEN_METHODS = ("qr", "nfc", "link")
EXT_METHODS = ("qr", "nfc", "manual")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


class Rejected(CardswapError):
    """One op refused with a reason; the others go on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


# -- the request -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncRequest:
    device_id: str
    after_seq: int
    ops: list[Any]


def parse_request(tokens: Tokens, attendee_id: str, body: dict[str, Any]) -> SyncRequest:
    """The checked request: 422 for a bad device_id or ops, 413 past 500 ops, 400 bad cursor."""
    device_id = body.get("device_id")
    if not is_uuid(device_id):
        raise InvalidField("device_id must be this install's UUID.", field="device_id")
    ops = body.get("ops", [])
    if not isinstance(ops, list):
        raise InvalidField("ops must be a list.", field="ops")
    if len(ops) > MAX_OPS:
        raise TooLarge(f"At most {MAX_OPS} ops per sync; send the rest next.", code="too_many_ops")
    cursor = body.get("cursor")
    after = 0
    if cursor is not None:
        if not isinstance(cursor, str):
            raise InvalidCursor("cursor must be a string from an earlier sync, or null.")
        try:
            after = tokens.read_cursor(cursor, attendee_id)
        except InvalidToken as exc:
            raise InvalidCursor("This cursor was not issued to you; sync with null.") from exc
    assert isinstance(device_id, str)
    return SyncRequest(device_id.lower(), after, ops)


# -- phase 1: each op checked and parsed, no database --------------------------------------------
@dataclass(slots=True)
class Op:
    """One op as checked before the lock; `error` set when it is already known to be rejected."""

    raw_id: Any
    op_id: str | None = None
    type: str = ""
    payload: str = ""
    client_at: str | None = None
    at: str | None = None
    error: tuple[str, str] | None = None
    method: str = ""
    contact_id: str = ""
    other_id: str = ""
    card: dict[str, Any] | None = None
    vcard: str | None = None
    note: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    photo: tuple[str, photos.Encoded] | None = None  # (photo id, JPEGs) of a foreign card


def effective_at(value: object, now: datetime) -> str:
    """The op's `at` as ISO UTC, a time past server now + 5 minutes counted as now."""
    moment = clock.parse_client_time(value)
    if moment is None:
        raise Rejected("invalid_field", "at must be an ISO 8601 time with an offset.")
    if moment > now + CLOCK_SKEW:
        return clock.iso(now)
    assert isinstance(value, str)  # parse_client_time reads only strings
    return clock.canonical(value, moment)


def _contact_id(raw: dict[str, Any]) -> str:
    cid = raw.get("contact_id")
    if not isinstance(cid, str) or not cid or len(cid) > MAX_CONTACT_ID:
        raise Rejected("invalid_field", "contact_id must be a contact's id.")
    return cid


def token_of(text: str) -> str:
    """The token itself, also when a client sends the whole card URL (any letter case)."""
    if "/" not in text:  # a bare token (the usual case): no URL to take it from
        return text
    found = re.search(r"/c/([A-Za-z0-9]+)/?$", text.strip(), re.IGNORECASE)
    return found.group(1) if found else text


def _prep_exchange(op: Op, raw: dict[str, Any], tokens: Tokens, owner_id: str) -> None:
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise Rejected("invalid_field", "note must be a string.")
    op.note = (note or "").strip()
    if len(op.note) > MAX_NOTES:
        raise Rejected("invalid_field", f"note is longer than {MAX_NOTES} characters.")
    method = raw.get("method")
    token = raw.get("card_token")
    if token is not None:
        if method not in TOKEN_METHODS:
            raise Rejected("invalid_field", "method must be qr, nfc or link.")
        try:
            if not isinstance(token, str):
                raise InvalidToken("not a string")
            payload = tokens.read_card_token(token_of(token))
        except InvalidToken as exc:
            raise Rejected(
                "invalid_token", "This card token is not valid (forged or altered)."
            ) from exc
        if payload.attendee_id == owner_id:
            raise Rejected("self_exchange", "That is your own card.")
        op.method, op.other_id = str(method), payload.attendee_id
        op.contact_id = f"att:{payload.attendee_id}"
        return
    cid = raw.get("contact_id")
    if not (isinstance(cid, str) and cid.startswith("ext:") and is_uuid(cid[4:])):
        raise Rejected(
            "invalid_field",
            "An exchange needs a card_token, or a contact_id ext:<uuid> and a vcard.",
        )
    if method not in EXT_METHODS:
        raise Rejected("invalid_field", "method must be qr, nfc or manual.")
    text = raw.get("vcard")
    if not isinstance(text, str):
        raise Rejected("invalid_field", "vcard must be the card's vCard or MECARD text.")
    if len(text.encode("utf-8")) > MAX_VCARD:
        raise Rejected("invalid_field", "vcard is larger than 16 KiB.")
    parsed = vcard.parse_foreign(text)
    card = parsed.card
    if parsed.photo is not None:
        # Re-encoded like an uploaded photo, here before the write lock; a photo that does not
        # decode is left out and the card kept.
        encoded, _ = photos.try_encode(parsed.photo[1])
        if encoded is not None:
            op.photo = (photos.new_photo_id(), encoded)
            card = {**card, "photo": photo_urls(op.photo[0])}
    op.method, op.contact_id, op.card, op.vcard = str(method), cid, card, text


def _prep_update(op: Op, raw: dict[str, Any], tokens: Tokens, owner_id: str) -> None:
    op.contact_id = _contact_id(raw)
    changes = raw.get("set")
    if not isinstance(changes, dict):
        raise Rejected("invalid_field", "set must be an object of the fields to change.")
    op.fields = {str(k): contacts.check_field(str(k), v) for k, v in changes.items()}


def _prep_delete(op: Op, raw: dict[str, Any], tokens: Tokens, owner_id: str) -> None:
    op.contact_id = _contact_id(raw)


_PREPARE = {"exchange": _prep_exchange, "contact.update": _prep_update,
            "contact.delete": _prep_delete}  # fmt: skip
ATTENDEE_TYPES = frozenset(_PREPARE)
# A booth's staff phones send these through the same endpoint (server/booths/ops.py); an
# attendee's session may not, and a staff session may send nothing else (`wrong_session`).
LEAD_TYPES = frozenset({"lead.capture", "lead.update", "lead.delete"})


def prepare(raw: Any, tokens: Tokens, owner_id: str, now: datetime) -> Op:
    """Check one op without the database."""
    if not isinstance(raw, dict):
        return Op(None, error=("invalid_op", "Each op must be a JSON object."))
    raw_id = raw.get("id")
    if not is_uuid(raw_id):
        shown = raw_id if isinstance(raw_id, str) else None
        return Op(shown, error=("invalid_op", "Each op needs an id that is a UUID string."))
    kind, at = raw.get("type"), raw.get("at")
    op = Op(
        raw_id,
        op_id=str(raw_id).lower(),
        type=kind[:64] if isinstance(kind, str) else "",
        payload=dumps_text(raw),
        client_at=at[:64] if isinstance(at, str) else None,
    )
    try:
        if isinstance(kind, str) and kind in LEAD_TYPES:
            raise Rejected("wrong_session", "Lead ops come from a booth's staff phones.")
        if not isinstance(kind, str) or kind not in _PREPARE:
            raise Rejected("invalid_op", f"Unknown op type {str(kind)[:64]!r}.")
        op.at = effective_at(at, now)
        _PREPARE[kind](op, raw, tokens, owner_id)
    except CardswapError as exc:
        op.error = (exc.code, exc.message)
    return op
