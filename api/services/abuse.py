"""The API's abuse limits: who may send how many requests, and who is locked out for failing.

- Each tenant and each of its API keys has a request rate per minute, set by the tenant's plan.
- Each signed-in person has a rate of their own (routes outside a tenant count too).
- Anonymous endpoints (sign-in, its callback, shared links) have a rate per client address; the
  address is the proxy's X-Forwarded-For only for configured proxies (api.middleware).
- Failed credentials (a wrong API key, a forged session or share token, a bad sign-in
  callback, a wrong share-link password) count against the address, in stacked windows: past
  any tier, every request that carries credentials from that address answers 429 until the
  window frees.
- Wrong passwords of a protected share link also count against the link, from whatever
  address: past its tier, the link answers 429 to everyone until the window frees.
- Rows that failures write to the audit table are rate-limited per address, so a flood of
  forged callbacks cannot fill the append-only table.

Expired or revoked credentials are not failures: a CI job with an old key is not an attacker.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError

from api.billing.plans import QUOTAS
from api.db.models import ApiKey, Tenant, User
from api.errors import TooManyRequestsError
from api.metrics import Metrics
from api.settings import Settings
from api.throttle import Budget, Throttle, tiers

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class AbuseRules:
    anonymous: RateLimitItem
    person: RateLimitItem
    failed_credentials: tuple[RateLimitItem, ...]
    share_password: tuple[RateLimitItem, ...]
    abuse_audit: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> "AbuseRules":
        return cls(
            anonymous=tiers(settings.anonymous_rate)[0],
            person=tiers(settings.person_rate)[0],
            failed_credentials=tiers(settings.failed_credentials_lockout),
            share_password=tiers(settings.share_password_lockout),
            abuse_audit=tiers(settings.abuse_audit_rate)[0],
        )


class Abuse:
    """The rules above over a `Throttle`. When the counter store is away, requests go through
    uncounted, and the log and the metrics say so: an outage of the counters must not become
    an outage of the API."""

    def __init__(self, throttle: Throttle, rules: AbuseRules, metrics: Metrics) -> None:
        self._throttle = throttle
        self._rules = rules
        self._metrics = metrics

    def anonymous(self, address: str) -> Budget | None:
        return self._guarded(
            "address", lambda: self._throttle.spend(self._rules.anonymous, "address", address)
        )

    def person(self, user: User) -> Budget | None:
        return self._guarded(
            "person", lambda: self._throttle.spend(self._rules.person, "person", str(user.id))
        )

    def tenant(self, tenant: Tenant, key: ApiKey | None) -> Budget | None:
        """Spend the key's rate, then the tenant's; the tighter budget goes in the headers.
        The key's first: a refused runaway key does not eat into its tenant's budget."""
        quota = QUOTAS[tenant.plan]
        budgets: list[Budget | None] = []
        if key is not None:
            per_key = RateLimitItemPerMinute(quota.key_requests_per_minute)
            budgets.append(
                self._guarded(
                    "api_key", lambda: self._throttle.spend(per_key, "api key", key.prefix)
                )
            )
        per_tenant = RateLimitItemPerMinute(quota.requests_per_minute)
        budgets.append(
            self._guarded(
                "tenant", lambda: self._throttle.spend(per_tenant, "tenant", str(tenant.id))
            )
        )
        known = [budget for budget in budgets if budget is not None]
        return min(known, key=lambda budget: budget.remaining) if known else None

    def refuse_if_locked_out(self, address: str) -> None:
        lockout = self._rules.failed_credentials
        self._guarded(
            "lockout", lambda: self._throttle.refuse_if_locked(lockout, "credential", address)
        )

    def failed(self, address: str, what: str) -> None:
        log.info("credential_failed", address=address, credential=what)
        lockout = self._rules.failed_credentials
        self._guarded("lockout", lambda: self._throttle.failed(lockout, "credential", address))

    def refuse_if_share_locked(self, share_id: str) -> None:
        """A password-protected link guessed at too often, from anywhere, stays shut until
        the window frees: addresses are cheap, the link's password is one."""
        lockout = self._rules.share_password
        self._guarded(
            "share_password",
            lambda: self._throttle.refuse_if_locked(
                lockout, "password", share_id, whose="for this link"
            ),
        )

    def share_password_failed(self, share_id: str) -> None:
        lockout = self._rules.share_password
        self._guarded(
            "share_password", lambda: self._throttle.failed(lockout, "password", share_id)
        )

    def may_audit(self, address: str) -> bool:
        """Whether one more failure from `address` may write an audit row."""
        rate = self._rules.abuse_audit
        allowed = self._guarded("audit", lambda: self._throttle.allows(rate, "audit", address))
        if allowed is False:
            self._metrics.rate_limited.labels("audit").inc()
        return allowed is not False

    def _guarded(self, limit: str, count: Callable[[], T]) -> T | None:
        """`count()`, a 429 counted by the limit that gave it; None when the store is away."""
        try:
            return count()
        except TooManyRequestsError:
            self._metrics.rate_limited.labels(limit).inc()
            log.warning("rate_limited", limit=limit)
            raise
        except StorageError as exc:
            self._metrics.rate_limit_store_errors.inc()
            log.warning("rate_limit_store_unavailable", error=type(exc.storage_error).__name__)
            return None
