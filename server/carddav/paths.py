"""The DAV tree's paths (a contract, DESIGN.md section 10) and what a request path points at.

    /dav/                                         the service root
    /dav/principals/{username}/                   the attendee's principal
    /dav/addressbooks/{username}/                 their address book home
    /dav/addressbooks/{username}/contacts/        the one address book
    /dav/addressbooks/{username}/contacts/{uid}.vcf   a contact

`uid` is the UUID of the contact's vCard UID (the export's UUIDv5 without `urn:uuid:`), so
member names are plain hex and dashes. Every href is path-absolute and percent-encoded; a path
is read with or without its collection's trailing slash. Another user's paths are not found.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from server.errors import NotFound

ROOT = "/dav/"
Kind = Literal["root", "principal", "home", "book", "member"]
BOOK_NAME = "contacts"
_MEMBER = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.vcf$")


@dataclass(frozen=True)
class Target:
    """What a request path points at: the kind of resource and, for a member, its uid."""

    kind: Kind
    path: str  # the canonical href
    uid: str | None = None


@functools.lru_cache(maxsize=1024)
def _user(username: str) -> str:
    return quote(username, safe="")


def principal(username: str) -> str:
    return f"/dav/principals/{_user(username)}/"


def home(username: str) -> str:
    return f"/dav/addressbooks/{_user(username)}/"


def book(username: str) -> str:
    return f"{home(username)}{BOOK_NAME}/"


def member(username: str, uid: str) -> str:
    return f"{book(username)}{uid}.vcf"


def member_uid(vcard_uid: str) -> str:
    """The file name part of a member from its vCard UID (`urn:uuid:...`)."""
    return vcard_uid.removeprefix("urn:uuid:")


def locate(path: str, username: str) -> Target:
    """The signed-in user's resource at `path` (percent-encoded, as requested); NotFound for
    anything else, another user's resources included (nothing says whether they exist)."""
    if path == "/":
        return Target("root", "/")  # clients that know only the host look here first
    parts = [unquote(p) for p in path.split("/") if p]
    if not parts or parts[0] != "dav":
        raise NotFound("There is no DAV resource here.")
    rest = parts[1:]
    if not rest:
        return Target("root", ROOT)
    if rest[0] == "principals" and len(rest) == 2 and rest[1] == username:
        return Target("principal", principal(username))
    if rest[0] == "addressbooks" and len(rest) >= 2 and rest[1] == username:
        if len(rest) == 2:
            return Target("home", home(username))
        if rest[2] == BOOK_NAME and len(rest) == 3:
            return Target("book", book(username))
        if rest[2] == BOOK_NAME and len(rest) == 4:
            found = _MEMBER.match(rest[3])
            if found:
                return Target("member", member(username, found.group(1)), found.group(1))
    raise NotFound("There is no such address book or contact here.")


def href_path(href: str) -> str:
    """The path of an href a client sent (absolute URL or path), still percent-encoded."""
    return urlsplit(href.strip()).path
