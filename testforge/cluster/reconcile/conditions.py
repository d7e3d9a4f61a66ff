"""Conditions per the Kubernetes API conventions, and what each of ours means.

Types and the meaning of their statuses (kstatus, used by Flux, reads Reconciling and Stalled;
`kubectl wait --for=condition=...` reads any of them):

* Ready      True: the object is usable (project: a suite is stored; run: finished successfully).
             False: it is not, `reason` says why. Unknown: not decided yet.
* Succeeded  (TestRun) True: finished with every test passing. False: finished otherwise (Failed,
             Error, Cancelled). Unknown: still running.
* Reconciling True while the operator is still working towards the desired state.
* Stalled    True when the operator cannot make progress without a change by someone
             (a failed discovery, a failed run, a missing secret).
"""

from datetime import datetime

from testforge.domain.crd import Condition, ConditionStatus

READY = "Ready"
SUCCEEDED = "Succeeded"
RECONCILING = "Reconciling"
STALLED = "Stalled"

TRUE, FALSE, UNKNOWN = ConditionStatus.TRUE, ConditionStatus.FALSE, ConditionStatus.UNKNOWN


def set_condition(
    conditions: list[Condition],
    type_: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[Condition]:
    """The list with `type_` set; lastTransitionTime moves only when the status changes."""
    previous = find(conditions, type_)
    changed = previous is None or previous.status is not status
    updated = Condition(
        type=type_,
        status=status,
        reason=reason,
        message=message,
        last_transition_time=now if changed or previous is None else previous.last_transition_time,
        observed_generation=generation,
    )
    others = [c for c in conditions if c.type != type_]
    return sorted([*others, updated], key=lambda c: c.type)


def find(conditions: list[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def is_true(conditions: list[Condition], type_: str) -> bool:
    condition = find(conditions, type_)
    return condition is not None and condition.status is TRUE
