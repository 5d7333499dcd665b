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

from server.storage.migrations import add_card_fields

MIGRATION_LOCK = 0x63617264  # pg_advisory_xact_lock key: "card"
PgMigration = tuple[str, Callable[[psycopg.Connection[Any]], None]]


def _text_c(ddl: str) -> str:
    """Every TEXT column of `ddl` compared byte by byte, as SQLite does."""
    return ddl.replace(" TEXT", ' TEXT COLLATE "C"')


def m001_initial(conn: psycopg.Connection[Any]) -> None:
    """Events, attendees (with their feed counters), devices, the op log, contacts, nonces."""
    conn.execute(
        _text_c(
            """
        CREATE TABLE events (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            starts_on TEXT,
            ends_on TEXT,
            join_code TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE attendees (
            id TEXT PRIMARY KEY,
            event_slug TEXT NOT NULL REFERENCES events(slug),
            card TEXT,
            card_version INTEGER NOT NULL DEFAULT 1,
            email TEXT,
            share_back INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE UNIQUE INDEX attendees_event_email ON attendees(event_slug, email)
            WHERE email IS NOT NULL;
        CREATE TABLE feed_seqs (
            owner_id TEXT PRIMARY KEY,
            value BIGINT NOT NULL
        );
        CREATE TABLE devices (
            attendee_id TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (attendee_id, id)
        );
        CREATE TABLE ops (
            id TEXT PRIMARY KEY,
            attendee_id TEXT NOT NULL,
            event_slug TEXT NOT NULL,
            device_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            client_at TEXT,
            at TEXT,
            received_at TEXT NOT NULL,
            result TEXT NOT NULL,
            code TEXT,
            message TEXT
        );
        CREATE INDEX ops_event_stats ON ops(event_slug, type, result, received_at);
        CREATE INDEX ops_attendee ON ops(attendee_id);
        CREATE TABLE contacts (
            owner_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            card TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 0,
            linked_attendee_id TEXT,
            met_at TEXT,
            methods TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            follow_up TEXT NOT NULL DEFAULT 'none',
            follow_up_on TEXT,
            starred INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            vcard TEXT,
            versions TEXT NOT NULL DEFAULT '{}',
            seq BIGINT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (owner_id, contact_id)
        );
        CREATE INDEX contacts_feed ON contacts(owner_id, seq);
        CREATE INDEX contacts_linked ON contacts(linked_attendee_id);
        CREATE TABLE used_nonces (
            nonce TEXT PRIMARY KEY,
            used_at TEXT NOT NULL
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
    )


def m002_vcard_cache(conn: psycopg.Connection[Any]) -> None:
    """Each exported contact's vCard text; a changed or deleted contact's text goes with it."""
    conn.execute(
        _text_c(
            """
        CREATE TABLE vcard_cache (
            owner_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            event_name TEXT NOT NULL,
            fmt INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (owner_id, contact_id)
        );
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
    )


def m003_app_passwords(conn: psycopg.Connection[Any]) -> None:
    """App passwords for the CardDAV address book: a user name per attendee, salted hashes."""
    conn.execute(
        _text_c(
            """
        CREATE TABLE app_password_users (
            attendee_id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX app_password_users_username ON app_password_users(username);
        CREATE TABLE app_passwords (
            id TEXT PRIMARY KEY,
            attendee_id TEXT NOT NULL,
            label TEXT NOT NULL,
            hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used_at TEXT
        );
        CREATE INDEX app_passwords_attendee ON app_passwords(attendee_id, created_at);
        """
        )
    )


def m004_card_photos(conn: psycopg.Connection[Any]) -> None:
    """Card photos: two JPEGs per card as bytea (see migrations.m004_card_photos), and every
    stored card given `socials` and `photo`."""
    conn.execute(
        _text_c(
            """
        CREATE TABLE photos (
            id TEXT PRIMARY KEY,
            owner_id TEXT NOT NULL,
            card_of TEXT NOT NULL,
            small BYTEA NOT NULL,
            large BYTEA NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX photos_card ON photos(owner_id, card_of);
        """
        )
    )

    def execute(sql: str, args: list[Any]) -> Any:
        return conn.execute(sql.replace("?", "%s"), args)

    add_card_fields(execute, "attendees", ("id",))
    add_card_fields(execute, "contacts", ("owner_id", "contact_id"))


MIGRATIONS: list[PgMigration] = [
    ("m001_initial", m001_initial),
    ("m002_vcard_cache", m002_vcard_cache),
    ("m003_app_passwords", m003_app_passwords),
    ("m004_card_photos", m004_card_photos),
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
