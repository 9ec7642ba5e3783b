"""The workbench's session cookie: a user's access token held by the browser as an `HttpOnly`,
`SameSite=Strict` cookie (`Secure` where the node speaks TLS), so that no script of the page can
read it, and the CSRF token bound to it (docs/decisions/0030-workbench-session-cookie.md).

The guard (`accord.api.guard`) turns the cookie into the bearer secret of the request; a request
that changes state must also carry the CSRF token in `X-CSRF-Token`. The CSRF token is derived
from the session secret (a SHA-256 digest), so it needs no storage and dies with the session."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request, Response

__all__ = [
    "COOKIE_KEY",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "clear_session",
    "csrf_for",
    "csrf_matches",
    "set_session",
    "via_cookie",
]

SESSION_COOKIE = "accord_session"
CSRF_COOKIE = "accord_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Where the guard marks a request authenticated by the session cookie.
COOKIE_KEY = "accord.cookie"
#: The cookie carries the access token to the API only; the page itself needs none.
_SESSION_PATH = "/api/"


def csrf_for(secret: str) -> str:
    """The CSRF token of a session: not the secret, and nothing the secret can be told from."""
    return hashlib.sha256(b"accord-csrf\x00" + secret.encode("utf-8")).hexdigest()[:40]


def csrf_matches(secret: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_for(secret), sent)


def via_cookie(request: Request) -> bool:
    """Whether this request was authenticated by the session cookie (not a bearer header)."""
    return request.scope.get(COOKIE_KEY) is True


def set_session(request: Request, response: Response, session: dict[str, Any]) -> dict[str, Any]:
    """Put the session's token in the cookies and return the body without it."""
    secret = str(session["access_token"])
    secure = request.url.scheme == "https"
    max_age = int(session["expires_in"])
    common: dict[str, Any] = {"max_age": max_age, "secure": secure, "samesite": "strict"}
    response.set_cookie(SESSION_COOKIE, secret, path=_SESSION_PATH, httponly=True, **common)
    # The page reads this one to send it back in X-CSRF-Token.
    response.set_cookie(CSRF_COOKIE, csrf_for(secret), path="/", httponly=False, **common)
    return {**session, "access_token": "", "token_type": "cookie"}


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=_SESSION_PATH, samesite="strict", httponly=True)
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
