"""A real CardDAV client, vdirsyncer (from PyPI), keeps a folder of .vcf files in sync with an
attendee's address book on a live `cardswap serve`.

It discovers the book from the base URL alone (PROPFIND `/`, the principal, the home), syncs
every card, then receives exactly the three changes made in the app (a new swap, a note edit, a
deletion, sent through the real sync API), and a third sync changes nothing. Its files are the
export's cards, byte for byte, and vobject reads each of them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import vobject

from tests.carddav_helpers import app_password, delete, exchange, join, sync, update
from tests.conftest import ADMIN, LiveServer

pytestmark = pytest.mark.slow


def _config(folder: Path, url: str, username: str, password: str) -> Path:
    config = folder / "config"
    config.write_text(
        f"""[general]
status_path = "{folder / "status"}"

[pair contacts]
a = "cardswap"
b = "phone"
collections = ["from a"]

[storage cardswap]
type = "carddav"
url = "{url}"
username = "{username}"
password = "{password}"
read_only = true

[storage phone]
type = "filesystem"
path = "{folder / "contacts"}"
fileext = ".vcf"
"""
    )
    return config


def _vdirsyncer(config: Path, *args: str, answer: str = "") -> str:
    """Run vdirsyncer as a user would; its output, after checking it succeeded."""
    command = [sys.executable, "-m", "vdirsyncer", "-c", str(config), *args]
    done = subprocess.run(
        command, input=answer, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "error" not in output.lower(), output
    return output


def _files(folder: Path) -> dict[str, tuple[str, int]]:
    """name -> (text, modification time in ns) of every card in the synced folder."""
    out = {}
    for path in sorted((folder / "contacts").rglob("*.vcf")):
        out[path.name] = (path.read_bytes().decode("utf-8"), path.stat().st_mtime_ns)
    return out


def _export(http: httpx.Client, headers: dict[str, str]) -> list[str]:
    text = http.get("/api/contacts.vcf", headers=headers).text
    return sorted(card + "END:VCARD\r\n" for card in text.split("END:VCARD\r\n") if card)


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def test_vdirsyncer_discovers_syncs_and_receives_exactly_the_apps_changes(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    event: dict[str, Any] = http.post(
        "/api/admin/events", json={"slug": "dc", "name": "DevConf"}, headers=ADMIN
    ).json()
    ada = join(http, event, "Ada Lovelace", org="Analytical Engines")
    bob = join(http, event, "Bob Byte", emails=["bob@example.org"], phones=["+44 20 7946 0000"])
    cy = join(http, event, "Cy Young", title="Pitcher")
    sync(http, ada, [exchange(bob.card_token, "Met at the keynote"), exchange(cy.card_token)])
    made = app_password(http, ada, "vdirsyncer")
    config = _config(tmp_path, live_server.url + "/", made["username"], made["password"])

    _vdirsyncer(config, "discover", "contacts", answer="y\n")
    _vdirsyncer(config, "sync")
    first = _files(tmp_path)
    assert len(first) == 2
    assert sorted(text for text, _ in first.values()) == _export(http, ada.headers)
    for text, _ in first.values():
        card = vobject.readOne(text)
        assert card.version.value == "3.0" and card.uid.value.startswith("urn:uuid:")

    dan = join(http, event, "Dan Delta", org="Delta Corp")
    sync(http, ada, [exchange(dan.card_token)])
    sync(http, ada, [update(f"att:{bob.id}", notes="Send the slides")])
    sync(http, ada, [delete(f"att:{cy.id}")])
    _vdirsyncer(config, "sync")
    second = _files(tmp_path)
    added = set(second) - set(first)
    removed = set(first) - set(second)
    edited = {n for n in set(first) & set(second) if first[n][0] != second[n][0]}
    assert (len(added), len(removed), len(edited)) == (1, 1, 1)
    assert "FN:Dan Delta" in second[added.pop()][0]
    assert "FN:Cy Young" in first[removed.pop()][0]
    assert "Send the slides" in second[edited.pop()][0]
    assert sorted(text for text, _ in second.values()) == _export(http, ada.headers)
    for text, _ in second.values():
        vobject.readOne(text)

    _vdirsyncer(config, "sync")
    assert _files(tmp_path) == second  # nothing written, not even touched
