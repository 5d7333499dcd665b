#!/usr/bin/python3
"""A phone-sized WebKitGTK browser window for WebKitWebDriver: no toolbar, any window size.

MiniBrowser, WebKitGTK's own test browser, keeps its window at least 447 px wide, so pages can
never be seen at a phone's 390 px. This window is only a web view, so the WebDriver window size
is the viewport. It runs on Debian's python3 (python3-gi, gir1.2-webkit2-4.1), outside the
project's virtualenv. WebKitWebDriver starts it with --automation (tests/engines.py passes it).

Each process keeps its website data (cookies, IndexedDB, caches, service workers) in a folder
of its own, removed on exit: two windows are two phones, never one shared profile."""

import shutil
import sys
import tempfile
from signal import SIGINT, SIGTERM

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

WIDTH, HEIGHT = 390, 844


def main(argv: list[str]) -> int:
    if "--automation" not in argv:
        print("webkit_phone: run by WebKitWebDriver with --automation", file=sys.stderr)
        return 2
    mock_camera = "--enable-mock-capture-devices=true" in argv
    data = tempfile.mkdtemp(prefix="cardswap-webkit-")
    manager = WebKit2.WebsiteDataManager(base_data_directory=data, base_cache_directory=data)
    context = WebKit2.WebContext(website_data_manager=manager)
    context.set_automation_allowed(True)
    settings = WebKit2.Settings()
    settings.set_enable_media_stream(True)
    settings.set_enable_mock_capture_devices(mock_camera)
    windows: list[Gtk.Window] = []

    def allow_camera(_view: WebKit2.WebView, request: WebKit2.PermissionRequest) -> bool:
        if isinstance(request, WebKit2.UserMediaPermissionRequest):
            request.allow()  # what a person does when the camera prompt appears
            return True
        return False

    def new_view(_session: WebKit2.AutomationSession) -> WebKit2.WebView:
        view = WebKit2.WebView(
            web_context=context, settings=settings, is_controlled_by_automation=True
        )
        view.connect("permission-request", allow_camera)
        window = Gtk.Window()
        view.connect("close", lambda _view: window.destroy())  # WebDriver closed the window
        window.connect("destroy", lambda _window: closed(window))
        window.set_default_size(WIDTH, HEIGHT)
        window.add(view)
        window.show_all()
        windows.append(window)
        return view

    def closed(window: Gtk.Window) -> None:
        windows.remove(window)
        if not windows:
            Gtk.main_quit()

    def automation_started(_context: WebKit2.WebContext, session: WebKit2.AutomationSession):
        info = WebKit2.ApplicationInfo()
        info.set_name("cardswap-webkit-phone")
        info.set_version(1, 0, 0)
        session.set_application_info(info)
        session.connect("create-web-view", new_view)

    context.connect("automation-started", automation_started)
    for signal in (SIGINT, SIGTERM):  # leave through `finally`, so the data folder goes
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal, Gtk.main_quit)
    try:
        Gtk.main()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
