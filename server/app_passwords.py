"""App passwords: how a phone's own address book signs in to the CardDAV server.

An attendee creates one in Settings ("Keep my contacts in my phone's address book"): it is shown
once, with a ready-made Apple profile link and DAVx5 link, and stored only as a salted scrypt
hash (server.passwords). Every attendee has one plain ASCII user name (no `@`: iOS
percent-encodes it), made from their first name and random letters.

Signing in is HTTP Basic, accepted only over HTTPS or on a loopback BASE_URL. Wrong passwords are
counted per user name, never per IP address (a venue's crowd shares one): past the limit, that
name gets 429 until it cools down. A right password is remembered for a few minutes, but every
request still checks that the password exists, so revoking one stops it at once.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server import clock, passwords
from server.attendees import require_attendee
from server.carddav import setup
from server.context import AppContext
from server.errors import (
    BasicAuthRequired,
    Conflict,
    Forbidden,
    InvalidField,
    NotFound,
    Unauthorized,
)
from server.events import get_event
from server.i18n import messages
from server.storage import Tx
from server.storage import app_passwords as stored
from server.storage import attendees as stored_attendees
from server.tokens import InvalidToken

MAX_PER_ATTENDEE = 20
MAX_LABEL = 60
MAX_USERNAME = 64
MAX_AUTHORIZATION = 1024  # longer than any user name and password of ours: refused unread
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ALPHABET = passwords.ALPHABET


@dataclass(frozen=True)
class DavUser:
    """Who a CardDAV request signed in as."""

    attendee_id: str
    username: str
    password_id: str


def _https_required() -> Forbidden:
    return Forbidden(
        "This server is not on HTTPS, so it cannot take phone address book sign-ins "
        "(HTTP Basic would send the password in clear). Ask the organizer to serve it over HTTPS.",
        code="https_required",
    )


def new_username(full_name: str) -> str:
    """`ada-k3f9x2q7`: the first name in plain ASCII (or `cardswap`), then 8 random letters."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    first = re.sub(r"[^a-z0-9]", "", (ascii_name.lower().split() or [""])[0])[:16]
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{first or 'cardswap'}-{suffix}"


def _label(data: dict[str, Any]) -> str:
    unknown = sorted(set(data) - {"label"})
    if unknown:
        raise InvalidField(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    label = data.get("label")
    if not isinstance(label, str):
        raise InvalidField("label is required: a name for the phone or app.", field="label")
    if len(label) > MAX_LABEL or _CONTROL.search(label) or not label.strip():
        raise InvalidField(f"label is one line of 1 to {MAX_LABEL} characters.", field="label")
    return label.strip()


def _listed(row: stored.AppPasswordRow, username: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "username": username,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
    }


def create(ctx: AppContext, attendee_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/me/app-passwords {"label"}` → 201: the password, shown this once, and the
    set-up links (Apple profile, valid once for 10 minutes; DAVx5)."""
    attendee = require_attendee(ctx.store, attendee_id)
    if not ctx.settings.basic_auth_allowed:
        raise _https_required()
    label = _label(data)
    password = passwords.new_password()
    hashed = passwords.hash_password(password)  # slow on purpose: outside the write lock
    password_id = secrets.token_urlsafe(12)
    now = clock.now_iso()
    candidate = new_username(str(attendee["card"]["fn"]))

    def write(tx: Tx) -> str:
        # The attendee's row locked first: two creates at once count one after the other (the
        # cap holds across processes), and none slips in after a delete of the attendee.
        row = stored_attendees.get_for_change(tx, attendee_id)
        if row is None or row.deleted_at is not None:
            raise Unauthorized("This session's attendee no longer exists.", code="attendee_deleted")
        if stored.count(tx, attendee_id) >= MAX_PER_ATTENDEE:
            raise Conflict(
                f"You have {MAX_PER_ATTENDEE} app passwords; revoke one you no longer use.",
                code="too_many_app_passwords",
            )
        username = stored.claim_username(tx, attendee_id, candidate, now)
        stored.insert(tx, stored.NewAppPassword(password_id, attendee_id, label, hashed, now))
        return username

    username = ctx.store.transact(write)
    base = ctx.settings.base_url
    profile = ctx.tokens.setup_profile(password_id, password)
    return {
        "id": password_id,
        "label": label,
        "username": username,
        "password": password,
        "created_at": now,
        "carddav_url": setup.carddav_url(base),
        "mobileconfig_url": f"{base}/api/dav/profiles/{profile}.mobileconfig",
        "davx5_url": setup.davx5_link(base, username, password),
    }


def list_for(ctx: AppContext, attendee_id: str) -> dict[str, Any]:
    """`GET /api/me/app-passwords`: the attendee's passwords (never the passwords themselves)."""
    require_attendee(ctx.store, attendee_id)
    username = stored.username_of(ctx.store, attendee_id) or ""
    rows = stored.list_for(ctx.store, attendee_id)
    return {"app_passwords": [_listed(row, username) for row in rows]}


def revoke(ctx: AppContext, attendee_id: str, password_id: str) -> None:
    """`DELETE /api/me/app-passwords/{id}`: gone at once; 404 for an id the attendee lacks."""
    require_attendee(ctx.store, attendee_id)
    if not ctx.store.transact(lambda tx: stored.delete(tx, attendee_id, password_id)):
        raise NotFound("You have no app password with that id.", code="app_password_not_found")
    ctx.dav_verified.forget(password_id)


def _basic(header: str | None) -> tuple[str, str]:
    """(user name, password) of an `Authorization: Basic` header; BasicAuthRequired (401)
    for a missing, foreign, malformed or oversized one."""
    if not header:
        raise BasicAuthRequired("Sign in with your cardswap user name and app password.")
    if len(header) > MAX_AUTHORIZATION:
        raise BasicAuthRequired("The Authorization header is too long to be ours.")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise BasicAuthRequired("Sign in with HTTP Basic: your user name and app password.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise BasicAuthRequired("The Basic credentials are not valid base64 UTF-8.") from None
    username, colon, password = decoded.partition(":")
    if not colon or not username or len(username) > MAX_USERNAME or not password:
        raise BasicAuthRequired("Sign in with your cardswap user name and app password.")
    return username, password


def sign_in(ctx: AppContext, authorization: str | None) -> DavUser:
    """The user an `Authorization: Basic` header signs in as (in a worker thread: a first
    check costs a scrypt hash). 403 over plain HTTP, 401 for wrong credentials, 429 past the
    user name's wrong-password budget."""
    if not ctx.settings.basic_auth_allowed:
        raise _https_required()
    username, password = _basic(authorization)
    ctx.dav_password_limiter.check(username)
    found = stored.credentials(ctx.store, username)
    remembered = ctx.dav_verified.get(username, password)
    match = next((c for c in found if c.id == remembered), None)
    if match is None:
        match = next((c for c in found if passwords.verify_password(password, c.hash)), None)
        if match is None:
            if found:  # a known name: count the wrong password against it
                ctx.dav_password_limiter.hit(username)
            raise BasicAuthRequired("Wrong user name or app password.")
        ctx.dav_verified.put(username, password, match.id)
    require_attendee(ctx.store, match.attendee_id)
    _touch(ctx, match)
    return DavUser(match.attendee_id, username, match.id)


def _touch(ctx: AppContext, credential: stored.Credential) -> None:
    now = clock.now()
    due = clock.iso(now - TOUCH_EVERY)
    if credential.last_used_at is None or credential.last_used_at < due:
        ctx.store.transact(lambda tx: stored.touch(tx, credential.id, clock.iso(now)))


def setup_profile(ctx: AppContext, token: str, *, use: bool) -> tuple[str, bytes]:
    """(file name, `.mobileconfig` bytes) for a set-up profile link, used up when `use` (a GET;
    a HEAD only checks it). 404 once used, expired, revoked or altered."""
    gone = NotFound(
        "This set-up link has expired or was already used; create a new app password.",
        code="profile_not_found",
    )
    try:
        password_id, nonce, password = ctx.tokens.read_setup_profile(token)
    except InvalidToken:
        raise gone from None
    credential = stored.credential(ctx.store, password_id)
    if credential is None or not passwords.verify_password(password, credential.hash):
        raise gone
    attendee = stored_attendees.get(ctx.store, credential.attendee_id)
    username = stored.username_of(ctx.store, credential.attendee_id)
    if attendee is None or attendee.deleted_at is not None or username is None:
        raise gone
    if use and not ctx.store.transact(
        lambda tx: stored_attendees.use_nonce(tx, f"p:{nonce}", clock.now_iso())
    ):
        raise gone
    event = get_event(ctx.store, attendee.event_slug)
    lang = attendee.language or event.get("language")
    m = messages(lang, event.get("time_zone"))
    event_name = str(event["name"])
    body = setup.mobileconfig(ctx.settings.base_url, username, password, event_name, password_id, m)
    return "cardswap-contacts.mobileconfig", body
