"""Share links to a run's summary: created and revoked by members of the tenant, read by anyone
holding the link (GET /v1/shared/{token}, no sign-in)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path

from api.auth.policy import Permission
from api.deps import AnonymousLimit, ContainerDep, RunName, SessionDep, require
from api.problems import problem_responses
from api.schemas import ShareCreate, ShareCreated, SharedRunPublic, SharePublic
from api.services import shares
from api.services.access import TenantAccess

router = APIRouter(tags=["shares"])
Token = Annotated[str, Path(min_length=20, max_length=2048)]


@router.post("/v1/tenants/{tenant}/runs/{run}/shares", status_code=201)
def create_share(
    run: RunName,
    body: ShareCreate,
    access: Annotated[TenantAccess, require(Permission.SHARES_CREATE)],
    container: ContainerDep,
) -> ShareCreated:
    settings = container.settings
    days = min(body.expires_in_days, settings.share_ttl_max_days)
    share, token = shares.create(
        access, container.resources, container.tokens, container.clock, run, days, body.password
    )
    url = f"{settings.public_url.rstrip('/')}/v1/shared/{token}"
    return ShareCreated.model_validate(
        {**SharePublic.model_validate(share).model_dump(), "url": url}
    )


@router.get("/v1/tenants/{tenant}/runs/{run}/shares")
def list_shares(
    run: RunName,
    access: Annotated[TenantAccess, require(Permission.SHARES_READ)],
    container: ContainerDep,
) -> list[SharePublic]:
    return [
        SharePublic.model_validate(s) for s in shares.listed(access, container.resources, run)
    ]


@router.delete("/v1/tenants/{tenant}/shares/{share_id}")
def revoke_share(
    share_id: uuid.UUID,
    access: Annotated[TenantAccess, require(Permission.SHARES_REVOKE)],
    container: ContainerDep,
) -> SharePublic:
    revoked = shares.revoke(access, container.resources, container.clock, share_id)
    return SharePublic.model_validate(revoked)


@router.get("/v1/shared/{token}", dependencies=[AnonymousLimit], responses=problem_responses(410))
def read_shared_run(
    token: Token,
    container: ContainerDep,
    session: SessionDep,
    password: Annotated[
        str | None,
        Header(alias="X-Share-Password", max_length=200, description="A protected link's"),
    ] = None,
) -> SharedRunPublic:
    view = shares.resolve(
        session,
        container.resources,
        container.tokens,
        container.clock,
        token,
        password,
        container.abuse,
    )
    return SharedRunPublic.model_validate(view)
