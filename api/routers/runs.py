"""Runs: trigger one (the CI entry point) and read their state from the cluster.

CI usage, with an API key holding runs:trigger (a developer key, or one scoped to it):

    curl -fsS -X POST -H "Authorization: Bearer $TESTFORGE_API_KEY" \\
      -d '{"git_sha": "'$GITHUB_SHA'", "pull_request": 42}' \\
      https://testforge.example/v1/tenants/acme/projects/shop/runs

The answer (201) has the run's name and a Location header to poll until `finished` is true.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth.policy import Permission
from api.deps import ContainerDep, ProjectName, RunName, require
from api.problems import problem_responses
from api.schemas import RunCreate, RunPublic
from api.services import runs
from api.services.access import TenantAccess
from testforge.domain.crd import DNS_LABEL

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["runs"])
ProjectFilter = Annotated[
    str | None, Query(pattern=DNS_LABEL, max_length=50, description="Only this project's runs")
]
Read = Annotated[TenantAccess, require(Permission.RUNS_READ)]


@router.post("/projects/{project}/runs", status_code=201, responses=problem_responses(402))
def trigger_run(
    project: ProjectName,
    body: RunCreate,
    access: Annotated[TenantAccess, require(Permission.RUNS_TRIGGER)],
    container: ContainerDep,
    response: Response,
) -> RunPublic:
    view = runs.trigger(
        access,
        container.resources,
        container.resolver,
        container.clock,
        project,
        runs.RunRequest(
            git_sha=body.git_sha,
            pull_request=body.pull_request,
            url=body.url,
            tags=tuple(body.tags),
            priorities=tuple(body.priorities),
            shards=body.shards,
        ),
    )
    container.metrics.runs_triggered.labels(
        access.tenant.plan.value, "ci" if body.git_sha else "api"
    ).inc()
    response.headers["Location"] = f"/v1/tenants/{access.tenant.slug}/runs/{view.name}"
    return RunPublic.model_validate(view)


@router.get("/runs")
def list_runs(
    access: Read, container: ContainerDep, project: ProjectFilter = None
) -> list[RunPublic]:
    return [RunPublic.model_validate(r) for r in runs.listed(access, container.resources, project)]


@router.get("/runs/{run}")
def read_run(run: RunName, access: Read, container: ContainerDep) -> RunPublic:
    return RunPublic.model_validate(runs.get(access, container.resources, run))
