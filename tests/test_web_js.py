"""The app's pure modules run under Node against the real server code: card tokens minted by
server/tokens.py decode offline in web/js/cardtoken.js; scanned text is classified and read."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from server.tokens import Tokens
from tests.conftest import ROOT

NODE = shutil.which("node")


def run_js(body: str) -> Any:
    """Run an ES module snippet with web/js importable; it prints one JSON value."""
    assert NODE, "node is required for the web app's module tests"
    prelude = (
        f"import * as ct from '{(ROOT / 'web/js/cardtoken.js').as_uri()}';\n"
        f"import * as parse from '{(ROOT / 'web/js/parse.js').as_uri()}';\n"
        f"import * as ids from '{(ROOT / 'web/js/uuid7.js').as_uri()}';\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", prelude + body],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


CARD = {
    "fn": "Zoë Ñúñez-O'Brien",
    "org": "Ünïcode & Co",
    "title": "Head of 🎉",
    "emails": ["zoe@example.com", "other@example.com"],
    "phones": ["+49 30 1234"],
    "urls": ["https://example.com/zoe"],
}


@pytest.mark.parametrize("card", [CARD, {"fn": "Al"}, {"fn": "A", "urls": ["https://x.io"]}])
def test_server_card_tokens_decode_offline_in_the_app(card: dict[str, Any]) -> None:
    token = Tokens(["k"]).card_token("att123", "devconf", 7, card)
    url = f"http://127.0.0.1:8000/c/{token}".upper()
    out = run_js(
        f"const t = ct.cardTokenFromUrl({json.dumps(url)});"
        "console.log(JSON.stringify([t, ct.decodeCardToken(t)]));"
    )
    assert out[0] == token
    decoded = out[1]
    assert (decoded["attendee_id"], decoded["event_slug"], decoded["card_version"]) == (
        "att123",
        "devconf",
        7,
    )
    assert decoded["card"]["fn"] == card["fn"]
    assert decoded["card"]["org"] == card.get("org", "")
    assert decoded["card"]["emails"] == card.get("emails", [])[:1]
    assert decoded["card"]["urls"] == card.get("urls", [])[:1]


@pytest.mark.parametrize(
    "text",
    ["http://host/c/", "http://host/c/abc!", "http://host/x/" + "a" * 40, "hello", "MFRGG"],
)
def test_other_text_is_not_a_card_url(text: str) -> None:
    assert run_js(f"console.log(JSON.stringify(ct.cardTokenFromUrl({json.dumps(text)})));") is None


def test_scanned_texts_are_classified() -> None:
    vcard = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nORG:Acme\\, Inc;Lab\r\n"
        "EMAIL;TYPE=work:jane@acme.test\r\nTEL:+1 555\r\nNOTE:line one\\nline\r\n  two\r\n"
        "END:VCARD\r\n"
    )
    mecard = "MECARD:N:Roe,Richard;TEL:+44 20;EMAIL:r@roe.test;URL:https://roe.test;;"
    out = run_js(
        "console.log(JSON.stringify(["
        f"parse.classify({json.dumps(vcard)}), parse.classify({json.dumps(mecard)}),"
        "parse.classify('https://example.com/x'), parse.classify('just text')]));"
    )
    v, m, u, t = out
    assert v["kind"] == "vcard" and v["text"] == vcard.strip()
    assert v["card"]["fn"] == "Jane Doe" and v["card"]["org"] == "Acme, Inc"
    assert v["card"]["emails"] == ["jane@acme.test"] and v["card"]["note"] == "line one\nline two"
    assert m["kind"] == "vcard"
    assert (m["card"]["fn"], m["card"]["family"], m["card"]["given"]) == (
        "Richard Roe",
        "Roe",
        "Richard",
    )
    assert m["card"]["urls"] == ["https://roe.test"]
    assert u == {"kind": "url", "text": "https://example.com/x"}
    assert t == {"kind": "text", "text": "just text"}


def test_op_ids_are_time_ordered_uuid7() -> None:
    out = run_js(
        "const a = []; for (let i = 0; i < 200; i++) a.push(ids.uuid7());"
        "console.log(JSON.stringify(a));"
    )
    assert out == sorted(out) and len(set(out)) == 200
    assert all(x[14] == "7" and x[19] in "89ab" and len(x) == 36 for x in out)


def test_the_router_reads_the_route_table_as_the_service_worker_gets_it() -> None:
    from server import webshell

    table = webshell.route_table(ROOT / "web")
    routes = (ROOT / "web/js/routes.js").as_uri()
    router = run_js(
        f"globalThis.fetch = async () => ({{ json: async () => ({json.dumps(table)}) }});\n"
        f"const {{ PAGES, isServerPath }} = await import('{routes}');\n"
        "console.log(JSON.stringify({\n"
        "  pages: PAGES.map(([re, screen]) => [re.source, re.flags, screen]),\n"
        "  server: ['/api/me', '/admin', '/signin/x', '/x.VCF', '/card'].map(isServerPath),\n"
        "}));"
    )
    worker = webshell.page_patterns(table)
    screens = [page["screen"] for page in table["pages"]]
    # RegExp.source writes a slash escaped; the worker's sources are the same patterns.
    sources = [[source.replace("\\/", "/"), flags] for source, flags, _ in router["pages"]]
    assert sources == worker
    assert [screen for _, _, screen in router["pages"]] == screens
    assert router["server"] == [True, True, True, True, False]
