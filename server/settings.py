"""Every setting, read from the environment in one place; tests build a Settings directly."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from server.storage.engine import is_postgres_url


@dataclass(frozen=True)
class Settings:
    """What the app needs to run; `from_env` fills it from CARDSWAP_* variables."""

    db: str  # a SQLite file path, or a postgresql:// URL
    secret_keys: tuple[str, ...]
    admin_token: str
    base_url: str = "http://127.0.0.1:8000"
    web_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent.parent / "web")
    node_modules_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "node_modules"
    )
    # Rate limits: generous enough that a venue's NAT never throttles real attendees.
    sync_rate_per_minute: int = 120
    register_rate_per_minute: int = 600
    # Admin sign-in attempts per client address, right or wrong: guessing a token stays hopeless.
    admin_signin_per_minute: int = 10
    # Photo uploads per attendee: each is decoded (tens of ms of CPU) and makes a new card
    # version for every holder; a person tries a few photos, a script must not try thousands.
    photo_rate_per_minute: int = 20
    # Per IP, /api/ only: 2,000 requests/s sustained (a burst of 120,000). A venue's whole crowd
    # shares one address and this server answers ~150-300 syncs/s on 2 cores, so the guard only
    # ever meets floods of cheap requests; 20,000/min would have refused a health-check or
    # polling crowd within seconds (scripts/bench/README.md, storm).
    ip_flood_per_minute: int = 120_000
    # Wrong CardDAV passwords per user name (never per IP: a venue shares one): 10 at once, then
    # one every 30 s. A right password is never counted.
    dav_wrong_passwords: int = 10
    dav_wrong_password_period: float = 300.0
    # How many `cardswap serve` processes share the database (CARDSWAP_PROCESSES). Rate limits are
    # kept per process, so each one allows its share: behind a reverse proxy that spreads
    # requests evenly, the whole deployment then allows each limit once (DESIGN.md section 9).
    processes: int = 1

    @property
    def is_postgres(self) -> bool:
        return is_postgres_url(self.db)

    @property
    def db_path(self) -> Path:
        """The SQLite file (there is none on PostgreSQL)."""
        if self.is_postgres:
            raise SettingsError("The database is PostgreSQL: there is no SQLite file.")
        return Path(self.db)

    @property
    def db_label(self) -> str:
        """The database as printed at start-up (a URL without its password)."""
        return _without_password(self.db) if self.is_postgres else self.db

    def per_process(self, limit: int) -> float:
        """This process's share of a deployment-wide rate limit."""
        return limit / max(1, self.processes)

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry `Secure` only when the public URL is HTTPS (plain HTTP works)."""
        return self.base_url.startswith("https://")

    @property
    def basic_auth_allowed(self) -> bool:
        """HTTP Basic (CardDAV app passwords) only where no one can read it on the way: over
        HTTPS, or on this machine (a loopback BASE_URL, for development and tests)."""
        if self.base_url.startswith("https://"):
            return True
        host = urlsplit(self.base_url).hostname or ""
        return host == "localhost" or host == "::1" or host.startswith("127.")

    @property
    def origin(self) -> str:
        """The scheme://host[:port] of BASE_URL, for the same-origin check on cookie writes."""
        scheme, _, rest = self.base_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}".lower()

    @classmethod
    def from_env(cls, db_path: str | None = None, base_url: str | None = None) -> Settings:
        """Read CARDSWAP_DB, CARDSWAP_SECRET_KEY, CARDSWAP_ADMIN_TOKEN, CARDSWAP_BASE_URL and
        CARDSWAP_PROCESSES.

        On SQLite a missing secret key or admin token is generated once and kept beside the
        database file. On PostgreSQL several processes, maybe on several machines, must share
        them, so both must come from the environment; without them the server refuses to start."""
        db = db_path or os.environ.get("CARDSWAP_DB") or "data/cardswap.db"
        keys_env = os.environ.get("CARDSWAP_SECRET_KEY", "")
        keys = tuple(k.strip() for k in keys_env.split(",") if k.strip())
        admin = os.environ.get("CARDSWAP_ADMIN_TOKEN", "").strip()
        if is_postgres_url(db):
            missing = [
                name
                for name, value in (("CARDSWAP_SECRET_KEY", keys), ("CARDSWAP_ADMIN_TOKEN", admin))
                if not value
            ]
            if missing:
                raise SettingsError(
                    f"With PostgreSQL, set {' and '.join(missing)} in the environment: every "
                    "server process must use the same ones (see the README, several processes)."
                )
        else:
            path = Path(db).resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            db = str(path)
            if not keys:
                keys = (_persisted_secret(path.with_name(path.name + ".secret"), 32),)
            if not admin:
                admin = _persisted_secret(path.with_name(path.name + ".admin-token"), 18)
        url = (base_url or os.environ.get("CARDSWAP_BASE_URL") or "http://127.0.0.1:8000").rstrip(
            "/"
        )
        processes = os.environ.get("CARDSWAP_PROCESSES", "1").strip()
        if not processes.isdigit() or int(processes) < 1:
            raise SettingsError(
                "CARDSWAP_PROCESSES must be a whole number of processes, 1 or more."
            )
        return cls(
            db=db, secret_keys=keys, admin_token=admin, base_url=url, processes=int(processes)
        )


class SettingsError(Exception):
    """A setting is missing or malformed: the server does not start (the message says which)."""


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _persisted_secret(path: Path, nbytes: int) -> str:
    """A random secret kept beside the database, so restarts do not log everyone out."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value
