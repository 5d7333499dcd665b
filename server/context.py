"""What every handler needs, built once by create_app: settings, the store, tokens, limiters."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.passwords import VerifiedCache
from server.ratelimit import RateLimiter
from server.settings import Settings
from server.storage import Store, Writer
from server.tokens import Tokens


@dataclass
class AppContext:
    settings: Settings
    store: Store
    tokens: Tokens
    sync_limiter: RateLimiter = field(init=False)
    register_limiter: RateLimiter = field(init=False)
    ip_limiter: RateLimiter = field(init=False)
    admin_signin_limiter: RateLimiter = field(init=False)
    dav_password_limiter: RateLimiter = field(init=False)  # wrong CardDAV passwords, per name
    dav_verified: VerifiedCache = field(init=False)  # CardDAV sign-ins checked recently
    photo_limiter: RateLimiter = field(init=False)
    writer: Writer = field(init=False)  # the sync's writes (SQLite: several to a transaction)

    def __post_init__(self) -> None:
        s = self.settings
        # Each process allows its share of every limit (Settings.processes).
        self.sync_limiter = RateLimiter(s.per_process(s.sync_rate_per_minute), 60.0)
        self.register_limiter = RateLimiter(s.per_process(s.register_rate_per_minute), 60.0)
        self.ip_limiter = RateLimiter(s.per_process(s.ip_flood_per_minute), 60.0)
        self.admin_signin_limiter = RateLimiter(s.per_process(s.admin_signin_per_minute), 60.0)
        self.dav_password_limiter = RateLimiter(
            s.per_process(s.dav_wrong_passwords), s.dav_wrong_password_period
        )
        self.dav_verified = VerifiedCache()  # per process: every request still checks the row
        self.photo_limiter = RateLimiter(s.per_process(s.photo_rate_per_minute), 60.0)
        self.writer = self.store.writer()

    def card_url(self, token: str) -> str:
        return f"{self.settings.base_url}/c/{token}"
