"""Real image files for the photo tests, made with Pillow in the test run: a phone-sized camera
JPEG with GPS and orientation in its EXIF, a PNG with transparency, progressive, CMYK and WebP
files, decompression bombs, a truncated file and bytes that are no image."""

from __future__ import annotations

import functools
import io
import random

from PIL import ExifTags, Image, ImageDraw

RED = (220, 30, 30)
BLUE = (30, 60, 220)
GPS = {  # Lyon, as a phone writes it: degrees, minutes, seconds as rationals
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (45.0, 45.0, 28.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 50.0, 32.0),
}


def _bytes(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noisy(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A photo-like RGB picture: gradients and shapes with grain (JPEG cannot shrink it to
    nothing, as it would a flat colour)."""
    rng = random.Random(seed)
    width, height = size
    small = Image.new("RGB", (64, 48))
    small.putdata(
        [(rng.randrange(256), (x * 4) % 256, (y * 5) % 256) for y in range(48) for x in range(64)]
    )
    image = small.resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(width // 20, width // 6)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in "rgb"))
    grain = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(image, grain, 0.12)


@functools.cache
def phone_jpeg(orientation: int = 6) -> bytes:
    """A 12-megapixel (4032 x 3024) camera JPEG: its top half red and bottom half blue as stored,
    with EXIF GPS position, camera make and model, and an orientation (6: shown turned a quarter
    clockwise, so the red half is on the right)."""
    image = noisy((4032, 3024))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 4031, 1511), fill=RED)
    draw.rectangle((0, 1512, 4031, 3023), fill=BLUE)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Pocket 12"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = GPS
    return _bytes(image, "JPEG", quality=92, exif=exif.tobytes())


def transparent_png(size: int = 600) -> bytes:
    """An RGBA PNG: a blue disc on a fully transparent background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((size // 4, size // 4, 3 * size // 4, 3 * size // 4), fill=BLUE)
    return _bytes(image, "PNG")


@functools.cache
def progressive_jpeg() -> bytes:
    return _bytes(noisy((1600, 1200), seed=2), "JPEG", quality=85, progressive=True)


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG (print workflows, some Adobe exports), all red."""
    return _bytes(Image.new("RGB", (800, 800), RED).convert("CMYK"), "JPEG", quality=90)


@functools.cache
def webp() -> bytes:
    return _bytes(noisy((1000, 1000), seed=3), "WEBP", quality=80)


def small_jpeg(size: int = 96) -> bytes:
    """A small JPEG, as a contact file embeds a photo."""
    return _bytes(noisy((size, size), seed=4), "JPEG", quality=70)


@functools.cache
def bomb(side: int = 20_000) -> bytes:
    """A decompression bomb: a one-bit PNG of side x side pixels (400 million by default) that
    compresses to a few tens of KB."""
    return _bytes(Image.new("1", (side, side)), "PNG")


def truncated_jpeg() -> bytes:
    """The first half of a real JPEG: its header reads, its pixels stop."""
    data = progressive_jpeg()
    return data[: len(data) // 2]


NOT_AN_IMAGE = b"%PDF-1.4\n% this is a document, not a picture\n" * 20
