"""Photo endpoints: `PUT`/`DELETE /api/me/photo` and the photos themselves at versioned URLs.

Thin handlers: the session says whose card; server.attendees re-encodes (server.photos) and
stores. A photo URL names a photo id that changes with every new photo, so its bytes never
change: browsers and the app's service worker may keep them for a year without asking again.
They are `private`: a shared cache must not keep a photo its owner may delete.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import attendees, photos
from server.errors import NotAnImage, UnsupportedMediaType
from server.http import JSON, ctx, media_type, read_body, session

IMMUTABLE = "private, max-age=31536000, immutable"


async def put_photo(request: Request) -> Response:
    """`PUT /api/me/photo` (image/jpeg, image/png or image/webp, <= 2 MiB) → the `/api/me` shape."""
    who = session(request)
    if media_type(request) not in photos.UPLOAD_TYPES:
        raise UnsupportedMediaType("Send the photo as image/jpeg, image/png or image/webp.")
    body = await read_body(request, photos.MAX_UPLOAD_BYTES)
    if not body:
        raise NotAnImage("The request body is empty: send the image.", field="photo")
    context = ctx(request)
    context.photo_limiter.hit(who.attendee_id)
    data = await run_in_threadpool(attendees.set_photo, context, who.attendee_id, body)
    return JSON(data)


def delete_photo(request: Request) -> Response:
    """`DELETE /api/me/photo` → the `/api/me` shape, the card without a photo."""
    return JSON(attendees.remove_photo(ctx(request), session(request).attendee_id))


def photo_file(request: Request) -> Response:
    """`GET /photos/{photo_id}/{size}.jpg`: one size of a stored photo (404 once replaced)."""
    photo_id, size = request.path_params["photo_id"], request.path_params["size"]
    data = photos.stored_image(ctx(request).store, photo_id, size)
    etag = f'"{photo_id}-{size}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)


routes: list[BaseRoute] = [
    Route("/api/me/photo", put_photo, methods=["PUT"]),
    Route("/api/me/photo", delete_photo, methods=["DELETE"]),
    Route("/photos/{photo_id}/{size}.jpg", photo_file, methods=["GET"]),
]
