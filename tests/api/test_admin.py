"""Platform administration: the tenant list, suspension, reinstatement, the audit log."""

from tests.api.conftest import PLATFORM_ADMIN, Api


def test_a_platform_admin_suspends_a_tenant_and_its_members_and_keys_are_stopped(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    ci = api.api_key(owner, "acme")
    root = api.sign_in(PLATFORM_ADMIN)
    listed = api.client.get("/v1/admin/tenants", headers=root).json()
    assert [(t["slug"], t["namespace"], t["suspended_at"]) for t in listed] == [
        ("acme", "tf-acme", None)
    ]
    suspended = api.client.post(
        "/v1/admin/tenants/acme/suspend", json={"reason": "unpaid invoices"}, headers=root
    )
    assert suspended.status_code == 200 and suspended.json()["suspended_at"]
    for headers in (owner, ci):
        answer = api.client.get("/v1/tenants/acme/runs", headers=headers)
        assert answer.status_code == 403
        assert "suspended: unpaid invoices" in answer.json()["detail"]
    assert api.client.post("/v1/admin/tenants/acme/reinstate", headers=root).status_code == 200
    assert api.client.get("/v1/tenants/acme/runs", headers=ci).status_code == 200


def test_security_relevant_actions_are_in_the_audit_log_with_who_what_when_and_tenant(
    api: Api,
) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.api_key(owner, "acme")
    root = api.sign_in(PLATFORM_ADMIN)
    api.client.post("/v1/admin/tenants/acme/suspend", json={"reason": "test"}, headers=root)
    entries = api.client.get("/v1/admin/audit?tenant=acme", headers=root).json()
    actions = [e["action"] for e in entries]
    assert actions == ["tenant.suspended", "api_key.created", "tenant.created"]  # newest first
    suspended = entries[0]
    assert suspended["actor"].startswith("platform_admin:") and PLATFORM_ADMIN in suspended["actor"]
    assert suspended["tenant_id"] == str(api.tenant_id("acme"))
    assert suspended["details"] == {"reason": "test"}
    assert suspended["at"]
    everything = api.client.get("/v1/admin/audit", headers=root).json()
    assert {"auth.login", "tenant.created"} <= {e["action"] for e in everything}


def test_tenant_admins_read_their_own_audit_log_only(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    other = api.sign_in("other@example.com")
    api.tenant(other, "globex")
    entries = api.client.get("/v1/tenants/acme/audit", headers=owner).json()
    assert {e["tenant_id"] for e in entries} == {str(api.tenant_id("acme"))}


def test_suspending_an_unknown_tenant_is_404(api: Api) -> None:
    root = api.sign_in(PLATFORM_ADMIN)
    answer = api.client.post("/v1/admin/tenants/nope/suspend", json={"reason": "x"}, headers=root)
    assert answer.status_code == 404
