"""Repositories: the only code that builds queries.

`TenantRepository` is bound to one tenant at construction and adds `tenant_id = :tenant` to
every query of tenant-owned rows, and sets it on every row it adds, so an id guessed from
another tenant finds nothing. The other repositories hold platform-level rows (tenants, users,
Stripe events, the audit log) and are used by sign-in, admin and billing webhooks only.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.orm import Session

from api.db.models import (
    ApiKey,
    AuditEvent,
    Membership,
    RefreshToken,
    RunRecord,
    StripeEvent,
    Tenant,
    TenantOwned,
    User,
    UserSession,
)

Owned = TypeVar("Owned", bound=TenantOwned)


class TenantRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def get(self, model: type[Owned], id_: uuid.UUID) -> Owned | None:
        query = select(model).where(model.tenant_id == self.tenant_id, model.id == id_)
        return self.session.scalars(query).one_or_none()

    def list(
        self, model: type[Owned], *where: ColumnElement[bool], order_by: Any = None
    ) -> Sequence[Owned]:
        query = select(model).where(model.tenant_id == self.tenant_id, *where)
        if order_by is not None:
            query = query.order_by(order_by)
        return self.session.scalars(query).all()

    def count(self, model: type[Owned], *where: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(model)
        query = query.where(model.tenant_id == self.tenant_id, *where)
        return int(self.session.scalar(query) or 0)

    def add(self, row: Owned) -> Owned:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        return row

    def delete(self, row: Owned) -> None:
        if row.tenant_id != self.tenant_id:
            raise ValueError("refusing to delete a row of another tenant")
        self.session.delete(row)

    # --- queries that join or count -----------------------------------------------------

    def members(self) -> Sequence[tuple[Membership, User]]:
        query = (
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == self.tenant_id)
            .order_by(User.email)
        )
        return [(m, u) for m, u in self.session.execute(query).all()]

    def membership_of(self, user_id: uuid.UUID) -> Membership | None:
        found = self.list(Membership, Membership.user_id == user_id)
        return found[0] if found else None

    def run_record(self, run_name: str) -> RunRecord | None:
        found = self.list(RunRecord, RunRecord.run_name == run_name)
        return found[0] if found else None

    def runs_since(self, since: datetime) -> int:
        return self.count(RunRecord, RunRecord.created_at >= since)

    def audit(self, limit: int) -> Sequence[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(AuditEvent.tenant_id == self.tenant_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
        return self.session.scalars(query).all()


class Tenants:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slug(self, slug: str) -> Tenant | None:
        return self.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()

    def by_id(self, tenant_id: uuid.UUID) -> Tenant | None:
        return self.session.get(Tenant, tenant_id)

    def by_customer(self, customer_id: str) -> Tenant | None:
        query = select(Tenant).where(Tenant.stripe_customer_id == customer_id)
        return self.session.scalars(query).one_or_none()

    def locked(self, tenant_id: uuid.UUID) -> Tenant:
        """The tenant row under a write lock (PostgreSQL), so quota checks serialise per tenant."""
        query = select(Tenant).where(Tenant.id == tenant_id).with_for_update()
        return self.session.scalars(query).one()

    def all(self, limit: int, offset: int) -> Sequence[Tenant]:
        query = select(Tenant).order_by(Tenant.created_at, Tenant.slug).limit(limit).offset(offset)
        return self.session.scalars(query).all()

    def of_user(self, user_id: uuid.UUID) -> Sequence[tuple[Tenant, Membership]]:
        query = (
            select(Tenant, Membership)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user_id)
            .order_by(Tenant.slug)
        )
        return [(t, m) for t, m in self.session.execute(query).all()]

    def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        return tenant


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_id(self, user_id: uuid.UUID) -> User | None:
        return self.session.get(User, user_id)

    def by_identity(self, issuer: str, subject: str) -> User | None:
        query = select(User).where(User.issuer == issuer, User.subject == subject)
        return self.session.scalars(query).one_or_none()

    def by_email(self, email: str) -> Sequence[User]:
        query = select(User).where(func.lower(User.email) == email.lower())
        return self.session.scalars(query).all()

    def add(self, user: User) -> User:
        self.session.add(user)
        return user


class UserSessions:
    """Sign-in sessions and their refresh tokens (api.services.sessions)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_id(self, session_id: uuid.UUID) -> UserSession | None:
        return self.session.get(UserSession, session_id)

    def live_of(self, user_id: uuid.UUID) -> Sequence[UserSession]:
        query = select(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
        )
        return self.session.scalars(query).all()

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self.session.get(RefreshToken, token_hash)

    def claim(self, token: RefreshToken, now: datetime) -> bool:
        """Marks `token` used unless it already is; False when another request got there first."""
        result = self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.hash == token.hash, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return isinstance(result, CursorResult) and result.rowcount == 1

    def add(self, row: UserSession | RefreshToken) -> None:
        self.session.add(row)


class ApiKeys:
    """Looks a key up by its public prefix, before anyone knows which tenant is calling."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()


class StripeEvents:
    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, event_id: str) -> bool:
        return self.session.get(StripeEvent, event_id) is not None

    def add(self, event: StripeEvent) -> None:
        self.session.add(event)


class AuditLog:
    """Append and read; there is deliberately no update or delete."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, event: AuditEvent) -> None:
        self.session.add(event)

    def recent(self, limit: int, tenant_id: uuid.UUID | None = None) -> Sequence[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if tenant_id is not None:
            query = query.where(AuditEvent.tenant_id == tenant_id)
        return self.session.scalars(query).all()
