"""Signed tokens the API issues to itself: browser sessions, OIDC login state, share links.

Sessions are short-lived JWTs (HS256, `Settings.session_ttl_seconds`, an hour by default), sent
as an HttpOnly, SameSite=Lax cookie by browsers or as `Authorization: Bearer` by scripts. Why
not an opaque id in a server-side session table? Every request loads the user and their
membership anyway (roles and suspensions must apply at once, so they are never copied into the
token), which gives a JWT the one thing a session table adds: revocation. A session carries the
user's `session_epoch`; "sign out everywhere" bumps it and every older token stops working on
its next request. What the JWT adds is standard, library-verified expiry, audience and issuer
claims, one token format for cookie and header, and no session rows to expire and sweep.
SameSite=Lax keeps the cookie off cross-site POSTs, which is the CSRF defence for the
state-changing routes; API keys never travel in cookies.

One secret signs all three kinds; each kind has its own audience, so a share token can never
pass as a session and a login-state token never as a share. Expiry is checked against the
app's clock (so tests can move time) after PyJWT has verified signature, audience and issuer;
PyJWT's own time checks are off because they read the system clock instead.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

ALGORITHM = "HS256"


class Audience(StrEnum):
    SESSION = "testforge:session"
    LOGIN = "testforge:login"
    SHARE = "testforge:share"


class InvalidTokenError(Exception):
    """Tampered, expired, or meant for another audience; the message says which, for logs."""


class Tokens:
    def __init__(self, secret: str, issuer: str, clock: Callable[[], datetime]) -> None:
        self._secret = secret
        self._issuer = issuer
        self._clock = clock

    def issue(self, audience: Audience, claims: dict[str, Any], ttl: timedelta) -> str:
        now = self._clock()
        payload = {
            **claims,
            "iss": self._issuer,
            "aud": audience.value,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def read(self, audience: Audience, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience.value,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "iss", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from exc
        if self._clock().timestamp() >= claims["exp"]:
            raise InvalidTokenError("expired")
        return claims
