"""How one checked lead op changes the booth's lead it touches: the contact rules, reused.

A lead is per-field last-writer-wins by (at, device, op id) exactly as a contact is
(server.sync.merge `newer`): each answer has its own version, so one phone's rating and another's
answer to a second question both stay; `deleted` is a tombstone a later capture lifts. Notes
follow the contacts' notes rule in its gathering form (`gather=True`): an edit wins over other
edits, and every capture note made after the edit is kept, so two staff scanning one attendee
keep both their notes. Nothing here reads or writes the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.booths.questions import AnswerError, check_answers
from server.storage.leads import LeadState
from server.sync.merge import Row, Version, add_note, edit_notes, newer
from server.sync.ops import Rejected

if TYPE_CHECKING:
    from server.booths.apply import LeadBatch
    from server.booths.ops import LeadOp


def new_row(booth_id: str, attendee_id: str, now: str) -> Row:
    """A lead as a first capture creates it, before the capture's fields are set."""
    return {"booth_id": booth_id, "attendee_id": attendee_id, "card": "{}", "answers": {},
            "notes": "", "captured_at": None, "captured_by": None, "deleted": False,
            "withdrawn_at": None, "versions": {}, "created_at": now}  # fmt: skip


# A working row goes back to storage as LeadState(*row.values()): same keys, same order.
assert tuple(new_row("", "", "")) == LeadState._fields


def _checked(batch: LeadBatch, answers: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return check_answers(batch.questions, answers or {})
    except AnswerError as exc:
        raise Rejected(exc.code, exc.message) from exc


def _answer(row: Row, answers: dict[str, Any], ver: Version) -> None:
    """Each answer last-writer-wins on its own (`null` clears it)."""
    for qid, value in answers.items():
        name = f"answers.{qid}"
        if newer(row, name, ver):
            if value is None:
                row["answers"].pop(qid, None)
            else:
                row["answers"][qid] = value
            row["versions"][name] = ver


def _withdrawn() -> Rejected:
    return Rejected("withdrawn", "This attendee has withdrawn their card from this booth.")


def _capture(batch: LeadBatch, op: LeadOp, ver: Version) -> None:
    person = batch.attendees.get(op.attendee_id)
    if person is None:
        raise Rejected("card_withdrawn", "The owner of this card has withdrawn it.")
    if person.event_slug != batch.booth.event_slug:
        raise Rejected("wrong_event", "This card is from another event than this booth's.")
    row = batch.get(op.attendee_id)
    if row is not None and row["withdrawn_at"]:
        raise _withdrawn()
    answers = _checked(batch, op.answers)
    if row is None:
        row = new_row(batch.booth.id, op.attendee_id, batch.now)
        batch.put(op.attendee_id, row)
        row["versions"]["deleted"] = ver
    elif newer(row, "deleted", ver):  # a capture later than a delete brings the lead back
        row["deleted"] = False
        row["versions"]["deleted"] = ver
    row["card"] = person.card  # the card as it is now, the server's copy (never the QR's)
    first = (row["captured_at"], row["captured_by"])
    if first[0] is None or (op.at, batch.device_id) < first:
        row["captured_at"], row["captured_by"] = op.at, batch.device_id
    _answer(row, answers, ver)
    if op.note:
        add_note(row, op.note, ver, gather=True)


def apply_lead_op(batch: LeadBatch, op: LeadOp) -> None:
    """Apply one checked op to the batch's working rows; Rejected when it cannot apply."""
    assert op.at is not None and op.op_id is not None
    ver: Version = (op.at, batch.device_id, op.op_id)
    if op.type == "lead.capture":
        _capture(batch, op, ver)
        return
    row = batch.get(op.attendee_id)
    if row is None:
        raise Rejected("unknown_lead", f"This booth has no lead lead:{op.attendee_id}.")
    if op.type == "lead.delete":
        if not row["withdrawn_at"] and newer(row, "deleted", ver):
            row["deleted"] = True
            row["versions"]["deleted"] = ver
        return
    if row["withdrawn_at"]:
        raise _withdrawn()
    _answer(row, _checked(batch, op.answers), ver)
    if op.notes is not None:
        edit_notes(row, op.notes, ver, gather=True)
