"""App passwords for the CardDAV address book: each attendee's DAV user name, and their
passwords as salted hashes (the tables of migration m003). Revoking a password deletes its row,
so the next request that presents it finds nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from server.storage.engine import Store, Tx, reader, rows_as


class AppPasswordRow(NamedTuple):
    """An app password as its owner's list shows it (never the hash)."""

    id: str
    label: str
    created_at: str
    last_used_at: str | None


class NewAppPassword(NamedTuple):
    """A password to store (fields in the order the statement binds them)."""

    id: str
    attendee_id: str
    label: str
    hash: str
    created_at: str


class Credential(NamedTuple):
    """What checking an HTTP Basic sign-in needs of one live password of a user name."""

    id: str
    attendee_id: str
    hash: str
    last_used_at: str | None


def claim_username(tx: Tx, attendee_id: str, username: str, now: str) -> str:
    """The attendee's DAV user name: `username` when they had none yet, else the one they have.

    The primary key on attendee_id decides between two first passwords created at once."""
    tx.execute(
        "INSERT INTO app_password_users (attendee_id, username, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (attendee_id) DO NOTHING",
        [attendee_id, username, now],
    )
    row = tx.execute(
        "SELECT username FROM app_password_users WHERE attendee_id = ?", [attendee_id]
    ).fetchone()
    return str(row[0])


def username_of(source: Store | Tx, attendee_id: str) -> str | None:
    """The attendee's DAV user name, None before their first app password."""
    row = (
        reader(source)
        .execute("SELECT username FROM app_password_users WHERE attendee_id = ?", [attendee_id])
        .fetchone()
    )
    return None if row is None else str(row[0])


def insert(tx: Tx, row: NewAppPassword) -> None:
    tx.execute(
        "INSERT INTO app_passwords (id, attendee_id, label, hash, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        list(row),
    )


def count(tx: Tx, attendee_id: str) -> int:
    """How many passwords the attendee holds (inside a write: as that write sees it)."""
    row = tx.execute(
        "SELECT COUNT(*) FROM app_passwords WHERE attendee_id = ?", [attendee_id]
    ).fetchone()
    return int(row[0])


def list_for(store: Store, attendee_id: str) -> list[AppPasswordRow]:
    """The attendee's passwords, oldest first."""
    rows = store.read().execute(
        "SELECT id, label, created_at, last_used_at FROM app_passwords"
        " WHERE attendee_id = ? ORDER BY created_at, id",
        [attendee_id],
    )
    return list(rows_as(AppPasswordRow, rows.fetchall()))


def delete(tx: Tx, attendee_id: str, password_id: str) -> bool:
    """Revoke one of the attendee's passwords; False when they hold none with that id."""
    cursor = tx.execute(
        "DELETE FROM app_passwords WHERE id = ? AND attendee_id = ?", [password_id, attendee_id]
    )
    return cursor.rowcount == 1


def delete_all(tx: Tx, attendee_id: str) -> None:
    """Every password and the user name of an attendee (who deletes their data)."""
    tx.execute("DELETE FROM app_passwords WHERE attendee_id = ?", [attendee_id])
    tx.execute("DELETE FROM app_password_users WHERE attendee_id = ?", [attendee_id])


def credentials(store: Store, username: str) -> list[Credential]:
    """The live passwords of a user name (none for an unknown name)."""
    rows = store.read().execute(
        "SELECT p.id, p.attendee_id, p.hash, p.last_used_at FROM app_password_users u"
        " JOIN app_passwords p ON p.attendee_id = u.attendee_id WHERE u.username = ?"
        " ORDER BY p.created_at DESC, p.id",
        [username],
    )
    return list(rows_as(Credential, rows.fetchall()))


def credential(store: Store, password_id: str) -> Credential | None:
    """One live password by id (None once revoked)."""
    row = (
        store.read()
        .execute(
            "SELECT id, attendee_id, hash, last_used_at FROM app_passwords WHERE id = ?",
            [password_id],
        )
        .fetchone()
    )
    return None if row is None else Credential._make(row)


def touch(tx: Tx, password_id: str, now: str) -> None:
    """Record that the password was just used."""
    tx.execute("UPDATE app_passwords SET last_used_at = ? WHERE id = ?", [now, password_id])
