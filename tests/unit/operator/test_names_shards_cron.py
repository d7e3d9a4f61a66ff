"""Child names are deterministic and valid; shards are balanced; cron finds the next tick."""

from datetime import UTC, datetime

import pytest

from testforge.cluster.builders import names
from testforge.cluster.reconcile import cron
from testforge.cluster.reconcile.shards import plan_shards, select
from testforge.domain.crd import Selection
from testforge.domain.errors import ConfigurationError

from .builders import case


def test_child_names_are_the_same_every_time_and_fit_a_label() -> None:
    long_run = "r" * 80
    assert names.shard_job("nightly", 2) == "nightly-shard-2"
    assert names.shard_job(long_run, 2) == names.shard_job(long_run, 2)
    assert len(names.shard_job(long_run, 12)) <= 63
    assert names.shard_job(long_run, 1) != names.shard_job("r" * 81, 1)


def test_selection_filters_by_tag_priority_and_case_id() -> None:
    cases = [case(1, ("smoke",), "P0"), case(2, ("flow",), "P1"), case(3, ("smoke",), "P2")]
    assert [c.case_id for c in select(cases, Selection.model_validate({"tags": ["smoke"]}))] == [
        "TC001",
        "TC003",
    ]
    by_priority = Selection.model_validate({"tags": ["smoke"], "priorities": ["P0"]})
    assert [c.case_id for c in select(cases, by_priority)] == ["TC001"]
    assert [c.case_id for c in select(cases, Selection(cases=["TC002"]))] == ["TC002"]


@pytest.mark.parametrize(
    ("count", "shards", "sizes"),
    [(10, 3, [4, 3, 3]), (2, 5, [1, 1]), (0, 3, []), (6, 1, [6])],
)
def test_shards_are_balanced_and_never_empty(count: int, shards: int, sizes: list[int]) -> None:
    groups = plan_shards([case(i) for i in range(count)], shards)
    assert [len(g) for g in groups] == sizes
    assert sorted(n for g in groups for n in g) == sorted(case(i).nodeid for i in range(count))


def test_the_shard_plan_does_not_depend_on_case_order() -> None:
    cases = [case(i) for i in range(7)]
    assert plan_shards(cases, 3) == plan_shards(list(reversed(cases)), 3)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 3 * * *", datetime(2026, 1, 1, 12, 0), datetime(2026, 1, 2, 3, 0)),
        ("*/15 * * * *", datetime(2026, 1, 1, 12, 7), datetime(2026, 1, 1, 12, 15)),
        ("30 9 * * 1-5", datetime(2026, 1, 2, 10, 0), datetime(2026, 1, 5, 9, 30)),  # Fri->Mon
        ("0 0 1 * *", datetime(2026, 1, 15, 0, 0), datetime(2026, 2, 1, 0, 0)),
        ("0 12 29 2 *", datetime(2026, 3, 1), datetime(2028, 2, 29, 12, 0)),
        ("0 0 * * 7", datetime(2026, 1, 1), datetime(2026, 1, 4, 0, 0)),  # 7 is Sunday
    ],
)
def test_cron_finds_the_next_tick(expression: str, after: datetime, expected: datetime) -> None:
    when = cron.parse(expression).next_after(after.replace(tzinfo=UTC))
    assert when == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("expression", ["* * * *", "61 * * * *", "a * * * *", "5-1 * * * *"])
def test_cron_refuses_malformed_expressions(expression: str) -> None:
    with pytest.raises(ConfigurationError):
        cron.parse(expression)
