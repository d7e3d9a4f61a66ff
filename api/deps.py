"""FastAPI dependencies, as `Annotated` aliases so route signatures read like specs:

    def trigger(access: MemberAccess, container: ContainerDep, body: RunCreate) -> RunPublic

`SessionDep` opens one database session per request (services commit; whatever they did not
commit is rolled back when it closes). `CurrentPrincipal` authenticates; the `*Access` aliases
resolve the `{tenant}` path parameter and demand a minimum role in it.
"""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from api.auth.roles import Role
from api.bootstrap import Container
from api.db.models import User
from api.errors import ForbiddenError
from api.schemas import TENANT_SLUG
from api.services.access import (
    Principal,
    TenantAccess,
    authenticate,
    is_platform_admin,
    require_person,
    tenant_access,
)
from testforge.domain.crd import DNS_LABEL

SESSION_COOKIE = "tf_session"
LOGIN_COOKIE = "tf_login"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_session(container: ContainerDep) -> Iterator[Session]:
    with container.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(request: Request, container: ContainerDep, session: SessionDep) -> Principal:
    header = request.headers.get("Authorization")
    bearer = header[7:].strip() if header and header.lower().startswith("bearer ") else None
    return authenticate(
        session, container.tokens, container.clock, bearer, request.cookies.get(SESSION_COOKIE)
    )


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_user(principal: CurrentPrincipal) -> User:
    return require_person(principal)


CurrentUser = Annotated[User, Depends(get_user)]

TenantSlug = Annotated[str, Path(pattern=TENANT_SLUG, description="The tenant's slug")]
ProjectName = Annotated[str, Path(pattern=DNS_LABEL, max_length=50, description="Project name")]
RunName = Annotated[str, Path(pattern=DNS_LABEL, max_length=63, description="TestRun name")]


def require(role: Role) -> Callable[[TenantSlug, CurrentPrincipal, SessionDep], TenantAccess]:
    def dependency(
        tenant: TenantSlug, principal: CurrentPrincipal, session: SessionDep
    ) -> TenantAccess:
        return tenant_access(session, principal, tenant, role)

    return dependency


ViewerAccess = Annotated[TenantAccess, Depends(require(Role.VIEWER))]
MemberAccess = Annotated[TenantAccess, Depends(require(Role.MEMBER))]
AdminAccess = Annotated[TenantAccess, Depends(require(Role.ADMIN))]
OwnerAccess = Annotated[TenantAccess, Depends(require(Role.OWNER))]


def get_platform_admin(user: CurrentUser, container: ContainerDep) -> User:
    if not is_platform_admin(user, container.settings.platform_admins):
        raise ForbiddenError("This is for platform administrators.", None)
    return user


PlatformAdmin = Annotated[User, Depends(get_platform_admin)]
