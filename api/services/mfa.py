"""Multi-factor authentication with TOTP: enrol, confirm, verify at sign-in, disable.

Enrolling stores an unconfirmed seed and returns it (and its otpauth:// URI) once; the first
valid code confirms it, marks the current session verified and returns ten recovery codes,
shown once. From then on every sign-in starts a session that can only verify a code (or
spend a recovery code) or sign out. Wrong codes count towards the sender's lockout like any
forged credential, so six digits cannot be brute-forced. Disabling needs a current code: a
stolen session alone cannot strip the second factor.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api.auth import totp
from api.auth.sealing import Sealer
from api.db.models import User, UserMfa, UserSession
from api.db.repositories import UserSessions
from api.errors import ConflictError, ForbiddenError, NotFoundError, UnauthorizedError
from api.services import audit
from api.services.access import TenantAccess

WRONG_CODE = "Enter the current code from the authenticator app, or an unused recovery code."


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


@dataclass(frozen=True)
class MultiFactor:
    sealer: Sealer
    clock: Callable[[], datetime]

    def enrol(self, session: Session, user: User) -> Enrolment:
        found = session.get(UserMfa, user.id)
        if found is not None and found.confirmed_at is not None:
            raise ConflictError(
                "A second factor is already set up.",
                "Disable it first (DELETE /v1/me/mfa with a current code) to enrol another.",
            )
        secret = totp.new_secret()
        if found is not None:
            session.delete(found)
            session.flush()
        session.add(
            UserMfa(
                user_id=user.id,
                secret=self.sealer.seal(secret.encode()),
                created_at=self.clock(),
                recovery_codes=[],
            )
        )
        session.commit()
        return Enrolment(secret, totp.provisioning_uri(secret, user.email))

    def confirm(
        self, session: Session, user: User, session_id: uuid.UUID | None, code: str
    ) -> list[str]:
        """Turns the enrolment on with its first code; the recovery codes, shown once."""
        found = session.get(UserMfa, user.id)
        if found is None or found.confirmed_at is not None:
            raise NotFoundError(
                "There is no enrolment waiting for a code.", "Start one at POST /v1/me/mfa."
            )
        self._check_code(found, code, recovery=False)
        now = self.clock()
        codes = totp.new_recovery_codes()
        found.confirmed_at = now
        found.recovery_codes = [totp.recovery_hash(c) for c in codes]
        self._mark_verified(session, session_id, now)
        audit.record(session, self.clock, actor=_actor(user), action="auth.mfa_enabled")
        session.commit()
        return codes

    def verify(self, session: Session, user: User, session_id: uuid.UUID, code: str) -> None:
        """The second step of a sign-in: a current code or an unused recovery code."""
        found = _confirmed(session, user)
        used_recovery = self._check_code(found, code, recovery=True)
        now = self.clock()
        self._mark_verified(session, session_id, now)
        audit.record(
            session,
            self.clock,
            actor=_actor(user),
            action="auth.mfa_verified",
            target=f"session:{session_id}",
            used_recovery_code=used_recovery,
            recovery_codes_left=len(found.recovery_codes),
        )
        session.commit()

    def disable(self, session: Session, user: User, code: str) -> None:
        found = _confirmed(session, user)
        self._check_code(found, code, recovery=True)
        session.delete(found)
        audit.record(session, self.clock, actor=_actor(user), action="auth.mfa_disabled")
        session.commit()

    def enabled(self, session: Session, user: User) -> bool:
        found = session.get(UserMfa, user.id)
        return found is not None and found.confirmed_at is not None

    def _check_code(self, found: UserMfa, code: str, *, recovery: bool) -> bool:
        """Accepts the code (spending it); True if it was a recovery code. 401 otherwise."""
        secret = self.sealer.open(found.secret).decode()
        step = totp.accepted_step(secret, code.strip(), self.clock(), found.last_step)
        if step is not None:
            found.last_step = step
            return False
        hashed = totp.recovery_hash(code)
        if recovery and hashed in found.recovery_codes:
            found.recovery_codes = [h for h in found.recovery_codes if h != hashed]
            return True
        raise UnauthorizedError("The code is not valid.", WRONG_CODE, forged=True)

    def _mark_verified(self, session: Session, session_id: uuid.UUID | None, now: datetime) -> None:
        row: UserSession | None = (
            UserSessions(session).by_id(session_id) if session_id is not None else None
        )
        if row is not None:
            row.mfa_required = True
            row.mfa_verified_at = now


def _confirmed(session: Session, user: User) -> UserMfa:
    found = session.get(UserMfa, user.id)
    if found is None or found.confirmed_at is None:
        raise NotFoundError("No second factor is set up.", "Enrol one at POST /v1/me/mfa.")
    return found


def _actor(user: User) -> str:
    return f"user:{user.id} <{user.email}>"


def set_tenant_policy(
    access: TenantAccess, clock: Callable[[], datetime], required: bool
) -> None:
    """Owners turn the requirement on from a session that has passed a second factor, so
    they cannot lock themselves out."""
    if required and not access.principal.mfa_verified:
        raise ForbiddenError(
            "Requiring a second factor needs a session that has passed one.",
            "Set one up at POST /v1/me/mfa (or sign in again and verify it), then retry.",
        )
    if access.tenant.require_mfa != required:
        access.tenant.require_mfa = required
        audit.record(
            access.session,
            clock,
            actor=access.principal.actor,
            action="tenant.mfa_policy",
            tenant_id=access.tenant.id,
            required=required,
        )
        access.session.commit()
