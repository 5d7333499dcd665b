"""What an organizer does with attendees: import them from CSV, hand out personal sign-in links,
list them for badges, and export the links for a mail merge.

Plain functions over the AppContext, knowing nothing of HTTP (endpoints/admin.py and cli.py call
them). Attendee rows are written only through `server.attendees` (`create_attendee`, `set_card`),
so an imported card and a card edited in the app follow the same rules, live links included.
Nothing here reads contacts or the op log: organizers see aggregates only (stats.py).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.attendees import card_url, create_attendee, set_card
from server.context import AppContext
from server.errors import NotFound
from server.events import get_event
from server.i18n.collation import name_key
from server.organizer.attendee_import import parse_attendee_csv
from server.storage import Tx
from server.storage import attendees as stored_attendees
from server.vcard.csv_export import safe_cell

SIGNIN_DAYS_AFTER_END = 30
SIGNIN_DAYS_WITHOUT_END = 90


@dataclass
class ImportResult:
    """The contract's import response, plus how many existing attendees were updated."""

    created: int
    updated: int
    unchanged: int
    attendees: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    emails: list[str]  # the import email of each entry in `attendees`, for the mail merge
    expires_at: int  # when this import's sign-in links stop working (epoch seconds)

    def as_json(self) -> dict[str, Any]:
        """The contract's shape: each error its line and English message only."""
        errors = [{"line": e["line"], "message": e["message"]} for e in self.errors]
        return {"created": self.created, "attendees": self.attendees, "errors": errors}


def signin_expiry(event: dict[str, Any], now: float | None = None) -> int:
    """Epoch seconds a personal link lasts: the end of `ends_on` + 30 days, else 90 days."""
    ends_on = event.get("ends_on")
    if ends_on:
        end = datetime.combine(date.fromisoformat(ends_on), datetime.min.time(), UTC)
        return int((end + timedelta(days=1 + SIGNIN_DAYS_AFTER_END)).timestamp())
    start = time.time() if now is None else now
    return int(start + SIGNIN_DAYS_WITHOUT_END * 24 * 3600)


def signin_url(ctx: AppContext, attendee_id: str, expires_at: int) -> str:
    """A fresh personal sign-in link (single use, like every sign-in link)."""
    token = ctx.tokens.attendee_signin(attendee_id, expires_at)
    return f"{ctx.settings.base_url}/signin/{token}"


def _entry(ctx: AppContext, row: dict[str, Any], expires_at: int) -> dict[str, Any]:
    return {
        "id": row["id"],
        "fn": row["card"]["fn"],
        "sign_in_url": signin_url(ctx, row["id"], expires_at),
        "card_url": card_url(ctx, row),
    }


def _live_by_email(tx: Tx, slug: str, emails: list[str]) -> dict[str, dict[str, Any]]:
    """Live (not deleted) attendees of the event keyed by their import email."""
    found: dict[str, dict[str, Any]] = {}
    for row in stored_attendees.live_by_email(tx, slug, emails):
        assert row.email is not None and row.card is not None
        found.setdefault(
            row.email,
            {
                "id": row.id,
                "event_slug": row.event_slug,
                "card": json.loads(row.card),
                "card_version": row.card_version,
            },
        )
    return found


def import_attendees(
    ctx: AppContext, slug: str, data: bytes, charset: str | None = None
) -> ImportResult:
    """Import an attendee CSV into an event in one transaction; idempotent by email.

    New emails become attendees; known ones get the row's card when it differs (a new card
    version, pushed into live-linked contacts). Every imported row is listed with a fresh sign-in
    link. 404 for an unknown event, 422 for a file without email or name column.
    """
    event = get_event(ctx.store, slug)
    parsed = parse_attendee_csv(data, charset)
    expires_at = signin_expiry(event)
    # One transaction, run again whole if a concurrent import of the same email wins the
    # (event, email) key on PostgreSQL: the second run finds that attendee and updates it.
    rows, (created, updated, unchanged) = ctx.store.transact(
        lambda tx: _import_rows(tx, slug, parsed.rows)
    )
    attendees = [_entry(ctx, row, expires_at) for row in rows]
    emails = [item.email for item in parsed.rows]
    return ImportResult(created, updated, unchanged, attendees, parsed.errors, emails, expires_at)


def _import_rows(
    tx: Tx, slug: str, items: list[Any]
) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
    """Create or update each row's attendee; (rows, (created, updated, unchanged))."""
    created = updated = unchanged = 0
    rows: list[dict[str, Any]] = []
    existing = _live_by_email(tx, slug, [item.email for item in items])
    for item in items:
        current = existing.get(item.email)
        if current is None:
            rows.append(create_attendee(tx, slug, item.card, email=item.email))
            created += 1
            continue
        # What the attendee set themselves and a CSV has no column for stays theirs.
        mine = current["card"]
        card = {**item.card, "socials": mine.get("socials") or [], "photo": mine.get("photo")}
        for key in ("pronouns", "reading"):
            if mine.get(key):
                card[key] = mine[key]
        if mine != card:
            rows.append(set_card(tx, current["id"], card))
            updated += 1
        else:
            rows.append(current)
            unchanged += 1
    return rows, (created, updated, unchanged)


def desk_signin(ctx: AppContext, slug: str, attendee_id: str) -> dict[str, Any]:
    """A fresh personal sign-in link for one live attendee of the event (the help desk's QR).

    Returns the attendee's `card`, the `sign_in_url` and `expires_at`; 404 when the attendee is
    unknown, deleted, or belongs to another event.
    """
    event = get_event(ctx.store, slug)
    row = stored_attendees.live_in_event(ctx.store, attendee_id, slug)
    if row is None or row.card is None:
        raise NotFound("There is no such attendee in this event.", code="attendee_not_found")
    expires_at = signin_expiry(event)
    return {
        "id": attendee_id,
        "card": json.loads(row.card),
        "sign_in_url": signin_url(ctx, attendee_id, expires_at),
        "expires_at": expires_at,
    }


def list_attendees(
    ctx: AppContext,
    slug: str,
    *,
    ids: list[str] | None = None,
    query: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The event's live attendees sorted by name (family, then given; by their reading where
    the card gives one) in the event's language, filtered; and how many match.

    `ids` keeps only those attendee ids; `query` matches name, organisation, title or email
    (case-insensitive); `offset`/`limit` take a page of the sorted list. Each row has id, card,
    card_version, email, created_at and card_url (signed only for the rows returned).
    """
    lang = str(get_event(ctx.store, slug).get("language") or "en")
    wanted = set(ids) if ids else None
    needle = (query or "").strip().casefold()
    out: list[dict[str, Any]] = []
    for attendee in stored_attendees.live_of_event(ctx.store, slug):
        if wanted is not None and attendee.id not in wanted:
            continue
        assert attendee.card is not None  # live attendees have a card
        card = json.loads(attendee.card)
        if needle:
            haystack = " ".join(
                [card.get(k, "") for k in ("fn", "org", "title")]
                + list(card.get("emails", []))
                + [attendee.email or ""]
            ).casefold()
            if needle not in haystack:
                continue
        row = {
            "id": attendee.id,
            "event_slug": attendee.event_slug,
            "card": card,
            "card_version": attendee.card_version,
            "email": attendee.email,
            "created_at": attendee.created_at,
        }
        out.append(row)
    out.sort(key=lambda row: (name_key(row["card"], lang), row["id"]))
    page = out[offset : None if limit is None else offset + limit]
    for row in page:
        row["card_url"] = card_url(ctx, row)
    return page, len(out)


SIGNIN_CSV_COLUMNS = ("name", "email", "org", "title", "sign_in_url", "card_url")


def signin_links_csv(ctx: AppContext, slug: str) -> str:
    """A mail-merge CSV of every live attendee with a fresh personal sign-in link."""
    event = get_event(ctx.store, slug)
    expires_at = signin_expiry(event)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SIGNIN_CSV_COLUMNS)
    for row in list_attendees(ctx, slug)[0]:
        card = row["card"]
        email = row["email"] or next(iter(card.get("emails", [])), "")
        writer.writerow(
            [
                safe_cell(card.get("fn", "")),
                safe_cell(email),
                safe_cell(card.get("org", "")),
                safe_cell(card.get("title", "")),
                signin_url(ctx, row["id"], expires_at),
                row["card_url"],
            ]
        )
    return out.getvalue()


def import_result_csv(result: ImportResult) -> str:
    """The sign-in links of one import as a mail-merge CSV (the CLI's output)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("id", "name", "email", "sign_in_url", "card_url"))
    for entry, email in zip(result.attendees, result.emails, strict=True):
        writer.writerow(
            [
                entry["id"],
                safe_cell(entry["fn"]),
                safe_cell(email),
                entry["sign_in_url"],
                entry["card_url"],
            ]
        )
    return out.getvalue()
