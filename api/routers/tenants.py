"""Tenants: create one (the caller becomes its owner), list mine, read, rename; the egress
policy of its sandboxes; its audit log."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import policy
from api.auth.policy import Permission
from api.auth.roles import Role
from api.db.repositories import Tenants
from api.deps import ContainerDep, CurrentUser, SessionDep, require
from api.problems import problem_responses
from api.schemas import (
    AuditPublic,
    EgressPolicyPublic,
    EgressPolicyUpdate,
    TenantCreate,
    TenantPublic,
    TenantUpdate,
)
from api.services import egress, tenants
from api.services.access import TenantAccess

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post("", status_code=201, responses=problem_responses(409))
def create_tenant(
    body: TenantCreate, user: CurrentUser, container: ContainerDep, session: SessionDep
) -> TenantPublic:
    settings = container.settings
    tenant = tenants.create_tenant(
        session,
        container.clock,
        container.namespaces,
        settings.namespace_prefix,
        user,
        body.slug,
        body.name,
    )
    return TenantPublic.model_validate(tenant).model_copy(update={"role": Role.OWNER})


@router.get("")
def list_my_tenants(user: CurrentUser, session: SessionDep) -> list[TenantPublic]:
    return [
        TenantPublic.model_validate(t).model_copy(update={"role": m.role})
        for t, m in Tenants(session).of_user(user.id)
    ]


@router.get("/{tenant}")
def read_tenant(
    access: Annotated[TenantAccess, require(Permission.TENANT_READ)],
) -> TenantPublic:
    return _with_standing(TenantPublic.model_validate(access.tenant), access)


@router.patch("/{tenant}")
def update_tenant(
    body: TenantUpdate,
    access: Annotated[TenantAccess, require(Permission.TENANT_UPDATE)],
    container: ContainerDep,
) -> TenantPublic:
    tenant = tenants.rename(access, container.clock, body.name)
    return _with_standing(TenantPublic.model_validate(tenant), access)


def _with_standing(public: TenantPublic, access: TenantAccess) -> TenantPublic:
    """The caller's role and what it lets them do here (a key's: after its limits)."""
    return public.model_copy(
        update={"role": access.role, "permissions": policy.ordered(access.permissions)}
    )


@router.get("/{tenant}/egress")
def read_egress_policy(
    access: Annotated[TenantAccess, require(Permission.EGRESS_READ)],
) -> EgressPolicyPublic:
    policy = egress.policy_of(access.tenant)
    return EgressPolicyPublic.model_validate(policy.model_dump())


@router.put("/{tenant}/egress")
def replace_egress_policy(
    body: EgressPolicyUpdate,
    access: Annotated[TenantAccess, require(Permission.EGRESS_MANAGE)],
    container: ContainerDep,
) -> EgressPolicyPublic:
    """Admins and owners, signed in (never an API key): a leaked CI key must not open the
    tenant's sandboxes to its private networks."""
    policy = egress.replace(access, container.clock, container.namespaces, body.policy())
    return EgressPolicyPublic.model_validate(policy.model_dump())


@router.get("/{tenant}/audit")
def read_audit_log(
    access: Annotated[TenantAccess, require(Permission.AUDIT_READ)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditPublic]:
    return [AuditPublic.model_validate(e) for e in access.repo.audit(limit)]
