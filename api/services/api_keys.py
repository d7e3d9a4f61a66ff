"""API keys for CI: created by a signed-in admin, shown once, revocable.

A key belongs to the tenant and acts for the member who created it. What it may do is decided
by the policy (api.auth.policy): its scopes, within its role (never owner), within its
creator's *current* role (re-read on every request, `access._subject_in`), never a
person-only permission; it can be limited to named projects, and it dies when its creator
leaves. Billing, ownership, members and keys stay with people: a leaked CI key cannot mint
keys, revoke them, or add, promote, demote or remove anyone.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.auth import api_keys, policy
from api.auth.policy import Permission
from api.auth.roles import Role
from api.db.models import ApiKey
from api.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from api.services import audit
from api.services.access import TenantAccess, require_person

MAX_LIVE_KEYS = 50


@dataclass(frozen=True)
class KeyRequest:
    name: str
    role: Role = Role.DEVELOPER
    scopes: frozenset[Permission] | None = None  # None: all a key of its role can hold
    projects: frozenset[str] | None = None  # None: every project
    expires_in_days: int | None = None


def create(
    access: TenantAccess, clock: Callable[[], datetime], request: KeyRequest
) -> tuple[ApiKey, str]:
    # The route's api_keys:manage is person-only, so this is a person; the key records who.
    creator = require_person(access.principal)
    role = request.role
    scopes = policy.key_permissions(role) if request.scopes is None else request.scopes
    refusal = policy.refuse_key(access.role, role, scopes)
    if refusal is not None and refusal.invalid:
        raise InvalidRequestError(
            refusal.detail,
            refusal.fix,
            extra={"errors": [{"where": "body.scopes", "problem": refusal.detail}]},
        )
    if refusal is not None:
        raise ForbiddenError(refusal.detail, refusal.fix)
    live = ApiKey.revoked_at.is_(None)
    if access.repo.count(ApiKey, live) >= MAX_LIVE_KEYS:
        raise ConflictError(
            f"This tenant already has {MAX_LIVE_KEYS} API keys that are not revoked.",
            "Revoke the keys no longer used (DELETE .../api-keys/{id}) first.",
        )
    now = clock()
    new = api_keys.generate()
    days = request.expires_in_days
    projects = None if request.projects is None else sorted(request.projects)
    key = access.repo.add(
        ApiKey(
            name=request.name,
            prefix=new.prefix,
            secret_hash=new.secret_hash,
            role=role,
            scopes=[p.value for p in policy.ordered(scopes)],
            projects=projects,
            created_by=creator.id,
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
    )
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="api_key.created",
        tenant_id=access.tenant.id,
        target=f"api_key:{new.prefix} ({request.name})",
        role=role.value,
        scopes=key.scopes,
        projects=projects,
    )
    access.session.commit()
    return key, new.plaintext


def listed(access: TenantAccess) -> Sequence[ApiKey]:
    return access.repo.list(ApiKey, order_by=ApiKey.created_at)


def revoke(access: TenantAccess, clock: Callable[[], datetime], key_id: uuid.UUID) -> ApiKey:
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
