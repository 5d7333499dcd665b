"""Exports: contacts as .vcf (all, selected, one), a zip of one .vcf each (Outlook), Google CSV;
the public card's .vcf; and "create my card from a contact file".

Thin handlers: the session says whose contacts, `server.contacts` reads them (the caller's own,
not deleted; the CSV sorted by name in the attendee's language, the `.vcf` files in the list's
order: address books sort by themselves, by the phonetic names the export writes), `server.vcard`
writes the text (its
NOTE's own words in that language: the attendee's setting, else the browser's, else the
event's; dates in the event's time zone). Sync `def` handlers run in Starlette's threadpool,
so SQLite never blocks the event loop.
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import attendees, contacts, events, photos, vcard, webshell
from server.endpoints.public import not_found_page
from server.errors import InvalidField, NotFound, UnsupportedMediaType
from server.http import JSON, ctx, media_type, page_messages, read_body, session
from server.i18n import LANGUAGES, Messages, messages
from server.storage.contacts import ContactRow
from server.tokens import InvalidToken

VCARD_TYPE = "text/vcard; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
ZIP_TYPE = "application/zip"
MAX_IDS = 1000  # more would not fit in a URL anyway; filter with tag/follow_up/starred/q instead
VCARD_UPLOAD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory"})


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and the exact name as RFC 5987 `filename*`."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\;')
    ascii_name = " ".join(ascii_name.split()).replace(" .", ".")
    stem, dot, ext = filename.rpartition(".")
    if not ascii_name.strip(" .") or ascii_name.startswith("."):
        ascii_name = f"contact.{ext}" if dot else "contact"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type=media_type, headers=headers)


def _owner(request: Request) -> tuple[str, str, Messages]:
    """(attendee id, event name, their language) of the signed-in attendee; 401 when signed out
    or deleted."""
    context = ctx(request)
    who = session(request)
    row = attendees.require_attendee(context.store, who.attendee_id)
    try:
        event = events.get_event(context.store, row["event_slug"])
    except NotFound:
        event = {"name": row["event_slug"]}
    own, zone = row.get("language"), event.get("time_zone")
    if own in LANGUAGES:
        m = messages(own, zone)
    else:
        m = page_messages(request, event.get("language"), zone)
    return who.attendee_id, str(event["name"]), m


def _selection(request: Request, owner: str) -> Iterator[ContactRow]:
    """The owner's contacts, narrowed by `?ids=a,b` and by the list's own filters
    (`follow_up`, `tag`, `starred`, `q`, as `GET /api/contacts`)."""
    filters = contacts.parse_filters(dict(request.query_params))
    return contacts.select_rows(ctx(request).store, owner, filters, ids=_ids(request))


def _ids(request: Request) -> list[str] | None:
    raw = request.query_params.get("ids")
    if raw is None:
        return None
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise InvalidField(f"ids may list at most {MAX_IDS} contact ids.", field="ids")
    return ids  # `?ids=` with none selected exports nothing


def contacts_vcf(request: Request) -> Response:
    """GET /api/contacts.vcf[?ids=a,b]: the caller's contacts as one vCard 3.0 file."""
    owner, event_name, m = _owner(request)
    rows = _selection(request, owner)
    text = vcard.export_vcf(ctx(request).store, owner, event_name, rows, contacts.contact_dict, m)
    return _download(text, VCARD_TYPE, f"{vcard.file_stem(event_name)} contacts.vcf")


def contact_vcf(request: Request) -> Response:
    """GET /api/contacts/{id}.vcf: one of the caller's contacts; 404 for anyone else's."""
    owner, event_name, m = _owner(request)
    store, contact_id = ctx(request).store, request.path_params["contact_id"]
    contact = contacts.contact_dict(row := contacts.get_row(store, owner, contact_id))
    [(_, text)] = vcard.cached_vcards(store, owner, event_name, [row], lambda _: contact, m)
    return _download(text, VCARD_TYPE, f"{vcard.file_stem(contact['card']['fn'])}.vcf")


def contacts_csv(request: Request) -> Response:
    """GET /api/contacts.csv[?ids=a,b]: Google Contacts CSV."""
    owner, event_name, m = _owner(request)
    items = contacts.by_name(map(contacts.contact_dict, _selection(request, owner)), m.lang)
    text = vcard.contacts_csv(items, event_name, m)
    return _download(text, CSV_TYPE, f"{vcard.file_stem(event_name)} contacts.csv")


def contacts_zip(request: Request) -> Response:
    """GET /api/contacts.zip[?ids=a,b]: one .vcf per contact, for Outlook desktop."""
    owner, event_name, m = _owner(request)
    rows = _selection(request, owner)
    data = vcard.export_zip(ctx(request).store, owner, event_name, rows, contacts.contact_dict, m)
    return _download(data, ZIP_TYPE, f"{vcard.file_stem(event_name)} contacts.zip")


def public_card_vcf(request: Request) -> Response:
    """GET /c/{token}.vcf: the attendee's current card; 404 page if forged or withdrawn."""
    context = ctx(request)
    try:
        payload = context.tokens.read_card_token(request.path_params["token"])
    except InvalidToken:
        return not_found_page(request)
    found = webshell.public_card(context.store, payload)
    if found is None:
        return not_found_page(request)
    card: dict[str, Any] = found["card"]
    uid = vcard.stable_uid("attendee", payload.attendee_id)
    m = page_messages(request, found["event_language"], found["event_time_zone"])
    text = vcard.card_vcard(card, uid, context.store, m)
    response = _download(text, VCARD_TYPE, f"{vcard.file_stem(str(card['fn']))}.vcf")
    response.headers["Cache-Control"] = "no-store"
    return response


async def card_from_vcard(request: Request) -> Response:
    """POST /api/cards/from-vcard (text/vcard, <= 1 MiB): an own card made from a contact file."""
    if media_type(request) not in VCARD_UPLOAD_TYPES:
        raise UnsupportedMediaType("Send the contact file as text/vcard.")
    body = await read_body(request)
    return JSON(await run_in_threadpool(_own_card_from, body))


def _own_card_from(body: bytes) -> dict[str, Any]:
    """The card, warnings, and the file's photo re-encoded (a `data:` URL of the 512 px JPEG the
    app may then upload as the card's photo), when it has one that decodes."""
    cards, errors = vcard.parse_many(body)
    if not cards:
        raise errors[0] if errors else vcard.VCardError("No card found.", 1)
    card, warnings = vcard.own_card(cards[0])
    if len(cards) > 1 or errors:
        warnings.append(f"The file holds {len(cards) + len(errors)} cards; the first was used.")
    out: dict[str, Any] = {"card": card, "warnings": warnings}
    if cards[0].photo is not None:
        encoded, why = photos.try_encode(cards[0].photo[1])
        if encoded is None:
            warnings.append(f"The file's photo was left out: {why}")
        else:
            out["photo"] = "data:image/jpeg;base64," + base64.b64encode(encoded.large).decode()
    return out


routes: list[BaseRoute] = [
    Route("/api/contacts.vcf", contacts_vcf, methods=["GET"]),
    Route("/api/contacts.csv", contacts_csv, methods=["GET"]),
    Route("/api/contacts.zip", contacts_zip, methods=["GET"]),
    Route("/api/contacts/{contact_id}.vcf", contact_vcf, methods=["GET"]),
    Route("/api/cards/from-vcard", card_from_vcard, methods=["POST"]),
    Route("/c/{token}.vcf", public_card_vcf, methods=["GET"]),
    Route("/C/{token}.vcf", public_card_vcf, methods=["GET"]),  # the upper-case QR form
]
