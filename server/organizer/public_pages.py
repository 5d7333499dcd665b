"""The public HTML outside the app: the card page at /c/{token} (what a phone camera without the
app lands on) and the page a sign-in link answers with when it cannot sign in.

Kept beside the admin pages so every server-rendered page is in one folder. Everything
user-written is escaped with html.escape; a forged token or a deleted attendee gets the same plain
404 page, so nothing is leaked about which it was. Every word comes from the catalogues
(server/i18n) in the page's language (`m`); emails, phone numbers and links stay left to right
inside a right-to-left page.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from server.cards import SOCIAL_NETWORKS
from server.i18n import Html, Messages


def _head(m: Messages, title: str) -> str:
    return (
        f'<!doctype html><html lang="{m.lang}" dir="{m.dir}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<link rel="icon" type="image/png" href="/icons/icon-192.png">'
        f'<link rel="stylesheet" href="/css/public.css"><title>{html.escape(title)}</title>'
        "</head><body>"
    )


def bdi(value: object) -> Html:
    """A user value isolated from the text around it (a Latin name in an Arabic sentence)."""
    return Html(f"<bdi>{html.escape(str(value))}</bdi>")


def card_not_found(m: Messages) -> str:
    """The 404 page of a forged or withdrawn card (also the answer of /c/{token}.vcf)."""
    return (
        _head(m, m.t("public.not_found.title"))
        + f'<main class="card"><h1>{m.html("public.not_found.title")}</h1>'
        f"<p>{m.html('public.not_found.text')}</p></main></body></html>"
    )


def photo_img(card: dict[str, Any], size: str, css: str, px: int, m: Messages) -> str:
    """The card's photo as an <img> (a versioned URL of this server), or "" without one."""
    photo = card.get("photo")
    if not isinstance(photo, dict) or not str(photo.get(size) or "").startswith("/photos/"):
        return ""
    alt = html.escape(m.t("public.card.photo_alt", name=str(card.get("fn") or "")))
    return (
        f'<img class="{css}" src="{html.escape(str(photo[size]))}" alt="{alt}" '
        f'width="{px}" height="{px}" loading="lazy" decoding="async">'
    )


def reading_text(card: dict[str, Any]) -> str:
    """How the card's name is read (`reading`), in the order the name is written: family first
    when the full name starts with it (Japanese, Chinese), else given first; "" without one."""
    reading = card.get("reading")
    if not isinstance(reading, dict):
        return ""
    family, given = str(reading.get("family") or ""), str(reading.get("given") or "")
    family_first = str(card.get("fn") or "").startswith(str(card.get("family") or "\0"))
    parts = [family, given] if family_first else [given, family]
    return " ".join(p for p in parts if p)


def social_label(url: str) -> str:
    """A profile link as shown beside its network's name: no scheme, no trailing slash."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
    return url.removeprefix("www.").rstrip("/")


def _lines(card: dict[str, Any], m: Messages) -> list[str]:
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
            f'<li><a href="mailto:{html.escape(quote(str(email), safe="@"))}" dir="ltr">'
            f"{e}</a></li>"
        )
    for phone in card.get("phones") or []:
        p = html.escape(str(phone))
        tel = html.escape(quote(str(phone), safe="+"))
        items.append(f'<li><a href="tel:{tel}" dir="ltr">{p}</a></li>')
    for url in card.get("urls") or []:
        u = str(url)
        safe = u.lower().startswith(("http://", "https://"))
        text = html.escape(u)
        items.append(
            f'<li><a href="{html.escape(u)}" rel="nofollow noopener" dir="ltr">{text}</a></li>'
            if safe
            else f'<li><bdi dir="ltr">{text}</bdi></li>'
        )
    for social in card.get("socials") or []:
        url = str(social.get("url") or "")
        if not url.lower().startswith(("http://", "https://")):
            continue
        network = social_network(str(social.get("network")), m)
        items.append(
            f'<li><span class="network">{html.escape(network)}</span> '
            f'<a href="{html.escape(url)}" rel="nofollow noopener me" dir="ltr">'
            f"{html.escape(social_label(url))}</a></li>"
        )
    if items:
        out.append('<ul class="contact">' + "".join(items) + "</ul>")
    if card.get("note"):
        out.append(f'<p class="note">{html.escape(str(card["note"]))}</p>')
    return out


def social_network(key: str, m: Messages) -> str:
    """A profile's network as shown beside it: its brand name, or "Link" in the page's language."""
    if key in SOCIAL_NETWORKS and key != "other":
        return SOCIAL_NETWORKS[key]
    return m.t("public.card.network_other")


def render_card_page(token: str, found: dict[str, Any], m: Messages) -> str:
    """The public card page for a verified token (pure; every user value escaped)."""
    card = found["card"]
    fn = str(card.get("fn") or "")
    slug = quote(str(found["event_slug"]), safe="")
    tok = html.escape(token.lower())
    return (
        _head(m, fn or m.t("public.card.title"))
        + f'<main class="card" id="card" data-token="{tok}">'
        + photo_img(card, "large", "photo", 160, m)
        + f"<h1>{html.escape(fn)}</h1>"
        + (f'<p class="reading">{html.escape(said)}</p>' if (said := reading_text(card)) else "")
        + "".join(_lines(card, m))
        + f'<p class="actions"><a class="button" href="/c/{tok}.vcf" download>'
        f"{m.html('public.card.save')}</a></p>"
        + f'<p class="actions"><a class="button secondary" href="/join/{slug}">'
        f"{m.html('public.card.join')}</a></p>"
        + f'<p class="event">{m.html("public.card.met_at", event=bdi(found["event_name"]))}</p>'
        + '<p class="status" id="app-status" role="status"></p>'
        + '</main><script type="module" src="/js/public-card.js"></script></body></html>'
    )


def signin_page(m: Messages, title: str, message: str) -> str:
    """The plain page a sign-in link answers with when it cannot sign in (or a HEAD asks):
    `title` and `message` are texts of the catalogue, in the page's language."""
    return (
        f'<!doctype html><html lang="{m.lang}" dir="{m.dir}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<link rel="stylesheet" href="/css/public.css">'
        f"<title>{html.escape(title)} · cardswap</title></head><body>"
        f'<main class="card"><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>'
        f'<p><a href="/">{m.html("public.signin.open_app")}</a></p></main></body></html>'
    )
