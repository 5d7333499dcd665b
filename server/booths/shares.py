"""The attendee's side of booths: whom they shared their card with, and taking it back.

A booth's capture is the attendee showing their badge at the booth; they see it in their own
list ("You shared your card with <booth>") and may withdraw it: the lead is emptied and reported
deleted to every staff phone at its next sync, and the booth cannot capture them again.
"""

from __future__ import annotations

from typing import Any

from server.attendees import require_attendee
from server.clock import now_iso
from server.context import AppContext
from server.errors import NotFound
from server.storage import leads as stored_leads

MAX_BOOTH_ID = 64


def my_shares(ctx: AppContext, attendee_id: str) -> dict[str, Any]:
    """`GET /api/me/shares`: the booths that hold the attendee's card now."""
    require_attendee(ctx.store, attendee_id)
    rows = stored_leads.shares_of(ctx.store, attendee_id)
    return {
        "shares": [
            {"booth_id": r.booth_id, "booth_name": r.booth_name, "shared_at": r.shared_at}
            for r in rows
        ]
    }


def withdraw(ctx: AppContext, attendee_id: str, booth_id: str) -> None:
    """`DELETE /api/me/shares/{booth_id}`: 204 (again on a repeat); 404 when that booth never
    had the attendee's card (no booth is revealed by asking)."""
    require_attendee(ctx.store, attendee_id)
    found = len(booth_id) <= MAX_BOOTH_ID and ctx.store.transact(
        lambda tx: stored_leads.withdraw(tx, booth_id, attendee_id, now_iso())
    )
    if not found:
        raise NotFound("You have not shared your card with this booth.", code="share_not_found")
