"""The schema on PostgreSQL: the same named migrations as server/storage/migrations.py, in its
dialect, applied in order at start-up under an advisory lock (several processes starting together
apply each one once: the others wait, then find it recorded).

Differences from SQLite, each for the engine's own reason:
- every text column is `COLLATE "C"`: SQLite compares text byte by byte, and the lists' order
  (`ORDER BY met_at DESC, contact_id`) must not change with the database's locale;
- `feed_seqs`: one row per attendee holding the next change seq of their feed, created with the
  attendee (a trigger), locked by every write to their contacts (server/storage/postgres.py);
  SQLite's single writer uses one global counter instead;
- an email is unique per event among live attendees (a partial unique index): the import's
  read-then-insert alone cannot keep that with several processes;
- the vCard cache's triggers are PL/pgSQL functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from server.storage import schema
from server.storage.migrations import add_card_fields
from server.storage.schema import postgres

MIGRATION_LOCK = 0x63617264  # pg_advisory_xact_lock key: "card"
PgMigration = tuple[str, Callable[[psycopg.Connection[Any]], None]]


def m001_initial(conn: psycopg.Connection[Any]) -> None:
    """Events, attendees (with their feed counters), devices, the op log, contacts, nonces."""
    conn.execute(postgres(schema.INITIAL))
    conn.execute(
        """
        CREATE UNIQUE INDEX attendees_event_email_once ON attendees(event_slug, email)
            WHERE email IS NOT NULL;
        CREATE INDEX ops_attendee ON ops(attendee_id);
        CREATE TABLE feed_seqs (
            owner_id TEXT COLLATE "C" PRIMARY KEY,
            value BIGINT NOT NULL
        );
        CREATE FUNCTION cardswap_new_feed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO feed_seqs (owner_id, value) VALUES (NEW.id, 0)
                ON CONFLICT (owner_id) DO NOTHING;
            RETURN NEW;
        END $$;
        CREATE TRIGGER attendees_feed AFTER INSERT ON attendees
            FOR EACH ROW EXECUTE FUNCTION cardswap_new_feed();
        """
    )


def m002_vcard_cache(conn: psycopg.Connection[Any]) -> None:
    """Each exported contact's vCard text; a changed or deleted contact's text goes with it."""
    conn.execute(postgres(schema.VCARD_CACHE))
    conn.execute(
        """
        CREATE FUNCTION cardswap_drop_vcard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM vcard_cache
                WHERE owner_id = OLD.owner_id AND contact_id = OLD.contact_id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER vcard_cache_contact_changed AFTER UPDATE OF seq ON contacts
            FOR EACH ROW EXECUTE FUNCTION cardswap_drop_vcard();
        CREATE TRIGGER vcard_cache_contact_deleted AFTER DELETE ON contacts
            FOR EACH ROW EXECUTE FUNCTION cardswap_drop_vcard();
        """
    )


def m003_app_passwords(conn: psycopg.Connection[Any]) -> None:
    """App passwords for the CardDAV address book: a user name per attendee, salted hashes."""
    conn.execute(postgres(schema.APP_PASSWORDS))


def m004_card_photos(conn: psycopg.Connection[Any]) -> None:
    """Card photos: two JPEGs per card as bytea (see migrations.m004_card_photos), and every
    stored card given `socials` and `photo`."""
    conn.execute(postgres(schema.PHOTOS))

    def execute(sql: str, args: list[Any]) -> Any:
        return conn.execute(sql.replace("?", "%s"), args)

    add_card_fields(execute, "attendees", ("id",))
    add_card_fields(execute, "contacts", ("owner_id", "contact_id"))


def m006_languages(conn: psycopg.Connection[Any]) -> None:
    """An event's default language and time zone, an attendee's chosen language."""
    for statement in postgres(schema.LANGUAGES).split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: list[PgMigration] = [
    ("m001_initial", m001_initial),
    ("m002_vcard_cache", m002_vcard_cache),
    ("m003_app_passwords", m003_app_passwords),
    ("m004_card_photos", m004_card_photos),
    ("m006_languages", m006_languages),
]


def apply_migrations(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the pending migrations in one transaction under the advisory lock; their names."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
        conn.execute(
            'CREATE TABLE IF NOT EXISTS cardswap_migrations (name TEXT COLLATE "C" PRIMARY KEY,'
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM cardswap_migrations")}
        for name, migration in MIGRATIONS:
            if name not in done:
                migration(conn)
                conn.execute("INSERT INTO cardswap_migrations (name) VALUES (%s)", [name])
                applied.append(name)
    return applied
