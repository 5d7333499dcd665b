"""Card photos as images: an upload checked by decoding it, re-encoded as two JPEGs (Pillow).

Nothing a client sends is stored or served as sent. Pillow opens the bytes as a JPEG, PNG or WebP
(whatever the Content-Type said; no other decoder is tried), refuses more than MAX_PIXELS before
decoding a pixel (its decompression-bomb guard, set to our cap and made an error), decodes the
whole image (a truncated or damaged file fails here), turns it upright by its EXIF orientation,
flattens transparency onto white, crops the centre square and writes a large (512 px) and a small
(128 px) JPEG. The new files carry no metadata at all: EXIF, GPS position, camera serials and
comments are all left behind. A photo that is smaller than 512 px is not enlarged.

At most DECODE_SLOTS images are decoded at once (a 24-megapixel PNG needs ~100 MB while it is
decoded); the others wait their turn.
"""

from __future__ import annotations

import io
import secrets
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from server.cards import PHOTO_SIZES
from server.errors import InvalidField, NotAnImage, NotFound, TooManyPixels
from server.storage import Store
from server.storage import photos as stored_photos

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 24_000_000  # a 24-megapixel camera's full frame; the app sends 512 x 512
LARGE = 512
SMALL = 128
QUALITY = {LARGE: 85, SMALL: 80}
FORMATS = ("JPEG", "PNG", "WEBP")
UPLOAD_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
DECODE_SLOTS = 2  # the CI-sized machine has 2 cores

# Pillow's guard refuses an image past twice MAX_IMAGE_PIXELS and only warns past it; as an error,
# the warning makes our cap a hard one, checked at open() from the header alone.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
_SLOTS = threading.BoundedSemaphore(DECODE_SLOTS)


@dataclass(frozen=True)
class Encoded:
    """A photo as stored: two JPEGs, and the size of the large one (a square)."""

    small: bytes
    large: bytes
    side: int


def new_photo_id() -> str:
    """A random, URL-safe id (96 bits): a photo's URLs cannot be guessed from anything else."""
    return secrets.token_urlsafe(12)


def encode(data: bytes, field: str = "photo") -> Encoded:
    """The photo of an uploaded image: decoded, checked, upright, square, re-encoded as JPEGs.

    Raises NotAnImage or TooManyPixels (both 422, naming `field`).
    """
    with _SLOTS:
        try:
            return _encode(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooManyPixels(_too_many(), field=field) from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage("This is not a JPEG, PNG or WebP image.", field=field) from exc
        except TooManyPixels as exc:
            raise TooManyPixels(exc.message, field=field) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or damaged data
            raise NotAnImage("The image is damaged or cut short.", field=field) from exc


def _too_many() -> str:
    return f"The image has more than {MAX_PIXELS // 1_000_000} million pixels; send a smaller one."


def _encode(data: bytes) -> Encoded:
    with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
        width, height = opened.size
        if width * height > MAX_PIXELS or width < 1 or height < 1:
            raise TooManyPixels(_too_many())
        if opened.format == "JPEG":
            # Decode at the smallest DCT scale (1/2, 1/4, 1/8) that still gives >= 512 px on
            # both sides: a 12-megapixel phone photo then decodes as ~0.75 megapixels.
            opened.draft("RGB", (LARGE, LARGE))
        opened.load()
        upright = ImageOps.exif_transpose(opened)
    flat = _flat_rgb(upright)
    side = min(flat.size)
    left, top = (flat.width - side) // 2, (flat.height - side) // 2
    square = flat.crop((left, top, left + side, top + side))
    large_side = min(LARGE, side)
    large = square.resize((large_side, large_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    small_side = min(SMALL, large_side)
    small = large.resize((small_side, small_side), Image.Resampling.LANCZOS)
    return Encoded(_jpeg(small, QUALITY[SMALL]), _jpeg(large, QUALITY[LARGE]), large_side)


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels: transparency composited onto white (JPEG has none), CMYK and palettes
    converted."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """A baseline JPEG with no metadata (no EXIF, ICC profile or comment is passed on)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def try_encode(data: bytes) -> tuple[Encoded | None, str | None]:
    """`encode` for a photo found in an imported card: (photo, None), or (None, why it was
    left out); a bad photo never costs the card."""
    try:
        return encode(data), None
    except InvalidField as exc:
        return None, exc.message


def stored_image(store: Store, photo_id: str, size: str) -> bytes:
    """One size ('small' or 'large') of a stored photo; 404 for any other id or size."""
    data = None
    if size in PHOTO_SIZES and 8 <= len(photo_id) <= 64:
        data = stored_photos.image(store, photo_id, size)
    if data is None:
        raise NotFound(
            "There is no such photo (it may have been replaced).", code="photo_not_found"
        )
    return data
