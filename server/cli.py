"""The `cardswap` console script: serve, and organizer commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server.booths import cli as booth_cli
from server.errors import CardswapError
from server.events import (
    DEMO_SLUG,
    create_event,
    ensure_demo_event,
    join_url,
    list_events,
    validate_event_fields,
)
from server.organizer import cli as organizer_cli
from server.settings import Settings, SettingsError
from server.storage import is_postgres_url, open_store
from server.storage.backup import backup
from server.storage.copy import copy_database

DB_HELP = "SQLite file or postgresql:// URL (default $CARDSWAP_DB or data/cardswap.db)"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        db_path=getattr(args, "db", None), base_url=getattr(args, "base_url", None)
    )


SHOWN_AT_START = 5  # join links printed by `serve`; `event list` prints them all


def _print_join_links(base_url: str, events: list[dict[str, Any]]) -> None:
    """The join link of the demo event and of the newest events, at every start (the join code
    lives only in the database, so a restart must not hide it)."""
    demo = [e for e in events if e["slug"] == DEMO_SLUG]
    shown = (demo + [e for e in events if e["slug"] != DEMO_SLUG])[:SHOWN_AT_START]
    for event in shown:
        print(f"cardswap: join {event['name']} at {join_url(base_url, event)}", flush=True)
    if len(events) > len(shown):
        more = len(events) - len(shown)
        print(f"cardswap: {more} more event(s): cardswap event list", flush=True)
    if not events:
        print("cardswap: no events: cardswap event create --slug SLUG --name NAME", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start uvicorn on the settings' database; a fresh database gets a demo event."""
    import uvicorn

    from server.app import create_app

    if not args.base_url and not os.environ.get("CARDSWAP_BASE_URL"):
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        args.base_url = f"http://{host}:{args.port}"
    settings = _settings(args)
    app = create_app(settings)
    store = app.state.ctx.store
    created = ensure_demo_event(store)
    print(f"cardswap: database {settings.db_label}", flush=True)
    if created:
        print("cardswap: created the demo event", flush=True)
    _print_join_links(settings.base_url, list_events(store))
    print(
        f"cardswap: admin page {settings.base_url}/admin  (admin token: {settings.admin_token})",
        flush=True,
    )
    print(f"cardswap: serving on {settings.base_url}", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


def cmd_event_create(args: argparse.Namespace) -> int:
    """Create an event and print its join code and join URL (for the poster's QR)."""
    settings = _settings(args)
    fields = validate_event_fields(
        {"slug": args.slug, "name": args.name, "starts_on": args.starts_on, "ends_on": args.ends_on}
    )
    store = open_store(settings.db)
    try:
        store.migrate()
        event = create_event(store, fields)
    finally:
        store.close()
    print(f"event {event['slug']} created")
    print(f"join code: {event['join_code']}")
    print(f"join URL:  {join_url(settings.base_url, event)}")
    return 0


def cmd_event_list(args: argparse.Namespace) -> int:
    """Every event with its dates and join URL, newest first (to find a join code again)."""
    settings = _settings(args)
    store = open_store(settings.db)
    try:
        store.migrate()
        events = list_events(store)
    finally:
        store.close()
    for event in events:
        dates = " to ".join(d for d in (event["starts_on"], event["ends_on"]) if d) or "no dates"
        print(f"{event['slug']}\t{event['name']}\t{dates}\t{join_url(settings.base_url, event)}")
    if not events:
        print("no events yet: cardswap event create --slug SLUG --name NAME", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """The `backup` subcommand: copy $CARDSWAP_DB (or --db) to PATH while the server runs."""
    db = args.db or os.environ.get("CARDSWAP_DB") or "data/cardswap.db"
    if is_postgres_url(db):
        print(
            "cardswap: the database is PostgreSQL: back it up with pg_dump "
            '(pg_dump --format=custom --file=cardswap.dump "$CARDSWAP_DB"; see the README)',
            file=sys.stderr,
        )
        return 2
    source = Path(db).resolve()
    result = backup(source, Path(args.path))
    print(
        f"cardswap: backed up {source} to {result.path} "
        f"({result.pages} pages, {result.bytes} bytes, {result.seconds:.2f} s, integrity ok)",
        flush=True,
    )
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """`cardswap db copy SOURCE TARGET`: every row from one database to an empty one, checked."""
    result = copy_database(args.source, args.target)
    for table, count in result.counts.items():
        print(f"cardswap: {table}: {count} rows", flush=True)
    print(f"cardswap: copied and checked, digest {result.digest}", flush=True)
    return 0


def _add_db_parser(sub: Any) -> None:
    """Register `cardswap db copy SOURCE TARGET`."""
    db = sub.add_parser("db", help="move the data between engines").add_subparsers(
        dest="db_cmd", required=True
    )
    copy = db.add_parser(
        "copy",
        help="copy every event, attendee, op and contact into an empty database, then check "
        "counts and a content digest",
    )
    copy.add_argument("source", help="SQLite file or postgresql:// URL to read")
    copy.add_argument("target", help="SQLite file or postgresql:// URL to fill (must be empty)")
    copy.set_defaults(func=cmd_db_copy)


def _add_backup_parser(sub: Any) -> None:
    """Register `cardswap backup PATH [--db FILE]` on the CLI's subparsers."""
    parser = sub.add_parser("backup", help="copy the live database to PATH (online, consistent)")
    parser.add_argument("path", help="where to write the copy (replaced atomically)")
    parser.add_argument("--db", help=DB_HELP)
    parser.set_defaults(func=cmd_backup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cardswap", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help=DB_HELP)
    serve.add_argument("--base-url", help="public URL (default $CARDSWAP_BASE_URL or host:port)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-* from --forwarded-allow-ips (behind a proxy)",
    )
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.set_defaults(func=cmd_serve)

    event = sub.add_parser("event", help="manage events").add_subparsers(
        dest="event_cmd", required=True
    )
    create = event.add_parser("create", help="create an event and print its join URL and code")
    create.add_argument("--slug", required=True, help="URL name: lower-case letters, digits, -")
    create.add_argument("--name", required=True, help="the event's display name")
    create.add_argument("--starts-on", help="first day, YYYY-MM-DD")
    create.add_argument("--ends-on", help="last day, YYYY-MM-DD")
    create.add_argument("--db", help=DB_HELP)
    create.add_argument("--base-url", help="public URL for the join link ($CARDSWAP_BASE_URL)")
    create.set_defaults(func=cmd_event_create)
    listing = event.add_parser("list", help="list events with their join URLs")
    listing.add_argument("--db", help=DB_HELP)
    listing.add_argument("--base-url", help="public URL for the join link ($CARDSWAP_BASE_URL)")
    listing.set_defaults(func=cmd_event_list)
    _add_backup_parser(sub)  # `cardswap backup PATH` (server/storage/backup.py)
    _add_db_parser(sub)  # `cardswap db copy SOURCE TARGET` (server/storage/copy.py)
    organizer_cli.add_parsers(sub, event)  # attendees import, event stats
    booth_cli.add_parsers(sub)  # `cardswap booth create|list|import` (server/booths/cli.py)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CardswapError as exc:
        print(f"cardswap: {exc.message}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"cardswap: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
