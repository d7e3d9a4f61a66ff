"""Projects: TestProject resources in the tenant's namespace."""

from fastapi import APIRouter

from api.deps import ContainerDep, MemberAccess, ProjectName, ViewerAccess
from api.schemas import ProjectCreate, ProjectPublic
from api.services import projects
from testforge.domain.crd import TestProjectSpec

router = APIRouter(prefix="/v1/tenants/{tenant}/projects", tags=["projects"])


@router.post("", status_code=201)
def create_project(
    body: ProjectCreate, access: MemberAccess, container: ContainerDep
) -> ProjectPublic:
    spec = TestProjectSpec.model_validate(body.model_dump(exclude={"name"}, exclude_none=True))
    view = projects.create(
        access, container.resources, container.resolver, container.clock, body.name, spec
    )
    return ProjectPublic.model_validate(view)


@router.get("")
def list_projects(access: ViewerAccess, container: ContainerDep) -> list[ProjectPublic]:
    return [ProjectPublic.model_validate(p) for p in projects.listed(access, container.resources)]


@router.get("/{project}")
def read_project(
    project: ProjectName, access: ViewerAccess, container: ContainerDep
) -> ProjectPublic:
    return ProjectPublic.model_validate(projects.get(access, container.resources, project))
