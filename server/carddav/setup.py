"""Adding the account in two taps: an Apple configuration profile (iPhone, iPad, Mac) and a
DAVx5 login link (Android), both filled in with the server, the user name and the password.

The profile is a `.mobileconfig` property list (plistlib writes it) holding one CardDAV account
payload (`com.apple.carddav.account`); it is unsigned, so iOS shows it as "Unverified" before
installing. Its identifiers are derived from the app password's id, so downloading it again
replaces the account rather than adding a second one. DAVx5 reads `davx5://user:pass@host/path`
(HTTPS) and `carddav://...` (plain HTTP) links and fills in its login screen with them.
"""

from __future__ import annotations

import plistlib
import uuid
from urllib.parse import quote, urlsplit

from server.carddav import paths
from server.i18n import Messages, messages

MEDIA_TYPE = "application/x-apple-aspen-config"
_NAMESPACE = uuid.UUID("b5a0f1f6-4a8e-5e2a-9c7e-3d1f2b6a8c40")


def carddav_url(base_url: str) -> str:
    """The one URL every client can start from (discovery finds the rest)."""
    return f"{base_url.rstrip('/')}{paths.ROOT}"


def _server(base_url: str) -> tuple[str, str, int, bool]:
    """(scheme, host, port, TLS) of BASE_URL."""
    parts = urlsplit(base_url)
    tls = parts.scheme == "https"
    return parts.scheme, parts.hostname or "localhost", parts.port or (443 if tls else 80), tls


def davx5_link(base_url: str, username: str, password: str) -> str:
    """A link that opens DAVx5's login screen filled in (an Android phone with DAVx5 installed
    opens it from the browser, or from a QR code of it)."""
    _, host, port, tls = _server(base_url)
    scheme = "davx5" if tls else "carddav"
    default = 443 if tls else 80
    netloc = host if port == default else f"{host}:{port}"
    user = f"{quote(username, safe='')}:{quote(password, safe='')}"
    return f"{scheme}://{user}@{netloc}{paths.ROOT}"


def mobileconfig(
    base_url: str,
    username: str,
    password: str,
    event_name: str,
    password_id: str,
    m: Messages | None = None,
) -> bytes:
    """The configuration profile that adds the read-only address book to Contacts (its names
    and descriptions in `m`'s language, shown by iOS when installing it)."""
    m = m or messages("en")
    _, host, port, tls = _server(base_url)
    identifier = ".".join([*reversed(host.split(".")), "cardswap", "carddav", password_id])
    account = {
        "CardDAVAccountDescription": m.t("dav.book.name", event=event_name),
        "CardDAVHostName": host,
        "CardDAVPort": port,
        "CardDAVPrincipalURL": f"{base_url.rstrip('/')}{paths.principal(username)}",
        "CardDAVUseSSL": tls,
        "CardDAVUsername": username,
        "CardDAVPassword": password,
        "PayloadDescription": m.t("dav.profile.account_description"),
        "PayloadDisplayName": m.t("dav.book.name", event=event_name),
        "PayloadIdentifier": f"{identifier}.account",
        "PayloadType": "com.apple.carddav.account",
        "PayloadUUID": str(uuid.uuid5(_NAMESPACE, f"{password_id}/account")).upper(),
        "PayloadVersion": 1,
    }
    profile = {
        "PayloadContent": [account],
        "PayloadDescription": m.t("dav.profile.description", event=event_name),
        "PayloadDisplayName": m.t("dav.profile.name", event=event_name),
        "PayloadIdentifier": identifier,
        "PayloadOrganization": "cardswap",
        "PayloadRemovalDisallowed": False,
        "PayloadType": "Configuration",
        "PayloadUUID": str(uuid.uuid5(_NAMESPACE, f"{password_id}/profile")).upper(),
        "PayloadVersion": 1,
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)
