"""Every signed token: one itsdangerous serializer (or signer) per purpose, each with its own salt.

Card tokens are the exception in shape, not in machinery: they must fit a small QR code, so they are
a compact positional payload plus a truncated HMAC, base32-encoded (see `CardToken` for the format
the web app decodes offline). Every other token is an itsdangerous URL-safe timed serializer, and
every `loads` has a max age. Bad, altered, expired or wrong-purpose tokens all raise `InvalidToken`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from itsdangerous.signer import HMACAlgorithm

SESSION_MAX_AGE = 180 * 24 * 3600
DEVICE_SIGNIN_MAX_AGE = 10 * 60
ADMIN_SESSION_MAX_AGE = 12 * 3600
CURSOR_MAX_AGE = 5 * 365 * 24 * 3600
SETUP_PROFILE_MAX_AGE = 10 * 60  # a CardDAV set-up profile link (it carries a password)
# Booth staff links carry their own expiry (the event's end + 30 days); this is the outer bound.
BOOTH_JOIN_MAX_AGE = 3 * 365 * 24 * 3600
STAFF_SESSION_MAX_AGE = SESSION_MAX_AGE
# Personal sign-in links carry their own expiry; this is only the outer bound.
ATTENDEE_SIGNIN_MAX_AGE = 3 * 365 * 24 * 3600
CARD_SIG_BYTES = 10  # 80-bit truncated HMAC-SHA256: short enough for the QR, too long to guess
CARD_FORMAT = "1"
# Verified card tokens remembered per process (~1 KB each): the cards scanned at an event.
VERIFIED_CARD_CACHE = 32_768


class InvalidToken(Exception):
    """A token that is forged, altered, expired, or signed for another purpose."""


class _TruncatedHMAC(HMACAlgorithm):
    """HMAC-SHA256 cut to CARD_SIG_BYTES (RFC 2104 truncation), for QR-sized card tokens."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha256)

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return super().get_signature(key, value)[:CARD_SIG_BYTES]


def _b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


# RFC 4648 base32 digits mapped onto int()'s base-32 digits: decoding becomes one C-level int()
# instead of the standard library's per-character Python loop (~15x faster; every swap op
# decodes a card token, see scripts/bench/README.md).
_TO_INT_DIGITS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV"
)
_B32_TEXT = re.compile(r"[A-Z2-7]+")


def _b32decode(text: str) -> bytes:
    """Unpadded base32 as base64.b32decode reads it padded (same bytes, same refusals)."""
    text = text.strip().upper()
    if not text or len(text) > 2000 or not _B32_TEXT.fullmatch(text):
        raise InvalidToken("not a card token")
    if len(text) % 8 in (1, 3, 6):  # lengths no padding can complete
        raise InvalidToken("not a card token")
    nbytes = len(text) * 5 // 8
    value = int(text.translate(_TO_INT_DIGITS), 32) >> (len(text) * 5 - nbytes * 8)
    return value.to_bytes(nbytes, "big")


@dataclass(frozen=True)
class CardPayload:
    """What a card QR carries, readable offline by the app: who, which event, a card preview."""

    attendee_id: str
    event_slug: str
    card_version: int
    fn: str = ""
    org: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""


# Display caps inside the token: the server's current card replaces the preview after sync.
_TEXT_CAP = 48
_CONTACT_CAP = 64


def _preview(card: dict[str, Any]) -> tuple[str, ...]:
    def first(key: str) -> str:
        values = card.get(key) or []
        value = str(values[0]) if values else ""
        return value if len(value) <= _CONTACT_CAP else ""

    def text(key: str) -> str:
        value = str(card.get(key) or "")
        return value if len(value) <= _TEXT_CAP else value[: _TEXT_CAP - 1] + "…"

    return (text("fn"), text("org"), text("title"), first("emails"), first("phones"), first("urls"))


class Tokens:
    """All token kinds for one list of secret keys, newest first (as CARDSWAP_SECRET_KEY)."""

    def __init__(self, secret_keys: tuple[str, ...] | list[str]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed")
        keys = list(reversed(list(secret_keys)))  # itsdangerous signs with the last one
        self._card = Signer(keys, salt="cardswap.card", algorithm=_TruncatedHMAC())
        # Derived once: itsdangerous derives the key again on every verify (a hash per swap op).
        self._card_keys = [self._card.derive_key(k) for k in reversed(self._card.secret_keys)]
        self._verified_card = functools.lru_cache(maxsize=VERIFIED_CARD_CACHE)(
            self._verify_card_token
        )
        self._session = URLSafeTimedSerializer(keys, salt="cardswap.session")
        self._device_signin = URLSafeTimedSerializer(keys, salt="cardswap.device-signin")
        self._attendee_signin = URLSafeTimedSerializer(keys, salt="cardswap.attendee-signin")
        self._cursor = URLSafeTimedSerializer(keys, salt="cardswap.cursor")
        self._admin = URLSafeTimedSerializer(keys, salt="cardswap.admin-session")
        self._setup_profile = URLSafeTimedSerializer(keys, salt="cardswap.setup-profile")
        self._booth_join = URLSafeTimedSerializer(keys, salt="cardswap.booth-join")
        self._staff_session = URLSafeTimedSerializer(keys, salt="cardswap.staff-session")
        # Keys that seal the password a set-up profile link carries, by a short fingerprint (so
        # a link sealed before a key rotation still opens); the newest key seals.
        seal_keys = [_seal_key(k) for k in secret_keys]
        self._seal_keys = dict(seal_keys)
        self._seal_newest = seal_keys[0]

    # -- card tokens ---------------------------------------------------------------------------
    def card_token(
        self, attendee_id: str, event_slug: str, card_version: int, card: dict[str, Any]
    ) -> str:
        """The compact card token: base32(newline-joined UTF-8 fields + truncated HMAC), lower case.

        Fields, in order: format "1", attendee id, event slug, card version, fn, org, title, first
        email, first phone, first url; trailing empty fields are dropped. The last 10 bytes are the
        signature. Base32 is case-insensitive, so the QR may carry the URL upper-cased (QR
        alphanumeric mode) and the server reads either.
        """
        fields = [CARD_FORMAT, attendee_id, event_slug, str(card_version), *_preview(card)]
        while fields and fields[-1] == "":
            fields.pop()
        payload = "\n".join(fields).encode("utf-8")
        signature = self._card.get_signature(payload)
        raw_sig = base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4))
        return _b32encode(payload + raw_sig)

    def read_card_token(self, token: str) -> CardPayload:
        """Verify and decode a card token (any letter case). Card tokens never expire.

        A card's token is the same for every scan of it and never expires, so a verified token
        is remembered (bounded, least recently used first out): a card scanned by hundreds of
        people at a booth is decoded and checked once. A refused token is never remembered."""
        return self._verified_card(token)

    def _verify_card_token(self, token: str) -> CardPayload:
        raw = _b32decode(token)
        if len(raw) <= CARD_SIG_BYTES:
            raise InvalidToken("not a card token")
        payload, raw_sig = raw[:-CARD_SIG_BYTES], raw[-CARD_SIG_BYTES:]
        if not any(
            hmac.compare_digest(hmac.digest(key, payload, hashlib.sha256)[:CARD_SIG_BYTES], raw_sig)
            for key in self._card_keys
        ):
            raise InvalidToken("card token signature does not match")
        try:
            fields = payload.decode("utf-8").split("\n")
            fields += [""] * (10 - len(fields))
            if fields[0] != CARD_FORMAT:
                raise InvalidToken("unknown card token format")
            return CardPayload(fields[1], fields[2], int(fields[3]), *fields[4:10])
        except (UnicodeDecodeError, ValueError, TypeError) as exc:
            raise InvalidToken("card token payload is unreadable") from exc

    # -- sessions ------------------------------------------------------------------------------
    def session(self, attendee_id: str, device_id: str | None) -> str:
        return self._session.dumps([attendee_id, device_id])

    def read_session(self, token: str) -> tuple[str, str | None]:
        """(attendee id, device id or None) of a session token no older than 180 days."""
        data = _loads(self._session, token, SESSION_MAX_AGE)
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str)):
            raise InvalidToken("malformed session")
        device = data[1] if isinstance(data[1], str) else None
        return data[0], device

    # -- sign-in links (single use: the caller records the nonce) -------------------------------
    def device_signin(self, attendee_id: str) -> str:
        return self._device_signin.dumps([attendee_id, secrets.token_urlsafe(9)])

    def attendee_signin(self, attendee_id: str, expires_at: int) -> str:
        return self._attendee_signin.dumps([attendee_id, secrets.token_urlsafe(9), expires_at])

    def read_signin(self, token: str) -> tuple[str, str]:
        """(attendee id, nonce) of a device link (10 minutes) or a personal link (own expiry)."""
        try:
            data = _loads(self._device_signin, token, DEVICE_SIGNIN_MAX_AGE)
            if isinstance(data, list) and len(data) == 2:
                return str(data[0]), "d:" + str(data[1])
        except InvalidToken:
            pass
        data = _loads(self._attendee_signin, token, ATTENDEE_SIGNIN_MAX_AGE)
        if not (isinstance(data, list) and len(data) == 3 and isinstance(data[2], int)):
            raise InvalidToken("malformed sign-in link")
        if data[2] < time.time():
            raise InvalidToken("sign-in link expired")
        return str(data[0]), "a:" + str(data[1])

    # -- sync cursors --------------------------------------------------------------------------
    def cursor(self, attendee_id: str, seq: int) -> str:
        return self._cursor.dumps([attendee_id, seq])

    def read_cursor(self, token: str, attendee_id: str) -> int:
        """The change seq a cursor stands for; only cursors issued to this attendee are valid."""
        data = _loads(self._cursor, token, CURSOR_MAX_AGE)
        if not (isinstance(data, list) and len(data) == 2 and data[0] == attendee_id):
            raise InvalidToken("cursor belongs to someone else")
        if not isinstance(data[1], int) or data[1] < 0:
            raise InvalidToken("malformed cursor")
        return data[1]

    # -- CardDAV set-up profiles (single use: the caller records the nonce) ------------------
    def setup_profile(self, password_id: str, password: str) -> str:
        """A 10-minute link token that carries an app password sealed (encrypted), not in clear:
        URLs end up in access logs. The seal is the password XOR an HMAC-SHA256 keystream of a
        key derived from the secret key and a random nonce used once; the serializer signs it."""
        nonce = secrets.token_urlsafe(12)
        key_id, key = self._seal_newest
        sealed = _xor(password.encode("utf-8"), _keystream(key, nonce, len(password.encode())))
        text = base64.urlsafe_b64encode(sealed).decode("ascii")
        return self._setup_profile.dumps([password_id, nonce, key_id, text])

    def read_setup_profile(self, token: str) -> tuple[str, str, str]:
        """(password id, nonce, password) of a set-up profile token no older than 10 minutes."""
        data = _loads(self._setup_profile, token, SETUP_PROFILE_MAX_AGE)
        strings = isinstance(data, list) and all(isinstance(x, str) for x in data)
        if not strings or len(data) != 4:
            raise InvalidToken("malformed set-up profile token")
        password_id, nonce, key_id, text = data
        key = self._seal_keys.get(key_id)
        if key is None:
            raise InvalidToken("the key that sealed this link is gone")
        try:
            sealed = base64.urlsafe_b64decode(text)
            password = _xor(sealed, _keystream(key, nonce, len(sealed))).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidToken("unreadable set-up profile token") from exc
        return password_id, nonce, password

    # -- booth staff (DESIGN.md section 13) ------------------------------------------------------
    def booth_join(self, booth_id: str, event_slug: str, expires_at: int) -> str:
        """A booth's staff link token: any number of phones may join with it until it expires."""
        return self._booth_join.dumps([booth_id, event_slug, expires_at])

    def read_booth_join(self, token: str) -> tuple[str, str]:
        """(booth id, event slug) of a staff link token that has not expired."""
        data = _loads(self._booth_join, token, BOOTH_JOIN_MAX_AGE)
        if not (
            isinstance(data, list)
            and len(data) == 3
            and all(isinstance(x, str) for x in data[:2])
            and isinstance(data[2], int)
        ):
            raise InvalidToken("malformed staff link")
        if data[2] < time.time():
            raise InvalidToken("staff link expired")
        return data[0], data[1]

    def staff_session(self, booth_id: str, device_id: str) -> str:
        """A staff phone's bearer token: this booth, this phone."""
        return self._staff_session.dumps(["staff", booth_id, device_id])

    def read_staff_session(self, token: str) -> tuple[str, str]:
        """(booth id, device id) of a staff session token no older than 180 days."""
        data = _loads(self._staff_session, token, STAFF_SESSION_MAX_AGE)
        if not (
            isinstance(data, list)
            and len(data) == 3
            and data[0] == "staff"
            and all(isinstance(x, str) for x in data[1:])
        ):
            raise InvalidToken("malformed staff session")
        return data[1], data[2]

    # -- admin sessions ------------------------------------------------------------------------
    def admin_session(self) -> str:
        return self._admin.dumps(["admin", secrets.token_urlsafe(6)])

    def read_admin_session(self, token: str) -> None:
        data = _loads(self._admin, token, ADMIN_SESSION_MAX_AGE)
        if not (isinstance(data, list) and data and data[0] == "admin"):
            raise InvalidToken("not an admin session")


def _seal_key(secret: str) -> tuple[str, bytes]:
    """(fingerprint, key) of the sealing key derived from one secret key."""
    key = hmac.digest(secret.encode(), b"cardswap.setup-profile.seal", hashlib.sha256)
    return hashlib.sha256(key).hexdigest()[:8], key


def _keystream(key: bytes, nonce: str, length: int) -> bytes:
    """HMAC-SHA256(key, nonce || counter) blocks: a keystream for one nonce."""
    blocks = [
        hmac.digest(key, f"{nonce}:{i}".encode(), hashlib.sha256) for i in range(length // 32 + 1)
    ]
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _loads(serializer: URLSafeTimedSerializer, token: str, max_age: int) -> Any:
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise InvalidToken("missing token")
    try:
        return serializer.loads(token, max_age=max_age)
    except BadSignature as exc:  # SignatureExpired is a BadSignature too
        raise InvalidToken(str(exc)) from exc
