"""The HealingRequest reconciler as a pure function: decide by the project's policy, then wait
for `spec.approved` when a human must decide. Applying is an action: the controller rewrites the
project's suite and reports the new suite hash."""

from dataclasses import dataclass, field
from datetime import datetime

from testforge.cluster.reconcile import conditions as cond
from testforge.cluster.reconcile.actions import Emit
from testforge.domain.crd import (
    HealDecision,
    HealingMode,
    HealingPolicy,
    HealingRequestSpec,
    HealingRequestStatus,
)

DECIDED = {HealDecision.APPLIED, HealDecision.REJECTED, HealDecision.NO_MATCH}


@dataclass(frozen=True)
class ApplyHeal:
    request_ref: str
    decided_by: str


HealingAction = ApplyHeal | Emit


@dataclass
class HealingDecisionResult:
    status: HealingRequestStatus
    actions: list[HealingAction] = field(default_factory=list)


def _decided(
    status: HealingRequestStatus,
    decision: HealDecision,
    by: str,
    reason: str,
    message: str,
    generation: int,
    now: datetime,
) -> HealingRequestStatus:
    ready = cond.TRUE if decision in DECIDED else cond.FALSE
    items = cond.set_condition(
        status.conditions, cond.READY, ready, reason, message, generation, now
    )
    return status.model_copy(
        update={
            "decision": decision,
            "decided_by": by if decision in DECIDED else status.decided_by,
            "decided_at": now if decision in DECIDED else status.decided_at,
            "reason": reason,
            "message": message,
            "observed_generation": generation,
            "conditions": items,
        }
    )


def reconcile_healing(
    spec: HealingRequestSpec,
    status: HealingRequestStatus,
    generation: int,
    policy: HealingPolicy | None,
    healed: bool,
    auto_applicable: bool,
    now: datetime,
) -> HealingDecisionResult:
    """`healed`: the engine chose an element; `auto_applicable`: the policy's thresholds hold."""
    if status.decision in DECIDED:
        return HealingDecisionResult(status)
    if not healed:
        done = _decided(
            status,
            HealDecision.NO_MATCH,
            "engine",
            "NoMatch",
            "no candidate was confident enough to heal",
            generation,
            now,
        )
        return HealingDecisionResult(done, [Emit("Normal", "NoMatch", done.message or "")])
    if spec.approved is not None:
        if spec.approved:
            done = _decided(
                status,
                HealDecision.APPLIED,
                "spec.approved",
                "Approved",
                "approved and applied to the project's suite",
                generation,
                now,
            )
            return HealingDecisionResult(
                done,
                [
                    ApplyHeal(spec.request_ref, "spec.approved"),
                    Emit("Normal", "Applied", done.message or ""),
                ],
            )
        done = _decided(
            status,
            HealDecision.REJECTED,
            "spec.approved",
            "Rejected",
            "rejected: the suite keeps its locator",
            generation,
            now,
        )
        return HealingDecisionResult(done, [Emit("Normal", "Rejected", done.message or "")])
    auto = policy is not None and policy.mode is HealingMode.AUTO and auto_applicable
    if auto:
        done = _decided(
            status,
            HealDecision.APPLIED,
            "policy",
            "AutoApplied",
            "confident heal applied by the project's policy",
            generation,
            now,
        )
        return HealingDecisionResult(
            done,
            [ApplyHeal(spec.request_ref, "policy"), Emit("Normal", "Applied", done.message or "")],
        )
    if status.decision is HealDecision.NEEDS_APPROVAL:
        return HealingDecisionResult(status)
    why = (
        "the project reviews every heal"
        if policy and policy.mode is not HealingMode.AUTO
        else ("the heal is below the project's auto-apply confidence")
    )
    waiting = _decided(
        status,
        HealDecision.NEEDS_APPROVAL,
        "",
        "AwaitingApproval",
        f"{why}: set spec.approved to true or false",
        generation,
        now,
    )
    return HealingDecisionResult(
        waiting, [Emit("Normal", "AwaitingApproval", waiting.message or "")]
    )
