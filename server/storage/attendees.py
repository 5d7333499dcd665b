"""The attendees table (with the used sign-in nonces): rows, card changes, the deletion cascade.

A deleted attendee stays as a tombstone row (card and email NULL, deleted_at set), so old card
tokens resolve to 404 and exchanges with them are refused.
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage import contacts, photos
from server.storage.engine import Store, Tx, chunks, reader


class AttendeeRow(NamedTuple):
    """An attendee as stored (the columns of `attendees`, in their order)."""

    id: str
    event_slug: str
    card: str | None  # the card's JSON text; None once deleted
    card_version: int
    email: str | None  # lower-cased, the CSV import's idempotency key
    share_back: bool
    created_at: str
    deleted_at: str | None
    language: str | None = None  # chosen in Settings; None: the browser's languages decide


class SharedCard(NamedTuple):
    """A live attendee's card as a swap copies it, and whether they send theirs back."""

    id: str
    card: str
    share_back: bool


class SyncOwner(NamedTuple):
    """The live attendee a sync belongs to."""

    id: str
    event_slug: str
    card: str


class PublicCard(NamedTuple):
    """What the public card page needs of an attendee: the card and the event's name, language
    and time zone."""

    card: str | None
    deleted_at: str | None
    event_slug: str
    event_name: str | None
    event_language: str | None
    event_time_zone: str | None


_COLUMNS = "id, event_slug, card, card_version, email, share_back, created_at, deleted_at, language"


def _row(values: tuple[object, ...]) -> AttendeeRow:
    row = AttendeeRow._make(values)
    return row._replace(share_back=bool(row.share_back))


def get(source: Store | Tx, attendee_id: str) -> AttendeeRow | None:
    """The attendee, deleted ones included (inside a write: as that write sees it)."""
    found = (
        reader(source)
        .execute(f"SELECT {_COLUMNS} FROM attendees WHERE id = ?", [attendee_id])
        .fetchone()
    )
    return None if found is None else _row(found)


def get_for_change(tx: Tx, attendee_id: str) -> AttendeeRow | None:
    """`get`, the row locked until the write ends (PostgreSQL; SQLite's one writer is alone)."""
    sql = f"SELECT {_COLUMNS} FROM attendees WHERE id = ?{tx.for_update}"
    found = tx.execute(sql, [attendee_id]).fetchone()
    return None if found is None else _row(found)


def insert(tx: Tx, row: AttendeeRow) -> None:
    tx.execute(
        "INSERT INTO attendees (id, event_slug, card, card_version, email, share_back, "
        "created_at) VALUES (:id, :event_slug, :card, :card_version, :email, :share_back, "
        ":created_at)",
        {**row._asdict(), "share_back": int(row.share_back)},
    )


def replace_card(tx: Tx, attendee_id: str, card: str, now: str) -> None:
    """A new card text (card_version + 1), pushed into every contact live-linked to them."""
    tx.execute(
        "UPDATE attendees SET card = ?, card_version = card_version + 1 WHERE id = ?",
        [card, attendee_id],
    )
    contacts.push_card(tx, attendee_id, card, now)


def set_share_back(tx: Tx, attendee_id: str, share_back: bool) -> bool:
    """False when the attendee is unknown or deleted (nothing changed)."""
    cursor = tx.execute(
        "UPDATE attendees SET share_back = ? WHERE id = ? AND deleted_at IS NULL",
        [int(share_back), attendee_id],
    )
    return cursor.rowcount == 1


def set_language(tx: Tx, attendee_id: str, language: str | None) -> bool:
    """False when the attendee is unknown or deleted (nothing changed)."""
    cursor = tx.execute(
        "UPDATE attendees SET language = ? WHERE id = ? AND deleted_at IS NULL",
        [language, attendee_id],
    )
    return cursor.rowcount == 1


def delete(tx: Tx, attendee_id: str, now: str, last_card: str | None = None) -> bool:
    """Tombstone the attendee: card, email, photos (theirs and their contacts'), contacts and
    devices go, others' contacts of them are unlinked (keeping the last card; `last_card`, when
    given, is pushed to them first as a change: the card without its photo), their ops keep ids
    but lose payloads. False (nothing changed) when unknown or already deleted."""
    tx.lock_owners([attendee_id])  # no swap with them is half-way through
    cursor = tx.execute(
        "UPDATE attendees SET card = NULL, email = NULL, language = NULL, deleted_at = ? "
        "WHERE id = ? AND deleted_at IS NULL",
        [now, attendee_id],
    )
    if cursor.rowcount != 1:
        return False
    if last_card is not None:
        contacts.push_card(tx, attendee_id, last_card, now)
    photos.remove_all_of(tx, attendee_id)
    tx.execute("DELETE FROM contacts WHERE owner_id = ?", [attendee_id])
    tx.execute("DELETE FROM devices WHERE attendee_id = ?", [attendee_id])
    # Others' contacts of them are unlinked under those owners' feed locks: a sync of theirs
    # writes its whole row back and must not link it again to a deleted attendee.
    holders = tx.execute(
        "SELECT DISTINCT owner_id FROM contacts WHERE linked_attendee_id = ?", [attendee_id]
    ).fetchall()
    tx.lock_owners(str(row[0]) for row in holders)
    tx.execute(
        "UPDATE contacts SET linked_attendee_id = NULL WHERE linked_attendee_id = ?",
        [attendee_id],
    )
    tx.execute("UPDATE ops SET payload = '{}' WHERE attendee_id = ?", [attendee_id])
    return True


def use_nonce(tx: Tx, nonce: str, now: str) -> bool:
    """Mark a single-use sign-in nonce used; False when it already was."""
    used = tx.execute(
        "INSERT INTO used_nonces (nonce, used_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING",
        [nonce, now],
    )
    return used.rowcount == 1


def live_by_email(tx: Tx, slug: str, emails: list[str]) -> list[AttendeeRow]:
    """Live attendees of the event whose import email is one of `emails`."""
    out: list[AttendeeRow] = []
    for part in chunks(emails, 500):
        marks = ",".join("?" * len(part))
        rows = tx.execute(
            f"SELECT {_COLUMNS} FROM attendees "
            f"WHERE event_slug = ? AND deleted_at IS NULL AND email IN ({marks})",
            [slug, *part],
        ).fetchall()
        out += [_row(r) for r in rows]
    return out


def live_in_event(store: Store, attendee_id: str, slug: str) -> AttendeeRow | None:
    found = (
        store.read()
        .execute(
            f"SELECT {_COLUMNS} FROM attendees WHERE id = ? AND event_slug = ? "
            "AND deleted_at IS NULL",
            [attendee_id, slug],
        )
        .fetchone()
    )
    return None if found is None else _row(found)


def live_of_event(store: Store, slug: str) -> list[AttendeeRow]:
    rows = store.read().execute(
        f"SELECT {_COLUMNS} FROM attendees WHERE event_slug = ? AND deleted_at IS NULL", [slug]
    )
    return [_row(r) for r in rows.fetchall()]


def public_card(store: Store, attendee_id: str) -> PublicCard | None:
    found = (
        store.read()
        .execute(
            "SELECT a.card, a.deleted_at, a.event_slug, e.name, e.language, e.time_zone"
            " FROM attendees a "
            "LEFT JOIN events e ON e.slug = a.event_slug WHERE a.id = ?",
            [attendee_id],
        )
        .fetchone()
    )
    return None if found is None else PublicCard._make(found)


# -- the sync's reads, inside its write transaction --------------------------------------------
def sync_owner(tx: Tx, attendee_id: str) -> SyncOwner | None:
    """The live attendee a sync belongs to; None when unknown or deleted."""
    found = tx.execute(
        "SELECT event_slug, card FROM attendees WHERE id = ? AND deleted_at IS NULL",
        [attendee_id],
    ).fetchone()
    if found is None or found[1] is None:
        return None
    return SyncOwner(attendee_id, found[0], found[1])


def shared_cards(tx: Tx, attendee_ids: list[str]) -> dict[str, SharedCard | None]:
    """Each of `attendee_ids` found: their card, or None once they deleted their data."""
    out: dict[str, SharedCard | None] = {}
    for part in chunks(attendee_ids):
        marks = ",".join("?" * len(part))
        cursor = tx.execute(
            f"SELECT id, card, deleted_at, share_back FROM attendees WHERE id IN ({marks})",
            part,
        )
        for aid, card, deleted_at, share_back in cursor.fetchall():
            alive = card is not None and deleted_at is None
            out[aid] = SharedCard(aid, card, bool(share_back)) if alive else None
    return out
