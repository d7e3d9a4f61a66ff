"""Runs: triggering a TestRun (within the plan's quotas) and reading runs from the cluster.

Triggering locks the tenant row, so two CI jobs racing for the last run of the month cannot
both get it; records the run (the monthly quota counts records, since finished TestRuns may be
cleaned up from the cluster); creates the TestRun; and only then commits. If the cluster
refuses, nothing is recorded or charged.

An API key limited to some projects triggers and reads runs of those only: the others answer
404 and are left out of lists, as another tenant's would.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from api.billing.plans import QUOTAS, next_plan
from api.cluster.port import RefusedError, Resources
from api.cluster.resources import (
    PROJECTS,
    RUNS,
    RunView,
    new_run_name,
    read_run,
    run_manifest,
)
from api.db.models import RunRecord
from api.db.repositories import Tenants
from api.errors import NotFoundError, QuotaExceededError, TooManyRequestsError
from api.services import audit, egress, projects
from api.services.access import TenantAccess
from testforge.domain.crd import (
    EgressSpec,
    LocalObjectReference,
    Selection,
    TestRunSpec,
    Trigger,
    TriggerSource,
)
from testforge.domain.egress import Resolver
from testforge.domain.plan import Priority, Tag

RETRY_AFTER_SECONDS = 60


@dataclass(frozen=True)
class RunRequest:
    git_sha: str | None = None
    pull_request: int | None = None
    url: str | None = None
    tags: tuple[Tag, ...] = ()
    priorities: tuple[Priority, ...] = ()
    shards: int = 1


def period(now: datetime) -> tuple[datetime, datetime]:
    """The quota period: the calendar month (UTC) that contains `now`."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def trigger(
    access: TenantAccess,
    resources: Resources,
    resolver: Resolver,
    clock: Callable[[], datetime],
    project: str,
    request: RunRequest,
) -> RunView:
    if not access.sees_project(project):
        raise projects.not_found(project)
    # Before the tenant row is locked: a DNS lookup can take seconds.
    if request.url is not None:
        egress.vet(access.tenant, resolver, request.url, "body.url")
    tenant = Tenants(access.session).locked(access.tenant.id)
    quota = QUOTAS[tenant.plan]
    now = clock()
    start, end = period(now)
    used = access.repo.runs_since(start)
    if used >= quota.runs_per_month:
        upgrade = next_plan(tenant.plan)
        raise QuotaExceededError(
            f"Tenant {tenant.slug!r} has used {used} of the {quota.runs_per_month} runs its "
            f"{tenant.plan.value} plan includes this month; the quota resets on "
            f"{end.date().isoformat()}.",
            (
                f"Upgrade to the {upgrade.value} plan (an owner: POST /v1/tenants/{tenant.slug}"
                f'/billing/checkout {{"plan": "{upgrade.value}"}}), or wait for the reset.'
            )
            if upgrade
            else "Contact TestForge sales for a larger quota, or wait for the reset.",
            extra={"limit": "runs_per_month", "used": used, "allowed": quota.runs_per_month},
        )
    if resources.get(PROJECTS, tenant.namespace, project) is None:
        raise projects.not_found(project)
    active = [
        r.name for r in map(read_run, resources.list(RUNS, tenant.namespace)) if not r.finished
    ]
    if len(active) >= quota.concurrent_runs:
        raise TooManyRequestsError(
            f"Tenant {tenant.slug!r} already has {len(active)} unfinished run(s), the most its "
            f"{tenant.plan.value} plan runs at once.",
            "Retry when one finishes (see Retry-After), or upgrade the plan for more.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            extra={"limit": "concurrent_runs", "running": active},
        )
    actor = access.principal.actor
    source = TriggerSource.CI if request.git_sha else TriggerSource.API
    try:
        spec = TestRunSpec(
            project_ref=LocalObjectReference(name=project),
            url=request.url,
            selection=Selection(tags=list(request.tags), priorities=list(request.priorities)),
            shards=request.shards,
            # The tenant's policy now, so a run follows a change made since its project was
            # created; the runner checks the URL against it again.
            egress=EgressSpec.of(egress.policy_of(tenant)),
            trigger=Trigger(
                source=source,
                git_sha=request.git_sha,
                pull_request=request.pull_request,
                actor=actor[:256],
            ),
        )
    except ValidationError as exc:
        raise RefusedError(f"The run is not valid: {exc}", "Correct the fields it names.") from exc
    name = new_run_name(project)
    access.repo.add(
        RunRecord(
            run_name=name,
            project=project,
            source=source.value,
            git_sha=request.git_sha,
            pull_request=request.pull_request,
            actor=actor[:256],
            created_at=now,
        )
    )
    audit.record(
        access.session,
        clock,
        actor=actor,
        action="run.triggered",
        tenant_id=tenant.id,
        target=name,
        project=project,
        git_sha=request.git_sha,
        pull_request=request.pull_request,
    )
    access.session.flush()
    created = resources.create(run_manifest(tenant.namespace, name, tenant.slug, spec))
    access.session.commit()
    return read_run(created)


def listed(access: TenantAccess, resources: Resources, project: str | None) -> list[RunView]:
    runs = [
        run
        for run in map(read_run, resources.list(RUNS, access.tenant.namespace))
        if access.sees_project(run.project) and project in (None, run.project)
    ]
    # Newest first; runs the server has not stamped yet sort last, by name.
    return sorted(
        runs, key=lambda r: (r.created_at is not None, r.created_at, r.name), reverse=True
    )


def get(access: TenantAccess, resources: Resources, name: str) -> RunView:
    found = find(access, resources, name)
    if found is None:
        raise NotFoundError(f"There is no run {name!r}.", "GET .../runs lists them.")
    return found


def find(access: TenantAccess, resources: Resources, name: str) -> RunView | None:
    """The run, or None if there is none or the caller's project limits hide it."""
    found = resources.get(RUNS, access.tenant.namespace, name)
    run = read_run(found) if found is not None else None
    return run if run is not None and access.sees_project(run.project) else None
