"""The fast card-token path reads exactly what the standard library and itsdangerous read."""

from __future__ import annotations

import base64
import binascii

from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import Signer

from server.tokens import CARD_SIG_BYTES, InvalidToken, Tokens, _b32decode, _TruncatedHMAC


def _stdlib(text: str) -> bytes | None:
    text = text.strip().upper()
    if not text or len(text) > 2000 or not text.isalnum():
        return None
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, binascii.Error):
        return None


def _fast(text: str) -> bytes | None:
    try:
        return _b32decode(text)
    except InvalidToken:
        return None


@given(st.binary(max_size=120))
def test_base32_of_any_bytes_decodes_to_those_bytes(raw: bytes) -> None:
    text = base64.b32encode(raw).decode().rstrip("=")
    assert _fast(text.lower()) == _stdlib(text.lower()) == (raw or None)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789ABCZ=_ -+ßé", max_size=40))
def test_any_text_decodes_or_is_refused_as_the_standard_library_does(text: str) -> None:
    assert _fast(text) == _stdlib(text)


def test_signature_check_matches_itsdangerous_for_every_rotated_key() -> None:
    tokens = Tokens(["new-key", "old-key"])
    old = Tokens(["old-key"]).card_token("a1", "ev", 1, {"fn": "Ada"})
    assert tokens.read_card_token(old).attendee_id == "a1"
    raw = _b32decode(old)
    signer = Signer(["old-key"], salt="cardswap.card", algorithm=_TruncatedHMAC())
    expected = base64.urlsafe_b64decode(signer.get_signature(raw[:-CARD_SIG_BYTES]) + b"==")
    assert raw[-CARD_SIG_BYTES:] == expected
    forged = base64.b32encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode().rstrip("=")
    try:
        tokens.read_card_token(forged)
    except InvalidToken:
        pass
    else:
        raise AssertionError("a forged signature was accepted")
    try:
        Tokens(["other-key"]).read_card_token(old)
    except InvalidToken:
        pass
    else:
        raise AssertionError("a token of a removed key was accepted")
