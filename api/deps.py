"""FastAPI dependencies, as `Annotated` aliases so route signatures read like specs:

    def trigger(
        access: Annotated[TenantAccess, require(Permission.RUNS_TRIGGER)], body: RunCreate
    ) -> RunPublic

`SessionDep` opens one database session per request (services commit; whatever they did not
commit is rolled back when it closes). `CurrentPrincipal` authenticates; `require(permission)`
resolves the `{tenant}` path parameter and asks the policy (api.auth.policy) whether the caller
holds the permission there. Each of them spends the caller's request budget
(api.services.abuse) and says what is left in RateLimit-* headers; `AnonymousLimit` does the
same for routes without sign-in.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from sqlalchemy.orm import Session

from api.auth.policy import Permission
from api.bootstrap import Container
from api.db.models import User
from api.errors import ApiError, ForbiddenError, UnauthorizedError
from api.schemas import TENANT_SLUG
from api.services.access import (
    Principal,
    TenantAccess,
    authenticate,
    is_platform_admin,
    require_person,
    tenant_access,
)
from api.throttle import Budget
from testforge.domain.crd import DNS_LABEL

SESSION_COOKIE = "tf_session"  # the access token
REFRESH_COOKIE = "tf_refresh"  # sent to /auth only
LOGIN_COOKIE = "tf_login"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_session(container: ContainerDep) -> Iterator[Session]:
    with container.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def client_address(request: Request) -> str:
    """The caller's address: the peer's, or what a configured proxy forwarded (uvicorn's
    ProxyHeadersMiddleware, installed by api.middleware, has already rewritten it)."""
    return request.client.host if request.client else "unknown"


def guard_credentials(request: Request, container: ContainerDep) -> Iterator[None]:
    """Refuses an address locked out for failed credentials, and counts every forged
    credential this request turns out to carry, wherever it is found after this point."""
    address = client_address(request)
    container.abuse.refuse_if_locked_out(address)
    try:
        yield
    except ApiError as exc:
        if exc.forged:
            container.abuse.failed(address, exc.slug)
        raise


CredentialGuard = Annotated[None, Depends(guard_credentials)]


def publish(response: Response, budget: Budget | None) -> None:
    if budget is not None:
        response.headers.update(budget.headers)


def limit_anonymous(
    request: Request, response: Response, container: ContainerDep, _: CredentialGuard
) -> None:
    publish(response, container.abuse.anonymous(client_address(request)))


AnonymousLimit = Depends(limit_anonymous)


def get_principal(
    request: Request,
    response: Response,
    container: ContainerDep,
    session: SessionDep,
    _: CredentialGuard,
) -> Principal:
    return _principal(request, response, container, session, allow_pending_mfa=False)


def _principal(
    request: Request,
    response: Response,
    container: ContainerDep,
    session: SessionDep,
    *,
    allow_pending_mfa: bool,
) -> Principal:
    header = request.headers.get("Authorization")
    bearer = header[7:].strip() if header and header.lower().startswith("bearer ") else None
    principal = authenticate(
        session,
        container.user_sessions,
        container.clock,
        bearer,
        request.cookies.get(SESSION_COOKIE),
        allow_pending_mfa=allow_pending_mfa,
    )
    if principal.user is not None:
        publish(response, container.abuse.person(principal.user))
    return principal


def get_pending_person(
    request: Request,
    response: Response,
    container: ContainerDep,
    session: SessionDep,
    _: CredentialGuard,
) -> Principal:
    """A signed-in person whose session may still wait for its second factor: only the
    route that verifies it takes this."""
    principal = _principal(request, response, container, session, allow_pending_mfa=True)
    require_person(principal)
    return principal


PendingPerson = Annotated[Principal, Depends(get_pending_person)]


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_optional_principal(
    request: Request,
    response: Response,
    container: ContainerDep,
    session: SessionDep,
    _: CredentialGuard,
) -> Principal | None:
    """The caller if their credentials still work; None if they sent none, or expired or
    revoked ones. Forged credentials are still a 401 (and count towards a lockout)."""
    try:
        return _principal(request, response, container, session, allow_pending_mfa=True)
    except UnauthorizedError as exc:
        if exc.forged:
            raise
        return None


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


def get_user(principal: CurrentPrincipal) -> User:
    return require_person(principal)


CurrentUser = Annotated[User, Depends(get_user)]


def get_person(principal: CurrentPrincipal) -> Principal:
    require_person(principal)
    return principal


CurrentPerson = Annotated[Principal, Depends(get_person)]  # a person, with their session

TenantSlug = Annotated[str, Path(pattern=TENANT_SLUG, description="The tenant's slug")]
ProjectName = Annotated[str, Path(pattern=DNS_LABEL, max_length=50, description="Project name")]
RunName = Annotated[str, Path(pattern=DNS_LABEL, max_length=63, description="TestRun name")]


@dataclass(frozen=True)
class Requires:
    """The dependency of a route under /v1/tenants/{tenant} that needs `permission` there:
    the caller's `TenantAccess`, or 404 (not a tenant of theirs) / 403 (naming the permission
    and how to get it). A class, so the route table can be read back (tests/api/security/
    test_policy.py holds every route to the documented one)."""

    permission: Permission

    def __call__(
        self,
        tenant: TenantSlug,
        principal: CurrentPrincipal,
        session: SessionDep,
        response: Response,
        container: ContainerDep,
    ) -> TenantAccess:
        access = tenant_access(session, principal, tenant, self.permission)
        publish(response, container.abuse.tenant(access.tenant, principal.api_key))
        return access


def require(permission: Permission) -> Any:  # Any: what FastAPI's Depends is typed to return
    return Depends(Requires(permission))


def get_platform_admin(user: CurrentUser, container: ContainerDep) -> User:
    if not is_platform_admin(user, container.settings.platform_admins):
        raise ForbiddenError("This is for platform administrators.", None)
    return user


PlatformAdmin = Annotated[User, Depends(get_platform_admin)]
