"""Sign-in with the organisation's identity provider, and sign-out.

`start_login` returns where to send the browser and the signed login-state cookie (state,
nonce, PKCE verifier, where to return to); `finish_login` checks the callback against it,
lets the provider port verify the ID token, and creates or refreshes the user. The verifier
sits in a signed, HttpOnly cookie scoped to /auth for ten minutes: it only has to outlive
one round trip through the provider, and it never leaves the user's browser and our server.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.auth.oidc import IdentityError, IdentityProvider
from api.auth.tokens import Audience, InvalidTokenError, Tokens
from api.db.models import User
from api.db.repositories import Users
from api.errors import BadRequestError
from api.services import audit

LOGIN_TTL = timedelta(minutes=10)
RESTART = "Start again from /auth/login (and finish within ten minutes)."


@dataclass(frozen=True)
class LoginStart:
    redirect_to: str
    login_state: str


@dataclass(frozen=True)
class LoginDone:
    user: User
    session_token: str
    next_path: str


def safe_next(path: str | None) -> str:
    """Only a path on this site: `//evil.example` or a full URL would be an open redirect."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def start_login(provider: IdentityProvider, tokens: Tokens, next_path: str | None) -> LoginStart:
    login = provider.begin()
    state = tokens.issue(
        Audience.LOGIN,
        {
            "state": login.state,
            "nonce": login.nonce,
            "verifier": login.code_verifier,
            "next": safe_next(next_path),
        },
        LOGIN_TTL,
    )
    return LoginStart(login.url, state)


def finish_login(
    session: Session,
    provider: IdentityProvider,
    tokens: Tokens,
    clock: Callable[[], datetime],
    session_ttl: timedelta,
    *,
    login_state: str | None,
    code: str | None,
    state: str | None,
    error: str | None,
) -> LoginDone:
    try:
        pending = _check_callback(tokens, login_state, code, state, error)
        identity = provider.complete(code or "", pending["verifier"], pending["nonce"])
    except (BadRequestError, IdentityError) as exc:
        audit.record(session, clock, actor="anonymous", action="auth.login_failed", why=exc.problem)
        session.commit()
        raise
    now = clock()
    users = Users(session)
    user = users.by_identity(identity.issuer, identity.subject)
    if user is None:
        user = users.add(User(issuer=identity.issuer, subject=identity.subject, created_at=now))
        user.session_epoch = 0
    user.email, user.email_verified, user.name = (
        identity.email,
        identity.email_verified,
        identity.name,
    )
    user.last_login_at = now
    session.flush()
    audit.record(session, clock, actor=f"user:{user.id} <{user.email}>", action="auth.login")
    session.commit()
    token = tokens.issue(
        Audience.SESSION, {"sub": str(user.id), "epoch": user.session_epoch}, session_ttl
    )
    return LoginDone(user, token, str(pending.get("next") or "/"))


def _check_callback(
    tokens: Tokens, login_state: str | None, code: str | None, state: str | None, error: str | None
) -> dict[str, Any]:
    if error:
        raise IdentityError(f"The identity provider answered {error!r}.", RESTART)
    if not login_state:
        raise BadRequestError(
            "No sign-in is in progress in this browser (no login cookie).", RESTART
        )
    try:
        pending = tokens.read(Audience.LOGIN, login_state)
    except InvalidTokenError as exc:
        raise BadRequestError(
            "The sign-in has expired or its cookie was altered.", RESTART
        ) from exc
    if not code or not state:
        raise BadRequestError("The callback lacks `code` or `state`.", RESTART)
    # Constant time: the state is what stops a forged callback (login CSRF).
    if not hmac.compare_digest(state, str(pending.get("state", ""))):
        raise BadRequestError("The callback's state does not match this sign-in.", RESTART)
    return pending


def sign_out_everywhere(session: Session, clock: Callable[[], datetime], user: User) -> None:
    user.session_epoch += 1
    audit.record(session, clock, actor=f"user:{user.id} <{user.email}>", action="auth.sign_out_all")
    session.commit()
