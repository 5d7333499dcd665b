"""App passwords as secrets: made at random, stored as salted scrypt hashes, checked in constant
time, and remembered briefly once checked, so a CardDAV client's burst of requests (each one
carries the password again) pays the slow hash once.

scrypt is the standard library's (hashlib); its cost is the point: a stolen database does not
give the passwords back. A check costs ~50 ms of CPU, which is why wrong passwords are
rate-limited per user name (server.app_passwords) and right ones are cached here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time

# n=2^14, r=8: 16 MiB of memory and ~50 ms a hash on one core of the CI kind of machine.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_LEN = 32
SALT_BYTES = 16
# Lower-case letters and digits 2-7 (base32): no 0/O or 1/l/I to mistype, 5 bits a character.
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
GROUPS, GROUP = 5, 4  # xxxx-xxxx-xxxx-xxxx-xxxx: 100 random bits
MAX_PASSWORD = 200  # longer is no password of ours; refused before hashing


def new_password() -> str:
    """A fresh app password: 20 random base32 characters in groups of four."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=64 * 1024 * 1024
    )


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key` (base64): the parameters travel with the hash."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (constant-time comparison)."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


class VerifiedCache:
    """(user name, password) pairs checked recently -> the password's id, for `ttl` seconds.

    Only a fast hash of the pair is kept (never the password). The caller still confirms on
    every request that the password id is live, so a revoked password stops at once."""

    def __init__(self, ttl: float = 300.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[bytes, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, password: str) -> bytes:
        return hashlib.sha256(f"{username}\x00{password}".encode()).digest()

    def get(self, username: str, password: str) -> str | None:
        """The password id this pair was verified as, while fresh."""
        key = self._key(username, password)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[1] < time.monotonic():
                del self._entries[key]
                return None
            return found[0]

    def put(self, username: str, password: str, password_id: str) -> None:
        key = self._key(username, password)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # a flood of pairs: forget rather than grow without bound
            self._entries[key] = (password_id, time.monotonic() + self.ttl)

    def forget(self, password_id: str) -> None:
        """Drop every pair verified as this password (it was revoked)."""
        with self._lock:
            for key in [k for k, (pid, _) in self._entries.items() if pid == password_id]:
                del self._entries[key]
