"""Card photos (DESIGN.md section 11): PUT/DELETE /api/me/photo with real images made by Pillow in
the test, what the server keeps of them (two square JPEGs, no EXIF or GPS), the versioned URLs,
bad input refused with nothing changed, a photo change reaching the card's holders, and deleting
my data deleting my photo."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image
from starlette.testclient import TestClient

from server.app import create_app
from server.photos import MAX_PIXELS
from tests import images
from tests.conftest import ADMIN, BASE_URL, Attendee, make_settings
from tests.server_state import read_rows

JPEG = {"Content-Type": "image/jpeg"}


def put_photo(client: TestClient, who: Attendee, data: bytes, media: str = "image/jpeg") -> Any:
    return client.put("/api/me/photo", content=data, headers={**who.headers, "Content-Type": media})


def me(client: TestClient, who: Attendee) -> dict[str, Any]:
    response = client.get("/api/me", headers=who.headers)
    assert response.status_code == 200
    return dict(response.json())


def photo_rows(database: str) -> list[tuple[Any, ...]]:
    """Every stored photo row (read from the database, not through the API)."""
    return read_rows(
        database,
        "SELECT id, owner_id, card_of, length(small), length(large) FROM photos ORDER BY id",
    )


def fetch_image(client: TestClient, url: str) -> tuple[bytes, Image.Image]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return response.content, image


def sync(client: TestClient, who: Attendee, ops: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"device_id": who.device_id, "cursor": None, "ops": ops}
    response = client.post("/api/sync", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def swap(client: TestClient, owner: Attendee, other: Attendee) -> None:
    op = {"id": str(uuid.uuid4()), "type": "exchange", "method": "qr",
          "card_token": other.card_token, "at": "2026-05-01T10:00:00+00:00"}  # fmt: skip
    assert sync(client, owner, [op])["acked"] == [op["id"]]


def held_card(client: TestClient, owner: Attendee, other: Attendee) -> dict[str, Any]:
    """The card `owner` holds of `other`, as their next sync brings it."""
    changes = sync(client, owner, [])["changes"]
    return dict({c["id"]: c for c in changes}[f"att:{other.id}"]["card"])


# -- what is kept of an upload -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "media"),
    [
        ("phone JPEG with GPS", images.phone_jpeg(), "image/jpeg"),
        ("PNG with transparency", images.transparent_png(), "image/png"),
        ("progressive JPEG", images.progressive_jpeg(), "image/jpeg"),
        ("CMYK JPEG", images.cmyk_jpeg(), "image/jpeg"),
        ("WebP", images.webp(), "image/webp"),
        ("a JPEG sent as image/png", images.progressive_jpeg(), "image/png"),
    ],
)
def test_each_kind_of_image_becomes_two_square_jpegs_without_metadata(
    client: TestClient, register: Callable[..., Attendee], name: str, data: bytes, media: str
) -> None:
    ada = register("Ada Lovelace")
    response = put_photo(client, ada, data, media)
    assert response.status_code == 200, (name, response.text)
    photo = response.json()["attendee"]["card"]["photo"]
    assert set(photo) == {"small", "large"}
    for size, most in (("small", 128), ("large", 512)):
        raw, image = fetch_image(client, photo[size])
        assert image.format == "JPEG" and image.mode == "RGB", name
        assert image.width == image.height <= most, (name, image.size)
        assert not image.getexif(), name  # no EXIF at all: no GPS, camera, orientation
        assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"ICC_PROFILE" not in raw
    assert fetch_image(client, photo["large"])[1].width == 512  # every source here is larger


def test_the_phone_photo_is_turned_upright_and_cropped_to_its_centre(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    # Stored landscape, top half red; EXIF orientation 6 shows it turned a quarter clockwise:
    # portrait, the red half on the right. The square is cut from the middle of that.
    ada = register("Ada Lovelace")
    sent = images.phone_jpeg(orientation=6)
    exif = Image.open(io.BytesIO(sent)).getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) and exif[ExifTags.Base.Orientation] == 6
    photo = put_photo(client, ada, sent).json()["attendee"]["card"]
    _, large = fetch_image(client, photo["photo"]["large"])
    left, right = large.getpixel((40, 256)), large.getpixel((472, 256))
    assert _near(left, images.BLUE) and _near(right, images.RED), (left, right)


def _near(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_transparency_becomes_white_and_cmyk_keeps_its_colour(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    png = put_photo(client, ada, images.transparent_png(), "image/png").json()
    _, image = fetch_image(client, png["attendee"]["card"]["photo"]["large"])
    assert _near(image.getpixel((5, 5)), (255, 255, 255), 8)  # was fully transparent
    assert _near(image.getpixel((256, 256)), images.BLUE)
    cmyk = put_photo(client, ada, images.cmyk_jpeg()).json()
    _, image = fetch_image(client, cmyk["attendee"]["card"]["photo"]["large"])
    assert _near(image.getpixel((256, 256)), images.RED, 50)


def test_a_small_picture_is_not_enlarged(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    photo = put_photo(client, ada, images.small_jpeg(96)).json()["attendee"]["card"]["photo"]
    assert fetch_image(client, photo["large"])[1].size == (96, 96)
    assert fetch_image(client, photo["small"])[1].size == (96, 96)


# -- versioned, immutable URLs ------------------------------------------------------------------
def test_photo_urls_are_versioned_and_cacheable_for_ever(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada = register("Ada Lovelace")
    first = put_photo(client, ada, images.webp(), "image/webp").json()
    old = first["attendee"]["card"]["photo"]
    response = client.get(old["small"])
    assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    etag = response.headers["etag"]
    assert client.get(old["small"], headers={"If-None-Match": etag}).status_code == 304
    second = put_photo(client, ada, images.progressive_jpeg()).json()
    new = second["attendee"]["card"]["photo"]
    assert new["small"] != old["small"] and new["large"] != old["large"]
    for url in old.values():
        gone = client.get(url)
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "photo_not_found"
    assert len(photo_rows(database)) == 1  # the card's one photo, replaced
    assert second["card_url"] != first["card_url"]  # a new card version, like any card change
    assert client.get("/photos/nosuchphoto1/small.jpg").status_code == 404
    assert client.get(new["small"].replace("small", "medium")).status_code == 404


def test_deleting_the_photo(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada = register("Ada Lovelace")
    before = me(client, ada)
    unchanged = client.delete("/api/me/photo", headers=ada.headers)
    assert unchanged.status_code == 200 and unchanged.json() == before  # nothing to remove
    photo = put_photo(client, ada, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    response = client.delete("/api/me/photo", headers=ada.headers)
    assert response.status_code == 200
    assert response.json()["attendee"]["card"]["photo"] is None
    assert client.get(photo["large"]).status_code == 404
    assert photo_rows(database) == []


def test_a_card_edit_keeps_the_photo_it_does_not_mention(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada = register("Ada Lovelace")
    photo = put_photo(client, ada, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    edited = client.put("/api/me/card", json={"card": {"fn": "Ada King"}}, headers=ada.headers)
    assert edited.status_code == 200 and edited.json()["attendee"]["card"]["photo"] == photo
    echoed = {"fn": "Ada King", "photo": photo}  # sent back as the server gave it
    again = client.put("/api/me/card", json={"card": echoed}, headers=ada.headers)
    assert again.status_code == 200 and again.json()["attendee"]["card"]["photo"] == photo
    nulled = client.put(
        "/api/me/card", json={"card": {"fn": "Ada", "photo": None}}, headers=ada.headers
    )
    assert nulled.json()["attendee"]["card"]["photo"] == photo  # null is "not sent"


# -- bad input: a clear 4xx, nothing changed -----------------------------------------------------
BAD_UPLOADS = [
    ("not an image", images.NOT_AN_IMAGE, "image/jpeg", 422, "not_an_image"),
    ("truncated JPEG", images.truncated_jpeg(), "image/jpeg", 422, "not_an_image"),
    ("empty body", b"", "image/png", 422, "not_an_image"),
    ("bomb: 400 megapixels in 48 KB", images.bomb(20_000), "image/png", 422, "too_many_pixels"),
    ("bomb: just past the cap", images.bomb(5_500), "image/png", 422, "too_many_pixels"),
    ("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/jpeg", 422, "not_an_image"),
    ("10 MB", b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "image/jpeg", 413, "too_large"),
    ("wrong content type", images.webp(), "text/plain", 415, "unsupported_media_type"),
    ("JSON instead", b'{"photo": "x"}', "application/json", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(
    ("name", "data", "media", "status", "code"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS]
)
def test_bad_uploads_are_refused_with_the_error_shape_and_change_nothing(
    client: TestClient,
    register: Callable[..., Attendee],
    database: str,
    name: str,
    data: bytes,
    media: str,
    status: int,
    code: str,
) -> None:
    ada = register("Ada Lovelace")
    put_photo(client, ada, images.small_jpeg())
    before, rows = me(client, ada), photo_rows(database)
    response = put_photo(client, ada, data, media)
    assert response.status_code == status, (name, response.text)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    error = response.json()["error"]
    assert error["code"] == code and error["message"], name
    assert me(client, ada) == before and photo_rows(database) == rows, name


def test_the_pixel_cap_is_pillows_guard_at_our_limit() -> None:
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    assert 5_500 * 5_500 > MAX_PIXELS > 4_032 * 3_024


def test_a_photo_needs_a_session_and_a_same_origin_cookie(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada = register("Ada Lovelace")
    response = client.put("/api/me/photo", content=images.small_jpeg(), headers=JPEG)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    client.cookies.set("cardswap_session", ada.token)
    try:
        forged = client.put(
            "/api/me/photo",
            content=images.small_jpeg(),
            headers={**JPEG, "Origin": "https://evil.example"},
        )
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_origin"
        removal = client.delete("/api/me/photo", headers={"Origin": "https://evil.example"})
        assert removal.status_code == 403
        own = client.put(
            "/api/me/photo", content=images.small_jpeg(), headers={**JPEG, "Origin": BASE_URL}
        )
        assert own.status_code == 200
    finally:
        client.cookies.clear()
    assert len(photo_rows(database)) == 1


def test_no_one_can_show_someone_elses_photo(
    client: TestClient,
    register: Callable[..., Attendee],
    database: str,
    event: dict[str, Any],
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    bobs = put_photo(client, bob, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    before = me(client, ada)
    claimed = client.put(
        "/api/me/card", json={"card": {"fn": "Ada", "photo": bobs}}, headers=ada.headers
    )
    assert claimed.status_code == 422 and claimed.json()["error"]["field"] == "card.photo"
    assert me(client, ada) == before
    # There is no address for another attendee's photo: only /api/me/photo, which is one's own.
    for method in ("PUT", "DELETE"):
        other = client.request(
            method, f"/api/attendees/{bob.id}/photo", content=b"x", headers=ada.headers
        )
        assert other.status_code in (404, 405) and "error" in other.json()
    # Nor can a contact's photo be set through sync.
    swap(client, ada, bob)
    op = {"id": str(uuid.uuid4()), "type": "contact.update", "contact_id": f"att:{bob.id}",
          "set": {"photo": bobs}, "at": "2026-05-01T11:00:00+00:00"}  # fmt: skip
    rejected = sync(client, ada, [op])["rejected"]
    assert [r["code"] for r in rejected] == ["invalid_field"]
    # Registering with a photo claims one too.
    joining = {"join_code": event["join_code"], "card": {"fn": "Cy", "photo": bobs},
               "device_id": str(uuid.uuid4())}  # fmt: skip
    refused = client.post(f"/api/events/{event['slug']}/attendees", json=joining)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "card.photo"
    assert [r[1:3] for r in photo_rows(database)] == [(bob.id, "")]  # Bob's own, nothing else


# -- a photo change reaches every holder; deleting my data deletes my photo -----------------------
def test_a_new_photo_reaches_the_cards_holders_and_so_does_its_removal(
    client: TestClient, register: Callable[..., Attendee]
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    swap(client, ada, bob)
    assert held_card(client, ada, bob)["photo"] is None
    photo = put_photo(client, bob, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    assert held_card(client, ada, bob)["photo"] == photo
    listed = client.get("/api/contacts", headers=ada.headers).json()["contacts"]
    assert listed[0]["card"]["photo"] == photo
    client.delete("/api/me/photo", headers=bob.headers)
    assert held_card(client, ada, bob)["photo"] is None


def test_deleting_my_data_deletes_my_photo_and_holders_learn_it_is_gone(
    client: TestClient, register: Callable[..., Attendee], database: str
) -> None:
    ada, bob = register("Ada Lovelace"), register("Bob Byte")
    swap(client, ada, bob)
    photo = put_photo(client, bob, images.webp(), "image/webp").json()["attendee"]["card"]["photo"]
    assert held_card(client, ada, bob)["photo"] == photo
    assert client.delete("/api/me", headers=bob.headers).status_code == 204
    assert photo_rows(database) == []
    assert client.get(photo["small"]).status_code == 404
    kept = held_card(client, ada, bob)  # the last card, as captured, without the photo
    assert kept["fn"] == "Bob Byte" and kept["photo"] is None


def test_uploads_are_rate_limited_per_attendee(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "limited.db", photo_rate_per_minute=2))
    with TestClient(app, base_url=BASE_URL) as client:
        event = client.post("/api/admin/events", json={"slug": "e", "name": "E"}, headers=ADMIN)
        body = {"join_code": event.json()["join_code"], "card": {"fn": "Ada"},
                "device_id": str(uuid.uuid4())}  # fmt: skip
        token = client.post("/api/events/e/attendees", json=body).json()["token"]
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}", **JPEG}
        for _ in range(2):
            assert client.put(
                "/api/me/photo", content=images.small_jpeg(), headers=headers
            ).is_success
        before = client.get("/api/me", headers=headers).json()
        refused = client.put("/api/me/photo", content=images.small_jpeg(), headers=headers)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "rate_limited"
        assert client.get("/api/me", headers=headers).json() == before
