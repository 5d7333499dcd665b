"""The public HTML outside the app: the card page at /c/{token} (what a phone camera without the
app lands on) and the page a sign-in link answers with when it cannot sign in.

Kept beside the admin pages so every server-rendered page is in one folder. Everything
user-written is escaped with html.escape; a forged token or a deleted attendee gets the same plain
404 page, so nothing is leaked about which it was.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from server.cards import SOCIAL_NETWORKS

_HEAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta name="color-scheme" content="light dark">'
    '<link rel="icon" type="image/png" href="/icons/icon-192.png">'
    '<link rel="stylesheet" href="/css/public.css"><title>{title}</title></head><body>'
)
# Also the answer of /c/{token}.vcf (endpoints/exports.py) for a forged or withdrawn card.
CARD_NOT_FOUND = (
    _HEAD.format(title="Card not found") + '<main class="card"><h1>Card not found</h1>'
    "<p>This card link is not valid, or its owner has withdrawn it.</p></main></body></html>"
)


def photo_img(card: dict[str, Any], size: str, css: str, px: int) -> str:
    """The card's photo as an <img> (a versioned URL of this server), or "" without one."""
    photo = card.get("photo")
    if not isinstance(photo, dict) or not str(photo.get(size) or "").startswith("/photos/"):
        return ""
    name = html.escape(str(card.get("fn") or ""))
    return (
        f'<img class="{css}" src="{html.escape(str(photo[size]))}" alt="Photo of {name}" '
        f'width="{px}" height="{px}" loading="lazy" decoding="async">'
    )


def social_label(url: str) -> str:
    """A profile link as shown beside its network's name: no scheme, no trailing slash."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
    return url.removeprefix("www.").rstrip("/")


def _lines(card: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if card.get("pronouns"):
        out.append(f'<p class="pronouns">{html.escape(str(card["pronouns"]))}</p>')
    role = " · ".join(str(card[k]) for k in ("title", "org") if card.get(k))
    if role:
        out.append(f'<p class="role">{html.escape(role)}</p>')
    items: list[str] = []
    for email in card.get("emails") or []:
        e = html.escape(str(email))
        items.append(
            f'<li><a href="mailto:{html.escape(quote(str(email), safe="@"))}">{e}</a></li>'
        )
    for phone in card.get("phones") or []:
        p = html.escape(str(phone))
        tel = html.escape(quote(str(phone), safe="+"))
        items.append(f'<li><a href="tel:{tel}">{p}</a></li>')
    for url in card.get("urls") or []:
        u = str(url)
        safe = u.lower().startswith(("http://", "https://"))
        text = html.escape(u)
        items.append(
            f'<li><a href="{html.escape(u)}" rel="nofollow noopener">{text}</a></li>'
            if safe
            else f"<li>{text}</li>"
        )
    for social in card.get("socials") or []:
        url = str(social.get("url") or "")
        if not url.lower().startswith(("http://", "https://")):
            continue
        network = SOCIAL_NETWORKS.get(str(social.get("network")), "Link")
        items.append(
            f'<li><span class="network">{html.escape(network)}</span> '
            f'<a href="{html.escape(url)}" rel="nofollow noopener me">'
            f"{html.escape(social_label(url))}</a></li>"
        )
    if items:
        out.append('<ul class="contact">' + "".join(items) + "</ul>")
    if card.get("note"):
        out.append(f'<p class="note">{html.escape(str(card["note"]))}</p>')
    return out


def render_card_page(token: str, found: dict[str, Any]) -> str:
    """The public card page for a verified token (pure; every user value escaped)."""
    card = found["card"]
    name = html.escape(str(card.get("fn") or ""))
    slug = quote(str(found["event_slug"]), safe="")
    event = html.escape(str(found["event_name"]))
    tok = html.escape(token.lower())
    return (
        _HEAD.format(title=name or "Card")
        + f'<main class="card" id="card" data-token="{tok}">'
        + photo_img(card, "large", "photo", 160)
        + f"<h1>{name}</h1>"
        + "".join(_lines(card))
        + f'<p class="actions"><a class="button" href="/c/{tok}.vcf" download>'
        "Save to contacts</a></p>"
        + f'<p class="actions"><a class="button secondary" href="/join/{slug}">'
        f"Swap back: join the event</a></p>"
        + f'<p class="event">Met at {event}.</p>'
        + '<p class="status" id="app-status" role="status"></p>'
        + '</main><script type="module" src="/js/public-card.js"></script></body></html>'
    )


def signin_page(title: str, message: str) -> str:
    """The plain page a sign-in link answers with when it cannot sign in (or a HEAD asks)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · cardswap</title></head><body><main>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        '<p><a href="/">Open cardswap</a></p></main></body></html>'
    )
