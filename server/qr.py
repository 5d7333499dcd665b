"""QR codes as SVG (segno): card URLs go upper-case so the QR uses the denser alphanumeric mode."""

from __future__ import annotations

import io

import segno


def qr_text(url: str) -> str:
    """The text a QR should carry for `url`: upper-cased when that keeps it the same resource.

    Card and sign-in tokens are base32 (case-insensitive) and the server matches `/C/` as `/c/`;
    scheme and host are case-insensitive by definition.
    """
    return url.upper() if "/c/" in url and "?" not in url else url


def svg(
    text: str,
    *,
    scale: int = 8,
    border: int = 4,
    title: str | None = None,
    scalable: bool = False,
) -> str:
    """An SVG QR code at error correction M; `scalable` drops the fixed size (print layouts)."""
    code = segno.make(text, error="m", micro=False, boost_error=False)
    out = io.BytesIO()
    options: dict[str, object] = {"omitsize": True, "svgclass": "qr", "lineclass": None}
    code.save(
        out,
        kind="svg",
        scale=1 if scalable else scale,
        border=border,
        xmldecl=False,
        svgns=True,
        title=title,
        unit=None,
        dark="#000",
        light="#fff",
        **(options if scalable else {}),
    )
    return out.getvalue().decode("utf-8")


def version(text: str) -> int:
    """The QR version needed for `text` at error correction M."""
    return int(segno.make(text, error="m", micro=False, boost_error=False).version)
