"""Serving the web app: the shell on every app route, the stamped service worker, the manifest,
whitelisted vendor files, and the public card page (escaped, 404 for forged or withdrawn cards)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server import webshell
from server.app import create_app
from server.webshell import precache_urls, shell_version
from tests.conftest import ROOT, Attendee, make_settings

WEB = ROOT / "web"
NODE_MODULES = ROOT / "node_modules"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(1)</script>'


@pytest.mark.parametrize(
    "path", ["/", "/join/devconf", "/card", "/scan", "/contacts", "/contacts/att:x", "/settings"]
)
def test_app_routes_serve_the_shell_uncached(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/js/app.js">' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_service_worker_is_stamped_with_version_and_precache_list(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert "__SHELL" not in response.text
    version = shell_version(WEB, NODE_MODULES)
    assert f'const VERSION = "{version}";' in response.text
    assert "/vendor/jsqr/jsQR.js" in response.text


def test_every_precached_url_is_served(client: TestClient) -> None:
    urls = precache_urls(WEB, NODE_MODULES)
    assert {"/", "/js/app.js", "/js/db.js", "/css/app.css", "/manifest.webmanifest"} <= set(urls)
    assert not any(u.startswith("/admin") for u in urls)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_photo_cropper_is_kept_when_first_used_and_versioned_with_the_shell(
    client: TestClient, tmp_path: Path
) -> None:
    assert "/js/photo.js" not in precache_urls(WEB, NODE_MODULES)  # not on every first visit
    assert 'const LAZY = ["/js/photo.js"];' in client.get("/sw.js").text
    assert client.get("/js/photo.js").status_code == 200
    web = tmp_path / "web"
    shutil.copytree(WEB, web)
    before = shell_version(web, NODE_MODULES)
    (web / "js" / "photo.js").write_text((WEB / "js" / "photo.js").read_text() + "\n// x\n")
    assert shell_version(web, NODE_MODULES) != before  # a new cropper is a new shell version


def test_cache_version_changes_when_any_shell_file_changes(tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(WEB, web)
    before = shell_version(web, NODE_MODULES)
    assert shell_version(web, NODE_MODULES) == before
    (web / "css" / "app.css").write_text((WEB / "css" / "app.css").read_text() + "\n/* x */\n")
    changed = shell_version(web, NODE_MODULES)
    assert changed != before
    client = TestClient(create_app(make_settings(tmp_path / "db.sqlite", web_dir=web)))
    assert f'"{changed}"' in client.get("/sw.js").text


def test_stamped_worker_is_kept_and_follows_an_edited_shell_file(tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(WEB, web)
    first = webshell.service_worker(web, NODE_MODULES)
    assert webshell.service_worker(web, NODE_MODULES) is first  # kept, not stamped again
    (web / "js" / "app.js").write_text((WEB / "js" / "app.js").read_text() + "\n// edited\n")
    edited = webshell.service_worker(web, NODE_MODULES)
    assert edited != first
    assert f'const VERSION = "{shell_version(web, NODE_MODULES)}";' in edited
    classic = webshell.service_worker(web, NODE_MODULES, classic=True)
    assert classic != edited and "// module-only" not in classic


def test_manifest_is_installable(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).headers["content-type"] == "image/png"
    assert client.get("/icons/apple-touch-icon.png").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/vendor/jsqr/package.json", "/vendor/../package.json", "/vendor/ical.js/dist/ical.js"],
)
def test_vendor_serves_only_whitelisted_files(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_vendor_serves_the_qr_decoder(client: TestClient) -> None:
    response = client.get("/vendor/jsqr/jsQR.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "jsQR" in response.text


def test_shell_has_no_inline_script_or_style_and_no_html_injection() -> None:
    html = (WEB / "index.html").read_text()
    assert "<style" not in html and " style=" not in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    for path in WEB.rglob("*.js"):
        if "admin" in path.relative_to(WEB).parts:
            continue
        text = path.read_text()
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
        assert "document.write" not in text and "eval(" not in text, path


def test_public_card_page_shows_the_current_card_escaped(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    bea = register(HOSTILE, org=HOSTILE, title="CTO", note=HOSTILE, emails=["bea@example.com"])
    response = client.get(f"/c/{bea.card_token}")
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert html_escaped(HOSTILE) in response.text
    assert f'href="/c/{bea.card_token}.vcf"' in response.text
    assert 'href="/join/devconf"' in response.text and "code=" not in response.text
    assert 'src="/js/public-card.js"' in response.text

    renamed = client.put("/api/me/card", json={"card": {"fn": "Bea Renamed"}}, headers=bea.headers)
    assert renamed.status_code == 200, renamed.text
    old_link = client.get(f"/C/{bea.card_token.upper()}")
    assert old_link.status_code == 200
    assert "Bea Renamed" in old_link.text


def html_escaped(text: str) -> str:
    import html

    return html.escape(text)


def test_forged_and_withdrawn_cards_get_the_same_bare_404(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    bea = register("Bea Builder", org="Secret Org")
    token = bea.card_token
    forged = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    first = client.get(f"/c/{forged}")
    assert first.status_code == 404
    assert client.delete("/api/me", headers=bea.headers).status_code == 204
    gone = client.get(f"/c/{token}")
    assert gone.status_code == 404
    assert gone.text == first.text
    assert "Bea" not in gone.text and "Secret" not in gone.text
    assert client.get("/c/not-base32!").status_code == 404


def test_session_probe_says_whether_the_cookie_is_valid(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    assert client.get("/shell/session").json() == {"signed_in": False}
    client.cookies.set("cardswap_session", "forged")
    assert client.get("/shell/session").json() == {"signed_in": False}
    ada = register("Ada")
    client.cookies.set("cardswap_session", ada.token)
    response = client.get("/shell/session")
    assert response.json() == {"signed_in": True}
    assert response.headers["cache-control"] == "no-store"


def test_classic_service_worker_copy_has_no_module_syntax(
    client: TestClient, tmp_path: Path
) -> None:
    import shutil as sh
    import subprocess

    module = client.get("/sw.js").text
    classic = client.get("/sw.js?classic=1").text
    assert "import " in module and "'sync'" in module
    assert "import " not in classic and "'sync'" not in classic
    assert "module-only" not in classic and "addEventListener('fetch'" in classic
    script = tmp_path / "sw.cjs"
    script.write_text(classic)
    node = sh.which("node")
    assert node, "node is needed to parse the classic worker"
    done = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_one_route_table_feeds_the_server_and_the_service_worker(client: TestClient) -> None:
    table = client.get("/routes.json").json()
    worker = client.get("/sw.js").text
    assert "/*__" not in worker
    for page in table["pages"]:
        concrete = re.sub(r"\{\w+(:\w+)?\}", "ABC234", page["path"])
        served = client.get(concrete, follow_redirects=False)
        assert served.headers["content-type"].startswith("text/html"), concrete
        shell = 'src="/js/app.js"' in served.text
        assert shell == page.get("shell", True), concrete
    assert '["^/join/([^/]+)$", ""]' in worker


def test_message_catalogues_are_served_but_not_precached(client: TestClient) -> None:
    urls = precache_urls(WEB, NODE_MODULES)
    assert not [u for u in urls if u.startswith("/i18n/")]  # a phone fetches its own only
    for tag in ("en", "de", "ja", "zh-Hans", "pt-BR", "ar"):
        response = client.get(f"/i18n/{tag}.json")
        assert response.status_code == 200, tag
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["nav.card"]
    assert client.get("/i18n/xx.json").status_code == 404


def test_a_changed_translation_is_a_new_shell_version(tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(WEB, web)
    before = shell_version(web, NODE_MODULES)
    catalogue = web / "i18n" / "de.json"
    catalogue.write_text(catalogue.read_text().replace("Einstellungen", "Optionen"))
    assert shell_version(web, NODE_MODULES) != before


def test_the_manifest_names_the_app_in_the_language_asked(client: TestClient) -> None:
    english = client.get("/manifest.webmanifest").json()
    assert english["name"] == "cardswap: swap cards at events"
    japanese = client.get("/manifest.webmanifest?lang=ja")
    assert japanese.headers["content-type"].startswith("application/manifest+json")
    body = japanese.json()
    assert (body["name"], body["lang"], body["dir"]) == (
        "cardswap: イベントで名刺交換",
        "ja",
        "ltr",
    )
    assert body["icons"] == english["icons"] and body["start_url"] == "/"
    assert client.get("/manifest.webmanifest?lang=ar").json()["dir"] == "rtl"
    for odd in ("../manifest", "xx", "en", ""):
        assert client.get(f"/manifest.webmanifest?lang={odd}").json() == english
