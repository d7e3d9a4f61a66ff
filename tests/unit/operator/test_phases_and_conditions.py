"""The run lifecycle only moves forward, and conditions keep their transition times."""

import pytest

from testforge.cluster.reconcile import conditions as cond
from testforge.cluster.reconcile.phases import InvalidTransitionError, can_transition, transition
from testforge.domain.crd import RunPhase

from .builders import T0, later

P = RunPhase


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (P.PENDING, P.PREPARING, True),
        (P.PENDING, P.REPORTING, True),
        (P.RUNNING, P.HEALING, True),
        (P.RUNNING, P.REPORTING, True),
        (P.REPORTING, P.SUCCEEDED, True),
        (P.REPORTING, P.ERROR, True),
        (P.RUNNING, P.RUNNING, True),
        (P.RUNNING, P.PREPARING, False),
        (P.REPORTING, P.RUNNING, False),
        (P.SUCCEEDED, P.FAILED, False),
        (P.CANCELLED, P.PENDING, False),
        (P.FAILED, P.SUCCEEDED, False),
    ],
)
def test_transitions_go_forward_only(current: RunPhase, target: RunPhase, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_a_backward_transition_raises_naming_both_phases() -> None:
    with pytest.raises(InvalidTransitionError, match="Running to Preparing"):
        transition(P.RUNNING, P.PREPARING)


def test_last_transition_time_moves_only_when_the_status_changes() -> None:
    first = cond.set_condition([], cond.READY, cond.FALSE, "Waiting", "a", 1, T0)
    same = cond.set_condition(first, cond.READY, cond.FALSE, "StillWaiting", "b", 2, later(60))
    flipped = cond.set_condition(same, cond.READY, cond.TRUE, "Done", "c", 2, later(120))
    assert same[0].last_transition_time == T0
    assert same[0].reason == "StillWaiting" and same[0].observed_generation == 2
    assert flipped[0].last_transition_time == later(120)


def test_conditions_are_kept_one_per_type_in_a_stable_order() -> None:
    items = cond.set_condition([], cond.STALLED, cond.FALSE, "Ok", "", 1, T0)
    items = cond.set_condition(items, cond.READY, cond.TRUE, "Ok", "", 1, T0)
    items = cond.set_condition(items, cond.READY, cond.TRUE, "Ok", "", 1, T0)
    assert [c.type for c in items] == ["Ready", "Stalled"]
    assert cond.is_true(items, cond.READY) and not cond.is_true(items, cond.STALLED)
