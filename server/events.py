"""Events: create, read, and the demo event a fresh database starts with."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server import i18n
from server.clock import now_iso
from server.errors import Conflict, InvalidField, NotFound
from server.storage import Store
from server.storage import events as stored_events
from server.storage.events import EventRow

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DEMO_SLUG = "demo"
DATES_OUT_OF_ORDER = "ends_on is before starts_on."
PUBLIC_FIELDS = ("slug", "name", "starts_on", "ends_on", "language", "time_zone")


def new_join_code() -> str:
    """A short code people can type from a poster (no 0/O/1/I confusion)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _date(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidField(f"{field} must be a date (YYYY-MM-DD).", field=field)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidField(f"{field} must be a date (YYYY-MM-DD).", field=field) from exc


def _language(value: Any) -> str:
    if value not in i18n.LANGUAGES:
        choices = ", ".join(i18n.LANGUAGES)
        raise InvalidField(f"language must be one of {choices}.", field="language")
    return str(value)


def _time_zone(value: Any) -> str:
    """An IANA time zone name the server knows (`Europe/Berlin`, `Asia/Tokyo`, `UTC`)."""
    message = "time_zone must be an IANA time zone name such as Europe/Berlin."
    if not isinstance(value, str) or not value or len(value) > 64 or value.startswith("/"):
        raise InvalidField(message, field="time_zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidField(message, field="time_zone") from exc
    return value


def validate_event_fields(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checked `slug`, `name`, `starts_on`, `ends_on`, `language`, `time_zone` (422 naming the
    field)."""
    allowed = {"slug", "name", "starts_on", "ends_on", "language", "time_zone"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidField(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    out: dict[str, Any] = {}
    if not partial or "slug" in data:
        slug = data.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise InvalidField(
                "slug must be 1-64 lower-case letters, digits and dashes.", field="slug"
            )
        out["slug"] = slug
    if not partial or "name" in data:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise InvalidField("name is required (at most 200 characters).", field="name")
        out["name"] = name.strip()
    for key in ("starts_on", "ends_on"):
        if key in data:
            out[key] = _date(data.get(key), key)
    if "language" in data:
        out["language"] = _language(data["language"])
    if "time_zone" in data:
        out["time_zone"] = _time_zone(data["time_zone"])
    starts, ends = out.get("starts_on"), out.get("ends_on")
    if starts and ends and ends < starts:
        raise InvalidField(DATES_OUT_OF_ORDER, field="ends_on")
    return out


def create_event(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    """Insert a validated event; 409 if the slug is taken."""
    row = EventRow(
        slug=fields["slug"],
        name=fields["name"],
        starts_on=fields.get("starts_on"),
        ends_on=fields.get("ends_on"),
        join_code=new_join_code(),
        created_at=now_iso(),
        language=fields.get("language", "en"),
        time_zone=fields.get("time_zone", "UTC"),
    )
    if not stored_events.insert(store, row):
        raise Conflict(f"An event with slug {row.slug!r} exists.", field="slug", code="slug_taken")
    return row._asdict()


def update_event(store: Store, slug: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Change an event's name, dates, language or time zone; 404 if it does not exist."""

    def change(current: EventRow) -> EventRow:
        merged = current._replace(**{k: v for k, v in fields.items() if k != "slug"})
        if merged.starts_on and merged.ends_on and merged.ends_on < merged.starts_on:
            raise InvalidField(DATES_OUT_OF_ORDER, field="ends_on")
        return merged

    updated = stored_events.update(store, slug, change)
    if updated is None:
        raise _not_found(slug)
    return updated._asdict()


def _not_found(slug: str) -> NotFound:
    return NotFound(f"There is no event {slug!r}.", code="event_not_found")


def get_event(store: Store, slug: str) -> dict[str, Any]:
    """The event row as a dict; 404 if unknown."""
    row = stored_events.get(store, slug)
    if row is None:
        raise _not_found(slug)
    return row._asdict()


def event_locale(store: Store, slug: str | None) -> tuple[str | None, str | None]:
    """(language, time zone) of an event, for its pages; (None, None) when there is none."""
    row = stored_events.get(store, slug) if slug else None
    if row is None:
        return None, None
    return row.language, row.time_zone


def list_events(store: Store) -> list[dict[str, Any]]:
    return [row._asdict() for row in stored_events.list_all(store)]


def public_event(event: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of an event."""
    return {k: event[k] for k in PUBLIC_FIELDS}


def join_url(base_url: str, event: dict[str, Any]) -> str:
    return f"{base_url}/join/{event['slug']}?code={event['join_code']}"


def organizer_event(base_url: str, event: dict[str, Any]) -> dict[str, Any]:
    """What the organizer sees of an event: its public face, the join code and the join link."""
    return {
        **public_event(event),
        "join_code": event["join_code"],
        "join_url": join_url(base_url, event),
    }


def ensure_demo_event(store: Store) -> dict[str, Any] | None:
    """On an empty database, create the `demo` event; returns it when it was created.

    Several processes starting together on one PostgreSQL database may all find it empty: the
    slug's key lets one create it, and the others take it as made."""
    if stored_events.any_exists(store):
        return None
    try:
        return create_event(store, {"slug": DEMO_SLUG, "name": "Demo event"})
    except Conflict:
        return None
