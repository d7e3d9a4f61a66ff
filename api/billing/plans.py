"""Plans and what they include: pure data that the run quota check and the docs read."""

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


QUOTAS: dict[Plan, Quota] = {
    Plan.FREE: Quota(runs_per_month=50, concurrent_runs=1),
    Plan.TEAM: Quota(runs_per_month=1_000, concurrent_runs=5),
    Plan.BUSINESS: Quota(runs_per_month=20_000, concurrent_runs=25),
}

# Stripe subscription states in which the paid plan stays in force. past_due keeps it while
# Stripe retries the payment (its dunning decides; a final failure becomes canceled/unpaid).
ACTIVE_SUBSCRIPTION_STATES = frozenset({"active", "trialing", "past_due"})


def next_plan(plan: Plan) -> Plan | None:
    order = list(Plan)
    index = order.index(plan)
    return order[index + 1] if index + 1 < len(order) else None
