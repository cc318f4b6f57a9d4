"""The web dashboard's session cookie and its CSRF defence (double submit, bound to the session).

A sign-in (hub.web.session) puts a session token, an ordinary API token named
"web session", in an HttpOnly cookie; the API accepts it like a bearer token, because a
browser's EventSource cannot send an Authorization header. A request that changes anything
and is authenticated by that cookie must also send :data:`CSRF_HEADER` with the value of the
non-HttpOnly :data:`CSRF_COOKIE`. That value is derived from the session token, so another
site can neither read it nor plant one that matches (SameSite=Strict is a second wall).
"""

import hashlib
import hmac

SESSION_COOKIE = "quorum_session"
CSRF_COOKIE = "quorum_csrf"
CSRF_HEADER = "X-Quorum-CSRF"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_value(session_token: str) -> str:
    """The CSRF value that goes with a session token (not the token, not reversible)."""
    return hashlib.sha256(b"quorum-csrf\0" + session_token.encode("utf-8")).hexdigest()


def csrf_matches(session_token: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_value(session_token), sent)
