"""The audit trail of security-relevant actions: who, what, when, in which tenant.

Entries are added to the caller's session, so an action and its audit entry commit together or
not at all. Details pass through `redact` first: a key or token never reaches the table or the
log, even if a caller passes one by mistake.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from api.db.models import AuditEvent
from api.db.repositories import AuditLog

log = structlog.get_logger(__name__)

SECRET_WORDS = ("secret", "token", "password", "hash", "authorization", "cookie", "verifier", "key")
REDACTED = "[redacted]"


def redact(details: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in details.items():
        if any(word in name.lower() for word in SECRET_WORDS):
            clean[name] = REDACTED
        elif isinstance(value, dict):
            clean[name] = redact(value)
        else:
            clean[name] = value
    return clean


def record(
    session: Session,
    clock: Callable[[], datetime],
    *,
    actor: str,
    action: str,
    tenant_id: uuid.UUID | None = None,
    target: str | None = None,
    **details: Any,
) -> None:
    safe = redact(details)
    AuditLog(session).append(
        AuditEvent(
            at=clock(),
            tenant_id=tenant_id,
            actor=actor[:400],
            action=action,
            target=target,
            details=safe,
        )
    )
    log.info(
        "audit",
        action=action,
        actor=actor,
        tenant=str(tenant_id) if tenant_id else None,
        target=target,
        details=safe,
    )
