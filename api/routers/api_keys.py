"""API keys of a tenant, for CI. The key itself is in the creation answer only."""

import uuid
from typing import Annotated

from fastapi import APIRouter

from api.auth.policy import Permission
from api.deps import ContainerDep, require
from api.problems import problem_responses
from api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from api.services import api_keys
from api.services.access import TenantAccess

router = APIRouter(prefix="/v1/tenants/{tenant}/api-keys", tags=["api-keys"])


@router.post("", status_code=201, responses=problem_responses(409))
def create_api_key(
    body: ApiKeyCreate,
    access: Annotated[TenantAccess, require(Permission.API_KEYS_MANAGE)],
    container: ContainerDep,
) -> ApiKeyCreated:
    key, plaintext = api_keys.create(
        access,
        container.clock,
        api_keys.KeyRequest(
            name=body.name,
            role=body.role,
            scopes=None if body.scopes is None else frozenset(body.scopes),
            projects=None if body.projects is None else frozenset(body.projects),
            expires_in_days=body.expires_in_days,
        ),
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyPublic.model_validate(key).model_dump(), "key": plaintext}
    )


@router.get("")
def list_api_keys(
    access: Annotated[TenantAccess, require(Permission.API_KEYS_READ)],
) -> list[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(k) for k in api_keys.listed(access)]


@router.delete("/{key_id}")
def revoke_api_key(
    key_id: uuid.UUID,
    access: Annotated[TenantAccess, require(Permission.API_KEYS_MANAGE)],
    container: ContainerDep,
) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(api_keys.revoke(access, container.clock, key_id))
