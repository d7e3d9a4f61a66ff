"""Projects: TestProject resources in the tenant's namespace."""

from typing import Annotated

from fastapi import APIRouter

from api.auth.policy import Permission
from api.deps import ContainerDep, ProjectName, require
from api.problems import problem_responses
from api.schemas import ProjectCreate, ProjectPublic
from api.services import projects
from api.services.access import TenantAccess
from testforge.domain.crd import TestProjectSpec

router = APIRouter(prefix="/v1/tenants/{tenant}/projects", tags=["projects"])
Read = Annotated[TenantAccess, require(Permission.PROJECTS_READ)]


@router.post("", status_code=201, responses=problem_responses(409))
def create_project(
    body: ProjectCreate,
    access: Annotated[TenantAccess, require(Permission.PROJECTS_CREATE)],
    container: ContainerDep,
) -> ProjectPublic:
    spec = TestProjectSpec.model_validate(body.model_dump(exclude={"name"}, exclude_none=True))
    view = projects.create(
        access, container.resources, container.resolver, container.clock, body.name, spec
    )
    return ProjectPublic.model_validate(view)


@router.get("")
def list_projects(access: Read, container: ContainerDep) -> list[ProjectPublic]:
    return [ProjectPublic.model_validate(p) for p in projects.listed(access, container.resources)]


@router.get("/{project}")
def read_project(
    project: ProjectName, access: Read, container: ContainerDep
) -> ProjectPublic:
    return ProjectPublic.model_validate(projects.get(access, container.resources, project))
