"""GET /api/contacts: the follow-up list with its filters, scoped to the signed-in attendee."""

from __future__ import annotations

import pytest

from tests.test_sync import delete, exchange, sync, update


@pytest.fixture
def book(client, register):
    """Ada met Bob (todo, starred, tagged), Cy (done, noted), Dee, and Eve (deleted)."""
    ada = register("Ada Lovelace")
    bob = register("Bob Babbage", org="Difference Engines", emails=["bob@engines.example"])
    cy = register("Cy Young", title="Pitcher")
    dee = register("Dee Zhao", phones=["+44 20 7946 0000"])
    eve = register("Eve Tremblay")
    sync(
        client,
        ada,
        [
            exchange(bob, 1),
            exchange(cy, 2),
            exchange(dee, 3),
            exchange(eve, 4),
            update(f"att:{bob.id}", 5, follow_up="todo", starred=True, tags=["lead", "vip"]),
            update(
                f"att:{cy.id}", 5, follow_up="done", notes="Loves BASEBALL stats", tags=["Lead"]
            ),
            delete(f"att:{eve.id}", 6),
        ],
    )
    return {"ada": ada, "bob": bob, "cy": cy, "dee": dee, "eve": eve}


def ids(client, who, **params):
    response = client.get("/api/contacts", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return {c["id"].removeprefix("att:") for c in response.json()["contacts"]}


def test_lists_every_contact_that_is_not_deleted(client, book):
    expected = {book[n].id for n in ("bob", "cy", "dee")}
    assert ids(client, book["ada"]) == expected


def test_contacts_have_the_contract_shape(client, book):
    contacts = client.get("/api/contacts", headers=book["ada"].headers).json()["contacts"]
    bob = next(c for c in contacts if c["id"] == f"att:{book['bob'].id}")
    assert bob["card"]["org"] == "Difference Engines" and bob["verified"] is True
    assert bob["tags"] == ["lead", "vip"] and bob["starred"] is True
    assert bob["follow_up"] == "todo" and bob["deleted"] is False
    assert bob["met_at"].startswith("2026-03-01T09:01:00") and bob["updated_at"]


@pytest.mark.parametrize(
    "params,names",
    [
        ({"follow_up": "todo"}, {"bob"}),
        ({"follow_up": "done"}, {"cy"}),
        ({"follow_up": "none"}, {"dee"}),
        ({"starred": "true"}, {"bob"}),
        ({"starred": "false"}, {"cy", "dee"}),
        ({"tag": "lead"}, {"bob"}),
        ({"tag": "Lead"}, {"cy"}),
        ({"tag": "nobody"}, set()),
        ({"q": "baseball"}, {"cy"}),  # notes, any case
        ({"q": "ENGINES.EXAMPLE"}, {"bob"}),  # card emails
        ({"q": "pitcher"}, {"cy"}),  # card title
        ({"q": "7946"}, {"dee"}),  # card phones
        ({"q": "zhao"}, {"dee"}),  # card name
        ({"q": "vip"}, {"bob"}),  # tags
        ({"q": "lead"}, {"bob", "cy"}),
        ({"q": "tremblay"}, set()),  # deleted contacts are never listed
        ({"follow_up": "todo", "tag": "vip", "starred": "true", "q": "bob"}, {"bob"}),
        ({"follow_up": "todo", "q": "cy"}, set()),
        ({"q": ""}, {"bob", "cy", "dee"}),
    ],
)
def test_filters(client, book, params, names):
    assert ids(client, book["ada"], **params) == {book[n].id for n in names}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"follow_up": "later"}, "follow_up"),
        ({"starred": "maybe"}, "starred"),
        ({"starred": "0"}, "starred"),  # the API documents true and false, nothing else
        ({"starred": "1"}, "starred"),
        ({"starred": "TRUE"}, "starred"),
        ({"tag": "x" * 65}, "tag"),
    ],
)
def test_bad_filter_values_are_422(client, book, params, field):
    response = client.get("/api/contacts", params=params, headers=book["ada"].headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["field"] == field


def test_each_attendee_sees_only_their_own_contacts(client, book):
    assert ids(client, book["bob"]) == {book["ada"].id}
    assert ids(client, book["eve"]) == {book["ada"].id}  # Ada deleted Eve; Eve keeps Ada


def test_without_a_session_it_is_401(client, book):
    response = client.get("/api/contacts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_card_edit_shows_in_the_list_at_once(client, book):
    new_card = {"fn": "Bob Babbage", "org": "Analytical Engines"}
    client.put("/api/me/card", json={"card": new_card}, headers=book["bob"].headers)
    assert ids(client, book["ada"], q="analytical") == {book["bob"].id}


def test_a_deleted_attendees_card_stays_as_last_captured(client, book):
    assert client.delete("/api/me", headers=book["bob"].headers).status_code == 204
    contacts = client.get("/api/contacts", headers=book["ada"].headers).json()["contacts"]
    bob = next(c for c in contacts if c["id"] == f"att:{book['bob'].id}")
    assert bob["card"]["fn"] == "Bob Babbage" and bob["card"]["org"] == "Difference Engines"
