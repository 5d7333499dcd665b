"""vCard lines: physical lines to unfolded logical lines, at the byte level.

Unfolding happens before any decoding, so a fold that splits a multibyte UTF-8 character (or a
Shift_JIS one) is rejoined first. Besides RFC 2425 folds (CRLF + one space or tab), real files
continue a value onto the next line in three more ways, all handled here: a quoted-printable soft
break (`=` at the end), a vCard 2.1 base64 block (bare base64 lines up to a blank line), and
Android's vCard 2.1 backslash at the end of a line (an escaped line break).
"""

from __future__ import annotations

import codecs
import re

MAX_HEAD = 4096  # name and parameters of one property, in bytes
BEGIN = re.compile(rb"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
END = re.compile(rb"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
_BREAK = re.compile(rb"\r*\n|\r")
_PROPERTY_START = re.compile(rb"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_/-]+)?[;:]")
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


def physical_lines(data: bytes) -> list[bytes]:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return _BREAK.split(data)


def _is_qp(head: bytes) -> bool:
    upper = head.upper()
    return b"QUOTED-PRINTABLE" in upper


def _is_b64(head: bytes) -> bool:
    upper = head.upper()
    return bool(re.search(rb";\s*(ENCODING\s*=\s*)?(B|BASE64)\s*[;:]", upper + b":"))


def property_head(line: bytes) -> bytes:
    """The part of a logical line before its value's colon (quotes respected)."""
    quoted = False
    for index, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3A and not quoted:
            return line[:index]
    return line


class _Line:
    """One logical line being unfolded: its physical pieces are joined once, at the end."""

    def __init__(self, number: int, first: bytes) -> None:
        self.number = number
        self.chunks = [first]
        self.qp = False
        self.b64 = False
        self.head_done = False
        self._check_head()

    def _check_head(self) -> None:
        if self.head_done:
            return
        text = b"".join(self.chunks)
        head = property_head(text)
        if head != text:  # the value's colon is here: the parameters are known
            self.head_done = True
            self.qp, self.b64 = _is_qp(head), _is_b64(head)
        elif len(text) > MAX_HEAD:
            self.head_done = True  # no property has parameters this long; it is refused later

    def add(self, piece: bytes) -> None:
        self.chunks.append(piece)
        self._check_head()

    def ends_with(self, suffix: bytes) -> bool:
        last = next((c for c in reversed(self.chunks) if c), b"")
        return last.endswith(suffix)

    def drop_last_byte(self) -> None:
        while self.chunks and not self.chunks[-1]:
            self.chunks.pop()
        self.chunks[-1] = self.chunks[-1][:-1]

    def trailing_backslashes(self) -> int:
        last = next((c for c in reversed(self.chunks) if c), b"")
        return _trailing_backslashes(last)

    def text(self) -> bytes:
        return b"".join(self.chunks)


def logical_lines(lines: list[bytes], first: int) -> list[tuple[int, bytes]]:
    """(1-based line number, unfolded bytes) for lines[first:] up to and including END:VCARD."""
    out: list[_Line] = []
    depth = 0
    for offset, line in enumerate(lines[first:]):
        number = first + offset + 1
        if out:
            prev = out[-1]
            if line[:1] in (b" ", b"\t"):
                if prev.qp and prev.ends_with(b"="):
                    prev.drop_last_byte()  # a quoted-printable soft break: keep the space
                    prev.add(line)
                else:
                    prev.add(line[1:])  # RFC 2425 fold
                continue
            if prev.qp and prev.ends_with(b"=") and line.strip():
                prev.drop_last_byte()
                prev.add(line)
                continue
            if prev.b64 and line.strip() and _BASE64_LINE.match(line):
                prev.add(line)  # a vCard 2.1 base64 block
                continue
            if prev.trailing_backslashes() % 2 == 1 and line.strip():
                if not _PROPERTY_START.match(line):
                    # vCard 2.1 (Android): a backslash at the end of a line escapes the break.
                    prev.drop_last_byte()
                    prev.add(b"\n")
                    prev.add(line)
                    continue
        if not line.strip():
            if out and out[-1].qp and out[-1].ends_with(b"="):
                out[-1].drop_last_byte()  # a soft break onto a blank line ends the value
            continue
        out.append(_Line(number, line))
        if BEGIN.match(line):
            depth += 1  # a vCard 2.1 AGENT may nest a whole card
        elif END.match(line):
            if not depth:
                break
            depth -= 1
    return [(item.number, item.text()) for item in out]


def _trailing_backslashes(line: bytes) -> int:
    return len(line) - len(line.rstrip(b"\\"))
