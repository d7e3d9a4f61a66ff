"""Settling finished runs: the one place that notices a TestRun has finished.

`RunWatch.settle` reads the TestRun of every run record not settled yet and, for each that
has finished, writes its outcome into the record (phase, counts, tokens, sandbox time) and
tells every `RunListener`, all in one transaction: a listener writes what it must through the
session it is given (usage records, an outbox row for a call to GitHub) and never calls out
itself, so nothing is lost if the process stops half-way and nothing is done twice (a record
is settled once; the next pass skips it).

The API runs it in the background every `run_watch_interval_s`; tests call it directly.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.cluster.port import ClusterUnavailableError, Resources
from api.cluster.resources import RUNS, RunView, read_run
from api.db.models import RunRecord, Tenant

log = logging.getLogger(__name__)

BATCH = 200
# A record whose TestRun is gone (deleted by hand before it finished) is settled as Lost once
# it is this old, so it neither blocks the watch nor counts as a pass.
LOST_AFTER = timedelta(hours=1)
LOST = "Lost"


@dataclass(frozen=True)
class RunFinished:
    tenant_id: uuid.UUID
    tenant_slug: str
    namespace: str
    record: RunRecord  # settled: its outcome columns are filled
    run: RunView | None  # None: the TestRun was gone (phase Lost)


class RunListener(Protocol):
    def run_finished(self, session: Session, event: RunFinished) -> None:
        """Write what this finish means, through `session`, inside the settling transaction.
        Raise to roll the whole settle back (it is retried on the next pass)."""
        ...


def settle_record(record: RunRecord, run: RunView | None, now: datetime) -> None:
    record.finished_at = (run.completion_time if run else None) or now
    if run is None:
        record.phase = LOST
        return
    record.phase = run.phase.value
    counts = run.counts
    record.total, record.passed, record.failed = counts.total, counts.passed, counts.failed
    record.healed, record.flaky = counts.healed, counts.flaky
    record.input_tokens, record.output_tokens = run.input_tokens, run.output_tokens
    record.sandbox_seconds = run.sandbox_seconds


class RunWatch:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        resources: Resources,
        clock: Callable[[], datetime],
        listeners: Sequence[RunListener] = (),
    ) -> None:
        self.sessions = sessions
        self.resources = resources
        self.clock = clock
        self.listeners = list(listeners)

    def settle(self) -> list[RunFinished]:
        """Settle every finished run not settled yet (oldest first, a batch per call)."""
        now = self.clock()
        with self.sessions() as session:
            rows = session.execute(
                select(RunRecord, Tenant)
                .join(Tenant, Tenant.id == RunRecord.tenant_id)
                .where(RunRecord.finished_at.is_(None))
                .order_by(RunRecord.created_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True, of=RunRecord)
            ).all()
            events: list[RunFinished] = []
            for record, tenant in rows:
                try:
                    found = self.resources.get(RUNS, tenant.namespace, record.run_name)
                except ClusterUnavailableError as exc:
                    log.warning("run watch: cluster unavailable, retried next pass: %s", exc)
                    break
                run = read_run(found) if found is not None else None
                if run is not None and not run.finished:
                    continue
                if run is None and now - record.created_at < LOST_AFTER:
                    continue  # not created yet, or a cache that has not seen it
                settle_record(record, run, now)
                event = RunFinished(tenant.id, tenant.slug, tenant.namespace, record, run)
                for listener in self.listeners:
                    listener.run_finished(session, event)
                events.append(event)
            session.commit()
        return events
