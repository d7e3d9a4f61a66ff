"""Share links to a run's summary: created and revoked by members of the tenant, read by anyone
holding the link (GET /v1/shared/{token}, no sign-in)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import (
    AdminAccess,
    AnonymousLimit,
    ContainerDep,
    MemberAccess,
    RunName,
    SessionDep,
    ViewerAccess,
)
from api.schemas import ShareCreate, ShareCreated, SharedRunPublic, SharePublic
from api.services import shares

router = APIRouter(tags=["shares"])
Token = Annotated[str, Path(min_length=20, max_length=2048)]


@router.post("/v1/tenants/{tenant}/runs/{run}/shares", status_code=201)
def create_share(
    run: RunName, body: ShareCreate, access: MemberAccess, container: ContainerDep
) -> ShareCreated:
    settings = container.settings
    days = min(body.expires_in_days, settings.share_ttl_max_days)
    share, token = shares.create(
        access, container.resources, container.tokens, container.clock, run, days
    )
    url = f"{settings.public_url.rstrip('/')}/v1/shared/{token}"
    return ShareCreated.model_validate(
        {**SharePublic.model_validate(share).model_dump(), "url": url}
    )


@router.get("/v1/tenants/{tenant}/runs/{run}/shares")
def list_shares(run: RunName, access: ViewerAccess) -> list[SharePublic]:
    return [SharePublic.model_validate(s) for s in shares.listed(access, run)]


@router.delete("/v1/tenants/{tenant}/shares/{share_id}")
def revoke_share(share_id: uuid.UUID, access: AdminAccess, container: ContainerDep) -> SharePublic:
    return SharePublic.model_validate(shares.revoke(access, container.clock, share_id))


@router.get("/v1/shared/{token}", dependencies=[AnonymousLimit])
def read_shared_run(token: Token, container: ContainerDep, session: SessionDep) -> SharedRunPublic:
    view = shares.resolve(session, container.resources, container.tokens, container.clock, token)
    return SharedRunPublic.model_validate(view)
