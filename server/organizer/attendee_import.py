"""Reading an organizer's attendee CSV: whatever a spreadsheet exported, into cards and row errors.

Organizers export lists from Excel, Google Sheets, Numbers and ticketing tools, so the reader is
tolerant where that costs nothing: UTF-8 with or without a BOM (UTF-16 and Windows-1252 too),
`,` `;` or tab as delimiter (sniffed from the header line), header names in any case and spacing,
and common aliases ("Full name", "E-mail", "Company", "Job title", "Website", ...). It is strict
where a mistake would hurt: every row needs an email (the idempotency key of a re-import) and a
name, and every field must pass `server.cards.normalize_card`. Bad rows are reported with the
1-based line in the file where the record starts (the header is line 1); good rows go on.
Each row error also says what kind of problem it is (`kind`, and the column or email it
concerns), so the organizer's import page can say it in the organizer's language; the API's
JSON gives the line and the English message only.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from server.cards import normalize_card
from server.errors import InvalidField

# Normalised header (letters and digits only) -> our column.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "fn", "displayname", "attendee", "attendeename", "participant"),
    "given": ("given", "givenname", "firstname", "first", "forename", "prenom", "vorname"),
    "family": ("family", "familyname", "lastname", "last", "surname", "nachname"),
    "email": (
        "email",
        "emailaddress",
        "mail",
        "emails",
        "primaryemail",
        "workemail",
        "courriel",
    ),
    "org": (
        "org",
        "organization",
        "organisation",
        "company",
        "companyname",
        "employer",
        "affiliation",
        "institution",
        "firma",
    ),
    "title": ("title", "jobtitle", "position", "role", "jobrole", "function", "occupation"),
    "phone": (
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "cell",
        "cellphone",
    ),
    "url": ("url", "website", "web", "homepage", "link", "site", "websiteurl", "linkedin"),
    "note": ("note", "notes", "bio", "about"),
}
_LOOKUP = {alias: column for column, names in ALIASES.items() for alias in names}
_DELIMITERS = (",", ";", "\t")
_LABELS = {"emails": "email", "phones": "phone", "urls": "url", "fn": "name", "note": "note"}


@dataclass
class ImportRow:
    """One good row: where it was, the lower-cased email key, and the validated card."""

    line: int
    email: str
    card: dict[str, Any]


@dataclass
class ParsedCSV:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def charset_of(content_type: str) -> str | None:
    """The `charset=` parameter of a Content-Type header, if any (lower-cased)."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def decode(data: bytes, charset: str | None = None) -> str:
    """The file's text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 (old Excel).

    A declared charset other than UTF-8 (say `text/csv; charset=iso-8859-1`) is honoured.
    """
    if charset and charset.replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return data.decode(charset).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong label: fall back to sniffing the bytes
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidField("The file is not readable UTF-16 text.", field="file") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def header_key(name: str) -> str:
    """A header cell reduced to lower-case letters and digits: ' E-Mail ' -> 'email'."""
    return re.sub(r"[^0-9a-z]", "", name.replace("\ufeff", "").strip().lower())


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most (ties go to the comma)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


def map_header(cells: list[str]) -> dict[str, int]:
    """Our column -> index in the row; the first matching header wins; unknown ones ignored."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _LOOKUP.get(header_key(cell))
        if column and column not in columns:
            columns[column] = index
    if "email" not in columns:
        raise InvalidField(
            "The CSV has no email column (the header row needs one, e.g. 'email').",
            field="email",
            code="missing_column",
        )
    if "name" not in columns and "given" not in columns and "family" not in columns:
        raise InvalidField(
            "The CSV has no name column (e.g. 'name', or 'first name' and 'last name').",
            field="name",
            code="missing_column",
        )
    return columns


def _url(value: str) -> str:
    """A bare domain from a spreadsheet ('example.com') becomes an https:// link."""
    if value and not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) and "." in value:
        return "https://" + value.lstrip("/")
    return value


def row_card(cells: dict[str, str]) -> dict[str, Any]:
    """The raw card for one row's cells (validated afterwards by normalize_card)."""
    given, family = cells.get("given", ""), cells.get("family", "")
    name = cells.get("name", "") or " ".join(p for p in (given, family) if p)
    card: dict[str, Any] = {"fn": name}
    if given or family:
        card["given"], card["family"] = given, family
    for key in ("org", "title", "note"):
        if cells.get(key):
            card[key] = cells[key]
    card["emails"] = [cells["email"]] if cells.get("email") else []
    card["phones"] = [cells["phone"]] if cells.get("phone") else []
    card["urls"] = [_url(cells["url"])] if cells.get("url") else []
    return card


def _row_error(line: int, exc: InvalidField) -> dict[str, Any]:
    """A row error naming the CSV column, from a card validation error: its line, English
    message, and its kind (`name_required`, `too_long`, `one_line`, `invalid_email`,
    `invalid_phone`, `invalid_url`, else `invalid`) with the column."""
    path = (exc.field or "").split(".")
    label = _LABELS.get(path[1], path[1]) if len(path) > 1 else "row"
    if label == "name" and "required" in exc.message:
        return {"line": line, "message": "name is required", "kind": "name_required"}
    message = re.sub(r"^(fn|emails|phones|urls)( entries)? ", f"{label} ", exc.message)
    error: dict[str, Any] = {"line": line, "message": f"{label}: {message}", "column": label}
    limit = re.search(r"longer than (\d+) characters", exc.message)
    if limit:
        error.update(kind="too_long", limit=int(limit.group(1)))
    elif "one line" in exc.message:
        error["kind"] = "one_line"
    else:
        kinds = {"email": "invalid_email", "phone": "invalid_phone", "url": "invalid_url"}
        error["kind"] = kinds.get(label, "invalid")
    return error


def parse_attendee_csv(data: bytes, charset: str | None = None) -> ParsedCSV:
    """Good rows (validated cards, one per email) and `{"line","message"}` for each bad row.

    Raises InvalidField (422) when the file as a whole is unusable: empty, or no email/name column.
    """
    text = decode(data, charset)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise InvalidField("The CSV file is empty.", field="file", code="empty_file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header_line))
    result = ParsedCSV()
    columns: dict[str, int] | None = None
    seen: dict[str, int] = {}
    last_line = 0
    try:
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns = map_header(record)
                continue
            cells = {
                col: record[i].strip() if i < len(record) else "" for col, i in columns.items()
            }
            email = cells.get("email", "")
            if not email:
                result.errors.append(
                    {"line": line, "message": "email is required", "kind": "email_required"}
                )
                continue
            try:
                card = normalize_card(row_card(cells))
            except InvalidField as exc:
                result.errors.append(_row_error(line, exc))
                continue
            key = email.lower()
            if key in seen:
                result.errors.append(
                    {
                        "line": line,
                        "message": f"{email} is already on line {seen[key]}",
                        "kind": "duplicate",
                        "email": email,
                        "first_line": seen[key],
                    }
                )
                continue
            seen[key] = line
            result.rows.append(ImportRow(line, key, card))
    except csv.Error as exc:
        result.errors.append(
            {"line": reader.line_num, "message": f"unreadable CSV: {exc}", "kind": "unreadable"}
        )
    return result
