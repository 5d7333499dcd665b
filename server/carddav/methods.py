"""What the DAV methods do, as plain functions over the store: PROPFIND, REPORT (multiget,
query, sync-collection), GET of a contact, and the refusal of every write.

They take the signed-in user's book, the resource the path points at and the request's XML
body (bytes), and return the multistatus body; a request the protocol refuses raises
Precondition (403 with a `DAV:error` body) or a domain error (400, 404, 413).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from server.carddav import book as books
from server.carddav import davxml, paths, props
from server.carddav.book import Book, Member
from server.carddav.davxml import CARD, DAV, Multistatus, name
from server.carddav.paths import Target
from server.errors import Malformed, NotFound
from server.storage import Store

PROPFIND = name(DAV, "propfind")
PROP = name(DAV, "prop")
ALLPROP = name(DAV, "allprop")
PROPNAME = name(DAV, "propname")
HREF = name(DAV, "href")
MULTIGET = name(CARD, "addressbook-multiget")
QUERY = name(CARD, "addressbook-query")
FILTER = name(CARD, "filter")
SYNC_COLLECTION = name(DAV, "sync-collection")
SYNC_TOKEN = name(DAV, "sync-token")
LIMIT = name(DAV, "limit")
NRESULTS = name(DAV, "nresults")
MAX_NRESULTS = 100_000
# The privilege each write would need (RFC 3744), and whether it is the resource's own or its
# collection's (a new member is bound into the book, a deleted one unbound from it).
WRITE_PRIVILEGES = {
    "PUT": ("write-content", False),
    "PATCH": ("write-content", False),
    "POST": ("write-content", False),
    "PROPPATCH": ("write-properties", False),
    "LOCK": ("write-content", False),
    "UNLOCK": ("write-content", False),
    "ACL": ("write-acl", False),
    "DELETE": ("unbind", True),
    "MKCOL": ("bind", True),
    "COPY": ("bind", True),
    "MOVE": ("unbind", True),
}


class Precondition(Exception):
    """A request refused with a `DAV:error` naming the precondition (RFC 4918 section 16)."""

    def __init__(self, message: str, *conditions: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status
        self.body = davxml.error_body(*conditions)


def depth(header: str | None) -> int:
    """The Depth header as 0 or 1 (absent: 1, as most servers read it); `infinity` is
    refused with DAV:propfind-finite-depth, anything else is 400."""
    value = (header or "1").strip().lower()
    if value in ("0", "1"):
        return int(value)
    if value == "infinity":
        raise Precondition(
            "Depth: infinity is not supported; ask with Depth 0 or 1.",
            name(DAV, "propfind-finite-depth"),
        )
    raise Malformed("Depth must be 0, 1 or infinity.")


def _prop_names(parent: Element | None) -> list[str]:
    return [] if parent is None else [str(child.tag) for child in parent]


def _wanted(body: bytes) -> tuple[list[str] | None, bool]:
    """(property names, names-only) of a PROPFIND body; an empty body is `allprop` (None)."""
    if not body.strip():
        return None, False
    root = davxml.parse(body)
    if root.tag != PROPFIND:
        raise Malformed("A PROPFIND body is a DAV:propfind element.")
    prop = root.find(PROP)
    if prop is not None:
        return _prop_names(prop), False
    if root.find(PROPNAME) is not None:
        return None, True
    if root.find(ALLPROP) is not None:
        return None, False
    raise Malformed("DAV:propfind must hold prop, allprop or propname.")


def _needs_text(wanted: list[str] | None) -> bool:
    return wanted is None or any(p in props.NEEDS_TEXT for p in wanted)


def _add(out: Multistatus, path: str, values: props.Values, wanted: list[str] | None,
         names_only: bool) -> None:  # fmt: skip
    if names_only:
        out.add(path, [(k, None) for k in values])
        return
    found, missing = props.select(values, wanted)
    out.add(path, found, missing)


def _collection_values(store: Store, book: Book, target: Target) -> props.Values:
    token = books.current_token(store, book) if target.kind == "book" else ""
    return props.collection(target.kind, book, token)


def propfind(store: Store, book: Book, target: Target, body: bytes, depth_header: str | None
             ) -> bytes:  # fmt: skip
    """PROPFIND at `target`, Depth 0 or 1."""
    levels = depth(depth_header)
    wanted, names_only = _wanted(body)
    out = Multistatus()
    if target.kind == "member":
        assert target.uid is not None
        found = books.members(store, book, [target.uid], texts=_needs_text(wanted))
        if not found:
            raise NotFound("You have no contact at this address (any longer).")
        _add(out, target.path, props.member(book, found[0]), wanted, names_only)
        return out.render()
    _add(out, target.path, _collection_values(store, book, target), wanted, names_only)
    if levels == 1 and target.kind == "home":
        book_target = Target("book", paths.book(book.username))
        _add(out, book_target.path, _collection_values(store, book, book_target), wanted,
             names_only)  # fmt: skip
    if levels == 1 and target.kind == "book":
        for item in books.members(store, book, texts=_needs_text(wanted)):
            _add(out, paths.member(book.username, item.uid), props.member(book, item), wanted,
                 names_only)  # fmt: skip
    return out.render()


def report(store: Store, book: Book, target: Target, body: bytes) -> bytes:
    """REPORT on the address book: addressbook-multiget, addressbook-query, sync-collection."""
    if not body.strip():
        raise Malformed("A REPORT needs an XML body naming the report.")
    root = davxml.parse(body)
    supported = (MULTIGET, QUERY, SYNC_COLLECTION)
    if target.kind != "book" or root.tag not in supported:
        raise Precondition(
            "This resource answers addressbook-multiget, addressbook-query and sync-collection "
            "reports, on the address book.",
            name(DAV, "supported-report"),
        )
    wanted = _prop_names(root.find(PROP)) or [props.GETETAG]
    if root.tag == MULTIGET:
        return _multiget(store, book, root, wanted)
    if root.tag == QUERY:
        return _query(store, book, root, wanted)
    return _sync_collection(store, book, root, wanted)


def _member_values(book: Book, items: list[Member], out: Multistatus, wanted: list[str]) -> None:
    for item in items:
        _add(out, paths.member(book.username, item.uid), props.member(book, item), wanted, False)


def _multiget(store: Store, book: Book, root: Element, wanted: list[str]) -> bytes:
    """The members the hrefs name; an href that names none is a 404 response."""
    asked: dict[str, str] = {}  # uid -> the href as the client sent it
    unknown: list[str] = []
    for element in root.iter(HREF):
        text = (element.text or "").strip()
        try:
            found = paths.locate(paths.href_path(text), book.username)
        except NotFound:
            found = None
        if found is not None and found.uid is not None:
            asked.setdefault(found.uid, text)
        else:
            unknown.append(text)
    items = books.members(store, book, list(asked), texts=_needs_text(wanted)) if asked else []
    out = Multistatus()
    _member_values(book, items, out, wanted)
    present = {item.uid for item in items}
    for uid in asked:
        if uid not in present:
            out.add_status(paths.member(book.username, uid), 404)
    for text in unknown:
        out.add_status(text, 404)
    return out.render()


def _query(store: Store, book: Book, root: Element, wanted: list[str]) -> bytes:
    """Every member, when the query has no filter (Thunderbird lists the book this way). A
    filter that tests anything is refused: this read-only book offers no search."""
    query_filter = root.find(FILTER)
    if query_filter is not None and len(query_filter):
        raise Precondition(
            "This address book answers addressbook-query without filters only.",
            name(CARD, "supported-filter"),
        )
    out = Multistatus()
    _member_values(book, books.members(store, book, texts=_needs_text(wanted)), out, wanted)
    return out.render()


def _limit(root: Element) -> int | None:
    limit = root.find(LIMIT)
    if limit is None:
        return None
    text = (limit.findtext(NRESULTS) or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_NRESULTS:
        raise Malformed(f"DAV:nresults must be a number from 1 to {MAX_NRESULTS}.")
    return int(text)


def _sync_collection(store: Store, book: Book, root: Element, wanted: list[str]) -> bytes:
    """RFC 6578: what changed since the client's token (everything for an empty token), removed
    members as 404 responses, a new token; past the client's limit, a 507 for the book."""
    try:
        since = books.read_token(store, book, root.findtext(SYNC_TOKEN) or "")
    except books.InvalidSyncToken:
        raise Precondition(
            "This sync token was not given out by this address book; sync again without one.",
            name(DAV, "valid-sync-token"),
        ) from None
    found = books.changes(store, book, since, _limit(root))
    out = Multistatus()
    _member_values(book, found.changed, out, wanted)
    for uid in found.removed:
        out.add_status(paths.member(book.username, uid), 404)
    if found.truncated:
        out.add_status(paths.book(book.username), 507)
    return out.render(sync_token=found.token)


def get(store: Store, book: Book, target: Target) -> Member:
    """The contact a GET asks for; NotFound when it is gone."""
    assert target.uid is not None
    found = books.members(store, book, [target.uid])
    if not found:
        raise NotFound("You have no contact at this address (any longer).")
    return found[0]


def refuse_write(method: str, path: str, username: str, exists: bool = True) -> Precondition:
    """The 403 for a write: this address book is read only (RFC 3744 need-privileges). A PUT
    of a new name would need `bind` on the book, an existing one `write-content` on itself."""
    privilege, on_collection = WRITE_PRIVILEGES.get(method, ("write", False))
    if method == "PUT" and not exists:
        privilege, on_collection = "bind", True
    resource = paths.book(username) if on_collection and path != paths.book(username) else path
    need = (
        "<d:need-privileges><d:resource>"
        f"{davxml.href(resource)}<d:privilege>{davxml.element(name(DAV, privilege))}</d:privilege>"
        "</d:resource></d:need-privileges>"
    )
    return Precondition(
        "This address book is read only: change your contacts in the cardswap app.", need
    )
