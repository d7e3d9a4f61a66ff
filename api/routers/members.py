"""Members of a tenant and their roles."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from api.auth.policy import Permission
from api.db.models import Membership, User
from api.deps import ContainerDep, require
from api.problems import problem_responses
from api.schemas import MemberCreate, MemberPublic, MemberUpdate
from api.services import tenants
from api.services.access import TenantAccess

router = APIRouter(prefix="/v1/tenants/{tenant}/members", tags=["members"])
# Granting, changing or removing the owner role needs owners:manage besides (the service).
Manage = Annotated[TenantAccess, require(Permission.MEMBERS_MANAGE)]


def _public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        id=membership.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


@router.get("")
def list_members(
    access: Annotated[TenantAccess, require(Permission.MEMBERS_READ)],
) -> list[MemberPublic]:
    return [_public(m, u) for m, u in tenants.members(access)]


@router.post("", status_code=201, responses=problem_responses(409))
def add_member(body: MemberCreate, access: Manage, container: ContainerDep) -> MemberPublic:
    return _public(*tenants.add_member(access, container.clock, body.email, body.role))


@router.patch("/{member_id}", responses=problem_responses(409))
def change_role(
    member_id: uuid.UUID, body: MemberUpdate, access: Manage, container: ContainerDep
) -> MemberPublic:
    return _public(*tenants.change_role(access, container.clock, member_id, body.role))


@router.delete("/{member_id}", status_code=204, responses=problem_responses(409))
def remove_member(member_id: uuid.UUID, access: Manage, container: ContainerDep) -> Response:
    tenants.remove_member(access, container.clock, member_id)
    return Response(status_code=204)
