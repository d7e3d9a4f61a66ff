"""Projects are TestProject resources in the tenant's namespace; nothing about them is kept in
the database (design.md, "Where state lives")."""

from collections.abc import Callable
from datetime import datetime

from api.cluster.port import Resources
from api.cluster.resources import PROJECTS, ProjectView, project_manifest, read_project
from api.errors import NotFoundError
from api.services import audit, egress
from api.services.access import TenantAccess
from testforge.domain.crd import EgressSpec, TestProjectSpec
from testforge.domain.egress import Resolver


def create(
    access: TenantAccess,
    resources: Resources,
    resolver: Resolver,
    clock: Callable[[], datetime],
    name: str,
    spec: TestProjectSpec,
) -> ProjectView:
    egress.vet(access.tenant, resolver, spec.url, "body.url")
    # The tenant's policy goes with the project, for the runner to check again after its own
    # DNS lookup; a member cannot set it (ProjectCreate has no such field).
    spec = spec.model_copy(update={"egress": EgressSpec.of(egress.policy_of(access.tenant))})
    manifest = project_manifest(access.tenant.namespace, name, access.tenant.slug, spec)
    created = resources.create(manifest)
    # The resource exists now; the audit entry follows it (a failed create is not audited).
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="project.created",
        tenant_id=access.tenant.id,
        target=name,
        url=spec.url,
    )
    access.session.commit()
    return read_project(created)


def listed(access: TenantAccess, resources: Resources) -> list[ProjectView]:
    found = resources.list(PROJECTS, access.tenant.namespace)
    return sorted((read_project(obj) for obj in found), key=lambda p: p.name)


def get(access: TenantAccess, resources: Resources, name: str) -> ProjectView:
    found = resources.get(PROJECTS, access.tenant.namespace, name)
    if found is None:
        raise NotFoundError(f"There is no project {name!r}.", "GET .../projects lists them.")
    return read_project(found)
