"""The merge rules: how one checked op changes the contact rows it touches (DESIGN.md section 5).

Last-writer-wins: each field keeps a version (at, device id, op id) in `versions`; a write wins
when its version is greater, compared as strings (`at` is fixed-width ISO UTC, so string order is
time order). The `deleted` version is the tombstone's: an exchange by the owner with a greater
version brings the contact back; a reciprocal never touches it. Rows here are the working copies
of server.sync.apply's Batch; nothing here reads or writes the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.storage.contacts import ContactState
from server.sync.ops import Op, Rejected

if TYPE_CHECKING:
    from server.sync.apply import Batch

_ZERO: tuple[str, str, str] = ("", "", "")

Version = tuple[str, str, str]
Key = tuple[str, str]  # (owner id, contact id)
Row = dict[str, Any]


def new_row(owner_id: str, contact_id: str) -> Row:
    """A contact row as a first swap creates it, before the swap's fields are set."""
    return {"owner_id": owner_id, "contact_id": contact_id, "card": "{}", "verified": False,
            "linked_attendee_id": None, "met_at": None, "methods": [], "notes": "", "tags": [],
            "follow_up": "none", "follow_up_on": None, "starred": False, "deleted": False,
            "vcard": None, "versions": {}}  # fmt: skip


# A working row goes back to storage as new_state(row.values()): same keys, same order.
assert tuple(new_row("", "")) == ContactState._fields


def _version(row: Row, name: str) -> Version:
    value = row["versions"].get(name)
    return (str(value[0]), str(value[1]), str(value[2])) if value else _ZERO


def newer(row: Row, name: str, ver: Version) -> bool:
    """Whether a write of version `ver` wins over the field `name` of the row (last writer
    wins: booth leads use the contacts' rule, server/booths/merge.py)."""
    return ver > _version(row, name)


def _lww(row: Row, name: str, value: Any, ver: Version) -> None:
    """Set a field when this write's version is greater than the field's."""
    if name == "notes":
        edit_notes(row, value, ver)
    elif ver > _version(row, name):
        row[name] = value
        row["versions"][name] = ver


# Notes come from two writers: explicit edits (last-writer-wins) and the note typed with a swap,
# which fills the notes "only when it has none". To make that independent of arrival order the
# row keeps both: versions["notes"] = (at, device, op id, text) of the winning edit, and
# versions["swap_notes"] = every swap note as (at, device, op id, text). Notes are then a
# function of that set: a non-empty edit wins; otherwise the earliest swap note made after the
# edit (a cleared note can be filled again by a later swap); otherwise the edit's text or "".
#
# A booth lead (`gather=True`) is captured by several staff phones, and each capture's note
# matters: its notes are the edit's text followed by every capture note made after the edit,
# oldest first, one paragraph each. Still a function of the same set, so order-independent.
def edit_notes(row: Row, text: str, ver: Version, *, gather: bool = False) -> None:
    """An explicit notes edit (last writer wins against other edits)."""
    if ver > _version(row, "notes"):
        row["versions"]["notes"] = (*ver, text)
        _settle_notes(row, gather)


def add_note(row: Row, text: str, ver: Version, *, gather: bool = False) -> None:
    """The note typed with a swap (or a booth capture): kept in the set, notes settled again."""
    notes = list(row["versions"].get("swap_notes", ()))
    if all(tuple(n[:3]) != ver for n in notes):
        notes.append((*ver, text))
    row["versions"]["swap_notes"] = sorted(tuple(n) for n in notes)
    _settle_notes(row, gather)


def _settle_notes(row: Row, gather: bool = False) -> None:
    edit = row["versions"].get("notes")  # always (at, device, op id, text): see edit_notes
    if gather:
        after = _version(row, "notes")
        later = [n[3] for n in row["versions"].get("swap_notes", ()) if tuple(n[:3]) > after]
        row["notes"] = "\n\n".join([*([edit[3]] if edit and edit[3] else []), *later])
        return
    if edit and edit[3]:
        row["notes"] = edit[3]
        return
    after = _version(row, "notes")
    later = [n for n in row["versions"].get("swap_notes", ()) if tuple(n[:3]) > after]
    row["notes"] = later[0][3] if later else ""


def _meet(
    batch: Batch, key: Key, op: Op, ver: Version, *, card: str | dict[str, Any], verified: bool,
    linked: str | None, method: str, reciprocal: bool = False,
) -> None:  # fmt: skip
    """Record a swap in one contact row: create it, or refresh it (and maybe bring it back)."""
    row = batch.get(key)
    if row is None:
        row = new_row(*key)
        batch.put(key, row)
        if not reciprocal:
            row["versions"]["deleted"] = ver
    elif not reciprocal and ver > _version(row, "deleted"):
        row["deleted"] = False
        row["versions"]["deleted"] = ver
    # A reciprocal swap never touches `deleted`: a contact its owner deleted stays deleted, but
    # still records the meeting, so the result does not depend on which arrived first.
    if linked is not None:
        row["card"], row["linked_attendee_id"] = card, linked
    elif ver >= _version(row, "card"):
        row["card"], row["vcard"] = card, op.vcard
        row["versions"]["card"] = ver
    row["verified"] = row["verified"] or verified
    if row["met_at"] is None or ver[0] < row["met_at"]:
        row["met_at"] = ver[0]
    if method not in row["methods"]:
        row["methods"] = sorted([*row["methods"], method])
    if op.note and not reciprocal:
        add_note(row, op.note, ver)


def apply_op(batch: Batch, op: Op) -> None:
    """Apply one checked op to the batch's working copies; Rejected when it cannot apply."""
    assert op.at is not None and op.op_id is not None
    ver: Version = (op.at, batch.device_id, op.op_id)
    owner_id = batch.owner.id
    key = (owner_id, op.contact_id)
    if op.type == "exchange" and op.other_id:
        other = batch.attendees.get(op.other_id)
        if other is None:
            raise Rejected("card_withdrawn", "The owner of this card has withdrawn it.")
        _meet(batch, key, op, ver, card=other.card, verified=True, linked=other.id,
              method=op.method)  # fmt: skip
        if other.share_back:
            _meet(batch, (other.id, f"att:{owner_id}"), op, ver, card=batch.owner.card,
                  verified=True, linked=owner_id, method="reciprocal", reciprocal=True)  # fmt: skip
    elif op.type == "exchange":
        assert op.card is not None
        _meet(batch, key, op, ver, card=op.card, verified=False, linked=None, method=op.method)
    else:
        row = batch.get(key)
        if row is None:
            raise Rejected("unknown_contact", f"You have no contact {op.contact_id!r}.")
        if op.type == "contact.delete":
            _lww(row, "deleted", True, ver)
        for name, value in op.fields.items():
            _lww(row, name, value, ver)
