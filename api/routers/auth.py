"""Sign-in through the identity provider (/auth/login -> provider -> /auth/callback), sign-out,
and who am I (/v1/me)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.db.repositories import Tenants
from api.deps import LOGIN_COOKIE, SESSION_COOKIE, ContainerDep, CurrentUser, SessionDep
from api.schemas import MePublic, TenantPublic
from api.services import identity
from api.services.access import is_platform_admin

router = APIRouter(tags=["auth"])


@router.get("/auth/login", response_class=RedirectResponse, status_code=302)
def login(
    container: ContainerDep, next: Annotated[str | None, Query(max_length=2048)] = None
) -> RedirectResponse:
    start = identity.start_login(container.identity, container.tokens, next)
    response = RedirectResponse(start.redirect_to, status_code=302)
    response.set_cookie(
        LOGIN_COOKIE,
        start.login_state,
        max_age=int(identity.LOGIN_TTL.total_seconds()),
        path="/auth",
        httponly=True,
        secure=container.settings.secure_cookies,
        samesite="lax",  # it must come back on the provider's top-level redirect
    )
    return response


@router.get("/auth/callback", response_class=RedirectResponse, status_code=302)
def callback(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=1024)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> RedirectResponse:
    settings = container.settings
    done = identity.finish_login(
        session,
        container.identity,
        container.tokens,
        container.clock,
        timedelta(seconds=settings.session_ttl_seconds),
        login_state=request.cookies.get(LOGIN_COOKIE),
        code=code,
        state=state,
        error=error,
    )
    response = RedirectResponse(done.next_path, status_code=302)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    response.set_cookie(
        SESSION_COOKIE,
        done.session_token,
        max_age=settings.session_ttl_seconds,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return response


@router.post("/auth/logout", status_code=204)
def logout(
    user: CurrentUser,
    container: ContainerDep,
    session: SessionDep,
    everywhere: bool = False,
) -> Response:
    if everywhere:
        identity.sign_out_everywhere(session, container.clock, user)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/v1/me")
def me(user: CurrentUser, container: ContainerDep, session: SessionDep) -> MePublic:
    tenants = [
        TenantPublic(slug=t.slug, name=t.name, plan=t.plan, created_at=t.created_at, role=m.role)
        for t, m in Tenants(session).of_user(user.id)
    ]
    return MePublic(
        id=user.id,
        email=user.email,
        name=user.name,
        platform_admin=is_platform_admin(user, container.settings.platform_admins),
        tenants=tenants,
    )
