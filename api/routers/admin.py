"""Platform administration: tenants, suspension, the whole audit log."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ContainerDep, PlatformAdmin, SessionDep, TenantSlug
from api.schemas import TENANT_SLUG, AdminTenantPublic, AuditPublic, SuspensionCreate
from api.services import admin

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/tenants")
def list_tenants(
    _admin: PlatformAdmin,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AdminTenantPublic]:
    return [AdminTenantPublic.model_validate(t) for t in admin.tenants(session, limit, offset)]


@router.post("/tenants/{tenant}/suspend")
def suspend_tenant(
    tenant: TenantSlug,
    body: SuspensionCreate,
    platform_admin: PlatformAdmin,
    container: ContainerDep,
    session: SessionDep,
) -> AdminTenantPublic:
    found = admin.set_suspended(session, container.clock, platform_admin, tenant, body.reason)
    return AdminTenantPublic.model_validate(found)


@router.post("/tenants/{tenant}/reinstate")
def reinstate_tenant(
    tenant: TenantSlug, platform_admin: PlatformAdmin, container: ContainerDep, session: SessionDep
) -> AdminTenantPublic:
    found = admin.set_suspended(session, container.clock, platform_admin, tenant, None)
    return AdminTenantPublic.model_validate(found)


@router.get("/audit")
def read_audit_log(
    _admin: PlatformAdmin,
    session: SessionDep,
    tenant: Annotated[str | None, Query(pattern=TENANT_SLUG)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditPublic]:
    return [AuditPublic.model_validate(e) for e in admin.audit_log(session, limit, tenant)]
