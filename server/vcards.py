"""All vCard and MECARD text: import (2.1, 3.0, 4.0, MECARD) and export (vCard 3.0), via vobject.

INTERFACE PLACEHOLDER: the vCard helper replaces the bodies below; the names and signatures are
what other modules call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from server.errors import InvalidField


class VCardError(InvalidField):
    """Text that is not a readable vCard or MECARD; `line` names where, when known."""

    code = "invalid_vcard"

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, field="vcard")
        self.line = line


@dataclass
class ParsedCard:
    """One foreign card: the `card` shape (foreign=True rules), its own text, and warnings."""

    card: dict[str, Any]
    raw: str
    warnings: list[str] = field(default_factory=list)


def parse_foreign(text: str) -> ParsedCard:
    """One vCard (2.1/3.0/4.0) or MECARD from a QR code or typed in; VCardError if unreadable."""
    raise NotImplementedError


def parse_many(text: str) -> tuple[list[ParsedCard], list[VCardError]]:
    """Every card of a .vcf file: the readable ones, and an error for each unreadable one."""
    raise NotImplementedError


def card_vcard(card: dict[str, Any], uid: str) -> str:
    """An attendee's own card as vCard 3.0 text (CRLF, folded), for `/c/{token}.vcf`."""
    raise NotImplementedError


def contacts_vcf(contacts: Iterable[dict[str, Any]], event_name: str | None = None) -> str:
    """API contact dicts as one vCard 3.0 file (UID, NOTE with where/when met, CATEGORIES)."""
    raise NotImplementedError


def contacts_csv(contacts: Iterable[dict[str, Any]]) -> str:
    """API contact dicts as Google Contacts CSV."""
    raise NotImplementedError
