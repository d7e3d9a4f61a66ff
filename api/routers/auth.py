"""Sign-in through one of the identity providers (/auth/providers lists them; /auth/login ->
provider -> /auth/callback), refresh, sign-out, the keys that verify access tokens, and who am
I (/v1/me)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.db.repositories import Tenants
from api.deps import (
    LOGIN_COOKIE,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    AnonymousLimit,
    ContainerDep,
    CurrentUser,
    OptionalPrincipal,
    SessionDep,
    client_address,
)
from api.errors import UnauthorizedError
from api.schemas import (
    IdentityProviderPublic,
    MePublic,
    RefreshRequest,
    TenantPublic,
    TokensPublic,
)
from api.services import identity
from api.services.access import is_platform_admin, require_person
from api.services.sessions import SIGN_IN, IssuedTokens
from api.settings import Settings

router = APIRouter(tags=["auth"])


@router.get("/auth/providers", dependencies=[AnonymousLimit])
def providers(container: ContainerDep) -> list[IdentityProviderPublic]:
    """The ways to sign in, in the order a sign-in page should offer them."""
    return [IdentityProviderPublic(id=entry.id, name=entry.name) for entry in container.identity]


@router.get(
    "/auth/login",
    response_class=RedirectResponse,
    status_code=302,
    dependencies=[AnonymousLimit],
)
def login(
    container: ContainerDep,
    next: Annotated[str | None, Query(max_length=2048)] = None,
    provider: Annotated[
        str | None,
        Query(max_length=64, description="An id from /auth/providers; optional when only one"),
    ] = None,
) -> RedirectResponse:
    start = identity.start_login(container.identity, container.tokens, provider, next)
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


@router.get(
    "/auth/callback",
    response_class=RedirectResponse,
    status_code=302,
    dependencies=[AnonymousLimit],
)
def callback(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=1024)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> RedirectResponse:
    address = client_address(request)
    done = identity.finish_login(
        session,
        container.identity,
        container.tokens,
        container.user_sessions,
        container.clock,
        login_state=request.cookies.get(LOGIN_COOKIE),
        code=code,
        state=state,
        error=error,
        may_audit=lambda: container.abuse.may_audit(address),
    )
    response = RedirectResponse(done.next_path, status_code=302)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    _set_session_cookies(response, container.settings, done.tokens)
    return response


@router.post("/auth/refresh", dependencies=[AnonymousLimit])
def refresh(
    request: Request,
    response: Response,
    container: ContainerDep,
    session: SessionDep,
    body: RefreshRequest | None = None,
) -> TokensPublic:
    """A new access token and a new refresh token for a refresh token, which is then spent:
    from the `tf_refresh` cookie (browsers) or the body (scripts)."""
    presented = body.refresh_token if body is not None else request.cookies.get(REFRESH_COOKIE)
    if not presented:
        raise UnauthorizedError(
            "No refresh token was sent.", "Send the tf_refresh cookie or {\"refresh_token\"}."
        )
    issued = container.user_sessions.refresh(session, presented)
    settings = container.settings
    _set_session_cookies(response, settings, issued)
    return TokensPublic(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=settings.access_token_ttl_seconds,
    )


@router.post("/auth/logout", status_code=204, dependencies=[AnonymousLimit])
def logout(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    principal: OptionalPrincipal,
    everywhere: bool = False,
) -> Response:
    """Ends this session on the server (whichever of its tokens is sent, even an expired
    access token's refresh token), or with `everywhere=true` every session of the person."""
    user_sessions = container.user_sessions
    if everywhere:
        if principal is None:
            raise UnauthorizedError("Signing out everywhere needs a valid session.", SIGN_IN)
        user = require_person(principal)
        identity.sign_out_everywhere(session, user_sessions, container.clock, user)
    elif principal is not None and principal.session_id is not None:
        user_sessions.end(session, principal.session_id, "signed out")
    elif refresh_token := request.cookies.get(REFRESH_COOKIE):
        user_sessions.end_by_refresh_token(session, refresh_token, "signed out")
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(REFRESH_COOKIE, path="/auth")
    return response


@router.get("/.well-known/jwks.json")
def jwks(container: ContainerDep) -> dict[str, list[dict[str, Any]]]:
    """The public keys that verify access tokens (RS256), current and recently rotated."""
    return container.signing_keys.jwks()


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
        mfa_enabled=container.mfa.enabled(session, user),
        tenants=tenants,
    )


def _set_session_cookies(response: Response, settings: Settings, issued: IssuedTokens) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        issued.access_token,
        max_age=settings.access_token_ttl_seconds,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=settings.refresh_token_ttl_days * 86_400,
        path="/auth",  # only sign-in routes ever see it
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
