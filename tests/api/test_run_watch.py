"""Settling finished runs (api.services.run_watch): each finished TestRun's outcome lands in its
run record once, listeners write in the same transaction, and a failing listener loses
nothing."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import RunRecord
from api.services.run_watch import LOST, RunFinished
from tests.api.conftest import Api

FINISHED: dict[str, Any] = {
    "phase": "Failed",
    "startTime": "2026-12-02T10:00:00Z",
    "completionTime": "2026-12-02T10:03:00Z",
    "counts": {"total": 10, "passed": 7, "failed": 2, "healed": 1, "flaky": 1},
    "tokens": {"inputTokens": 1200, "outputTokens": 300},
    "shards": [
        {"index": 0, "job": "j0", "tests": 5, "state": "Succeeded", "seconds": 95},
        {"index": 1, "job": "j1", "tests": 5, "state": "Failed", "seconds": 80},
    ],
}


@pytest.fixture
def owner(api_on: Api) -> dict[str, str]:
    headers = api_on.sign_in("owner@example.com")
    api_on.tenant(headers, "acme")
    api_on.project(headers, "acme")
    return headers


def trigger(api: Api, headers: dict[str, str]) -> str:
    answer = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["name"])


def record(api: Api, run: str) -> RunRecord:
    with api.container.sessions() as session:
        found = session.scalar(select(RunRecord).where(RunRecord.run_name == run))
        assert found is not None
        return found


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.seen: list[str] = []
        self.fail = fail

    def run_finished(self, session: Session, event: RunFinished) -> None:
        if self.fail:
            raise RuntimeError("listener down")
        self.seen.append(event.record.run_name)


def test_a_finished_run_is_settled_once_with_its_outcome(
    api_on: Api, owner: dict[str, str]
) -> None:
    listener = Recorder()
    api_on.container.run_watch.listeners.append(listener)
    run = trigger(api_on, owner)
    api_on.cluster.set_status("testruns", "tf-acme", run, FINISHED)
    running = trigger(api_on, owner)  # the Free plan runs one at a time
    api_on.cluster.set_status("testruns", "tf-acme", running, {"phase": "Running"})

    settled = api_on.container.run_watch.settle()

    assert [e.record.run_name for e in settled] == [run] == listener.seen
    row = record(api_on, run)
    assert (row.phase, row.total, row.passed, row.failed, row.healed, row.flaky) == (
        "Failed",
        10,
        7,
        2,
        1,
        1,
    )
    assert (row.input_tokens, row.output_tokens, row.sandbox_seconds) == (1200, 300, 175)
    assert row.finished_at is not None
    assert row.finished_at.isoformat().startswith("2026-12-02T10:03")
    assert record(api_on, running).finished_at is None
    assert api_on.container.run_watch.settle() == []  # settled once
    assert listener.seen == [run]


def test_a_failing_listener_rolls_the_settle_back_for_the_next_pass(
    api_on: Api, owner: dict[str, str]
) -> None:
    broken = Recorder(fail=True)
    api_on.container.run_watch.listeners.append(broken)
    run = trigger(api_on, owner)
    api_on.cluster.set_status("testruns", "tf-acme", run, FINISHED)
    with pytest.raises(RuntimeError):
        api_on.container.run_watch.settle()
    assert record(api_on, run).finished_at is None

    broken.fail = False
    assert [e.record.run_name for e in api_on.container.run_watch.settle()] == [run]


def test_shards_without_job_times_count_the_runs_duration(
    api_on: Api, owner: dict[str, str]
) -> None:
    run = trigger(api_on, owner)
    status = {**FINISHED, "shards": [{**s, "seconds": None} for s in FINISHED["shards"]]}
    api_on.cluster.set_status("testruns", "tf-acme", run, status)
    api_on.container.run_watch.settle()
    assert record(api_on, run).sandbox_seconds == 2 * 180


def test_a_testrun_deleted_before_it_finished_is_settled_as_lost_after_a_grace(
    api_on: Api, owner: dict[str, str]
) -> None:
    run = trigger(api_on, owner)
    del api_on.cluster.objects[("testruns", "tf-acme", run)]
    assert api_on.container.run_watch.settle() == []  # might be a cache not seeing it yet
    api_on.clock.advance(hours=2)
    settled = api_on.container.run_watch.settle()
    assert [(e.record.run_name, e.run) for e in settled] == [(run, None)]
    row = record(api_on, run)
    assert (row.phase, row.total) == (LOST, 0)


def test_an_unreachable_cluster_settles_nothing_and_keeps_the_records(
    api_on: Api, owner: dict[str, str]
) -> None:
    run = trigger(api_on, owner)
    api_on.cluster.set_status("testruns", "tf-acme", run, FINISHED)
    api_on.cluster.down = True
    assert api_on.container.run_watch.settle() == []
    api_on.cluster.down = False
    assert len(api_on.container.run_watch.settle()) == 1
