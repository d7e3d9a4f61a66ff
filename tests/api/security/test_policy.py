"""Every route against every role and kind of key, from one table; and the attacks on scoped
keys: scopes beyond their creator, a key kept after its creator's demotion, a key limited to
one project reaching for another's runs.

`ROUTES` says what each route needs. A route missing from it fails the first test, so a new
route cannot ship without declaring its permission; the policy (api.auth.policy) says who
holds each permission, and the HTTP answers must agree with both.
"""

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.auth import policy
from api.auth.policy import Permission, Subject
from api.auth.roles import Role
from api.deps import Requires
from api.main import ROUTERS
from tests.api.conftest import Api

P = Permission
T = "/v1/tenants/{tenant}"
FAILED = {"phase": "Failed"}


class Rule(Enum):
    PUBLIC = "public"  # no credentials (tests/api/test_rbac.py: each has its own protection)
    PERSON = "person"  # any signed-in person; never an API key
    PLATFORM = "platform"  # platform administrators only


ROUTES: dict[tuple[str, str], Permission | Rule] = {
    ("GET", T): P.TENANT_READ,
    ("PATCH", T): P.TENANT_UPDATE,
    ("GET", f"{T}/egress"): P.EGRESS_READ,
    ("PUT", f"{T}/egress"): P.EGRESS_MANAGE,
    ("GET", f"{T}/audit"): P.AUDIT_READ,
    ("PUT", f"{T}/mfa-policy"): P.MFA_POLICY_MANAGE,
    ("GET", f"{T}/members"): P.MEMBERS_READ,
    ("POST", f"{T}/members"): P.MEMBERS_MANAGE,
    ("PATCH", f"{T}/members/{{member_id}}"): P.MEMBERS_MANAGE,
    ("DELETE", f"{T}/members/{{member_id}}"): P.MEMBERS_MANAGE,
    ("GET", f"{T}/api-keys"): P.API_KEYS_READ,
    ("POST", f"{T}/api-keys"): P.API_KEYS_MANAGE,
    ("DELETE", f"{T}/api-keys/{{key_id}}"): P.API_KEYS_MANAGE,
    ("GET", f"{T}/projects"): P.PROJECTS_READ,
    ("POST", f"{T}/projects"): P.PROJECTS_CREATE,
    ("GET", f"{T}/projects/{{project}}"): P.PROJECTS_READ,
    ("POST", f"{T}/projects/{{project}}/runs"): P.RUNS_TRIGGER,
    ("GET", f"{T}/runs"): P.RUNS_READ,
    ("GET", f"{T}/runs/{{run}}"): P.RUNS_READ,
    ("GET", f"{T}/runs/{{run}}/shares"): P.SHARES_READ,
    ("POST", f"{T}/runs/{{run}}/shares"): P.SHARES_CREATE,
    ("DELETE", f"{T}/shares/{{share_id}}"): P.SHARES_REVOKE,
    ("GET", f"{T}/billing"): P.BILLING_READ,
    ("POST", f"{T}/billing/checkout"): P.BILLING_MANAGE,
    ("GET", "/v1/me"): Rule.PERSON,
    ("POST", "/v1/me/mfa"): Rule.PERSON,
    ("POST", "/v1/me/mfa/confirm"): Rule.PERSON,
    ("POST", "/v1/me/mfa/disable"): Rule.PERSON,
    ("POST", "/auth/mfa/verify"): Rule.PERSON,
    ("GET", "/v1/tenants"): Rule.PERSON,
    ("POST", "/v1/tenants"): Rule.PERSON,
    ("GET", "/v1/admin/tenants"): Rule.PLATFORM,
    ("POST", "/v1/admin/tenants/{tenant}/suspend"): Rule.PLATFORM,
    ("POST", "/v1/admin/tenants/{tenant}/reinstate"): Rule.PLATFORM,
    ("GET", "/v1/admin/audit"): Rule.PLATFORM,
    ("GET", "/healthz"): Rule.PUBLIC,
    ("GET", "/readyz"): Rule.PUBLIC,
    ("GET", "/metrics"): Rule.PUBLIC,
    ("GET", "/auth/providers"): Rule.PUBLIC,
    ("GET", "/auth/login"): Rule.PUBLIC,
    ("GET", "/auth/callback"): Rule.PUBLIC,
    ("POST", "/auth/refresh"): Rule.PUBLIC,
    ("POST", "/auth/logout"): Rule.PUBLIC,
    ("GET", "/.well-known/jwks.json"): Rule.PUBLIC,
    ("GET", "/v1/shared/{token}"): Rule.PUBLIC,
    ("POST", "/v1/billing/stripe/webhook"): Rule.PUBLIC,
}


def app_routes(api: Api) -> dict[tuple[str, str], set[Permission]]:
    """Every (method, path) the app serves, with the permissions its dependencies demand."""
    found: dict[tuple[str, str], set[Permission]] = {}
    for module in ROUTERS:  # the routers' own routes: the app nests them out of reach
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods or ():
                found[(method, route.path)] = _demanded(route.dependant)
    schema = api.client.app.openapi()  # type: ignore[attr-defined]
    served = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    assert served == set(found), "the app serves routes beyond api.main.ROUTERS"
    return found


def _demanded(dependant: Dependant) -> set[Permission]:
    found = {dependant.call.permission} if isinstance(dependant.call, Requires) else set()
    for sub in dependant.dependencies:
        found |= _demanded(sub)
    return found


def test_every_route_is_in_the_table_and_demands_what_it_says(api: Api) -> None:
    served = app_routes(api)
    assert set(served) - set(ROUTES) == set(), "routes missing from ROUTES: declare them"
    assert set(ROUTES) - set(served) == set(), "ROUTES names routes the app does not serve"
    for route, rule in ROUTES.items():
        expected = {rule} if isinstance(rule, Permission) else set()
        assert served[route] == expected, f"{route} demands {served[route]}, not {expected}"
    # owners:manage guards what members:manage routes ask for (granting the owner role).
    used = {rule for rule in ROUTES.values() if isinstance(rule, Permission)}
    assert used | {P.OWNERS_MANAGE} == set(Permission)


# --- every tenant route, for every kind of caller ----------------------------------------


@dataclass(frozen=True)
class Caller:
    """Someone acting in the tenant: a person with `role`, or (with `key_role`) a key that
    `role`'s holder created, with optional scopes and projects; `demoted_to`: the creator's
    role changed after the key was made."""

    name: str
    role: Role
    key_role: Role | None = None
    scopes: tuple[Permission, ...] | None = None
    projects: tuple[str, ...] | None = None
    demoted_to: Role | None = None

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-").replace("'", "")

    def subject(self) -> Subject:
        if self.key_role is None:
            return Subject.person(self.role)
        scopes = policy.key_permissions(self.key_role) if self.scopes is None else self.scopes
        creator = self.demoted_to or self.role
        return Subject.api_key(self.key_role, scopes, creator, self.projects)


CALLERS = [
    Caller("viewer", Role.VIEWER),
    Caller("developer", Role.DEVELOPER),
    Caller("admin", Role.ADMIN),
    Caller("owner", Role.OWNER),
    Caller("viewer key", Role.OWNER, Role.VIEWER),
    Caller("developer key", Role.OWNER, Role.DEVELOPER),
    Caller("admin key", Role.OWNER, Role.ADMIN),
    Caller("ci key", Role.OWNER, Role.DEVELOPER, (P.RUNS_READ, P.RUNS_TRIGGER)),
    Caller("auditor key", Role.ADMIN, Role.ADMIN, (P.AUDIT_READ, P.API_KEYS_READ)),
    Caller("shop key", Role.OWNER, Role.DEVELOPER, projects=("shop", "p-shop-key")),
    Caller("demoted admin's key", Role.ADMIN, Role.ADMIN, demoted_to=Role.DEVELOPER),
]


@dataclass(frozen=True)
class World:
    run: str
    target_member: str  # a viewer anyone managing members may "change" to viewer


def _world(api: Api, owner: dict[str, str]) -> World:
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner)
    assert run.status_code == 201, run.text
    api.member(owner, "acme", "target@example.com", "viewer")
    members = api.client.get("/v1/tenants/acme/members", headers=owner).json()
    target = next(m["id"] for m in members if m["email"] == "target@example.com")
    return World(run.json()["name"], target)


def _headers(api: Api, owner: dict[str, str], caller: Caller) -> dict[str, str]:
    if caller.key_role is None:
        if caller.role is Role.OWNER:
            return owner
        return api.member(owner, "acme", f"{caller.slug}@example.com", caller.role)
    creator = owner
    if caller.role is not Role.OWNER:
        creator = api.member(owner, "acme", f"{caller.slug}-creator@example.com", caller.role)
    key = api.api_key(
        creator,
        "acme",
        caller.key_role,
        [s.value for s in caller.scopes] if caller.scopes else None,
        list(caller.projects) if caller.projects else None,
    )
    if caller.demoted_to is not None:
        members = api.client.get("/v1/tenants/acme/members", headers=owner).json()
        them = next(m["id"] for m in members if m["email"].startswith(f"{caller.slug}-creator"))
        demoted = api.client.patch(
            f"/v1/tenants/acme/members/{them}", json={"role": caller.demoted_to}, headers=owner
        )
        assert demoted.status_code == 200, demoted.text
    return key


def _request(world: World, caller: Caller, method: str, path: str) -> tuple[str, Any]:
    """A concrete request for the route: real targets where a harmless one exists, random ids
    (a 404 once allowed) where the only real one would change the world for later routes."""
    fill = {
        "{tenant}": "acme",
        "{project}": "shop",
        "{run}": world.run,
        "{member_id}": world.target_member if method == "PATCH" else str(uuid.uuid4()),
        "{key_id}": str(uuid.uuid4()),
        "{share_id}": str(uuid.uuid4()),
    }
    for placeholder, value in fill.items():
        path = path.replace(placeholder, value)
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/v1/tenants/acme"): {"name": "Acme"},
        ("PUT", "/v1/tenants/acme/egress"): {},
        ("PUT", "/v1/tenants/acme/mfa-policy"): {"required": False},
        ("POST", "/v1/tenants/acme/members"): {"email": "target@example.com", "role": "viewer"},
        ("POST", "/v1/tenants/acme/api-keys"): {"name": "more", "role": "viewer"},
        ("POST", "/v1/tenants/acme/projects"): {
            "name": f"p-{caller.slug}",
            "url": "https://shop.example",
        },
        ("POST", "/v1/tenants/acme/billing/checkout"): {"plan": "team"},
    }
    if method in {"PATCH", "PUT", "POST"}:
        default: Any = {"role": "viewer"} if "/members/" in path else {}
        return path, bodies.get((method, path), default)
    return path, None


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
def test_every_tenant_route_answers_as_the_policy_says(api: Api, caller: Caller) -> None:
    owner = api.sign_in("owner@example.com")
    world = _world(api, owner)
    headers = _headers(api, owner, caller)
    subject = caller.subject()
    wrong = []
    for (method, template), rule in ROUTES.items():
        if not isinstance(rule, Permission):
            continue
        path, body = _request(world, caller, method, template)
        answer = api.client.request(method, path, json=body, headers=headers)
        problem = answer.json() if answer.status_code >= 400 else {}
        if policy.check(subject, rule) is None:
            refused = answer.status_code in {401, 403} or "that you belong to" in str(problem)
            if refused or answer.status_code >= 500:
                wrong.append(f"{method} {path} ({rule}) allowed, got {answer.status_code}")
        elif answer.status_code != 403 or problem.get("permission") != rule.value:
            wrong.append(f"{method} {path} ({rule}) denied, got {answer.status_code} {problem}")
        elif rule.value not in problem["detail"] or not problem.get("fix"):
            wrong.append(f"{method} {path}: the 403 does not name {rule} and a fix: {problem}")
    assert wrong == [], "\n".join(wrong)


def test_keys_never_act_as_people_or_platform_admins(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    key = api.api_key(owner, "acme", "admin")
    for (method, path), rule in ROUTES.items():
        if rule in {Rule.PERSON, Rule.PLATFORM}:
            concrete = path.replace("{tenant}", "acme")
            for headers in [key, owner] if rule is Rule.PLATFORM else [key]:
                answer = api.client.request(method, concrete, json={}, headers=headers)
                assert answer.status_code == 403, (method, path, answer.text)


# --- attacks on scoped keys ------------------------------------------------------------------


def _keys(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.client.get(
        "/v1/tenants/acme/api-keys", headers=headers
    ).json()
    return listed


def test_a_key_cannot_ask_for_more_than_its_creator_has(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin = api.member(owner, "acme", "admin@example.com", "admin")
    url = "/v1/tenants/acme/api-keys"
    for scope in ("billing:manage", "owners:manage", "mfa_policy:manage"):
        body = {"name": "wider", "role": "admin", "scopes": ["runs:read", scope]}
        answer = api.client.post(url, json=body, headers=admin)
        assert answer.status_code == 403, answer.text
        assert scope in answer.json()["detail"] and "narrow" in answer.json()["detail"]
    person_only = {"name": "people", "role": "admin", "scopes": ["members:manage"]}
    answer = api.client.post(url, json=person_only, headers=owner)
    assert answer.status_code == 422 and "never hold members:manage" in answer.json()["detail"]
    beyond_role = {"name": "odd", "role": "viewer", "scopes": ["runs:trigger"]}
    assert api.client.post(url, json=beyond_role, headers=admin).status_code == 422
    unknown = {"name": "made up", "scopes": ["runs:delete"]}
    answer = api.client.post(url, json=unknown, headers=admin)
    assert answer.status_code == 422 and answer.json()["errors"][0]["where"] == "body.scopes.0"
    assert _keys(api, owner) == []


def test_a_key_kept_after_its_creator_is_demoted_shrinks_with_them(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin = api.member(owner, "acme", "ops@example.com", "admin")
    key = api.api_key(admin, "acme", "admin", scopes=["audit:read", "runs:read", "tenant:read"])
    assert api.client.get("/v1/tenants/acme/audit", headers=key).status_code == 200
    ops = next(
        m
        for m in api.client.get("/v1/tenants/acme/members", headers=owner).json()
        if m["email"] == "ops@example.com"
    )

    def set_role(role: str) -> None:
        answer = api.client.patch(
            f"/v1/tenants/acme/members/{ops['id']}", json={"role": role}, headers=owner
        )
        assert answer.status_code == 200, answer.text

    set_role("viewer")
    refused = api.client.get("/v1/tenants/acme/audit", headers=key)
    assert refused.status_code == 403 and refused.json()["permission"] == "audit:read"
    assert "current role, viewer" in refused.json()["detail"]
    assert api.client.get("/v1/tenants/acme/runs", headers=key).status_code == 200
    tenant = api.client.get("/v1/tenants/acme", headers=key).json()
    assert tenant["role"] == "viewer" and tenant["permissions"] == ["tenant:read", "runs:read"]
    set_role("admin")  # re-read on every request: back with its creator's rights
    assert api.client.get("/v1/tenants/acme/audit", headers=key).status_code == 200


def test_a_project_limited_key_cannot_reach_other_projects(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    for project in ("shop", "lab"):
        api.project(owner, "acme", project)
    runs = {}
    for project in ("lab", "shop"):
        made = api.client.post(f"/v1/tenants/acme/projects/{project}/runs", json={}, headers=owner)
        assert made.status_code == 201, made.text
        runs[project] = made.json()["name"]
        # Finished, so the free plan's one concurrent run is free for the next.
        api.cluster.set_status("testruns", api.namespace("acme"), made.json()["name"], FAILED)
    lab_share = api.client.post(
        f"/v1/tenants/acme/runs/{runs['lab']}/shares", json={}, headers=owner
    )
    key = api.api_key(owner, "acme", "admin", projects=["shop"])

    def get(path: str) -> Any:
        return api.client.get(f"/v1/tenants/acme{path}", headers=key)

    assert [p["name"] for p in get("/projects").json()] == ["shop"]
    assert [r["name"] for r in get("/runs").json()] == [runs["shop"]]
    assert get("/runs?project=lab").json() == []
    assert get(f"/runs/{runs['shop']}").status_code == 200
    hidden = [
        get("/projects/lab"),
        get(f"/runs/{runs['lab']}"),
        get(f"/runs/{runs['lab']}/shares"),
        api.client.post("/v1/tenants/acme/projects/lab/runs", json={}, headers=key),
        api.client.post(f"/v1/tenants/acme/runs/{runs['lab']}/shares", json={}, headers=key),
        api.client.delete(f"/v1/tenants/acme/shares/{lab_share.json()['id']}", headers=key),
    ]
    for answer in hidden:  # 404, as for another tenant's: the project might not exist
        assert answer.status_code == 404, (answer.request.url, answer.text)
    create = {"name": "elsewhere", "url": "https://shop.example"}
    made = api.client.post("/v1/tenants/acme/projects", json=create, headers=key)
    assert made.status_code == 403 and "limited to the projects shop" in made.json()["detail"]
    assert api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=key).is_success
    listed = _keys(api, owner)[0]
    assert listed["projects"] == ["shop"] and "runs:trigger" in listed["scopes"]


def test_a_ci_key_scoped_to_triggering_can_do_nothing_else(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    key = api.api_key(owner, "acme", scopes=["runs:trigger"])
    assert api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=key).is_success
    refused = api.client.get("/v1/tenants/acme/runs", headers=key)
    assert refused.status_code == 403 and refused.json()["permission"] == "runs:read"
    assert "scopes include runs:read" in refused.json()["fix"]
    assert _keys(api, owner)[0]["scopes"] == ["runs:trigger"]


def test_member_is_still_read_as_developer(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    dev = api.member(owner, "acme", "dev@example.com", "member")
    assert api.client.get("/v1/tenants/acme", headers=dev).json()["role"] == "developer"
    created = api.client.post(
        "/v1/tenants/acme/api-keys", json={"name": "ci", "role": "member"}, headers=owner
    ).json()
    assert created["role"] == "developer"
    developer = policy.ordered(policy.key_permissions(Role.DEVELOPER))
    assert created["scopes"] == [p.value for p in developer]
