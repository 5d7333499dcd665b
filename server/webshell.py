"""The web app's shell: which files make it, its content-hash version, the route table, and the
public card lookup.

The service worker precaches the files listed here, but for the few in LAZY, which it keeps in the
same versioned cache when first used; its cache version is a hash of all their bytes, stamped into
sw.js by the server, so any change to a shell file makes browsers update. The
app's pages come from web/routes.json, the one table that the server's shell routes, the service
worker (stamped in) and the router (web/js/routes.js) all read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from server.storage import Store
from server.storage import attendees as stored_attendees
from server.tokens import CardPayload

# Third-party files served from node_modules at /vendor/<key> (a whitelist; never a CDN).
VENDOR = {
    "jsqr/jsQR.js": "jsqr/dist/jsQR.js",
    "qrcode-generator/qrcode.js": "qrcode-generator/qrcode.js",
}
# Shell files the service worker caches when first fetched rather than on install: the photo
# cropper, which only an attendee choosing a photo needs (DESIGN.md section 11), stays out of the
# bytes every phone downloads on its first visit.
LAZY = ("/js/photo.js",)
# Message catalogues (web/i18n/<tag>.json): a phone downloads only its own language's, which the
# service worker keeps when first fetched (and fetches again for each new version): never
# precached, but part of the version hash, so a changed translation is a shell update.
CATALOGUES = "i18n"
# The manifest's members a catalogue words (`/manifest.webmanifest?lang=<tag>`): by these keys.
MANIFEST_KEYS = {"name": "app.name", "description": "app.description"}
RIGHT_TO_LEFT = frozenset({"ar"})
_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# The route table shared by the server, the service worker and the router (web/js/routes.js).
ROUTE_TABLE = "routes.json"
_SKIP_DIRS = {"admin"}
_SKIP_FILES = {"sw.js"}
_PLACEHOLDER_VERSION = "'__SHELL_VERSION__'"
_PLACEHOLDER_FILES = "[/*__SHELL_FILES__*/]"
_PLACEHOLDER_PAGES = "[/*__APP_PAGES__*/]"
_PLACEHOLDER_NETWORK = "[/*__NETWORK_ONLY__*/]"
_PLACEHOLDER_LAZY = "[/*__SHELL_LAZY__*/]"
_PARAM = re.compile(r"\{\w+(?::(\w+))?\}")


def route_table(web_dir: Path) -> dict[str, Any]:
    """web/routes.json: the app's pages (server path syntax), their converters, and the paths
    only the server answers (`server_only`) or the service worker leaves to it (`network_only`)."""
    table: dict[str, Any] = json.loads((web_dir / ROUTE_TABLE).read_text(encoding="utf-8"))
    return table


def shell_paths(web_dir: Path) -> list[str]:
    """The pages the server answers with index.html (the router then draws the screen); a page
    with `"shell": false` has a server page of its own (the public card at /c/{token})."""
    return [page["path"] for page in route_table(web_dir)["pages"] if page.get("shell", True)]


def page_patterns(table: dict[str, Any]) -> list[list[str]]:
    """Every page as a [regex source, flags] pair for the service worker; web/js/routes.js makes
    the router's regexes the same way (a parameter becomes a group of its converter's regex)."""
    converters = table["converters"]
    out = []
    for page in table["pages"]:
        source = _PARAM.sub(lambda m: f"({converters[m[1] or 'str']})", page["path"])
        slash = "/?" if page.get("trailing_slash") else ""
        out.append([f"^{source}{slash}$", "i" if page.get("ignore_case") else ""])
    return out


def shell_files(web_dir: Path) -> list[Path]:
    """Every file of the shell under web/ (not the organizer's admin pages, not sw.js itself)."""
    out = []
    for path in sorted(web_dir.rglob("*")):
        rel = path.relative_to(web_dir)
        if not path.is_file() or rel.parts[0] in _SKIP_DIRS or path.name.startswith("."):
            continue
        if rel.as_posix() in _SKIP_FILES:
            continue
        out.append(path)
    return out


def vendor_path(node_modules: Path, key: str) -> Path | None:
    """The node_modules file behind /vendor/<key>, or None when it is not whitelisted/present."""
    rel = VENDOR.get(key)
    if rel is None:
        return None
    path = node_modules / rel
    return path if path.is_file() else None


def precache_urls(web_dir: Path, node_modules: Path) -> list[str]:
    """The URLs the service worker caches on install: the shell (but LAZY and the message
    catalogues), its routes' page, vendor JS."""
    urls = ["/"]
    for path in shell_files(web_dir):
        rel = path.relative_to(web_dir).as_posix()
        if rel != "index.html" and "/" + rel not in LAZY and not rel.startswith(CATALOGUES + "/"):
            urls.append("/" + rel)
    for key in sorted(VENDOR):
        if vendor_path(node_modules, key) is not None:
            urls.append("/vendor/" + key)
    return urls


def shell_version(web_dir: Path, node_modules: Path) -> str:
    """A content hash of every shell file (precached, LAZY, the catalogues) and sw.js: changes
    whenever any of them does."""
    digest = hashlib.sha256()
    files = [*shell_files(web_dir), web_dir / "sw.js"]
    files += [p for k in sorted(VENDOR) if (p := vendor_path(node_modules, k)) is not None]
    for path in files:
        data = path.read_bytes()
        digest.update(str(path.name).encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()[:16]


def _fingerprint(web_dir: Path, node_modules: Path) -> tuple[tuple[str, int, int], ...]:
    """Path, size and modification time of every file under web/ and of the vendor files: it
    changes whenever a stamped file does (one scandir walk and a stat per file, ~0.15 ms)."""
    out = []
    folders = [str(web_dir)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    stat = entry.stat()
                    out.append((entry.path, stat.st_size, stat.st_mtime_ns))
    for key in sorted(VENDOR):
        path = vendor_path(node_modules, key)
        if path is not None:
            stat = path.stat()
            out.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(out))


_STAMPED: dict[tuple[Any, ...], str] = {}


def service_worker(web_dir: Path, node_modules: Path, *, classic: bool = False) -> str:
    """sw.js with its cache version and precache list stamped in.

    `classic` drops the lines marked `// module-only` (the import and Background Sync), for
    browsers that cannot run a module service worker. Every app start asks for sw.js, so the
    stamped text is kept while no file changes (a stat per file, not reading and hashing the
    ~400 KB shell: 1.9 ms a request before, 0.15 ms now).
    """
    key = (classic, _fingerprint(web_dir, node_modules))
    stamped = _STAMPED.get(key)
    if stamped is None:
        if len(_STAMPED) > 16:  # files changed (development): the old texts go
            _STAMPED.clear()
        stamped = _STAMPED[key] = _stamp(web_dir, node_modules, classic)
    return stamped


def _stamp(web_dir: Path, node_modules: Path, classic: bool) -> str:
    source = (web_dir / "sw.js").read_text(encoding="utf-8")
    if classic:
        lines = source.splitlines(keepends=True)
        source = "".join(line for line in lines if not line.rstrip().endswith("// module-only"))
    version = json.dumps(shell_version(web_dir, node_modules))
    urls = json.dumps(precache_urls(web_dir, node_modules))
    table = route_table(web_dir)
    pages = json.dumps(page_patterns(table))
    network = [[*pair, ""][:2] for pair in table["server_only"] + table["network_only"]]
    return (
        source.replace(_PLACEHOLDER_VERSION, version)
        .replace(_PLACEHOLDER_FILES, urls)
        .replace(_PLACEHOLDER_PAGES, pages)
        .replace(_PLACEHOLDER_NETWORK, json.dumps(network))
        .replace(_PLACEHOLDER_LAZY, json.dumps(list(LAZY)))
    )


def manifest(web_dir: Path, lang: str | None) -> dict[str, Any] | None:
    """web/manifest.webmanifest with its name and description in `lang` (from that language's
    web catalogue, MANIFEST_KEYS), for the app's install prompt; None for English or a tag the
    app does not speak (the file as it is then)."""
    if not lang or lang == "en" or not _TAG.fullmatch(lang):
        return None
    catalogue = web_dir / CATALOGUES / f"{lang}.json"
    if not catalogue.is_file():
        return None
    words = json.loads(catalogue.read_text(encoding="utf-8"))
    out: dict[str, Any] = json.loads((web_dir / "manifest.webmanifest").read_text("utf-8"))
    for member, key in MANIFEST_KEYS.items():
        if isinstance(words.get(key), str):
            out[member] = words[key]
    return {**out, "lang": lang, "dir": "rtl" if lang in RIGHT_TO_LEFT else "ltr"}


def public_card(store: Store, payload: CardPayload) -> dict[str, Any] | None:
    """The attendee's CURRENT card and event for a verified token; None once they are deleted."""
    row = stored_attendees.public_card(store, payload.attendee_id)
    if row is None or row.card is None or row.deleted_at is not None:
        return None
    card = json.loads(row.card)
    if not isinstance(card, dict):
        return None
    return {
        "card": card,
        "event_slug": row.event_slug,
        "event_name": row.event_name or row.event_slug,
        "event_language": row.event_language,
        "event_time_zone": row.event_time_zone,
    }
