"""What every webhook of the hub shares: the HMAC signature, the rule on where a webhook may
point, and the HTTP client that posts.

A webhook URL is chosen by a user, so the hub must not become their way into the hub's own
network (SSRF): a target whose host is, or resolves to, a private, loopback, link-local,
multicast or reserved address is refused when the webhook is registered and again before
every POST (DNS answers change), unless the operator allows it
(``QUORUM_WEBHOOK_ALLOW_PRIVATE=true``). Redirects are never followed.
"""

import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

WEBHOOK_TIMEOUT_S = 5.0


class UnsafeTarget(ValueError):
    """The URL points into a network the hub does not post to."""


def sign(secret: str, body: bytes) -> str:
    """``X-Quorum-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_target(url: str, *, allow_private: bool, resolve: bool = True) -> None:
    """Raise :class:`UnsafeTarget` when ``url`` may not receive webhooks.

    ``resolve`` False: only literal addresses and ``localhost`` names are checked (a name
    that does not resolve yet is checked again at delivery).
    """
    if allow_private:
        return
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeTarget("the URL has no host")
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeTarget(f"{host} is this machine")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _resolve(host) if resolve else []
    for address in addresses:
        if _refused(address):
            raise UnsafeTarget(f"{host} is a private, loopback or reserved address ({address})")


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []  # unknown now: the POST fails and is retried, and checked again then
    return [str(info[4][0]) for info in infos]


class WebhookClient:
    """POSTs to webhooks over one connection pool; the target is checked before each POST."""

    def __init__(self, *, allow_private: bool, timeout_s: float = WEBHOOK_TIMEOUT_S) -> None:
        self._allow_private = allow_private
        self._http = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The HTTP status; raises on a network error or a refused target."""
        check_target(url, allow_private=self._allow_private)
        return self._http.post(url, content=body, headers=headers).status_code

    def close(self) -> None:
        self._http.close()
