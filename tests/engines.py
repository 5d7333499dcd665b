"""One phone, three browser engines: the journeys drive Chromium, WebKit and Firefox through the
same small `Phone` interface, so a test body names the engine only as a parameter.

- Chromium: Debian's `chromium` through Playwright (`executable_path="/usr/bin/chromium"`).
- WebKit: WebKitGTK's WebDriver server (Debian `webkit2gtk-driver`) through Selenium, its
  browser window on a private Xvfb (WebKitGTK has no headless mode).
- Firefox: Debian's `firefox-esr` over WebDriver BiDi (tests/bidi.py); Debian has no geckodriver.

Each phone is its own browser process and profile, like two real phones. Every start and every
wait is bounded: an engine that cannot start fails the test, it never skips it.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.bidi import BidiSession

ENGINES = ("chromium", "webkit", "firefox")
VIEWPORT = {"width": 390, "height": 844}  # an iPhone 12-15 in CSS pixels
START_TIMEOUT = 30.0
WEBKIT_DRIVER = Path("/usr/bin/WebKitWebDriver")
WEBKIT_BROWSER = Path(__file__).resolve().parent / "webkit_phone.py"
WEBKIT_BROWSER_NAME = "cardswap-webkit-phone"  # the name webkit_phone.py gives its session


def _wrap(expression: str) -> str:
    """An async function body whose result is JSON text (the same on every engine)."""
    return (
        "const __v = await (" + expression + ");"
        " return JSON.stringify(__v === undefined ? null : __v);"
    )


class Phone:
    """A browser tab on one phone. Engines implement the five primitives; the rest is shared."""

    engine = ""

    # -- primitives ------------------------------------------------------------------------
    def goto(self, url: str) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def evaluate(self, expression: str) -> Any:
        """Run a JS expression (a promise is awaited) in the page; return its JSON value."""
        raise NotImplementedError

    def _click_first(self, selector: str, text: str) -> bool:
        """Click the element FIND_VISIBLE finds; False when there is none (yet)."""
        raise NotImplementedError

    def _type(self, selector: str, text: str) -> None:
        """Replace the field's value by typing `text`, as a person would."""
        raise NotImplementedError

    def screenshot(self, path: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- shared on top of them ----------------------------------------------------------------
    @property
    def url(self) -> str:
        return str(self.evaluate("location.href"))

    def wait(self, expression: str, timeout: float = 15.0, what: str = "") -> Any:
        """Poll `expression` until it is truthy; a page navigating meanwhile is retried."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            try:
                value = self.evaluate(expression)
                if value:
                    return value
            except Exception as error:  # noqa: BLE001 (a navigation tears the realm down)
                last_error = str(error)[:300]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"[{self.engine}] still false after {timeout} s: {what or expression}"
                    + (f" (last error: {last_error})" if last_error else "")
                )
            time.sleep(0.1)

    def text(self, selector: str) -> str:
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " return e ? e.innerText : null; })()"
        )
        return "" if found is None else str(found)

    def wait_text(self, selector: str, text: str, timeout: float = 15.0) -> None:
        """Wait until an element matching `selector` shows `text` (its rendered text)."""
        self.wait(
            f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".some((e) => e.innerText.includes({json.dumps(text)}))",
            timeout,
            f"{selector} showing {text!r}; it shows {self.text(selector)!r}",
        )

    def wait_attribute(self, selector: str, name: str, value: str, timeout: float = 15.0) -> None:
        probe = (
            f"(document.querySelector({json.dumps(selector)}) || {{getAttribute: () => null}})"
            f".getAttribute({json.dumps(name)})"
        )
        self.wait(f"{probe} === {json.dumps(value)}", timeout, f"{selector}[{name}={value!r}]")

    def wait_visible(self, selector: str, timeout: float = 15.0) -> None:
        self.wait(_visible(selector), timeout, f"{selector} visible")

    def wait_url(self, suffix: str, timeout: float = 15.0) -> None:
        self.wait(f"location.pathname.endsWith({json.dumps(suffix)})", timeout, f"url *{suffix}")

    def click(self, selector: str, text: str = "", timeout: float = 15.0) -> None:
        """Click the first visible element matching `selector` (and showing `text`).

        Found and clicked in one step, and tried again while the app re-renders the screen
        under the finger (a list redrawn after a sync replaces its elements)."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            try:
                if self._click_first(selector, text):
                    return
            except Exception as error:  # noqa: BLE001 (the element went away meanwhile)
                last_error = str(error)[:300]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"[{self.engine}] nothing to click after {timeout} s: {selector} {text!r}"
                    + (f" (last error: {last_error})" if last_error else "")
                )
            time.sleep(0.1)

    def fill(self, selector: str, value: str) -> None:
        self.wait_visible(selector)
        self._type(selector, value)
        self.wait(
            f"document.querySelector({json.dumps(selector)}).value === {json.dumps(value)}",
            what=f"{selector} holding {value!r}",
        )

    def wait_for_worker(self) -> None:
        """The service worker controls the page: the shell is precached, offline works."""
        self.wait("Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")

    def wait_synced(self, timeout: float = 15.0) -> None:
        """Nothing pending, and a sync has happened (the status bar says when)."""
        self.wait_attribute("#status", "data-pending", "0", timeout)
        self.wait_text("#status", "last sync", timeout)


# Finds the first visible element of a selector showing a text, scrolled to the middle of the
# screen (as a person scrolls to what they tap); the engines click what it returns.
FIND_VISIBLE = (
    "(selector, text) => { const found = [...document.querySelectorAll(selector)]"
    ".find((e) => e.getClientRects().length && e.innerText.includes(text));"
    " if (found) found.scrollIntoView({block: 'center'}); return found || null; }"
)


def _visible(selector: str) -> str:
    return (
        f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
        " return Boolean(e && e.getClientRects().length); })()"
    )


# --- Chromium: Playwright on Debian's chromium ---------------------------------------------------
class ChromiumPhone(Phone):
    engine = "chromium"

    def __init__(self, context: Any) -> None:
        self.context = context
        self.page = context.pages[0] if context.pages else context.new_page()

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def reload(self) -> None:
        self.page.reload()

    def evaluate(self, expression: str) -> Any:
        return json.loads(self.page.evaluate(f"async () => {{ {_wrap(expression)} }}"))

    def _click_first(self, selector: str, text: str) -> bool:
        handle = self.page.evaluate_handle(f"([s, t]) => ({FIND_VISIBLE})(s, t)", [selector, text])
        element = handle.as_element()
        if element is None:
            return False
        element.click(timeout=5000)
        return True

    def _type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def close(self) -> None:
        self.context.close()


def open_chromium(playwright_driver: Any, profile: Path, args: list[str]) -> ChromiumPhone:
    from tests.conftest import CHROMIUM_ARGS, FAKE_CAMERA_ARGS, _require_chromium

    context = playwright_driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=_require_chromium(),
        args=[*CHROMIUM_ARGS, *FAKE_CAMERA_ARGS, *args],
        viewport=VIEWPORT,
        timeout=START_TIMEOUT * 1000,
    )
    context.set_default_timeout(15000)
    return ChromiumPhone(context)


# --- WebKit: WebKitGTK's WebDriver through Selenium, under Xvfb ----------------------------------
class WebKitPhone(Phone):
    engine = "webkit"

    def __init__(self, driver: Any, service: Any) -> None:
        self.driver = driver
        self.service = service

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def reload(self) -> None:
        self.driver.refresh()

    def evaluate(self, expression: str) -> Any:
        script = (
            "const done = arguments[arguments.length - 1];"
            f"(async () => {{ {_wrap(expression)} }})().then("
            "(v) => done(JSON.stringify({ok: v})),"
            "(e) => done(JSON.stringify({error: String((e && e.stack) || e)})));"
        )
        answer = json.loads(self.driver.execute_async_script(script))
        if "error" in answer:
            raise RuntimeError(f"[webkit] {answer['error']}")
        return json.loads(answer["ok"])

    def _element(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def _click_first(self, selector: str, text: str) -> bool:
        element = self.driver.execute_script(
            f"return ({FIND_VISIBLE})(arguments[0], arguments[1])", selector, text
        )
        if element is None:
            return False
        element.click()
        return True

    def _type(self, selector: str, text: str) -> None:
        element = self._element(selector)
        element.clear()
        element.send_keys(text)

    def screenshot(self, path: Path) -> None:
        self.driver.get_screenshot_as_file(str(path))

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.service.stop()


class Xvfb:
    """A private X display for WebKitGTK, which has no headless mode."""

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            # -noreset: with -displayfd, the server would otherwise reset when the last client
            # (the first browser) goes away and drop the display for the next one.
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24"]
            + ["-nolisten", "tcp", "-noreset"],
            pass_fds=[write_end],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        try:
            self.display = ":" + _read_line(read_end, START_TIMEOUT, "Xvfb")
        except BaseException:
            self.close()
            raise
        finally:
            os.close(read_end)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _read_line(fd: int, timeout: float, what: str) -> str:
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
        if not ready:
            raise RuntimeError(f"{what} did not start within {timeout} s")
        chunk = os.read(fd, 64)
        if not chunk:
            raise RuntimeError(f"{what} exited before it started")
        data += chunk
    return data.decode().strip()


def open_webkit(display: str, args: list[str]) -> WebKitPhone:
    from selenium import webdriver
    from selenium.webdriver.remote.client_config import ClientConfig
    from selenium.webdriver.remote.remote_connection import RemoteConnection
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    for needed in (WEBKIT_DRIVER, Path("/usr/bin/Xvfb")):
        if not needed.exists():
            raise RuntimeError(
                f"{needed} is missing: the WebKit tests need Debian webkit2gtk-driver and xvfb "
                "(scripts/test installs them with apt)"
            )
    options = Options()
    options.binary_location = str(WEBKIT_BROWSER)
    options.set_capability("browserName", WEBKIT_BROWSER_NAME)
    # WebKitWebDriver stops adding --automation once it is given a browser or arguments, and
    # the session then hangs at its start: pass it ourselves.
    options.add_argument("--automation")
    options.add_argument("--enable-mock-capture-devices=true")
    for arg in args:
        options.add_argument(arg)
    service = Service(executable_path=str(WEBKIT_DRIVER), env={**os.environ, "DISPLAY": display})
    service.start()
    try:
        config = ClientConfig(remote_server_addr=service.service_url, timeout=int(START_TIMEOUT))
        executor = RemoteConnection(client_config=config)
        driver = webdriver.Remote(command_executor=executor, options=options)
    except BaseException:
        service.stop()
        raise
    driver.set_script_timeout(30)
    driver.set_page_load_timeout(30)
    return WebKitPhone(driver, service)


# --- Firefox: Firefox ESR over WebDriver BiDi ----------------------------------------------------
class FirefoxPhone(Phone):
    engine = "firefox"

    def __init__(self, session: BidiSession) -> None:
        self.session = session
        tree = session.command("browsingContext.getTree")
        self.context = tree["contexts"][0]["context"]
        session.command("browsingContext.setViewport", context=self.context, viewport=VIEWPORT)

    def goto(self, url: str) -> None:
        self.session.command(
            "browsingContext.navigate", context=self.context, url=url, wait="complete"
        )

    def reload(self) -> None:
        self.session.command("browsingContext.reload", context=self.context, wait="complete")

    def evaluate(self, expression: str) -> Any:
        result = self.session.command(
            "script.evaluate",
            expression=f"(async () => {{ {_wrap(expression)} }})()",
            target={"context": self.context},
            awaitPromise=True,
            resultOwnership="none",
        )
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise RuntimeError(f"[firefox] {details.get('text')}")
        return json.loads(result["result"]["value"])

    def _click_first(self, selector: str, text: str) -> bool:
        # The tap point is worked out once the page has stopped scrolling (Firefox may still
        # be finishing a scroll of its own, e.g. to the field typed in last), and only where the
        # element itself would get the tap; otherwise the finger lands where it used to be.
        point = self.session.command(
            "script.callFunction",
            functionDeclaration=f"async (s, t) => {{ const e = ({FIND_VISIBLE})(s, t);"
            " if (!e) return null; const frame = () => new Promise(requestAnimationFrame);"
            " for (let still = 0, last = -1, n = 0; still < 3 && n < 60; n += 1) {"
            " await frame(); still = scrollY === last ? still + 1 : 0; last = scrollY; }"
            " const r = e.getClientRects()[0];"
            " const x = Math.floor(Math.max(0, r.left) + Math.min(r.width, innerWidth) / 2);"
            " const y = Math.floor((Math.max(0, r.top) + Math.min(r.bottom, innerHeight)) / 2);"
            " const hit = document.elementFromPoint(x, y);"
            " const ours = hit && (hit === e || e.contains(hit) || hit.control === e);"
            " return ours ? [x, y] : null; }",
            arguments=[{"type": "string", "value": selector}, {"type": "string", "value": text}],
            target={"context": self.context},
            awaitPromise=True,
            resultOwnership="none",
        )["result"]
        if point.get("type") != "array":
            return False
        x, y = (int(item["value"]) for item in point["value"])
        pointer = [
            {"type": "pointerMove", "x": x, "y": y, "origin": "viewport"},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ]
        self._act({"type": "pointer", "id": "finger", "actions": pointer})
        return True

    def _type(self, selector: str, text: str) -> None:
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        keys: list[dict[str, str]] = []
        for char in text or "\ue003":  # nothing to type: Backspace clears the selection
            keys += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self._act({"type": "key", "id": "keyboard", "actions": keys})

    def _act(self, source: dict[str, Any]) -> None:
        self.session.command("input.performActions", context=self.context, actions=[source])
        self.session.command("input.releaseActions", context=self.context)

    def screenshot(self, path: Path) -> None:
        shot = self.session.command("browsingContext.captureScreenshot", context=self.context)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.session.close()


def open_firefox(profile: Path, prefs: dict[str, Any] | None = None) -> FirefoxPhone:
    """A Firefox phone; `prefs` adds to its profile (e.g. the browser's languages)."""
    session = BidiSession(profile, START_TIMEOUT, prefs)
    try:
        return FirefoxPhone(session)
    except BaseException:
        session.close()
        raise
