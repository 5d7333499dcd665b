"""The properties each resource of the DAV tree answers, as the XML that goes in a `prop`.

What the clients ask, and why each answer matters (their requests are replayed in
tests/test_carddav_clients.py): `current-user-principal` and `addressbook-home-set` lead
discovery; `resourcetype` must say `addressbook` or Apple's client stops; `getctag` (Apple's
CalendarServer namespace) and `sync-token` gate every sync; `supported-report-set` must list
`sync-collection` or Apple never syncs incrementally; `supported-address-data` offers vCard 3.0
only (macOS drops 4.0 cards and fails the whole sync); `current-user-privilege-set` is read only,
so no client tries to write. Old Thunderbird asks `getetag` in Apple's namespace: it gets the
same ETag.
"""

from __future__ import annotations

import functools
from datetime import datetime
from email.utils import format_datetime

from server.carddav import paths
from server.carddav.book import Book, Member
from server.carddav.davxml import CARD, CS, DAV, element, escape, href, name

RESOURCETYPE = name(DAV, "resourcetype")
DISPLAYNAME = name(DAV, "displayname")
GETETAG = name(DAV, "getetag")
GETETAG_CS = name(CS, "getetag")
GETCONTENTTYPE = name(DAV, "getcontenttype")
GETCONTENTLENGTH = name(DAV, "getcontentlength")
GETLASTMODIFIED = name(DAV, "getlastmodified")
CURRENT_USER_PRINCIPAL = name(DAV, "current-user-principal")
PRINCIPAL_URL = name(DAV, "principal-URL")
OWNER = name(DAV, "owner")
PRIVILEGES = name(DAV, "current-user-privilege-set")
SUPPORTED_REPORTS = name(DAV, "supported-report-set")
SYNC_TOKEN = name(DAV, "sync-token")
GETCTAG = name(CS, "getctag")
HOME_SET = name(CARD, "addressbook-home-set")
ADDRESS_DATA = name(CARD, "address-data")
SUPPORTED_ADDRESS_DATA = name(CARD, "supported-address-data")
DESCRIPTION = name(CARD, "addressbook-description")
# Properties whose value is the member's text, or made from it.
NEEDS_TEXT = frozenset({GETETAG, GETETAG_CS, GETCONTENTLENGTH, ADDRESS_DATA})
VCARD_TYPE = "text/vcard; charset=utf-8"

_READ_ONLY = "".join(
    f"<d:privilege>{element(name(DAV, p))}</d:privilege>"
    for p in ("read", "read-current-user-privilege-set")
)
_REPORTS = "".join(
    f"<d:supported-report><d:report>{element(r)}</d:report></d:supported-report>"
    for r in (name(CARD, "addressbook-multiget"), name(CARD, "addressbook-query"),
              name(DAV, "sync-collection"))
)  # fmt: skip
_VCARD_3 = '<card:address-data-type content-type="text/vcard" version="3.0"/>'

Values = dict[str, str | None]  # property name -> inner XML (None: an empty element)


@functools.lru_cache(maxsize=256)
def _shared(book: Book) -> tuple[tuple[str, str | None], ...]:
    """What every resource of a book answers alike (computed once per book, not per member)."""
    return tuple(_common(book).items())


def _common(book: Book) -> Values:
    return {
        CURRENT_USER_PRINCIPAL: href(paths.principal(book.username)),
        PRIVILEGES: _READ_ONLY,
        OWNER: href(paths.principal(book.username)),
    }


def collection(kind: str, book: Book, token: str = "") -> Values:
    """The properties of a collection: the service root, the principal, the home or the book."""
    values = _common(book)
    if kind == "root":
        values.update({RESOURCETYPE: element(name(DAV, "collection")), DISPLAYNAME: "cardswap"})
    elif kind == "principal":
        values.update(
            {
                RESOURCETYPE: element(name(DAV, "principal")),
                DISPLAYNAME: escape(book.username),
                PRINCIPAL_URL: href(paths.principal(book.username)),
                HOME_SET: href(paths.home(book.username)),
                SUPPORTED_REPORTS: None,
            }
        )
    elif kind == "home":
        values.update(
            {
                RESOURCETYPE: element(name(DAV, "collection")),
                DISPLAYNAME: escape(book.m.t("dav.home.name", book=book.display_name)),
                SUPPORTED_REPORTS: None,
            }
        )
    else:  # the address book
        values.update(
            {
                RESOURCETYPE: element(name(DAV, "collection")) + element(name(CARD, "addressbook")),
                DISPLAYNAME: escape(book.display_name),
                DESCRIPTION: escape(book.m.t("dav.book.description", event=book.event_name)),
                SUPPORTED_REPORTS: _REPORTS,
                SUPPORTED_ADDRESS_DATA: _VCARD_3,
                SYNC_TOKEN: escape(token),
                GETCTAG: escape(token),
            }
        )
    return values


@functools.lru_cache(maxsize=4096)
def _http_date(iso: str) -> str | None:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return format_datetime(moment, usegmt=True) if moment.tzinfo else None


def member(book: Book, item: Member) -> Values:
    """The properties of a contact; those made from its text only when it was loaded."""
    values = dict(_shared(book))
    values.update({RESOURCETYPE: None, GETCONTENTTYPE: VCARD_TYPE})
    modified = _http_date(item.updated_at)
    if modified:
        values[GETLASTMODIFIED] = modified
    if item.text:
        values.update(
            {
                GETETAG: escape(item.etag),
                GETETAG_CS: escape(item.etag),
                GETCONTENTLENGTH: str(len(item.text.encode("utf-8"))),
                ADDRESS_DATA: escape(item.text),
            }
        )
    return values


Found = list[tuple[str, str | None]]


def select(values: Values, wanted: list[str] | None) -> tuple[Found, list[str]]:
    """(found, missing) for the properties `wanted`; None asks for all of them (`allprop`),
    which never includes the address data (RFC 6352: only when asked by name)."""
    if wanted is None:
        return [(k, v) for k, v in values.items() if k != ADDRESS_DATA], []
    found = [(k, values[k]) for k in wanted if k in values]
    missing = [k for k in wanted if k not in values]
    return found, missing
