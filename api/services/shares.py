"""Public links to a run's report summary: signed, expiring, revocable.

The link carries a signed token naming the share (and its tenant); the share row says whether
it was revoked. The signature means a guessed link is refused without a database query; the
row means a leaked link can be switched off before it expires. Anyone holding the link sees
the run's outcome and counts, never tenant data, members or report files.

A link may also have a password (stored as its Argon2id hash), sent by readers as the
X-Share-Password header, never in the URL, which ends up in logs and referrers. Wrong
passwords lock out the sender's address and, past a few, the link itself (api.services.abuse).
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy.orm import Session

from api.auth.tokens import Audience, InvalidTokenError, Tokens
from api.cluster.port import Resources
from api.cluster.resources import RUNS, RunView, read_run
from api.db.models import Share
from api.db.repositories import TenantRepository, Tenants
from api.errors import ApiError, NotFoundError, UnauthorizedError
from api.services import audit, runs
from api.services.abuse import Abuse
from api.services.access import TenantAccess

# OWASP's Argon2id floor (19 MiB, 2 passes): each check costs memory, and anonymous readers
# can ask for checks, within their rate limit.
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class GoneError(ApiError):
    status, slug, title = 410, "link-gone", "This link no longer works"


def create(
    access: TenantAccess,
    resources: Resources,
    tokens: Tokens,
    clock: Callable[[], datetime],
    run_name: str,
    days: int,
    password: str | None = None,
) -> tuple[Share, str]:
    runs.get(access, resources, run_name)  # 404 for a run that is not in this tenant
    now = clock()
    share = access.repo.add(
        Share(
            run_name=run_name,
            created_by=access.principal.actor[:256],
            created_at=now,
            expires_at=now + timedelta(days=days),
            password_hash=PASSWORDS.hash(password) if password is not None else None,
        )
    )
    access.session.flush()
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="share.created",
        tenant_id=access.tenant.id,
        target=f"share:{share.id}",
        run=run_name,
        days=days,
        protected=share.protected,
    )
    access.session.commit()
    token = tokens.issue(
        Audience.SHARE,
        {"sid": str(share.id), "tid": str(access.tenant.id)},
        timedelta(days=days),
    )
    return share, token


def listed(access: TenantAccess, resources: Resources, run_name: str) -> Sequence[Share]:
    if access.projects is not None:
        # A key limited to some projects sees shares of their runs only: 404 for others'.
        runs.get(access, resources, run_name)
    return access.repo.list(Share, Share.run_name == run_name, order_by=Share.created_at)


def revoke(
    access: TenantAccess,
    resources: Resources,
    clock: Callable[[], datetime],
    share_id: uuid.UUID,
) -> Share:
    share = access.repo.get(Share, share_id)
    hidden = (
        share is not None
        and access.projects is not None
        and runs.find(access, resources, share.run_name) is None
    )
    if share is None or hidden:
        raise NotFoundError(f"There is no share {share_id} in this tenant.", None)
    if share.revoked_at is None:
        share.revoked_at = clock()
        audit.record(
            access.session,
            clock,
            actor=access.principal.actor,
            action="share.revoked",
            tenant_id=access.tenant.id,
            target=f"share:{share.id}",
            run=share.run_name,
        )
        access.session.commit()
    return share


def resolve(
    session: Session,
    resources: Resources,
    tokens: Tokens,
    clock: Callable[[], datetime],
    token: str,
    password: str | None,
    abuse: Abuse,
) -> RunView:
    """The run behind a public link, or 404 (not a link of ours) / 410 (expired, revoked) /
    401 (its password missing or wrong) / 429 (its password guessed at too often)."""
    try:
        claims = tokens.read(Audience.SHARE, token)
        share_id, tenant_id = uuid.UUID(str(claims["sid"])), uuid.UUID(str(claims["tid"]))
    except InvalidTokenError as exc:
        if str(exc) == "expired":
            raise GoneError(
                "This link has expired.", "Ask whoever shared it for a new one."
            ) from exc
        raise _not_a_link() from exc
    except (KeyError, ValueError) as exc:
        raise _not_a_link() from exc
    tenant = Tenants(session).by_id(tenant_id)
    share = TenantRepository(session, tenant_id).get(Share, share_id) if tenant else None
    if tenant is None or share is None:
        raise NotFoundError("This share link no longer exists.", None)
    if share.revoked_at is not None or share.expires_at <= clock() or tenant.suspended:
        raise GoneError("This link has been revoked or has expired.", "Ask for a new one.")
    if share.password_hash is not None:
        _check_password(share, password, abuse)
    found = resources.get(RUNS, tenant.namespace, share.run_name)
    if found is None:
        raise GoneError("The shared run has been deleted.", None)
    return read_run(found)


def _not_a_link() -> NotFoundError:
    return NotFoundError(
        "This is not a valid share link.", "Check that it was copied whole.", forged=True
    )


def _check_password(share: Share, password: str | None, abuse: Abuse) -> None:
    assert share.password_hash is not None
    abuse.refuse_if_share_locked(str(share.id))
    if password is None:
        raise UnauthorizedError(
            "This link is protected by a password.",
            "Send it as the X-Share-Password header (ask whoever shared the link).",
        )
    try:
        PASSWORDS.verify(share.password_hash, password)
    except VerificationError as exc:
        abuse.share_password_failed(str(share.id))
        raise UnauthorizedError(
            "The password is not right.", "Check it with whoever shared the link.", forged=True
        ) from exc
