"""Sign-in with one of the deployment's identity providers, and sign-out.

`start_login` picks the provider and returns where to send the browser and the signed
login-state cookie (the provider's id, state, nonce, PKCE verifier, where to return to);
`finish_login` checks the callback against it, lets that same provider's port exchange the
code and say who signed in, and creates or refreshes the user. The verifier sits in a signed,
HttpOnly cookie scoped to /auth for ten minutes: it only has to outlive one round trip through
the provider, and it never leaves the user's browser and our server. Because the provider id is
inside the signed state, a callback is always finished by the provider the sign-in was started
with, whatever the callback's URL says.

People are keyed by (issuer, subject): the same person signing in with Google and with GitHub
is two users, each with the e-mail (and its verification) that provider vouches for.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.auth.provider import IdentityError, IdentityProviders
from api.auth.tokens import Audience, InvalidTokenError, Tokens
from api.db.models import User
from api.db.repositories import Users
from api.errors import BadRequestError
from api.services import audit
from api.services.sessions import IssuedTokens, UserSessionService

LOGIN_TTL = timedelta(minutes=10)
RESTART = "Start again from /auth/login (and finish within ten minutes)."
NAME_LENGTH = 200  # users.name


@dataclass(frozen=True)
class LoginStart:
    redirect_to: str
    login_state: str


@dataclass(frozen=True)
class LoginDone:
    user: User
    tokens: IssuedTokens
    next_path: str


def safe_next(path: str | None) -> str:
    """Only a path on this site: `//evil.example` or a full URL would be an open redirect."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def start_login(
    providers: IdentityProviders, tokens: Tokens, provider_id: str | None, next_path: str | None
) -> LoginStart:
    entry = providers.choose(provider_id)
    login = entry.provider.begin()
    state = tokens.issue(
        Audience.LOGIN,
        {
            "provider": entry.id,
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
    providers: IdentityProviders,
    tokens: Tokens,
    user_sessions: UserSessionService,
    clock: Callable[[], datetime],
    *,
    login_state: str | None,
    code: str | None,
    state: str | None,
    error: str | None,
    may_audit: Callable[[], bool],
) -> LoginDone:
    """`may_audit` says whether a failure may still write an audit row (abuse limits)."""
    started_with: str | None = None
    try:
        pending = _check_callback(tokens, login_state, code, state, error)
        # A login cookie from before providers had ids names none: the only provider's.
        entry = providers.choose(pending.get("provider"))
        started_with = entry.id
        try:
            identity = entry.provider.complete(code or "", pending["verifier"], pending["nonce"])
        except IdentityError as exc:  # a code the provider did not issue for this sign-in
            raise IdentityError(exc.problem, exc.fix, forged=True) from exc
        identity = entry.vouched(identity)
    except (BadRequestError, IdentityError) as exc:
        if may_audit():
            details: dict[str, Any] = {"why": exc.problem}
            if started_with:
                details["provider"] = started_with
            audit.record(session, clock, actor="anonymous", action="auth.login_failed", **details)
            session.commit()
        raise
    now = clock()
    users = Users(session)
    user = users.by_identity(identity.issuer, identity.subject)
    if user is None:
        user = users.add(User(issuer=identity.issuer, subject=identity.subject, created_at=now))
    user.email, user.email_verified, user.name = (
        identity.email,
        identity.email_verified,
        identity.name[:NAME_LENGTH] if identity.name else None,
    )
    user.last_login_at = now
    session.flush()
    issued = user_sessions.start(session, user)  # audited as auth.login, committed
    return LoginDone(user, issued, str(pending.get("next") or "/"))


def _check_callback(
    tokens: Tokens, login_state: str | None, code: str | None, state: str | None, error: str | None
) -> dict[str, Any]:
    if error:
        raise IdentityError(f"The identity provider answered {error!r}.", RESTART)
    # Past the provider's own error, every failure is a callback we did not ask for: it
    # counts towards the sender's lockout.
    if not login_state:
        raise BadRequestError(
            "No sign-in is in progress in this browser (no login cookie).", RESTART, forged=True
        )
    try:
        pending = tokens.read(Audience.LOGIN, login_state)
    except InvalidTokenError as exc:
        raise BadRequestError(
            "The sign-in has expired or its cookie was altered.", RESTART, forged=True
        ) from exc
    if not code or not state:
        raise BadRequestError("The callback lacks `code` or `state`.", RESTART, forged=True)
    # Constant time: the state is what stops a forged callback (login CSRF).
    if not hmac.compare_digest(state, str(pending.get("state", ""))):
        raise BadRequestError(
            "The callback's state does not match this sign-in.", RESTART, forged=True
        )
    return pending


def sign_out_everywhere(
    session: Session, user_sessions: UserSessionService, clock: Callable[[], datetime], user: User
) -> None:
    ended = user_sessions.end_all(session, user)
    audit.record(
        session,
        clock,
        actor=f"user:{user.id} <{user.email}>",
        action="auth.sign_out_all",
        sessions=ended,
    )
    session.commit()
