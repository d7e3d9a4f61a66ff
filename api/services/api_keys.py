"""API keys for CI: created by a signed-in admin, shown once, revocable.

A key belongs to the tenant and acts for the member who created it: its role is never owner
and never above its creator's current one (checked on every request, `access._role_in`), and
it dies when its creator leaves. Billing, ownership, members and keys stay with people: a
leaked CI key cannot mint keys, revoke them, or add, promote, demote or remove anyone.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from api.auth import api_keys
from api.auth.roles import Role
from api.db.models import ApiKey
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.services import audit
from api.services.access import TenantAccess, require_person

MAX_LIVE_KEYS = 50


def create(
    access: TenantAccess,
    clock: Callable[[], datetime],
    name: str,
    role: Role,
    expires_in_days: int | None,
) -> tuple[ApiKey, str]:
    creator = require_person(access.principal)
    if role is Role.OWNER or not access.role.allows(role):
        raise ForbiddenError(
            f"An API key cannot have the {role.value} role here.",
            "Choose viewer, member or admin, and no more than your own role.",
        )
    live = ApiKey.revoked_at.is_(None)
    if access.repo.count(ApiKey, live) >= MAX_LIVE_KEYS:
        raise ConflictError(
            f"This tenant already has {MAX_LIVE_KEYS} API keys that are not revoked.",
            "Revoke the keys no longer used (DELETE .../api-keys/{id}) first.",
        )
    now = clock()
    new = api_keys.generate()
    key = access.repo.add(
        ApiKey(
            name=name,
            prefix=new.prefix,
            secret_hash=new.secret_hash,
            role=role,
            created_by=creator.id,
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
    )
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="api_key.created",
        tenant_id=access.tenant.id,
        target=f"api_key:{new.prefix} ({name})",
        role=role.value,
    )
    access.session.commit()
    return key, new.plaintext


def listed(access: TenantAccess) -> Sequence[ApiKey]:
    return access.repo.list(ApiKey, order_by=ApiKey.created_at)


def revoke(access: TenantAccess, clock: Callable[[], datetime], key_id: uuid.UUID) -> ApiKey:
    require_person(access.principal)
    key = access.repo.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError(
            f"There is no API key {key_id} in this tenant.", "GET .../api-keys lists them."
        )
    if key.revoked_at is None:
        _revoke(access, clock, key)
        access.session.commit()
    return key


def revoke_created_by(
    access: TenantAccess, clock: Callable[[], datetime], user_id: uuid.UUID, why: str
) -> None:
    """Revoke every live key a member created (they left); the caller commits."""
    for key in access.repo.list(ApiKey, ApiKey.created_by == user_id, ApiKey.revoked_at.is_(None)):
        _revoke(access, clock, key, reason=why)


def _revoke(
    access: TenantAccess, clock: Callable[[], datetime], key: ApiKey, **details: str
) -> None:
    key.revoked_at = clock()
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="api_key.revoked",
        tenant_id=access.tenant.id,
        target=f"api_key:{key.prefix} ({key.name})",
        **details,
    )
