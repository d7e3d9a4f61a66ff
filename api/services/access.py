"""Who is calling and what they may do in a tenant.

`authenticate` turns a bearer credential or the session cookie into a `Principal` (a person or
an API key). `tenant_access` resolves the tenant named in the path and the caller's standing
in it (a `policy.Subject`), and asks the policy (api.auth.policy) for the permission the route
needs. A tenant the caller does not belong to answers 404, exactly like one that does not
exist, so slugs and ids cannot be probed; a permission not held answers 403, naming it and how
to get it.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from api.auth import api_keys, policy
from api.auth.policy import Permission, Subject
from api.auth.roles import Role
from api.db.models import ApiKey, Tenant, User
from api.db.repositories import ApiKeys, TenantRepository, Tenants
from api.errors import ForbiddenError, NotFoundError, UnauthorizedError
from api.services.sessions import SIGN_IN, UserSessionService

# A key's last use is written at most this often, so CI traffic does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class MfaRequiredError(UnauthorizedError):
    slug, title = "mfa-required", "Second factor required"


@dataclass(frozen=True)
class Principal:
    user: User | None = None
    api_key: ApiKey | None = None
    session_id: uuid.UUID | None = None  # a person's sign-in session
    mfa_verified: bool = False  # that session passed a second factor

    @property
    def actor(self) -> str:
        if self.user is not None:
            return f"user:{self.user.id} <{self.user.email}>"
        assert self.api_key is not None
        return f"api_key:{self.api_key.prefix} ({self.api_key.name})"


@dataclass(frozen=True)
class TenantAccess:
    tenant: Tenant
    subject: Subject
    principal: Principal
    repo: TenantRepository

    @property
    def session(self) -> Session:
        return self.repo.session

    @property
    def role(self) -> Role:
        return self.subject.role

    @property
    def permissions(self) -> frozenset[Permission]:
        return self.subject.permissions

    def demand(self, permission: Permission) -> None:
        """ForbiddenError (403) unless the caller holds `permission`: for rules that depend on
        what a request asks (granting the owner role), beyond the route's own permission."""
        denial = policy.check(self.subject, permission, self.tenant.slug)
        if denial is not None:
            raise _forbidden(denial)

    @property
    def projects(self) -> frozenset[str] | None:
        """The projects a key is limited to; None: every project of the tenant."""
        return self.subject.projects

    def sees_project(self, name: str) -> bool:
        """False for a project outside the key's project limits: the services answer 404 for
        it, like for a project that does not exist, and leave it out of lists."""
        return self.subject.sees_project(name)


def authenticate(
    session: Session,
    user_sessions: UserSessionService,
    clock: Callable[[], datetime],
    bearer: str | None,
    cookie: str | None,
    *,
    allow_pending_mfa: bool = False,
) -> Principal:
    if bearer is not None and api_keys.looks_like_key(bearer):
        return Principal(api_key=_api_key(session, clock, bearer))
    token = bearer if bearer is not None else cookie
    if not token:
        raise UnauthorizedError("No credentials were sent.", SIGN_IN)
    signed_in = user_sessions.resolve(session, token)
    if signed_in.mfa_pending and not allow_pending_mfa:
        raise MfaRequiredError(
            "This session has not passed its second factor yet.",
            "Send a code from the authenticator app to POST /auth/mfa/verify.",
        )
    return Principal(
        user=signed_in.user,
        session_id=signed_in.session_id,
        mfa_verified=signed_in.mfa_verified,
    )


def _api_key(session: Session, clock: Callable[[], datetime], plaintext: str) -> ApiKey:
    parts = api_keys.split(plaintext)
    key = ApiKeys(session).by_prefix(parts[0]) if parts else None
    if parts is None or key is None or not api_keys.matches(parts[1], key.secret_hash):
        raise UnauthorizedError(
            "The API key is not valid.", "Check the key, or create a new one.", forged=True
        )
    now = clock()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise UnauthorizedError(
            "The API key has been revoked or has expired.",
            "Ask a tenant admin for a new key (POST /v1/tenants/{tenant}/api-keys).",
        )
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.commit()
    return key


def tenant_access(
    session: Session, principal: Principal, slug: str, needed: Permission
) -> TenantAccess:
    tenant = Tenants(session).by_slug(slug)
    subject = _subject_in(session, principal, tenant) if tenant is not None else None
    if tenant is None or subject is None:
        raise NotFoundError(
            f"There is no tenant {slug!r} that you belong to.",
            "Check the slug (GET /v1/tenants lists yours), or ask an admin to add you.",
        )
    if tenant.require_mfa and principal.user is not None and not principal.mfa_verified:
        raise ForbiddenError(
            f"Tenant {slug!r} requires a second factor, and this session has not passed one.",
            "Set one up at POST /v1/me/mfa, or sign in again and verify it "
            "(POST /auth/mfa/verify).",
        )
    if tenant.suspended:
        raise ForbiddenError(
            f"Tenant {slug!r} is suspended: {tenant.suspension_reason or 'no reason given'}.",
            "Contact TestForge support to reinstate it.",
        )
    access = TenantAccess(tenant, subject, principal, TenantRepository(session, tenant.id))
    access.demand(needed)
    return access


def _subject_in(session: Session, principal: Principal, tenant: Tenant) -> Subject | None:
    """A person acts with their membership's role. A key acts for the member who created it,
    with that member's *current* role as one of its bounds (re-read on every request), and not
    at all once they have left the tenant."""
    repo = TenantRepository(session, tenant.id)
    key = principal.api_key
    if key is not None:
        if key.tenant_id != tenant.id or key.created_by is None:
            return None
        creator = repo.membership_of(key.created_by)
        if creator is None:
            return None
        return Subject.api_key(key.role, policy.known(key.scopes), creator.role, key.projects)
    assert principal.user is not None
    membership = repo.membership_of(principal.user.id)
    return Subject.person(membership.role) if membership is not None else None


def _forbidden(denial: policy.Denial) -> ForbiddenError:
    # `permission` in the body too, so scripts can tell which one to ask for.
    return ForbiddenError(
        denial.detail, denial.fix, extra={"permission": denial.permission.value}
    )


def require_person(principal: Principal) -> User:
    if principal.user is None:
        raise ForbiddenError(
            "API keys cannot do this; it needs a person signed in.",
            "Sign in at /auth/login and do it from a browser session.",
        )
    return principal.user


def is_platform_admin(user: User, admins: list[str]) -> bool:
    # Only an address the identity provider has verified can carry platform power.
    return user.email_verified and user.email.lower() in {a.lower() for a in admins}
