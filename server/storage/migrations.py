"""The schema as named migrations (sqlite-utils), applied in order at start-up by Store.migrate.

Each is recorded in `_sqlite_migrations` in the same transaction as its changes; never rely on a
schema implied by a first insert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from server.storage import schema

migrations = Migrations("cardswap")


@migrations()
def m001_initial(db: Database) -> None:
    """Events, attendees, devices, the op log, contacts with per-field versions, the change seq."""
    db.executescript(
        schema.INITIAL
        + """
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT INTO counters(name, value) VALUES ('change_seq', 0);
        """
    )


@migrations()
def m002_vcard_cache(db: Database) -> None:
    """Each exported contact's vCard text, reused while the contact's seq and event name hold.

    vobject writes ~4.4k cards a second (DESIGN.md section 8); an export renders only the contacts
    changed since the last one. A changed or deleted contact's text goes with it (triggers), so
    no note outlives its contact.
    """
    db.executescript(
        schema.VCARD_CACHE
        + """
        CREATE TRIGGER vcard_cache_contact_changed AFTER UPDATE OF seq ON contacts BEGIN
            DELETE FROM vcard_cache WHERE owner_id = old.owner_id AND contact_id = old.contact_id;
        END;
        CREATE TRIGGER vcard_cache_contact_deleted AFTER DELETE ON contacts BEGIN
            DELETE FROM vcard_cache WHERE owner_id = old.owner_id AND contact_id = old.contact_id;
        END;
        """
    )


@migrations()
def m003_app_passwords(db: Database) -> None:
    """App passwords for the read-only CardDAV address book (DESIGN.md section 10).

    One DAV user name per attendee (its own table, so two concurrent first passwords cannot give
    an attendee two names: the primary key decides, and the unique index keeps names apart), and
    any number of passwords, each stored only as a salted scrypt hash. Revoking deletes the row.
    """
    db.executescript(schema.APP_PASSWORDS)


@migrations()
def m004_card_photos(db: Database) -> None:
    """Card photos (DESIGN.md section 11), and every stored card given the new card fields.

    A photo is stored as two re-encoded JPEGs in the database itself (BLOB here, bytea on
    PostgreSQL), not as files beside it: the one file stays the whole backup (`cardswap backup`,
    `cardswap db copy`), a photo commits in the same transaction as the card that shows it, and
    deleting an attendee deletes their photos in that transaction too. Photos are small (a 512 px
    JPEG of ~20-40 KB and a 128 px one of ~3-6 KB). `card_of` is '' for the owner's own card, or
    the contact id ('ext:…') of a foreign card whose imported photo it is; one photo per card
    (the unique index), replaced by an upsert that gives it a new id, so its URLs are versioned.

    Cards stored before this migration get `"socials": []` and `"photo": null`, so every card the
    API returns has the same shape. Independent of m003 (app passwords).
    """
    db.executescript(schema.PHOTOS)
    add_card_fields(db.execute, "attendees", ("id",))
    add_card_fields(db.execute, "contacts", ("owner_id", "contact_id"))


def add_card_fields(
    execute: Callable[[str, list[Any]], Any], table: str, keys: tuple[str, ...]
) -> None:
    """`socials` and `photo` added to each stored card of `table`, a page at a time in key order
    (keyset pages: no OFFSET rescans, no rowid). `execute(sql, args)` runs a statement written
    with `?` placeholders on the migrating connection (either engine's)."""
    columns = ", ".join(keys)
    after = " OR ".join(
        "(" + " AND ".join([*(f"{k} = ?" for k in keys[:i]), f"{keys[i]} > ?"]) + ")"
        for i in range(len(keys))
    )
    update = f"UPDATE {table} SET card = ? WHERE " + " AND ".join(f"{k} = ?" for k in keys)
    last: list[Any] | None = None
    while True:
        where = "card IS NOT NULL" + (f" AND ({after})" if last else "")
        args: list[Any] = []
        if last:
            for i in range(len(keys)):
                args += [*last[:i], last[i]]
        sql = f"SELECT {columns}, card FROM {table} WHERE {where} ORDER BY {columns} LIMIT 1000"
        rows = execute(sql, args).fetchall()
        if not rows:
            return
        for *key, text in rows:
            card = json.loads(text)
            if isinstance(card, dict) and "photo" not in card:
                card.setdefault("socials", [])
                card["photo"] = None
                new = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
                execute(update, [new, *key])
        last = list(rows[-1][: len(keys)])


@migrations()
def m006_languages(db: Database) -> None:
    """Languages (DESIGN.md section 12): events get a default language ('en') and time zone
    ('UTC'), attendees the language chosen in Settings (NULL: the browser decides). (m005 is the
    booths' migration.)"""
    db.executescript(schema.LANGUAGES)
