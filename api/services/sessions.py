"""Server-side sessions: a row per sign-in, short-lived access tokens that name it, and refresh
tokens that rotate on every use.

A refresh token is `tfr_<secret>` (256 random bits, stored as its SHA-256, like API keys).
Each refresh marks the presented token used and issues a new one; a used token that comes
back means two parties hold it, one of them a thief, so the whole session ends (and the audit
log says why). The exception is a second use within a few seconds of the first: two browser
tabs refreshing at once. That one is refused without ending anything, since the cookie the
first refresh set is already in the browser.

Signing out revokes the row; every request loads it (`resolve`), so no token outlives it.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from api.auth.api_keys import hash_secret
from api.auth.tokens import AccessTokens, InvalidTokenError
from api.db.models import RefreshToken, User, UserMfa, UserSession
from api.db.repositories import Users, UserSessions
from api.errors import UnauthorizedError
from api.services import audit

REFRESH_SCHEME = "tfr_"
SIGN_IN = "Sign in at /auth/login, or send an API key as `Authorization: Bearer tfk_...`."
REFRESH = "Refresh it at POST /auth/refresh, or sign in again at /auth/login."


@dataclass(frozen=True)
class SessionPolicy:
    access_ttl: timedelta
    refresh_ttl: timedelta
    reuse_grace: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class SignedIn:
    """Who an access token speaks for, and where their session stands on the second factor."""

    user: User
    session_id: uuid.UUID
    mfa_pending: bool  # the user has a second factor this session has not verified yet
    mfa_verified: bool


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    session_id: uuid.UUID


@dataclass(frozen=True)
class UserSessionService:
    """What the session routines need, built once by the composition root."""

    access_tokens: AccessTokens
    clock: Callable[[], datetime]
    policy: SessionPolicy

    def start(self, session: Session, user: User) -> IssuedTokens:
        """A new session for `user`, just signed in: recorded, audited and committed."""
        now = self.clock()
        mfa = session.get(UserMfa, user.id)
        row = UserSession(
            user_id=user.id,
            created_at=now,
            expires_at=now + self.policy.refresh_ttl,
            mfa_required=mfa is not None and mfa.confirmed_at is not None,
        )
        UserSessions(session).add(row)
        session.flush()
        refresh_token = self._add_refresh_token(session, row, now)
        audit.record(
            session,
            self.clock,
            actor=f"user:{user.id} <{user.email}>",
            action="auth.login",
            target=f"session:{row.id}",
        )
        session.commit()
        return self._signed(user, row, refresh_token)

    def refresh(self, session: Session, refresh_token: str) -> IssuedTokens:
        now = self.clock()
        rows = UserSessions(session)
        found = _refresh_row(rows, refresh_token)
        if found is None:
            raise UnauthorizedError("The refresh token is not valid.", SIGN_IN, forged=True)
        row = rows.by_id(found.session_id)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise UnauthorizedError("The session has ended.", SIGN_IN)
        if found.used_at is not None:
            self._reused(session, row, found, now)
        # Claimed atomically: of two concurrent refreshes with one token, exactly one wins.
        if not rows.claim(found, now):
            session.rollback()
            raise _just_used()
        user = Users(session).by_id(row.user_id)
        assert user is not None  # sessions cascade with their user
        row.expires_at = now + self.policy.refresh_ttl
        refresh_token = self._add_refresh_token(session, row, now)
        session.commit()
        return self._signed(user, row, refresh_token)

    def resolve(self, session: Session, access_token: str) -> SignedIn:
        """The signed-in user and their session, or 401."""
        try:
            claims = self.access_tokens.read(access_token)
            user_id, session_id = uuid.UUID(str(claims["sub"])), uuid.UUID(str(claims["sid"]))
        except InvalidTokenError as exc:
            if str(exc) == "expired":
                raise UnauthorizedError("The access token has expired.", REFRESH) from exc
            raise UnauthorizedError("The access token is not valid.", SIGN_IN, forged=True) from exc
        except (KeyError, ValueError) as exc:
            raise UnauthorizedError("The access token is not valid.", SIGN_IN, forged=True) from exc
        row = UserSessions(session).by_id(session_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            raise UnauthorizedError("The session has been signed out.", SIGN_IN)
        user = Users(session).by_id(user_id)
        if user is None:
            raise UnauthorizedError("The session has been signed out.", SIGN_IN)
        verified = row.mfa_verified_at is not None
        return SignedIn(user, session_id, row.mfa_required and not verified, verified)

    def end(self, session: Session, session_id: uuid.UUID, reason: str) -> None:
        row = UserSessions(session).by_id(session_id)
        if row is not None and row.revoked_at is None:
            _revoke(row, self.clock(), reason)
            session.commit()

    def end_by_refresh_token(self, session: Session, refresh_token: str, reason: str) -> None:
        found = _refresh_row(UserSessions(session), refresh_token)
        if found is not None:
            self.end(session, found.session_id, reason)

    def end_all(self, session: Session, user: User) -> int:
        """Ends every session of `user`; how many were live. The caller commits."""
        now = self.clock()
        live = UserSessions(session).live_of(user.id)
        for row in live:
            _revoke(row, now, "signed out everywhere")
        return len(live)

    def _add_refresh_token(self, session: Session, row: UserSession, now: datetime) -> str:
        secret = secrets.token_urlsafe(32)
        UserSessions(session).add(
            RefreshToken(hash=hash_secret(secret), session_id=row.id, issued_at=now)
        )
        return REFRESH_SCHEME + secret

    def _signed(self, user: User, row: UserSession, refresh_token: str) -> IssuedTokens:
        # Signed after the commit: rotating the signing key writes through a connection of
        # its own, which must not wait on this request's transaction (SQLite has one writer).
        access = self.access_tokens.issue(
            {"sub": str(user.id), "sid": str(row.id)}, self.policy.access_ttl
        )
        return IssuedTokens(access, refresh_token, row.id)

    def _reused(
        self, session: Session, row: UserSession, found: RefreshToken, now: datetime
    ) -> None:
        assert found.used_at is not None
        if now - found.used_at <= self.policy.reuse_grace:
            raise _just_used()
        _revoke(row, now, "refresh token reused")
        audit.record(
            session,
            self.clock,
            actor=f"user:{row.user_id}",
            action="auth.refresh_reused",
            target=f"session:{row.id}",
        )
        session.commit()
        raise UnauthorizedError(
            "This refresh token was used before: the session has been ended, in case it was "
            "stolen.",
            "Sign in again at /auth/login.",
        )


def _refresh_row(rows: UserSessions, refresh_token: str) -> RefreshToken | None:
    if not refresh_token.startswith(REFRESH_SCHEME) or len(refresh_token) > 100:
        return None
    return rows.refresh_token(hash_secret(refresh_token.removeprefix(REFRESH_SCHEME)))


def _revoke(row: UserSession, now: datetime, reason: str) -> None:
    row.revoked_at = now
    row.revoked_reason = reason


def _just_used() -> UnauthorizedError:
    return UnauthorizedError(
        "This refresh token has just been used.",
        "Use the one it was exchanged for (browsers already hold it).",
    )
