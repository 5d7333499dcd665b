"""Draw the app's PNG icons (192, 512, maskable 512, Apple touch 180) with Pillow.

Run after changing the design: `.venv/bin/python scripts/make_icons.py`; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "web" / "icons"
BLUE = (29, 78, 216, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int, *, safe: float) -> Image.Image:
    """Two overlapping cards on blue; `safe` is the fraction of the icon the art may use."""
    img = Image.new("RGBA", (size, size), BLUE)
    d = ImageDraw.Draw(img)
    art = size * safe
    off = (size - art) / 2
    w, h = art * 0.62, art * 0.40
    r = art * 0.05
    for i, shade in enumerate([(191, 219, 254, 255), WHITE]):
        x = off + art * (0.08 + 0.22 * i)
        y = off + art * (0.18 + 0.24 * i)
        d.rounded_rectangle([x, y, x + w, y + h], radius=r, fill=shade)
    x, y = off + art * 0.30, off + art * 0.42
    d.ellipse([x + w * 0.08, y + h * 0.2, x + w * 0.3, y + h * 0.55], fill=BLUE)
    for k in range(3):
        ly = y + h * (0.25 + 0.2 * k)
        d.rounded_rectangle([x + w * 0.4, ly, x + w * 0.9, ly + h * 0.08], radius=2, fill=BLUE)
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, safe=0.9).save(OUT / "icon-192.png", optimize=True)
    draw(512, safe=0.9).save(OUT / "icon-512.png", optimize=True)
    draw(512, safe=0.72).save(OUT / "maskable-512.png", optimize=True)
    draw(180, safe=0.8).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
