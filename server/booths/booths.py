"""Booths as the organizer and the staff see them: create, edit, list with lead counts, the staff
link, a phone joining as staff, and the exhibitor list imported from CSV.

The organizer sees each booth's name, questions, staff link and number of leads, never a lead
(DESIGN.md section 13). A staff link is a signed token any number of phones join with, valid
until the event's end + 30 days (90 days when the event has no end date); each phone then holds a
staff session of its own (a bearer token and an HttpOnly cookie).
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from server.booths.questions import check_questions
from server.clock import now_iso
from server.context import AppContext
from server.errors import Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from server.events import get_event
from server.organizer.attendee_import import decode, header_key, sniff_delimiter
from server.organizer.attendees import signin_expiry
from server.storage import Store, Tx, staff_devices
from server.storage import booths as stored
from server.storage.booths import BoothRow
from server.sync.ops import is_uuid
from server.tokens import InvalidToken

MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Exhibitor list headers (normalised: letters and digits) that name the booth.
NAME_HEADERS = (
    "name",
    "booth",
    "boothname",
    "exhibitor",
    "exhibitorname",
    "company",
    "companyname",
)


def new_booth_id() -> str:
    """96 random bits, URL-safe (never a colon: `booth:<id>` names the booth's feed)."""
    return secrets.token_urlsafe(12)


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField("name is required.", field="name")
    name = " ".join(value.split())
    if len(name) > MAX_NAME or _CONTROL.search(name):
        raise InvalidField(f"name must be one line of at most {MAX_NAME} characters.", field="name")
    return name


def name_key(name: str) -> str:
    """What makes two booth names the same: case and spacing aside."""
    return " ".join(name.casefold().split())


def questions_of(row: BoothRow) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = json.loads(row.questions)
    return questions


def staff_join_url(ctx: AppContext, row: BoothRow, event: dict[str, Any]) -> str:
    """`{BASE_URL}/booth/join/{token}`: the page that signs a phone in as the booth's staff."""
    token = ctx.tokens.booth_join(row.id, row.event_slug, signin_expiry(event))
    return f"{ctx.settings.base_url}/booth/join/{token}"


def staff_view(row: BoothRow) -> dict[str, Any]:
    """What a staff phone knows of its booth."""
    return {"id": row.id, "name": row.name, "questions": questions_of(row)}


def organizer_view(
    ctx: AppContext, row: BoothRow, event: dict[str, Any], leads: int | None = None
) -> dict[str, Any]:
    """What the organizer sees of a booth: no lead, only their number (when given)."""
    out = {**staff_view(row), "staff_join_url": staff_join_url(ctx, row, event)}
    if leads is not None:
        out["leads"] = leads
    return out


def _only_keys(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidField(f"Unknown field {unknown[0]!r}.", field=unknown[0])


def _taken(name: str) -> Conflict:
    return Conflict(
        f"The event already has a booth named {name!r}.", field="name", code="booth_exists"
    )


def _insert(tx: Tx, slug: str, name: str, questions: list[dict[str, Any]]) -> BoothRow | None:
    row = BoothRow(new_booth_id(), slug, name, name_key(name), json.dumps(questions), now_iso())
    return row if stored.insert(tx, row) else None


def create_booth(ctx: AppContext, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/admin/events/{slug}/booths`: 404 unknown event, 409 name taken, 422 fields."""
    event = get_event(ctx.store, slug)
    _only_keys(data, {"name", "questions"})
    name = check_name(data.get("name"))
    questions = check_questions(data.get("questions"))
    row = ctx.store.transact(lambda tx: _insert(tx, slug, name, questions))
    if row is None:
        raise _taken(name)
    return organizer_view(ctx, row, event)


def booth_of_event(ctx: AppContext, slug: str, booth_id: str) -> BoothRow:
    """The booth, only when it belongs to that event (404 otherwise: no booth of another event
    is reachable under this one's path)."""
    row = stored.get(ctx.store, booth_id)
    if row is None or row.event_slug != slug:
        raise NotFound(f"The event {slug!r} has no booth {booth_id!r}.", code="booth_not_found")
    return row


def _edit(ctx: AppContext, booth_id: str, data: dict[str, Any]) -> BoothRow:
    """Change name and/or questions in one write (questions checked against the stored ones)."""
    name = check_name(data["name"]) if "name" in data else None

    def change(tx: Tx, current: BoothRow) -> BoothRow:
        merged = current
        if name is not None and name_key(name) != current.name_key:
            other = stored.by_name(tx, current.event_slug, name_key(name))
            if other is not None:
                raise _taken(name)
        if name is not None:
            merged = merged._replace(name=name, name_key=name_key(name))
        if "questions" in data:
            questions = check_questions(data["questions"], questions_of(current))
            merged = merged._replace(questions=json.dumps(questions))
        return merged

    row = stored.update(ctx.store, booth_id, change)
    if row is None:
        raise NotFound(f"There is no booth {booth_id!r}.", code="booth_not_found")
    return row


def update_booth(ctx: AppContext, slug: str, booth_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /api/admin/events/{slug}/booths/{id}` `{"name"?, "questions"?}`."""
    event = get_event(ctx.store, slug)
    booth_of_event(ctx, slug, booth_id)
    _only_keys(data, {"name", "questions"})
    row = _edit(ctx, booth_id, data)
    return organizer_view(ctx, row, event, _lead_count(ctx, slug, booth_id))


def _lead_count(ctx: AppContext, slug: str, booth_id: str) -> int:
    return next((c.leads for c in stored.of_event(ctx.store, slug) if c.booth.id == booth_id), 0)


def list_booths(ctx: AppContext, slug: str) -> list[dict[str, Any]]:
    """`GET /api/admin/events/{slug}/booths`: every booth with its number of leads."""
    event = get_event(ctx.store, slug)
    return [organizer_view(ctx, c.booth, event, c.leads) for c in stored.of_event(ctx.store, slug)]


# -- staff -------------------------------------------------------------------------------------
def join_as_staff(ctx: AppContext, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/booth/staff` `{"token","device_id"}` -> the phone's staff session and booth.

    401 for a forged or expired link, 404 once the booth is gone, 403 when the link names
    another event than its booth's (a link is only ever for its own booth's event)."""
    _only_keys(data, {"token", "device_id"})
    device_id = data.get("device_id")
    if not is_uuid(device_id):
        raise InvalidField("device_id must be this install's UUID.", field="device_id")
    token = data.get("token")
    try:
        if not isinstance(token, str):
            raise InvalidToken("no token")
        booth_id, slug = ctx.tokens.read_booth_join(token)
    except InvalidToken as exc:
        raise Unauthorized(
            "This staff link is not valid or has expired; ask the organizer for the booth's link.",
            code="invalid_staff_link",
        ) from exc
    row = stored.get(ctx.store, booth_id)
    if row is None:
        raise NotFound("This booth no longer exists.", code="booth_not_found")
    if row.event_slug != slug:
        raise Forbidden("This staff link is for another event.", code="wrong_event")
    device = str(device_id).lower()
    with ctx.store.write() as tx:
        staff_devices.touch(tx, booth_id, device, now_iso())
    event = get_event(ctx.store, row.event_slug)
    return {
        "token": ctx.tokens.staff_session(booth_id, device),
        "booth": {**staff_view(row), "event": {"slug": event["slug"], "name": event["name"]}},
    }


def staff_booth(ctx: AppContext, booth_id: str) -> BoothRow:
    """The staff session's booth (401 once it is gone: the session is of no use any more)."""
    row = stored.get(ctx.store, booth_id)
    if row is None:
        raise Unauthorized("This booth no longer exists.", code="booth_deleted")
    return row


def staff_info(ctx: AppContext, booth_id: str) -> dict[str, Any]:
    """`GET /api/booth`: the booth as its staff see it, with its event."""
    row = staff_booth(ctx, booth_id)
    event = get_event(ctx.store, row.event_slug)
    return {**staff_view(row), "event": {"slug": event["slug"], "name": event["name"]}}


def staff_edit(ctx: AppContext, booth_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /api/booth` `{"questions"}`: the booth lead edits the questions from a phone."""
    staff_booth(ctx, booth_id)
    _only_keys(data, {"questions"})
    if "questions" not in data:
        raise InvalidField("questions is required.", field="questions")
    _edit(ctx, booth_id, data)
    return staff_info(ctx, booth_id)


# -- the exhibitor list ------------------------------------------------------------------------
@dataclass
class BoothImport:
    """What an exhibitor list import did: booths made, booths that were there, bad lines."""

    created: int = 0
    booths: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"created": self.created, "booths": self.booths, "errors": self.errors}


def _rows(text: str) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
    """(line, name) of each row with a name, and the lines without one."""
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), None)
    if header is None:
        raise InvalidField("The CSV file is empty.", field="file", code="empty_file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header))
    column: int | None = None
    rows: list[tuple[int, str]] = []
    errors: list[dict[str, Any]] = []
    last = 0
    try:
        for record in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if column is None:
                keys = [header_key(cell) for cell in record]
                column = next((i for i, k in enumerate(keys) if k in NAME_HEADERS), None)
                if column is None:
                    raise InvalidField(
                        "The CSV has no name column (the header row needs one, e.g. 'name').",
                        field="name",
                        code="missing_column",
                    )
                continue
            rows.append((line, record[column] if column < len(record) else ""))
    except csv.Error as exc:
        errors.append({"line": reader.line_num, "message": f"unreadable CSV: {exc}"})
    return rows, errors


def import_booths(
    ctx: AppContext, slug: str, data: bytes, charset: str | None = None
) -> BoothImport:
    """`POST /api/admin/events/{slug}/booths.csv`: one booth per named row (column `name`, or
    booth, exhibitor, company); a name the event has already is listed, not made twice, so a
    re-import changes nothing. Good rows are imported, bad ones reported by line."""
    event = get_event(ctx.store, slug)
    rows, errors = _rows(decode(data, charset))
    result = BoothImport(errors=errors)
    names: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        try:
            name = check_name(raw)
        except InvalidField as exc:
            result.errors.append({"line": line, "message": exc.message})
            continue
        if name_key(name) in seen:
            result.errors.append(
                {"line": line, "message": f"{name} is already on line {seen[name_key(name)]}"}
            )
            continue
        seen[name_key(name)] = line
        names.append(name)

    def put_all(tx: Tx) -> list[tuple[BoothRow, bool]]:
        out = []
        for name in names:
            made = _insert(tx, slug, name, [])
            there = made or stored.by_name(tx, slug, name_key(name))
            assert there is not None
            out.append((there, made is not None))
        return out

    for row, created in ctx.store.transact(put_all):  # one write for the whole list
        result.created += int(created)
        result.booths.append(
            {"id": row.id, "name": row.name, "staff_join_url": staff_join_url(ctx, row, event)}
        )
    result.errors.sort(key=lambda e: int(e["line"]))
    return result


def event_summary(store: Store, slug: str) -> tuple[int, int]:
    """(booths, live leads) of the event: the line on the organizer's dashboard."""
    counts = stored.of_event(store, slug)
    return len(counts), sum(c.leads for c in counts)
