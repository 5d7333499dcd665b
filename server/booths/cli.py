"""`cardswap booth …`: the organizer's booths from the command line (registered by server/cli.py).

- `cardswap booth create --event SLUG --name NAME [--questions FILE.json]` prints the booth's id
  and staff link (FILE holds the questions as the API takes them, a JSON list);
- `cardswap booth list --event SLUG` prints every booth with its lead count and staff link;
- `cardswap booth import FILE --event SLUG [--out links.csv]` makes a booth per row of an
  exhibitor list (a `name` column) and writes id, name and staff link as CSV for a mail merge;
  bad rows go to stderr (exit 1; the others are imported).

Counts only, never a lead: the leads are the booth team's (DESIGN.md section 13).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from server.booths.booths import create_booth, import_booths, list_booths
from server.errors import InvalidField
from server.organizer.cli import DB_HELP, _context
from server.vcard.csv_export import safe_cell


def _links_csv(booths: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("id", "name", "staff_join_url"))
    for booth in booths:
        writer.writerow([booth["id"], safe_cell(booth["name"]), booth["staff_join_url"]])
    return out.getvalue()


def cmd_create(args: argparse.Namespace) -> int:
    """Create a booth; print its id and staff link."""
    questions: Any = []
    if args.questions:
        try:
            questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidField(f"cannot read the questions from {args.questions}: {exc}") from exc
    context = _context(args)
    try:
        booth = create_booth(context, args.event, {"name": args.name, "questions": questions})
    finally:
        context.store.close()
    print(f"booth {booth['name']} created: {booth['id']}")
    print(f"questions: {len(booth['questions'])}")
    print(f"staff link: {booth['staff_join_url']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Every booth of the event: id, name, leads (a count), staff link."""
    context = _context(args)
    try:
        booths = list_booths(context, args.event)
    finally:
        context.store.close()
    for booth in booths:
        print(f"{booth['id']}\t{booth['name']}\t{booth['leads']} leads\t{booth['staff_join_url']}")
    if not booths:
        print(f"no booths at {args.event} yet: cardswap booth create", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an exhibitor list; staff links as CSV to stdout or --out, problems to stderr."""
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cardswap: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    context = _context(args)
    try:
        result = import_booths(context, args.event, data)
    finally:
        context.store.close()
    links = _links_csv(result.booths)
    if args.out:
        Path(args.out).write_text("\ufeff" + links, encoding="utf-8", newline="")
    else:
        sys.stdout.write(links)
    for error in result.errors:
        print(f"line {error['line']}: {error['message']}", file=sys.stderr)
    print(
        f"{args.event}: {result.created} booths created, {len(result.booths)} in the list, "
        f"{len(result.errors)} errors",
        file=sys.stderr,
    )
    return 1 if result.errors else 0


def add_parsers(sub: Any) -> None:
    """Register `cardswap booth create|list|import`."""
    booth = sub.add_parser("booth", help="manage exhibitor booths").add_subparsers(
        dest="booth_cmd", required=True
    )
    create = booth.add_parser("create", help="create a booth; prints its staff link")
    create.add_argument("--event", required=True, help="the event's slug")
    create.add_argument("--name", required=True, help="the booth's name (the exhibitor)")
    create.add_argument("--questions", help="a JSON file: the list of qualifying questions")
    listing = booth.add_parser("list", help="every booth with its lead count and staff link")
    listing.add_argument("--event", required=True, help="the event's slug")
    imp = booth.add_parser("import", help="a booth per row of an exhibitor CSV (name column)")
    imp.add_argument("file", help="CSV with a name column ('-': stdin)")
    imp.add_argument("--event", required=True, help="the event's slug")
    imp.add_argument("--out", help="write the staff links CSV here instead of stdout")
    for parser, func in ((create, cmd_create), (listing, cmd_list), (imp, cmd_import)):
        parser.add_argument("--db", help=DB_HELP)
        parser.add_argument("--base-url", help="public URL for the links ($CARDSWAP_BASE_URL)")
        parser.set_defaults(func=func)
