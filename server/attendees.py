"""Attendees: registration, the own card and its live links, settings, sign-in links, deletion.

Plain functions over the Store, knowing nothing of HTTP; endpoints/attendee.py shapes them.
`create_attendee` and `set_card` work inside a caller's write transaction so the organizer's CSV
import can reuse them; `require_attendee` is the session check every `/api/me`-style endpoint
(and sync) runs, because a stateless session token outlives a deleted attendee.

Registration rate limit (DESIGN.md section 7): a venue NATs thousands of phones behind one public
address, and at a keynote they all register with the same join code within minutes. The budget is
therefore keyed by (event, join code, client IP) and each registration costs only 1/CROWD_FACTOR of
a token: with the default 600/minute that is 12,000 registrations at once from one address and
200 a second after that, far above any real crowd, while a script minting attendees in a loop is
still stopped. Wrong join codes are not counted there (they create nothing); the IP flood guard
bounds them, and an 8-character code from a 32-letter alphabet is not guessable at that rate.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from server import i18n, photos
from server.cards import normalize_card, photo_urls
from server.clock import now_iso
from server.context import AppContext
from server.errors import Forbidden, InvalidField, Unauthorized
from server.events import get_event, public_event
from server.storage import Store, Tx, app_passwords, devices
from server.storage import attendees as stored
from server.storage import photos as stored_photos
from server.storage.attendees import AttendeeRow
from server.storage.photos import OWN_CARD, PhotoRow
from server.tokens import DEVICE_SIGNIN_MAX_AGE, InvalidToken

CROWD_FACTOR = 20
UUID_RE = re.compile(r"^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.IGNORECASE)


class SignInFailed(Exception):
    """A sign-in link that is forged or expired (`invalid`), already `used`, or for a `deleted`
    attendee; `event_slug` names the attendee's event when the link could be read."""

    def __init__(self, reason: str, message: str, event_slug: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.event_slug = event_slug


# -- rows --------------------------------------------------------------------------------------
def new_attendee_id() -> str:
    """96 random bits, URL-safe base64 (16 characters): short in the card QR, not guessable."""
    return secrets.token_urlsafe(12)


def _view(row: AttendeeRow) -> dict[str, Any]:
    """The attendee as the domain uses it: the card decoded (None once deleted)."""
    out = row._asdict()
    out["card"] = json.loads(row.card) if row.card else None
    return out


def get_attendee(store: Store, attendee_id: str) -> dict[str, Any] | None:
    """The attendee row (card decoded, share_back a bool), deleted ones included; else None."""
    row = stored.get(store, attendee_id)
    return None if row is None else _view(row)


def require_attendee(store: Store, attendee_id: str) -> dict[str, Any]:
    """The live attendee behind a session; 401 when unknown or deleted (tokens outlive rows)."""
    row = get_attendee(store, attendee_id)
    if row is None or row["deleted_at"] is not None:
        raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
    return row


def card_json(card: dict[str, Any]) -> str:
    """The stored form of a card (attendees.card and contacts.card)."""
    return json.dumps(card, ensure_ascii=False, separators=(",", ":"))


def create_attendee(
    tx: Tx, event_slug: str, card: dict[str, Any], email: str | None = None
) -> dict[str, Any]:
    """Insert an attendee inside the caller's write transaction; the card is validated (422).

    `email` (lower-cased) is the CSV import's idempotency key; self-registration leaves it unset.
    """
    normalized = normalize_card(card)
    row = AttendeeRow(
        id=new_attendee_id(),
        event_slug=event_slug,
        card=card_json(normalized),
        card_version=1,
        email=email.strip().lower() if email else None,
        share_back=True,
        created_at=now_iso(),
        deleted_at=None,
    )
    stored.insert(tx, row)
    return {**row._asdict(), "card": normalized}


def record_device(tx: Tx, attendee_id: str, device_id: str) -> None:
    """Remember a device of an attendee (idempotent; refreshes last_seen)."""
    devices.touch(tx, attendee_id, device_id, now_iso())


def _live(tx: Tx, attendee_id: str) -> AttendeeRow:
    """The attendee as this write sees them, their row locked until it ends (a card changed from
    this read is no concurrent write's lost update); 401 once deleted."""
    current = stored.get_for_change(tx, attendee_id)
    if current is None or current.deleted_at is not None or current.card is None:
        raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
    return current


def _replace(tx: Tx, current: AttendeeRow, card: dict[str, Any]) -> dict[str, Any]:
    """Store `card` as the attendee's card (a new version, pushed to its holders); the new row."""
    stored.replace_card(tx, current.id, card_json(card), now_iso())
    return {**_view(current), "card": card, "card_version": current.card_version + 1}


def set_card(tx: Tx, attendee_id: str, card: dict[str, Any]) -> dict[str, Any]:
    """Replace a live attendee's card inside the caller's transaction; returns the new row.

    Bumps card_version (a new card URL; old ones keep resolving to the current card) and pushes the
    card into every contact live-linked to this attendee, each with a fresh change seq, so the
    people who hold this card receive it on their next sync. The photo stays as it is: only
    `set_photo` and `remove_photo` change it.
    """
    normalized = normalize_card(card)
    current = _live(tx, attendee_id)
    normalized["photo"] = json.loads(current.card or "{}").get("photo")
    return _replace(tx, current, normalized)


def _check_photo_unchanged(sent: Any, current: Any) -> None:
    """A card sent back may repeat its photo (or leave it out, or send null); a different photo,
    such as someone else's photo URLs, is refused: the photo is read-only."""
    if isinstance(sent, dict) and sent != current:
        raise InvalidField("photo is read-only: set it with PUT /api/me/photo.", field="card.photo")


# -- views -------------------------------------------------------------------------------------
def card_url(ctx: AppContext, row: dict[str, Any]) -> str:
    """The attendee's current card URL, `{BASE_URL}/c/{token}`."""
    token = ctx.tokens.card_token(row["id"], row["event_slug"], row["card_version"], row["card"])
    return ctx.card_url(token)


def me_view(ctx: AppContext, row: dict[str, Any]) -> dict[str, Any]:
    """The `GET /api/me` shape."""
    event = get_event(ctx.store, row["event_slug"])
    return {
        "attendee": {"id": row["id"], "card": row["card"]},
        "card_url": card_url(ctx, row),
        "event": public_event(event),
        "settings": {"share_back": row["share_back"], "language": row["language"]},
    }


def _only_keys(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidField(f"Unknown field {unknown[0]!r}.", field=unknown[0])


# -- operations --------------------------------------------------------------------------------
def register(
    ctx: AppContext, event_slug: str, data: dict[str, Any], client_ip: str
) -> dict[str, Any]:
    """Self-registration with the event's join code: the 201 body (attendee, token, card_url).

    Checks in order: unknown event 404, join code 422 (missing) or 403 (wrong), rate limit 429,
    then the other fields 422: nothing is said about the body to someone without the code.
    """
    event = get_event(ctx.store, event_slug)
    code = data.get("join_code")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        raise InvalidField("join_code is required.", field="join_code")
    given = code.strip().upper().encode()
    if not hmac.compare_digest(given, str(event["join_code"]).upper().encode()):
        raise Forbidden("That join code is not this event's.", code="bad_join_code")
    ctx.register_limiter.hit(
        f"{event['slug']}:{event['join_code']}:{client_ip}", cost=1 / CROWD_FACTOR
    )
    _only_keys(data, {"join_code", "card", "device_id"})
    card = normalize_card(data.get("card"))
    _check_photo_unchanged(data["card"].get("photo"), None)
    device_id = data.get("device_id")
    if not isinstance(device_id, str) or not UUID_RE.match(device_id):
        raise InvalidField("device_id must be a UUID string.", field="device_id")
    with ctx.store.write() as tx:
        row = create_attendee(tx, event["slug"], card)
        record_device(tx, row["id"], device_id)
    return {
        "attendee": {"id": row["id"], "card": row["card"]},
        "token": ctx.tokens.session(row["id"], device_id),
        "card_url": card_url(ctx, row),
    }


def get_me(ctx: AppContext, attendee_id: str) -> dict[str, Any]:
    """`GET /api/me`; 401 for a deleted attendee."""
    return me_view(ctx, require_attendee(ctx.store, attendee_id))


def update_card(ctx: AppContext, attendee_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`PUT /api/me/card {"card"}`: the new card, live-linked into others' contacts."""
    require_attendee(ctx.store, attendee_id)
    _only_keys(data, {"card"})
    if "card" not in data:
        raise InvalidField("card is required.", field="card")
    card = normalize_card(data["card"])

    def update(tx: Tx) -> dict[str, Any]:
        current = json.loads(_live(tx, attendee_id).card or "{}").get("photo")
        _check_photo_unchanged(data["card"].get("photo"), current)
        return set_card(tx, attendee_id, card)

    row = ctx.store.transact(update)
    return me_view(ctx, row)


def set_photo(ctx: AppContext, attendee_id: str, image: bytes) -> dict[str, Any]:
    """`PUT /api/me/photo`: the image re-encoded (server.photos; 422 when it is no usable image)
    and shown on the card under a new id: a new card version that reaches every holder."""
    require_attendee(ctx.store, attendee_id)
    encoded = photos.encode(image)  # decoded before the write begins
    photo_id = photos.new_photo_id()

    def put(tx: Tx) -> dict[str, Any]:
        current = _live(tx, attendee_id)
        card = {**json.loads(current.card or "{}"), "photo": photo_urls(photo_id)}
        row = PhotoRow(photo_id, attendee_id, OWN_CARD, encoded.small, encoded.large, now_iso())
        stored_photos.put(tx, row)
        return _replace(tx, current, card)

    return me_view(ctx, ctx.store.transact(put))


def remove_photo(ctx: AppContext, attendee_id: str) -> dict[str, Any]:
    """`DELETE /api/me/photo`: the card without a photo (a new version for its holders); a card
    that has none stays as it is."""
    require_attendee(ctx.store, attendee_id)

    def remove(tx: Tx) -> dict[str, Any]:
        current = _live(tx, attendee_id)
        card = json.loads(current.card or "{}")
        stored_photos.remove(tx, attendee_id, OWN_CARD)
        if card.get("photo") is None:
            return _view(current)
        return _replace(tx, current, {**card, "photo": None})

    return me_view(ctx, ctx.store.transact(remove))


def update_settings(ctx: AppContext, attendee_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`PUT /api/me/settings {"share_back"?: bool, "language"?: tag | null}`: the keys sent
    change, the others stay; all are checked before anything is written."""
    require_attendee(ctx.store, attendee_id)
    _only_keys(data, {"share_back", "language"})
    if not data:
        raise InvalidField("Send share_back or language.", field="share_back")
    if "share_back" in data and not isinstance(data["share_back"], bool):
        raise InvalidField("share_back must be true or false.", field="share_back")
    language = data.get("language")
    if language is not None and language not in i18n.LANGUAGES:
        raise InvalidField(
            f"language must be one of {', '.join(i18n.LANGUAGES)}, or null.", field="language"
        )
    with ctx.store.write() as tx:
        changed = True
        if "share_back" in data:
            changed = stored.set_share_back(tx, attendee_id, data["share_back"])
        if changed and "language" in data:
            changed = stored.set_language(tx, attendee_id, language)
        if not changed:
            raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
    return get_me(ctx, attendee_id)


def delete_attendee(store: Store, attendee_id: str) -> None:
    """`DELETE /api/me`: the card, photos, contacts and devices go; a tombstone row stays.

    The tombstone makes old card tokens resolve to 404 and exchanges with them `card_withdrawn`.
    Contacts other people hold of this attendee keep the last captured card, unlinked, without
    its photo (the photo is deleted with everything else, so their apps learn it is gone at the
    next sync). The op log keeps ids (idempotency, stats) but loses its payloads (notes, foreign
    cards). Their app passwords go too: no phone's address book signs in any more.
    """

    def delete(tx: Tx) -> bool:
        # The row locked first, as a card or photo change does (one lock order: the attendee's
        # row, then feeds): the last card pushed to holders is the one in force at the delete.
        current = stored.get_for_change(tx, attendee_id)
        last_card = None
        if current is not None and current.card is not None:
            card = json.loads(current.card)
            if card.get("photo") is not None:
                last_card = card_json({**card, "photo": None})
        if not stored.delete(tx, attendee_id, now_iso(), last_card):
            return False
        app_passwords.delete_all(tx, attendee_id)
        return True

    if not store.transact(delete):
        raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")


def create_device_signin(ctx: AppContext, attendee_id: str) -> dict[str, Any]:
    """`POST /api/me/devices`: a 10-minute, single-use link that signs another device in."""
    require_attendee(ctx.store, attendee_id)
    # itsdangerous stamps whole seconds and refuses a link once its age exceeds the max age.
    issued = int(time.time())
    token = ctx.tokens.device_signin(attendee_id)
    expires = datetime.fromtimestamp(issued + DEVICE_SIGNIN_MAX_AGE, UTC)
    return {
        "sign_in_url": f"{ctx.settings.base_url}/signin/{token}",
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),  # whole seconds, as stamped
    }


def sign_in_with_token(ctx: AppContext, token: str) -> str:
    """Use a device or personal sign-in link once; returns a session token (no device yet).

    Raises SignInFailed (with its reason) when the link is forged, expired or used.
    """
    try:
        attendee_id, nonce = ctx.tokens.read_signin(token)
    except InvalidToken as exc:
        raise SignInFailed(
            "invalid", "This sign-in link is not valid or has expired. Ask for a new one."
        ) from exc
    with ctx.store.write() as tx:
        row = stored.get(tx, attendee_id)
        slug = row.event_slug if row is not None else None
        if row is None or row.deleted_at is not None:
            raise SignInFailed(
                "deleted", "The account this link belonged to has been deleted.", slug
            )
        if not stored.use_nonce(tx, nonce, now_iso()):
            raise SignInFailed(
                "used", "This sign-in link has already been used. Ask for a new one.", slug
            )
    return ctx.tokens.session(attendee_id, None)


def check_signin(ctx: AppContext, token: str) -> str | None:
    """Validate a sign-in link without using it up (for HEAD requests from link previewers);
    the slug of the attendee's event, when they still exist."""
    try:
        attendee_id, _ = ctx.tokens.read_signin(token)
    except InvalidToken as exc:
        raise SignInFailed("invalid", "This sign-in link is not valid or has expired.") from exc
    row = stored.get(ctx.store, attendee_id)
    return row.event_slug if row is not None else None
