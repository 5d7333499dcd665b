"""WebDAV XML in and out: a safe parser for request bodies and a writer of multistatus answers.

The parser is the standard library's expat, configured so that no entity is ever expanded: a
document type declaration is refused outright (DAV bodies never need one, and every entity,
billion laughs included, must be declared in one), external entities are never fetched, and the
body, the number of elements and their depth are bounded. It builds ElementTree elements with
`{namespace}name` tags.

The writer builds the answer as text with fixed prefixes (d: DAV, card: CardDAV, cs: Apple's
CalendarServer); property names from other namespaces are declared where they appear. Text is
escaped, and carriage returns become `&#13;`: an XML parser turns a raw CR LF into LF, and a
vCard in `address-data` must reach the client with its CR LF line ends, byte for byte.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from server.errors import Malformed, TooLarge

DAV = "DAV:"
CARD = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
# A multiget of ~12,000 members fits (an href is ~80 bytes); the JSON API's limit is the same.
MAX_XML_BODY = 1024 * 1024
MAX_ELEMENTS = 50_000
MAX_DEPTH = 32
_PREFIXES = {DAV: "d", CARD: "card", CS: "cs"}
STATUS = {
    200: "HTTP/1.1 200 OK",  # exactly this: Thunderbird compares the whole string
    403: "HTTP/1.1 403 Forbidden",
    404: "HTTP/1.1 404 Not Found",
    507: "HTTP/1.1 507 Insufficient Storage",
}
_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    f'<d:multistatus xmlns:d="{DAV}" xmlns:card="{CARD}" xmlns:cs="{CS}">'
)


class _Refused(Exception):
    """Raised inside expat's callbacks to stop a document we will not read."""

    def __init__(self, error: Malformed | TooLarge) -> None:
        super().__init__(error.message)
        self.error = error


def name(namespace: str, local: str) -> str:
    """A property or element name in ElementTree's `{namespace}local` form."""
    return f"{{{namespace}}}{local}"


def split(clark: str) -> tuple[str, str]:
    """(namespace, local name) of a `{namespace}local` name ("" for no namespace)."""
    if clark.startswith("{"):
        namespace, _, local = clark[1:].partition("}")
        return namespace, local
    return "", clark


def _clark(expat_name: str) -> str:
    namespace, sep, local = expat_name.partition(" ")
    return f"{{{namespace}}}{local}" if sep else expat_name


def parse(body: bytes) -> Element:
    """The root element of an XML request body; Malformed (400) or TooLarge (413) otherwise."""
    if len(body) > MAX_XML_BODY:
        raise TooLarge(f"The XML body is larger than {MAX_XML_BODY // 1024} KiB.")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = TreeBuilder()
    depth = count = 0

    def refuse_dtd(*_: object) -> int:  # typed as expat's entity handlers return an int
        raise _Refused(Malformed("Document type declarations (and entities) are not accepted."))

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > MAX_DEPTH:
            raise _Refused(Malformed(f"The XML is nested deeper than {MAX_DEPTH} elements."))
        if count > MAX_ELEMENTS:
            raise _Refused(TooLarge(f"The XML has more than {MAX_ELEMENTS} elements."))
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_clark(tag))

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.UnparsedEntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
    except _Refused as exc:
        raise exc.error from None
    except expat.ExpatError as exc:
        raise Malformed(f"The request body is not well-formed XML ({exc}).") from None
    return builder.close()


def escape(text: str) -> str:
    """Text for element content: markup escaped, CR kept as a character reference."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _quote_attr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;") + '"'


@functools.lru_cache(maxsize=512)
def _open(clark: str) -> tuple[str, str]:
    """(the prefixed tag, any namespace declaration it needs) for a `{ns}local` name."""
    namespace, local = split(clark)
    prefix = _PREFIXES.get(namespace)
    if prefix is not None:
        return f"{prefix}:{local}", ""
    if not namespace:
        return local, ""
    return f"x:{local}", f" xmlns:x={_quote_attr(namespace)}"


def element(clark: str, inner: str | None = None, attrs: str = "") -> str:
    """`<tag/>` or `<tag>inner</tag>`; `inner` is XML already (escape text first)."""
    tag, declaration = _open(clark)
    if inner is None or inner == "":
        return f"<{tag}{declaration}{attrs}/>"
    return f"<{tag}{declaration}{attrs}>{inner}</{tag}>"


def href(path: str) -> str:
    return f"<d:href>{escape(path)}</d:href>"


def error_body(*conditions: str) -> bytes:
    """A `DAV:error` body naming the failed preconditions (`{ns}local`, or XML already)."""
    inner = "".join(c if c.startswith("<") else element(c) for c in conditions)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<d:error xmlns:d="{DAV}" xmlns:card="{CARD}" xmlns:cs="{CS}">{inner}</d:error>'
    ).encode()


class Multistatus:
    """A 207 body built response by response; the 200 propstat always comes first."""

    def __init__(self) -> None:
        self._parts = [_HEAD]

    def add(
        self, path: str, found: Iterable[tuple[str, str | None]], missing: Iterable[str] = ()
    ) -> None:
        """A response with the properties found (name, inner XML) and those it lacks (404)."""
        parts = ["<d:response>", href(path)]
        values = "".join(element(n, v) for n, v in found)
        if values:
            parts.append(f"<d:propstat><d:prop>{values}</d:prop>")
            parts.append(f"<d:status>{STATUS[200]}</d:status></d:propstat>")
        absent = "".join(element(n) for n in missing)
        if absent:
            parts.append(f"<d:propstat><d:prop>{absent}</d:prop>")
            parts.append(f"<d:status>{STATUS[404]}</d:status></d:propstat>")
        parts.append("</d:response>")
        self._parts.append("".join(parts))

    def add_status(self, path: str, status: int) -> None:
        """A response that is only a status (a member gone: 404; a truncated report: 507)."""
        self._parts.append(
            f"<d:response>{href(path)}<d:status>{STATUS[status]}</d:status></d:response>"
        )

    def render(self, sync_token: str | None = None) -> bytes:
        token = "" if sync_token is None else f"<d:sync-token>{escape(sync_token)}</d:sync-token>"
        return "".join([*self._parts, token, "</d:multistatus>"]).encode("utf-8")
