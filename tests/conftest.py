"""Shared fixtures: a fresh database per test (a SQLite file, or a PostgreSQL schema for the
suites that run on both engines), the app and a client built from test settings, and a real
uvicorn process on 127.0.0.1 for tests where the network matters."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests import pg
from tests.live_server import ADMIN_TOKEN, ROOT, SECRET, LiveServer
from tests.live_server import free_port as free_port  # the tests' import of it

BASE_URL = "http://testserver"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# The suites that run on both engines (DESIGN.md section 9): each of their tests that reaches the
# database through the `database` fixture (the app, the client, a live server) runs once on
# SQLite and once on PostgreSQL. A test that also asks for `db_path` reads the SQLite file
# itself, so it runs on SQLite only.
BOTH_ENGINES = frozenset({
    "test_attendee_api", "test_contacts_api", "test_events_api", "test_organizer_api",
    "test_exports_api", "test_sync", "test_sync_live", "test_contract", "test_security",
    "test_merge_properties", "test_carddav", "test_carddav_clients", "test_carddav_vdirsyncer",
    "test_app_passwords", "test_photos", "test_card_profiles", "test_booths_api",
})  # fmt: skip
# test_sync_state_machine runs on both through a machine per engine (a hypothesis TestCase).
ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    names = metafunc.fixturenames
    if module in BOTH_ENGINES and "engine" in names and "db_path" not in names:
        metafunc.parametrize("engine", ENGINES)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The database engine of this test: SQLite unless its suite runs on both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database(engine: str, tmp_path: Path) -> Iterator[str]:
    """CARDSWAP_DB for this test: a fresh SQLite file, or a fresh PostgreSQL schema's URL."""
    if engine == "sqlite":
        yield str(tmp_path / "cardswap.db")
        return
    schema, url = pg.create_schema()
    try:
        yield url
    finally:
        pg.drop_schema(schema)


def make_settings(db: Path | str, base_url: str = BASE_URL, **overrides: Any) -> Settings:
    return Settings(
        db=str(db),
        secret_keys=(SECRET,),
        admin_token=ADMIN_TOKEN,
        base_url=base_url,
        **overrides,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cardswap.db"


@pytest.fixture
def settings(database: str) -> Settings:
    return make_settings(database)


@pytest.fixture
def app(settings: Settings) -> Starlette:
    return create_app(settings)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def event(client: TestClient) -> dict[str, Any]:
    """An event `devconf` created through the admin API; includes its join_code."""
    response = client.post(
        "/api/admin/events", json={"slug": "devconf", "name": "DevConf"}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@dataclass
class Attendee:
    """A registered attendee as a test sees it: id, session token, card URL, device id."""

    id: str
    token: str
    card_url: str
    device_id: str
    card: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def card_token(self) -> str:
        return self.card_url.rsplit("/c/", 1)[1]


@pytest.fixture
def register(client: TestClient, event: dict[str, Any]) -> Callable[..., Attendee]:
    """Register attendees in `event`: register("Ada Lovelace", org="Analytical")."""

    def _register(fn: str = "Ada Lovelace", **card: Any) -> Attendee:
        device_id = str(uuid.uuid4())
        body = {"join_code": event["join_code"], "card": {"fn": fn, **card}, "device_id": device_id}
        response = client.post(f"/api/events/{event['slug']}/attendees", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        client.cookies.clear()  # tests authenticate explicitly with Bearer headers
        return Attendee(
            data["attendee"]["id"],
            data["token"],
            data["card_url"],
            device_id,
            data["attendee"]["card"],
        )

    return _register


@pytest.fixture
def live_server(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """A real uvicorn server on 127.0.0.1 with its own database (demo event included): a SQLite
    file, or for a suite on both engines also a PostgreSQL schema."""
    url = request.getfixturevalue("database") if engine == "postgresql" else None
    server = LiveServer(db_path=tmp_path / "live.db", db=url).start()
    try:
        yield server
    finally:
        server.stop()


# --- Browser fixtures (web app): one Chromium per session, a fresh context per test. ---------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def _require_chromium() -> str:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: browser tests need Debian chromium "
            "(scripts/test installs it with apt)"
        )
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Any) -> Iterator[Any]:
    """The session's one Chromium (Debian's); a missing browser fails, never skips."""
    browser = playwright_driver.chromium.launch(
        executable_path=_require_chromium(), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Callable[..., Any]]:
    """new_context(): a fresh browser context (own storage, cookies, service workers)."""
    contexts: list[Any] = []

    def new_context(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 360, "height": 740})
        context = chromium.new_context(**options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def persistent_context(playwright_driver: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """persistent_context(extra_args=[...]): a persistent-profile Chromium (installability, camera).

    Persistent profiles and command-line camera files need their own browser launch."""
    contexts: list[Any] = []

    def launch(extra_args: list[str] | None = None, **options: Any) -> Any:
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright_driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=_require_chromium(),
            args=[*CHROMIUM_ARGS, *(extra_args or [])],
            viewport={"width": 360, "height": 740},
            **options,
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


def create_live_event(server: LiveServer, slug: str = "expo", name: str = "Expo 2026") -> Any:
    """An event on a live server, through the admin API; returns the 201 body (join_url...)."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}/api/admin/events",
        method="POST",
        data=json.dumps({"slug": slug, "name": name}).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def join_in_browser(page: Any, join_url: str, fn: str, **fields: str) -> None:
    """Fill the app's join form as a person would and wait for 'my card'."""
    page.goto(join_url)
    page.fill("input[name=fn]", fn)
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.click("button[type=submit]")
    page.wait_for_url("**/card")
    page.wait_for_selector("img.qr")


def poll(page: Any, expression: str, timeout: float = 15.0) -> Any:
    """Evaluate `expression` until truthy (CSP forbids eval, so no wait_for_function)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value or time.monotonic() > deadline:
            assert value, f"still false after {timeout} s: {expression}"
            return value
        time.sleep(0.1)


def wait_for_worker(page: Any) -> None:
    """Wait until the service worker controls the page (the shell is then precached)."""
    poll(page, "() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")


def wait_synced(page: Any, timeout: float = 15.0) -> None:
    """Wait until the status bar says nothing is pending and a sync happened."""
    from playwright.sync_api import expect

    status = page.locator("#status[data-pending='0']")
    expect(status).to_contain_text("last sync", timeout=timeout * 1000)


def write_qr_y4m(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video of `text` as a QR code, for Chromium's fake camera."""
    import io

    import segno
    from PIL import Image

    code = segno.make(text, error="m", micro=False)
    size = min(width, height) - 40
    scale = max(1, size // (code.symbol_size(border=4)[0]))
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return write_y4m(Image.open(io.BytesIO(buffer.getvalue())), path, width, height)


def write_y4m(image: Any, path: Path, width: int = 640, height: int = 480) -> Path:
    """A one-frame Y4M video of `image` (grey, as sized) centred on white, for the fake camera."""
    from PIL import Image

    grey = image.convert("L")
    frame = Image.new("L", (width, height), 255)
    frame.paste(grey, ((width - grey.width) // 2, (height - grey.height) // 2))
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            out.write(b"FRAME\n" + frame.tobytes() + chroma)
    return path


def register_in_context(
    context: Any, server: LiveServer, event: Any, fn: str, **card: Any
) -> dict[str, Any]:
    """Register through the API inside a browser context (its cookie jar gets the session)."""
    body = {
        "join_code": event["join_code"],
        "card": {"fn": fn, **card},
        "device_id": str(uuid.uuid4()),
    }
    response = context.request.post(
        f"{server.url}/api/events/{event['slug']}/attendees",
        data=body,
        headers={"Origin": server.url},
    )
    assert response.status == 201, response.text()
    return dict(response.json())


@pytest.fixture
def live_event(live_server: LiveServer) -> Any:
    """The event `expo` on the live server (the 201 body: slug, join_code, join_url...)."""
    return create_live_event(live_server)


@dataclass
class JoinedPage:
    """An attendee who joined `event` in the app: the browser context, the page on "my card"."""

    event: Any
    context: Any
    page: Any

    @property
    def attendee_id(self) -> str:
        """The attendee's id, as the app keeps it (its session in IndexedDB; no request)."""
        session = "async () => (await (await import('/js/session.js')).current()).attendee.id"
        return str(self.page.evaluate(session))


@pytest.fixture
def joined_page(live_event: Any, request: pytest.FixtureRequest) -> Callable[..., JoinedPage]:
    """joined_page(): "Ann Analyst" joins `live_event` in a fresh context (or `context`, e.g. a
    persistent one), and the service worker controls the page; `synced=True` waits for the first
    sync too."""

    def join(
        fn: str = "Ann Analyst", *, context: Any = None, synced: bool = False, **fields: str
    ) -> JoinedPage:
        if context is None:
            context = request.getfixturevalue("browser_context")()
        page = context.new_page()
        join_in_browser(page, live_event["join_url"], fn, **fields)
        wait_for_worker(page)
        if synced:
            wait_synced(page)
        return JoinedPage(live_event, context, page)

    return join


# --- Three engines (tests/engines.py): a phone per browser process, the engine a parameter. ----
@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private X display for WebKitGTK (it has no headless mode), shared by the session."""
    from tests.engines import Xvfb

    display = Xvfb()
    yield display.display
    display.close()


@pytest.fixture
def open_phone(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """open_phone(engine): a new phone (its own browser and profile) in that engine.

    A failing test leaves a screenshot of every phone beside its database, to see what it saw."""
    from tests import engines

    phones: list[Any] = []

    def _open(engine: str) -> Any:
        profile = tmp_path / f"{engine}-{len(phones)}"
        if engine == "chromium":
            phone = engines.open_chromium(request.getfixturevalue("playwright_driver"), profile, [])
        elif engine == "webkit":
            phone = engines.open_webkit(request.getfixturevalue("xvfb_display"), [])
        elif engine == "firefox":
            phone = engines.open_firefox(profile)
        else:
            raise ValueError(engine)
        phones.append(phone)
        return phone

    yield _open
    failed = getattr(request.node, "rep_call", None)
    for number, phone in enumerate(phones):
        try:
            if failed is not None and failed.failed:
                phone.screenshot(tmp_path / f"phone-{number}-{phone.engine}.png")
        except Exception:  # noqa: BLE001 (a dead browser has nothing to show)
            pass
        phone.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def server_with_own_shell(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real uvicorn serving a copy of web/ that the test may change (a deploy)."""
    import shutil

    web = tmp_path / "web"
    shutil.copytree(ROOT / "web", web)
    server = LiveServer(db_path=tmp_path / "db.sqlite", web_dir=web).start()
    try:
        yield server.url, web
    finally:
        server.stop()


BROWSER_FIXTURES = {
    "chromium",
    "browser_context",
    "persistent_context",
    "open_phone",
    "joined_page",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives a browser `browser`, so `-m 'not browser'` leaves them out."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
