"""Signed tokens the API issues to itself.

Access tokens (`AccessTokens`) are RS256 JWTs, 15 minutes by default, signed with the rotating
keys of `api.auth.signing` and published at /.well-known/jwks.json, so anyone can verify them
with the public key alone. They name the user (`sub`) and the server-side session (`sid`);
every request loads that session row, so signing out ends the session at once rather than
when the token expires, and roles and suspensions are never copied into the token. Browsers
hold the access token in an HttpOnly, SameSite=Lax cookie, scripts send it as
`Authorization: Bearer`; SameSite=Lax keeps it off cross-site POSTs, which is the CSRF
defence of the state-changing routes. Refresh tokens are opaque (api.services.sessions).

Login state and share links (`Tokens`) never leave this service's own round trips, so one
symmetric secret (HS256) signs them, with an audience per kind: a share token can never pass
as a login state. Expiry is checked against the app's clock (so tests can move time) after
PyJWT has verified signature, audience and issuer; PyJWT's own time checks are off because
they read the system clock instead.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from api.auth.signing import SigningKeys

ALGORITHM = "HS256"
ACCESS_ALGORITHM = "RS256"  # the only one accepted: no `none`, no HS256 with the public key


class Audience(StrEnum):
    ACCESS = "testforge:access"
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
        payload = _payload(claims, self._issuer, audience, self._clock(), ttl)
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
        return _unexpired(claims, self._clock())


class AccessTokens:
    def __init__(self, keys: SigningKeys, issuer: str, clock: Callable[[], datetime]) -> None:
        self._keys = keys
        self._issuer = issuer
        self._clock = clock

    def issue(self, claims: dict[str, Any], ttl: timedelta) -> str:
        key = self._keys.active()
        payload = _payload(claims, self._issuer, Audience.ACCESS, self._clock(), ttl)
        return jwt.encode(
            payload, key.private, algorithm=ACCESS_ALGORITHM, headers={"kid": key.kid}
        )

    def read(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from exc
        kid = header.get("kid")
        public = self._keys.public_key(kid) if isinstance(kid, str) and len(kid) <= 64 else None
        if public is None:
            raise InvalidTokenError("signed with a key this service does not publish")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                public,
                algorithms=[ACCESS_ALGORITHM],
                audience=Audience.ACCESS.value,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub", "sid"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from exc
        return _unexpired(claims, self._clock())


def _payload(
    claims: dict[str, Any], issuer: str, audience: Audience, now: datetime, ttl: timedelta
) -> dict[str, Any]:
    return {
        **claims,
        "iss": issuer,
        "aud": audience.value,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }


def _unexpired(claims: dict[str, Any], now: datetime) -> dict[str, Any]:
    if now.timestamp() >= claims["exp"]:
        raise InvalidTokenError("expired")
    return claims
