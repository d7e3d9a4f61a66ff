"""The TestRun lifecycle: one phase enum, transitions forward only, checked here and nowhere else.

Pending -> Preparing -> Running -> Healing | Reporting -> Succeeded | Failed | Error | Cancelled.
Healing is a run with heals to record, Reporting one without (or one stopped early: cancelled,
timed out); both finish the run in one pass. A phase may be skipped (cancelled while Pending:
-> Reporting), but never revisited, and a finished phase is final. A run that went back would
re-create Jobs; making that impossible in one function is what keeps restarts from duplicating
work.
"""

from testforge.domain.crd import RunPhase

ORDER = (
    RunPhase.PENDING,
    RunPhase.PREPARING,
    RunPhase.RUNNING,
    RunPhase.HEALING,
    RunPhase.REPORTING,
)
FINAL = (RunPhase.SUCCEEDED, RunPhase.FAILED, RunPhase.ERROR, RunPhase.CANCELLED)


class InvalidTransitionError(ValueError):
    def __init__(self, current: RunPhase, target: RunPhase) -> None:
        super().__init__(f"a TestRun cannot go from {current} to {target}")
        self.current, self.target = current, target


def _rank(phase: RunPhase) -> int:
    return len(ORDER) if phase in FINAL else ORDER.index(phase)


def can_transition(current: RunPhase, target: RunPhase) -> bool:
    if current == target:
        return True
    if current.finished:
        return False
    return _rank(target) > _rank(current)


def transition(current: RunPhase, target: RunPhase) -> RunPhase:
    if not can_transition(current, target):
        raise InvalidTransitionError(current, target)
    return target
