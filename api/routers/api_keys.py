"""API keys of a tenant, for CI. The key itself is in the creation answer only."""

import uuid

from fastapi import APIRouter

from api.deps import AdminAccess, ContainerDep
from api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from api.services import api_keys

router = APIRouter(prefix="/v1/tenants/{tenant}/api-keys", tags=["api-keys"])


@router.post("", status_code=201)
def create_api_key(
    body: ApiKeyCreate, access: AdminAccess, container: ContainerDep
) -> ApiKeyCreated:
    key, plaintext = api_keys.create(
        access, container.clock, body.name, body.role, body.expires_in_days
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyPublic.model_validate(key).model_dump(), "key": plaintext}
    )


@router.get("")
def list_api_keys(access: AdminAccess) -> list[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(k) for k in api_keys.listed(access)]


@router.delete("/{key_id}")
def revoke_api_key(key_id: uuid.UUID, access: AdminAccess, container: ContainerDep) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(api_keys.revoke(access, container.clock, key_id))
