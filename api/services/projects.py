"""Projects are TestProject resources in the tenant's namespace; nothing about them is kept in
the database (design.md, "Where state lives").

An API key limited to some projects sees only those: the others are left out of lists and
answer 404, as if they did not exist; it may create only a project it names.
"""

from collections.abc import Callable
from datetime import datetime

from api.cluster.port import AlreadyExistsError, Resources
from api.cluster.resources import PROJECTS, ProjectView, project_manifest, read_project
from api.errors import ConflictError, ForbiddenError, NotFoundError
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
    if access.projects is not None and name not in access.projects:
        raise ForbiddenError(
            f"This API key is limited to the projects {', '.join(sorted(access.projects))}; "
            f"it cannot create {name!r}.",
            "Use a key whose projects include it, or one without project limits.",
        )
    egress.vet(access.tenant, resolver, spec.url, "body.url")
    # The tenant's policy goes with the project, for the runner to check again after its own
    # DNS lookup; a member cannot set it (ProjectCreate has no such field).
    spec = spec.model_copy(update={"egress": EgressSpec.of(egress.policy_of(access.tenant))})
    manifest = project_manifest(access.tenant.namespace, name, access.tenant.slug, spec)
    try:
        created = resources.create(manifest)
    except AlreadyExistsError as exc:
        raise ConflictError(
            f"A project named {name!r} already exists in this tenant.",
            f"Choose another name, or use it (GET /v1/tenants/{access.tenant.slug}/projects/"
            f"{name}).",
        ) from exc
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
    found = (read_project(obj) for obj in resources.list(PROJECTS, access.tenant.namespace))
    return sorted((p for p in found if access.sees_project(p.name)), key=lambda p: p.name)


def get(access: TenantAccess, resources: Resources, name: str) -> ProjectView:
    found = resources.get(PROJECTS, access.tenant.namespace, name)
    if found is None or not access.sees_project(name):
        raise not_found(name)
    return read_project(found)


def not_found(name: str) -> NotFoundError:
    return NotFoundError(f"There is no project {name!r}.", "GET .../projects lists them.")
