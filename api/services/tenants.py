"""Tenants and their members: creation (with the caller as owner and a namespace in the
cluster), renaming, and the membership rules.

Membership rules: whoever holds members:manage (admins, owners; people only) manages viewers,
developers and admins; granting, changing or removing the owner role needs owners:manage too
(owners: api.auth.policy); a tenant always keeps at least one owner. Members are added by the
e-mail of someone who has signed in once (the user row comes from their first sign-in).
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.policy import Permission
from api.auth.roles import Role
from api.cluster.port import Namespaces
from api.cluster.resources import egress_network_policy, namespace_labels
from api.db.models import Membership, Tenant, User
from api.db.repositories import Tenants, Users
from api.errors import ConflictError, NotFoundError
from api.services import api_keys, audit
from api.services.access import TenantAccess
from testforge.domain.egress import EgressPolicy


def create_tenant(
    session: Session,
    clock: Callable[[], datetime],
    namespaces: Namespaces | None,
    namespace_prefix: str,
    user: User,
    slug: str,
    name: str,
) -> Tenant:
    tenants = Tenants(session)
    if tenants.by_slug(slug) is not None:
        raise ConflictError(f"The slug {slug!r} is taken.", "Choose another slug.")
    now = clock()
    tenant = tenants.add(
        Tenant(slug=slug, name=name, namespace=f"{namespace_prefix}{slug}", created_at=now)
    )
    try:
        session.flush()  # the tenant id, and the unique slug/namespace checked by the database
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"The slug {slug!r} is taken.", "Choose another slug.") from exc
    session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER, created_at=now))
    audit.record(
        session,
        clock,
        actor=f"user:{user.id} <{user.email}>",
        action="tenant.created",
        tenant_id=tenant.id,
        target=slug,
        namespace=tenant.namespace,
    )
    if namespaces is not None:
        # Before the commit: a tenant whose namespace cannot be made is not created. A new
        # tenant's sandboxes reach DNS and the public internet only.
        namespaces.ensure(
            tenant.namespace,
            namespace_labels(slug),
            egress_network_policy(tenant.namespace, slug, EgressPolicy()),
        )
    session.commit()
    return tenant


def rename(access: TenantAccess, clock: Callable[[], datetime], name: str) -> Tenant:
    old, access.tenant.name = access.tenant.name, name
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="tenant.renamed",
        tenant_id=access.tenant.id,
        target=access.tenant.slug,
        old=old,
        new=name,
    )
    access.session.commit()
    return access.tenant


def members(access: TenantAccess) -> Sequence[tuple[Membership, User]]:
    return access.repo.members()


def add_member(
    access: TenantAccess, clock: Callable[[], datetime], email: str, role: Role
) -> tuple[Membership, User]:
    _may_grant(access, role)
    # Only an address the identity provider verified binds a membership: anyone can sign in
    # with an unverified one.
    verified = [u for u in Users(access.session).by_email(email) if u.email_verified]
    if not verified:
        raise NotFoundError(
            f"No one whose identity provider verified the e-mail {email!r} has signed in to "
            "TestForge yet.",
            "Ask them to sign in once at /auth/login with a provider that verifies their "
            "address, then add them again.",
        )
    # One person may sign in through several providers (Google, GitHub, ...): each identity
    # whose provider verified the address is theirs, and all of them join.
    joining = [u for u in verified if access.repo.membership_of(u.id) is None]
    if not joining:
        raise ConflictError(
            f"{email} is already a member.", "Change their role with PATCH instead."
        )
    for user in joining:
        access.repo.add(Membership(user_id=user.id, role=role, created_at=clock()))
        _audit(access, clock, "member.added", user, role=role.value)
    access.session.commit()
    newest = max(joining, key=lambda u: u.last_login_at or u.created_at)
    membership = access.repo.membership_of(newest.id)
    assert membership is not None
    return membership, newest


def change_role(
    access: TenantAccess, clock: Callable[[], datetime], member_id: uuid.UUID, role: Role
) -> tuple[Membership, User]:
    membership, user = _member(access, member_id)
    _may_grant(access, role)
    _may_manage(access, membership)
    if membership.role is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(access)
    old, membership.role = membership.role, role
    _audit(access, clock, "member.role_changed", user, old=old.value, new=role.value)
    access.session.commit()
    return membership, user


def remove_member(
    access: TenantAccess, clock: Callable[[], datetime], member_id: uuid.UUID
) -> None:
    membership, user = _member(access, member_id)
    _may_manage(access, membership)
    if membership.role is Role.OWNER:
        _keep_an_owner(access)
    access.repo.delete(membership)
    _audit(access, clock, "member.removed", user, role=membership.role.value)
    api_keys.revoke_created_by(access, clock, user.id, "its creator left the tenant")
    access.session.commit()


def _member(access: TenantAccess, member_id: uuid.UUID) -> tuple[Membership, User]:
    membership = access.repo.get(Membership, member_id)
    user = Users(access.session).by_id(membership.user_id) if membership else None
    if membership is None or user is None:
        raise NotFoundError(
            f"There is no member {member_id} in this tenant.", "GET .../members lists them."
        )
    return membership, user


def _may_grant(access: TenantAccess, role: Role) -> None:
    if role is Role.OWNER:
        access.demand(Permission.OWNERS_MANAGE)


def _may_manage(access: TenantAccess, membership: Membership) -> None:
    if membership.role is Role.OWNER:
        access.demand(Permission.OWNERS_MANAGE)


def _keep_an_owner(access: TenantAccess) -> None:
    owners = access.repo.count(Membership, Membership.role == Role.OWNER)
    if owners <= 1:
        raise ConflictError("This is the tenant's last owner.", "Make someone else an owner first.")


def _audit(
    access: TenantAccess, clock: Callable[[], datetime], action: str, user: User, **details: str
) -> None:
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action=action,
        tenant_id=access.tenant.id,
        target=f"user:{user.id} <{user.email}>",
        **details,
    )
