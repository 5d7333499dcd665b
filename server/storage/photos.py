"""The photos table: each card's photo as two JPEGs (small and large), by id and by card.

A card shows at most one photo (unique on owner and `card_of`): an attendee's own card
(`card_of` '') or a foreign contact's card (`card_of` is the contact id). Putting a photo for a
card replaces the one it had, under a new id, in one statement (an upsert on that unique index,
so two writers can never leave a card with two photos). The bytes are whatever
server.photos made of an upload: this module never decodes them.
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Store, Tx, chunks, reader

OWN_CARD = ""  # `card_of` of an attendee's own card


class PhotoRow(NamedTuple):
    """A stored photo (the columns of `photos`, in their order)."""

    id: str
    owner_id: str
    card_of: str
    small: bytes
    large: bytes
    created_at: str


_SIZES = {"small": "small", "large": "large"}  # the column of each size (never user text)


def put(tx: Tx, row: PhotoRow) -> None:
    """Store the photo of (owner, card_of), replacing the one that card had (its id too)."""
    tx.execute(
        "INSERT INTO photos (id, owner_id, card_of, small, large, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, card_of) DO UPDATE SET"
        " id = excluded.id, small = excluded.small, large = excluded.large,"
        " created_at = excluded.created_at",
        list(row),
    )


def remove(tx: Tx, owner_id: str, card_of: str) -> bool:
    """Delete the photo of one card; False when it had none."""
    cursor = tx.execute(
        "DELETE FROM photos WHERE owner_id = ? AND card_of = ?", [owner_id, card_of]
    )
    return cursor.rowcount > 0


def remove_all_of(tx: Tx, owner_id: str) -> int:
    """Delete every photo an attendee holds (their own and their contacts'): how many."""
    return int(tx.execute("DELETE FROM photos WHERE owner_id = ?", [owner_id]).rowcount)


def image(source: Store | Tx, photo_id: str, size: str) -> bytes | None:
    """One size ('small' or 'large') of a photo by id, or None when there is no such photo."""
    column = _SIZES[size]
    found = (
        reader(source).execute(f"SELECT {column} FROM photos WHERE id = ?", [photo_id]).fetchone()
    )
    return None if found is None else bytes(found[0])


def images(source: Store | Tx, photo_ids: list[str], size: str) -> dict[str, bytes]:
    """One size of each of `photo_ids` that exists, by id (an export reads them in a few
    queries rather than one per contact)."""
    column = _SIZES[size]
    out: dict[str, bytes] = {}
    for part in chunks(sorted(set(photo_ids))):
        marks = ",".join("?" * len(part))
        rows = reader(source).execute(
            f"SELECT id, {column} FROM photos WHERE id IN ({marks})", part
        )
        out.update((str(pid), bytes(data)) for pid, data in rows.fetchall())
    return out


def of_card(source: Store | Tx, owner_id: str, card_of: str) -> str | None:
    """The id of the photo a card shows, or None."""
    found = (
        reader(source)
        .execute("SELECT id FROM photos WHERE owner_id = ? AND card_of = ?", [owner_id, card_of])
        .fetchone()
    )
    return None if found is None else str(found[0])
