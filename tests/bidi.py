"""A small WebDriver BiDi client for Debian's Firefox ESR, which speaks BiDi natively.

Debian ships no geckodriver and Playwright needs its own patched Firefox, so the tests talk to
Firefox's built-in BiDi server over one WebSocket: a command is a JSON message with an id, and
its answer is the message that carries the same id (events in between are ignored)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FIREFOX = Path("/usr/bin/firefox-esr")

# Quiet, fast, offline-friendly Firefox: no update checks, no captive-portal probe (which would
# reach out of this machine), a fake camera that needs no permission prompt.
PREFS = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "remote.prefs.recommended": True,
}


class BidiError(RuntimeError):
    """A BiDi command answered with an error, or no answer came in time."""


class BidiSession:
    """One Firefox process and its BiDi session; `command()` sends and waits for the answer."""

    def __init__(
        self, profile: Path, start_timeout: float = 30.0, prefs: dict[str, Any] | None = None
    ) -> None:
        if not FIREFOX.exists():
            raise RuntimeError(
                f"{FIREFOX} is missing: the Firefox tests need Debian firefox-esr "
                "(scripts/test installs it with apt)"
            )
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            "".join(
                f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                for k, v in {**PREFS, **(prefs or {})}.items()
            )
        )
        self.process = subprocess.Popen(
            [
                str(FIREFOX),
                "--headless",
                "--no-remote",
                "--profile",
                str(profile),
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"},
        )
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None
        self._socket: ClientConnection | None = None
        self._exits = contextlib.ExitStack()  # the socket is a context manager in websockets 17
        try:
            url = self._listening_url(start_timeout)
            # Firefox refuses a BiDi handshake that carries an Origin header: send none.
            self._socket = self._exits.enter_context(
                connect(f"{url}/session", origin=None, max_size=None, open_timeout=10)
            )
            self.command("session.new", capabilities={"alwaysMatch": {}}, timeout=start_timeout)
        except BaseException:
            self.close()
            raise

    def _listening_url(self, timeout: float) -> str:
        """Read Firefox's stderr until it names its BiDi WebSocket, within `timeout`."""
        found: list[str] = []
        stderr = self.process.stderr
        assert stderr is not None

        def read() -> None:
            with stderr:  # closed here, at Firefox's exit, not under this reader's feet
                for line in stderr:
                    match = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
                    if match:
                        found.append(match.group(1))
                        break
                for _ in stderr:  # keep draining so Firefox never blocks on a full pipe
                    pass

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not found:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Firefox did not start its BiDi server within {timeout} s")
            time.sleep(0.02)
        return found[0]

    def command(self, method: str, timeout: float = 30.0, **params: Any) -> Any:
        """Send one command and return its result; an error answer raises BidiError."""
        assert self._socket is not None
        command_id = next(self._ids)
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BidiError(f"{method}: no answer within {timeout} s")
            try:
                message = json.loads(self._socket.recv(timeout=remaining))
            except TimeoutError:
                continue
            if message.get("id") != command_id:
                continue  # an event, or the late answer of an earlier command
            if message.get("type") == "error":
                raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message["result"]

    def close(self) -> None:
        if self._socket is not None:
            try:
                self.command("session.end", timeout=5)
            except Exception:  # noqa: BLE001 (Firefox may already be gone)
                pass
            self._exits.close()
            self._socket = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=10)  # Firefox is gone: its stderr ends, the reader closes it
