"""Platform administration: the tenant list, suspension and reinstatement, the audit log.

Platform admins act on tenants from the outside: they are not members, so suspension does not
give them any tenant's data, and every admin action is itself audited.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from api.db.models import AuditEvent, Tenant, User
from api.db.repositories import AuditLog, Tenants
from api.errors import NotFoundError
from api.services import audit


def tenants(session: Session, limit: int, offset: int) -> Sequence[Tenant]:
    return Tenants(session).all(limit, offset)


def set_suspended(
    session: Session,
    clock: Callable[[], datetime],
    admin: User,
    slug: str,
    reason: str | None,
) -> Tenant:
    """Suspend (with a reason) or, with `reason=None`, reinstate a tenant."""
    tenant = Tenants(session).by_slug(slug)
    if tenant is None:
        raise NotFoundError(f"There is no tenant {slug!r}.", "GET /v1/admin/tenants lists them.")
    tenant.suspended_at = clock() if reason is not None else None
    tenant.suspension_reason = reason
    audit.record(
        session,
        clock,
        actor=f"platform_admin:{admin.id} <{admin.email}>",
        action="tenant.suspended" if reason is not None else "tenant.reinstated",
        tenant_id=tenant.id,
        target=slug,
        reason=reason,
    )
    session.commit()
    return tenant


def audit_log(session: Session, limit: int, slug: str | None) -> Sequence[AuditEvent]:
    tenant_id = None
    if slug is not None:
        tenant = Tenants(session).by_slug(slug)
        if tenant is None:
            raise NotFoundError(f"There is no tenant {slug!r}.", None)
        tenant_id = tenant.id
    return AuditLog(session).recent(limit, tenant_id)
