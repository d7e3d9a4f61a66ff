"""Plans and what they include: pure data that the run quota check, the rate limits and the
docs read."""

from dataclasses import dataclass
from enum import StrEnum


class Plan(StrEnum):
    FREE = "free"
    TEAM = "team"
    BUSINESS = "business"


@dataclass(frozen=True)
class Quota:
    runs_per_month: int
    concurrent_runs: int
    # API request rates: the whole tenant's, and each of its API keys' (a runaway CI job
    # exhausts its key's budget before the tenant's, so people can still work).
    requests_per_minute: int
    key_requests_per_minute: int


QUOTAS: dict[Plan, Quota] = {
    Plan.FREE: Quota(
        runs_per_month=50, concurrent_runs=1, requests_per_minute=300, key_requests_per_minute=120
    ),
    Plan.TEAM: Quota(
        runs_per_month=1_000,
        concurrent_runs=5,
        requests_per_minute=1_200,
        key_requests_per_minute=600,
    ),
    Plan.BUSINESS: Quota(
        runs_per_month=20_000,
        concurrent_runs=25,
        requests_per_minute=6_000,
        key_requests_per_minute=3_000,
    ),
}

# Stripe subscription states in which the paid plan stays in force. past_due keeps it while
# Stripe retries the payment (its dunning decides; a final failure becomes canceled/unpaid).
ACTIVE_SUBSCRIPTION_STATES = frozenset({"active", "trialing", "past_due"})


def next_plan(plan: Plan) -> Plan | None:
    order = list(Plan)
    index = order.index(plan)
    return order[index + 1] if index + 1 < len(order) else None
