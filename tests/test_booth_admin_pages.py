"""The organizer's booth pages: the event's booths with their lead counts, creating one, the
exhibitor list upload, a booth's staff link with its QR code, the questions form, the pages in
the reader's language, and never a lead's name on any of them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ADMIN_TOKEN, Attendee

ORIGIN = {"Origin": "http://testserver"}
HTML = {"Accept": "text/html"}


def signed_in(client: TestClient) -> TestClient:
    response = client.post("/admin/signin", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    return client


def create(client: TestClient, name: str = "Acme Kilns") -> str:
    """Create a booth with the form; the booth page's path."""
    response = client.post(
        "/admin/events/devconf/booths",
        data={"name": name},
        headers={**HTML, **ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_a_booth_is_created_given_questions_and_its_staff_link(
    client: TestClient, register: Any
) -> None:
    ada: Attendee = register("Ada Lovelace")
    signed_in(client)
    empty = client.get("/admin/events/devconf/booths", headers=HTML)
    assert empty.status_code == 200 and "No booths yet" in empty.text
    path = create(client)
    page = client.get(path, headers=HTML).text
    assert "<h1>Acme Kilns</h1>" in page and "<svg" in page  # the staff link's QR code
    link = re.search(r'id="staff-url" readonly value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert link.startswith("http://testserver/booth/join/")
    assert "0 leads" in page

    form = {
        "name": "Acme Kiln Co",
        "q0_label": "Interest",
        "q0_kind": "rating",
        "q1_label": "Products",
        "q1_kind": "multi",
        "q1_options": "Kiln\r\nGlaze\r\n",
        "q2_label": "",  # an empty row is no question
        "q2_kind": "text",
    }
    saved = client.post(path, data=form, headers={**HTML, **ORIGIN}, follow_redirects=False)
    assert saved.status_code == 303
    booth_id = path.rsplit("/", 1)[1]
    booth = client.get("/api/admin/events/devconf/booths").json()["booths"][0]
    assert booth["name"] == "Acme Kiln Co"
    assert [(q["kind"], q["label"]) for q in booth["questions"]] == [
        ("rating", "Interest"),
        ("multi", "Products"),
    ]
    assert booth["questions"][1]["options"] == ["Kiln", "Glaze"]

    # The team captures a lead: the organizer's pages count it, never name it.
    joined = client.post(
        "/api/booth/staff",
        json={"token": link.rsplit("/", 1)[1], "device_id": str(uuid.uuid4())},
    ).json()
    client.cookies.delete("cardswap_staff")
    op = {"id": str(uuid.uuid4()), "type": "lead.capture", "at": "2026-03-01T09:00:00Z"}
    body = {"device_id": str(uuid.uuid4()), "ops": [{**op, "card_token": ada.card_token}]}
    headers = {"Authorization": f"Bearer {joined['token']}"}
    assert client.post("/api/sync", json=body, headers=headers).json()["acked"]
    for url in (path, "/admin/events/devconf/booths"):  # (the event page lists attendees)
        text = client.get(url, headers=HTML).text
        assert "Ada" not in text and "Lovelace" not in text, url
    assert "1 lead" in client.get(path, headers=HTML).text
    hours = client.get("/admin/events/devconf/booths", headers=HTML).text
    assert "Leads per hour, all booths (UTC)" in hours
    assert re.search(r"<tbody data-lead-hours><tr><td>\d{4}-\d\d-\d\dT\d\d:00:00Z</td>"
                     r"<td class='num'>1</td></tr></tbody>", hours)  # fmt: skip
    assert "Leads: 1" in client.get("/admin/events/devconf", headers=HTML).text
    # Keeping a question's row keeps its id, and so the answers given to it.
    kept = client.get(path, headers=HTML).text
    first_id = booth["questions"][0]["id"]
    assert f'name="q0_id" value="{first_id}"' in kept
    assert booth_id in kept


def test_refused_forms_come_back_with_the_reason(client: TestClient, event: Any) -> None:
    signed_in(client)
    path = create(client)
    again = client.post(
        "/admin/events/devconf/booths", data={"name": "acme kilns"}, headers={**HTML, **ORIGIN}
    )
    assert again.status_code == 409 and "already has a booth" in again.text
    bad = client.post(
        path,
        data={"name": "Acme", "q0_label": "Budget", "q0_kind": "choice", "q0_options": "only one"},
        headers={**HTML, **ORIGIN},
    )
    assert bad.status_code == 422 and "options must list" in bad.text
    other = client.get("/admin/events/devconf/booths/no-such-booth", headers=HTML)
    assert other.status_code == 404
    signed_out = TestClient(client.app, base_url="http://testserver")
    assert signed_out.get(path, headers=HTML).status_code == 401


def test_the_exhibitor_list_upload(client: TestClient, event: Any) -> None:
    signed_in(client)
    csv_text = b"Exhibitor\nAcme Kilns\nGlaze Works\n\nGlaze works\n"
    response = client.post(
        "/admin/events/devconf/booths-import",
        files={"file": ("exhibitors.csv", csv_text, "text/csv")},
        headers={**HTML, **ORIGIN},
    )
    assert response.status_code == 200, response.text
    assert "Created: 2 · In the list: 2 · Lines not imported: 1" in response.text
    assert "Acme Kilns" in response.text and "Glaze Works" in response.text


def test_the_booth_pages_speak_the_readers_language(client: TestClient, event: Any) -> None:
    signed_in(client)
    path = create(client)
    german = client.get(path, headers={**HTML, "Accept-Language": "de-DE,de;q=0.9"}).text
    assert "Link für das Standteam" in german and "0 Leads" in german
    japanese = client.get("/admin/events/devconf/booths", headers={**HTML, "Accept-Language": "ja"})
    assert "ブースを作成" in japanese.text
