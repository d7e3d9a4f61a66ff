"""Access is enforced on every route: no route is open by accident, outsiders cannot even see
that a tenant exists, and the owner role's own rules hold. Which permission each route needs,
for every role and kind of key, is tests/api/security/test_policy.py's table."""

import uuid

from tests.api.conftest import PLATFORM_ADMIN, Api

# Routes that are public by design, each with its own protection.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/auth/providers"),  # the providers' ids and names, nothing more
    ("GET", "/auth/login"),
    ("GET", "/auth/callback"),  # protected by the signed login state
    ("POST", "/auth/refresh"),  # protected by the refresh token
    ("POST", "/auth/logout"),  # ends whichever session its tokens name; none: nothing
    ("GET", "/.well-known/jwks.json"),  # public keys
    ("GET", "/v1/shared/{token}"),  # protected by the signed share token
    ("POST", "/v1/billing/stripe/webhook"),  # protected by Stripe's signature
}
FILL = {
    "{tenant}": "acme",
    "{project}": "shop",
    "{run}": "shop-abc123",
    "{member_id}": str(uuid.uuid4()),
    "{key_id}": str(uuid.uuid4()),
    "{share_id}": str(uuid.uuid4()),
    "{token}": "x" * 40,
}


def routes(api: Api) -> list[tuple[str, str]]:
    found = [
        (method.upper(), path)
        for path, operations in api.client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in operations
    ]
    assert len(found) > 25, "the route list looks incomplete"
    return found


def concrete(path: str) -> str:
    for placeholder, value in FILL.items():
        path = path.replace(placeholder, value)
    return path


def test_every_route_but_the_public_ones_refuses_anonymous_callers(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    for method, path in routes(api):
        if (method, path) in PUBLIC:
            continue
        answer = api.client.request(method, concrete(path), json={})
        assert answer.status_code == 401, f"{method} {path} answered {answer.status_code}"


def test_every_tenant_route_looks_absent_to_a_signed_in_outsider(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    outsider = api.sign_in("mallory@example.com")
    tenant_routes = [(m, p) for m, p in routes(api) if p.startswith("/v1/tenants/{tenant}")]
    assert len(tenant_routes) >= 18
    for method, path in tenant_routes:
        answer = api.client.request(method, concrete(path), json={}, headers=outsider)
        assert answer.status_code in {404, 422}, f"{method} {path}: {answer.status_code}"
        if answer.status_code == 404:
            assert "that you belong to" in answer.json()["detail"], f"{method} {path}"


def test_an_admin_cannot_make_or_unmake_owners(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin = api.member(owner, "acme", "admin@example.com", "admin")
    api.sign_in("newbie@example.com")
    answer = api.client.post(
        "/v1/tenants/acme/members",
        json={"email": "newbie@example.com", "role": "owner"},
        headers=admin,
    )
    assert answer.status_code == 403
    members = api.client.get("/v1/tenants/acme/members", headers=admin).json()
    owner_id = next(m["id"] for m in members if m["role"] == "owner")
    answer = api.client.patch(
        f"/v1/tenants/acme/members/{owner_id}", json={"role": "viewer"}, headers=admin
    )
    assert answer.status_code == 403
    assert (
        api.client.delete(f"/v1/tenants/acme/members/{owner_id}", headers=admin).status_code == 403
    )


def test_the_last_owner_can_neither_leave_nor_be_demoted(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    members = api.client.get("/v1/tenants/acme/members", headers=owner).json()
    me = members[0]["id"]
    demote = api.client.patch(
        f"/v1/tenants/acme/members/{me}", json={"role": "admin"}, headers=owner
    )
    assert demote.status_code == 409 and "last owner" in demote.json()["detail"]
    assert api.client.delete(f"/v1/tenants/acme/members/{me}", headers=owner).status_code == 409
    api.member(owner, "acme", "second@example.com", "owner")
    assert api.client.delete(f"/v1/tenants/acme/members/{me}", headers=owner).status_code == 204


def test_an_api_key_acts_with_its_own_role_only(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    viewer_key = api.api_key(owner, "acme", role="viewer")
    assert api.client.get("/v1/tenants/acme/runs", headers=viewer_key).status_code == 200
    trigger = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=viewer_key)
    assert trigger.status_code == 403


def test_an_api_key_cannot_mint_keys_or_start_billing(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin_key = api.api_key(owner, "acme", role="admin")
    answer = api.client.post("/v1/tenants/acme/api-keys", json={"name": "more"}, headers=admin_key)
    assert answer.status_code == 403
    assert "needs a person" in answer.json()["detail"]
    assert api.client.get("/v1/me", headers=admin_key).status_code == 403


def test_platform_routes_refuse_tenant_owners(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    assert api.client.get("/v1/admin/tenants", headers=owner).status_code == 403
    suspend = api.client.post(
        "/v1/admin/tenants/acme/suspend", json={"reason": "mine"}, headers=owner
    )
    assert suspend.status_code == 403
    root = api.sign_in(PLATFORM_ADMIN)
    assert api.client.get("/v1/admin/tenants", headers=root).status_code == 200


def test_a_platform_admin_gets_no_access_to_tenant_data(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    root = api.sign_in(PLATFORM_ADMIN)
    assert api.client.get("/v1/tenants/acme/projects", headers=root).status_code == 404


def test_an_unverified_address_on_the_admin_list_has_no_platform_power(api: Api) -> None:
    impostor = api.sign_in(PLATFORM_ADMIN, verified=False)
    assert api.client.get("/v1/admin/tenants", headers=impostor).status_code == 403
