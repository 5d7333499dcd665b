"""The tables, written once for both engines (DESIGN.md section 9).

Each constant is the DDL of one migration's tables and indexes as SQLite reads it; `postgres`
turns it into PostgreSQL's dialect. What only one engine has stays in its own migrations:
SQLite's change counter and triggers (migrations.py), PostgreSQL's per-owner feed rows, its
unique email index and its PL/pgSQL triggers (pg_migrations.py).
"""

from __future__ import annotations

INITIAL = """
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
    card TEXT,                      -- JSON card; NULL once deleted
    card_version INTEGER NOT NULL DEFAULT 1,
    email TEXT,                     -- lower-cased, the CSV import's idempotency key
    share_back INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    deleted_at TEXT                 -- a tombstone: card tokens then resolve to 404
);
CREATE INDEX attendees_event_email ON attendees(event_slug, email);
CREATE TABLE devices (
    attendee_id TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (attendee_id, id)
);
CREATE TABLE ops (
    id TEXT PRIMARY KEY,            -- client UUID, global
    attendee_id TEXT NOT NULL,
    event_slug TEXT NOT NULL,
    device_id TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    client_at TEXT,
    at TEXT,                        -- effective UTC instant after the clock rule
    received_at TEXT NOT NULL,
    result TEXT NOT NULL,           -- 'applied' or 'rejected'
    code TEXT,
    message TEXT
);
CREATE INDEX ops_event_stats ON ops(event_slug, type, result, received_at);
CREATE TABLE contacts (
    owner_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,       -- 'att:<attendee id>' or 'ext:<uuid>'
    card TEXT NOT NULL,             -- JSON card snapshot
    verified INTEGER NOT NULL DEFAULT 0,
    linked_attendee_id TEXT,        -- live link to that attendee's current card
    met_at TEXT,
    methods TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    follow_up TEXT NOT NULL DEFAULT 'none',
    follow_up_on TEXT,
    starred INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    vcard TEXT,                     -- original text of a foreign card
    versions TEXT NOT NULL DEFAULT '{}',  -- field -> [at, device_id, op_id]
    seq INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, contact_id)
);
CREATE INDEX contacts_feed ON contacts(owner_id, seq);
CREATE INDEX contacts_linked ON contacts(linked_attendee_id);
CREATE TABLE used_nonces (
    nonce TEXT PRIMARY KEY,
    used_at TEXT NOT NULL
);
"""

VCARD_CACHE = """
CREATE TABLE vcard_cache (
    owner_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    seq INTEGER NOT NULL,           -- contacts.seq the text was written from
    event_name TEXT NOT NULL,       -- the NOTE says where we met
    fmt INTEGER NOT NULL,           -- server.vcard.writer.FORMAT
    text TEXT NOT NULL,
    PRIMARY KEY (owner_id, contact_id)
);
"""

APP_PASSWORDS = """
CREATE TABLE app_password_users (
    attendee_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,         -- plain ASCII, no '@' (iOS percent-encodes it)
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX app_password_users_username ON app_password_users(username);
CREATE TABLE app_passwords (
    id TEXT PRIMARY KEY,
    attendee_id TEXT NOT NULL,
    label TEXT NOT NULL,
    hash TEXT NOT NULL,             -- scrypt$n$r$p$salt$key (server.app_passwords)
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX app_passwords_attendee ON app_passwords(attendee_id, created_at);
"""

PHOTOS = """
CREATE TABLE photos (
    id TEXT PRIMARY KEY,            -- random, URL-safe; the photo's URLs carry it
    owner_id TEXT NOT NULL,         -- the attendee whose card, or whose contact, shows it
    card_of TEXT NOT NULL,          -- '' for the owner's own card, else the contact id
    small BLOB NOT NULL,            -- JPEG, 128 px square at most
    large BLOB NOT NULL,            -- JPEG, 512 px square at most
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX photos_card ON photos(owner_id, card_of);
"""
# Languages (DESIGN.md section 12): the event's default language and time zone (its poster,
# badges and public card page), and the language an attendee chose in Settings (NULL: their
# browser's). Plain ALTERs, so both engines read the same text.
LANGUAGES = """
ALTER TABLE events ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE events ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE attendees ADD COLUMN language TEXT;
"""


def postgres(ddl: str) -> str:
    """`ddl` in PostgreSQL's dialect: text compared byte by byte as SQLite does (`COLLATE "C"`,
    so lists sort the same whatever the database's locale), 64-bit change seqs, bytea."""
    return (
        ddl.replace(" TEXT", ' TEXT COLLATE "C"')
        .replace(" BLOB", " BYTEA")
        .replace("seq INTEGER", "seq BIGINT")
    )
