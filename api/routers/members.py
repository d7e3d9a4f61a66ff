"""Members of a tenant and their roles."""

import uuid

from fastapi import APIRouter, Response

from api.db.models import Membership, User
from api.deps import AdminAccess, ContainerDep, ViewerAccess
from api.schemas import MemberCreate, MemberPublic, MemberUpdate
from api.services import tenants

router = APIRouter(prefix="/v1/tenants/{tenant}/members", tags=["members"])


def _public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        id=membership.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


@router.get("")
def list_members(access: ViewerAccess) -> list[MemberPublic]:
    return [_public(m, u) for m, u in tenants.members(access)]


@router.post("", status_code=201)
def add_member(body: MemberCreate, access: AdminAccess, container: ContainerDep) -> MemberPublic:
    return _public(*tenants.add_member(access, container.clock, body.email, body.role))


@router.patch("/{member_id}")
def change_role(
    member_id: uuid.UUID, body: MemberUpdate, access: AdminAccess, container: ContainerDep
) -> MemberPublic:
    return _public(*tenants.change_role(access, container.clock, member_id, body.role))


@router.delete("/{member_id}", status_code=204)
def remove_member(member_id: uuid.UUID, access: AdminAccess, container: ContainerDep) -> Response:
    tenants.remove_member(access, container.clock, member_id)
    return Response(status_code=204)
