"""Organizer commands of the `cardswap` console script (registered by server/cli.py).

`cardswap attendees import FILE --event SLUG` imports a CSV exactly as the admin API does and
writes the sign-in links as CSV (stdout, or `--out` for a mail merge); the summary and each bad
row go to stderr, so the links can be piped. Exit status: 0 all rows imported, 1 some rows were
refused (the others are imported), 2 nothing done (unknown event, unusable file).
`cardswap event stats SLUG` prints the event's aggregate statistics (`--json`: the API's shape).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.context import AppContext
from server.events import get_event
from server.organizer.attendees import import_attendees, import_result_csv
from server.organizer.stats import event_stats
from server.settings import Settings
from server.storage import open_store
from server.tokens import Tokens

DB_HELP = "SQLite file or postgresql:// URL (default $CARDSWAP_DB or data/cardswap.db)"


def _context(args: argparse.Namespace) -> AppContext:
    settings = Settings.from_env(db_path=args.db, base_url=getattr(args, "base_url", None))
    store = open_store(settings.db)
    store.migrate()
    return AppContext(settings=settings, store=store, tokens=Tokens(settings.secret_keys))


def cmd_attendees_import(args: argparse.Namespace) -> int:
    """Import FILE into the event; links as CSV to stdout or --out, the summary to stderr."""
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cardswap: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    if not args.base_url and not os.environ.get("CARDSWAP_BASE_URL"):
        print(
            "cardswap: warning: links use http://127.0.0.1:8000; pass --base-url or set "
            "CARDSWAP_BASE_URL to the public address",
            file=sys.stderr,
        )
    context = _context(args)
    try:
        result = import_attendees(context, args.event, data)
    finally:
        context.store.close()
    links = import_result_csv(result)
    if args.out:
        Path(args.out).write_text("\ufeff" + links, encoding="utf-8", newline="")
    else:
        sys.stdout.write(links)
        sys.stdout.flush()
    for error in result.errors:
        print(f"line {error['line']}: {error['message']}", file=sys.stderr)
    print(
        f"{args.event}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.errors)} errors"
        + (f"; sign-in links written to {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    until = datetime.fromtimestamp(result.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"each sign-in link works once, until {until}", file=sys.stderr)
    return 1 if result.errors else 0


def format_stats(event: dict[str, Any], stats: dict[str, Any]) -> str:
    """The stats as a short text report with an hourly bar per row."""
    lines = [
        f"{event['name']} ({event['slug']})",
        f"attendees         {stats['attendees']}",
        f"active attendees  {stats['active_attendees']}",
        f"swaps             {stats['exchanges']}",
    ]
    hours = stats["exchanges_by_hour"]
    if hours:
        peak = max(int(h["count"]) for h in hours)
        lines.append("swaps per hour (UTC):")
        for h in hours:
            bar = "#" * max(1, round(40 * int(h["count"]) / peak))
            lines.append(f"  {h['hour']}  {int(h['count']):>6}  {bar}")
    booths = stats.get("leads_by_booth") or []
    if booths:
        lines.append("booth leads (counts, never who):")
        lines += [f"  {int(b['leads']):>6}  {b['name']}" for b in booths]
    for h in stats.get("leads_by_hour") or []:
        lines.append(f"  leads {h['hour']}  {int(h['count']):>6}")
    return "\n".join(lines)


def cmd_event_stats(args: argparse.Namespace) -> int:
    """Print an event's aggregate statistics."""
    context = _context(args)
    try:
        event = get_event(context.store, args.slug)
        stats = event_stats(context.store, args.slug)
    finally:
        context.store.close()
    print(json.dumps(stats, indent=2) if args.json else format_stats(event, stats))
    return 0


def add_parsers(sub: Any, event: Any) -> None:
    """Register `cardswap attendees import` and `cardswap event stats` on the CLI."""
    attendees = sub.add_parser("attendees", help="manage attendees").add_subparsers(
        dest="attendees_cmd", required=True
    )
    imp = attendees.add_parser(
        "import",
        help="import attendees from a CSV file; prints their sign-in links as CSV",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument(
        "file", help="CSV with columns name, email, org, title, phone, url ('-': stdin)"
    )
    imp.add_argument("--event", required=True, help="the event's slug")
    imp.add_argument("--out", help="write the sign-in links CSV here instead of stdout")
    imp.add_argument("--db", help=DB_HELP)
    imp.add_argument("--base-url", help="public URL for the links ($CARDSWAP_BASE_URL)")
    imp.set_defaults(func=cmd_attendees_import)

    stats = event.add_parser("stats", help="print an event's aggregate statistics")
    stats.add_argument("slug", help="the event's slug")
    stats.add_argument("--json", action="store_true", help="print the stats API's JSON")
    stats.add_argument("--db", help=DB_HELP)
    stats.set_defaults(func=cmd_event_stats)
