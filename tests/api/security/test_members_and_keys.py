"""Attacks on membership and API keys: a key outliving its creator, a key escalating to a
person's powers, a membership bound to an address nobody verified, keys minted without end."""

from api.services.api_keys import MAX_LIVE_KEYS
from tests.api.conftest import Api


def _members(api: Api, headers: dict[str, str], slug: str = "acme") -> dict[str, dict[str, str]]:
    listed = api.client.get(f"/v1/tenants/{slug}/members", headers=headers).json()
    return {m["email"]: m for m in listed}


def test_a_removed_members_keys_stop_working_and_cannot_add_them_back(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin = api.member(owner, "acme", "leaver@example.com", "admin")
    key = api.api_key(admin, "acme", role="admin")
    assert api.client.get("/v1/tenants/acme/runs", headers=key).status_code == 200
    leaver = _members(api, owner)["leaver@example.com"]
    removed = api.client.delete(f"/v1/tenants/acme/members/{leaver['id']}", headers=owner)
    assert removed.status_code == 204
    back = {"email": "leaver@example.com", "role": "admin"}
    answer = api.client.post("/v1/tenants/acme/members", json=back, headers=key)
    assert answer.status_code == 401, answer.text  # revoked with its creator's membership
    assert api.client.get("/v1/tenants/acme/runs", headers=key).status_code == 401
    assert "leaver@example.com" not in _members(api, owner)
    audit = api.client.get("/v1/tenants/acme/audit", headers=owner).json()
    assert any(
        e["action"] == "api_key.revoked" and "left the tenant" in str(e.get("details"))
        for e in audit
    ), audit


def test_a_key_never_outranks_its_creators_current_role(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    admin = api.member(owner, "acme", "dev@example.com", "admin")
    key = api.api_key(admin, "acme", role="member")
    project = {"name": "shop", "url": "https://shop.example"}
    dev = _members(api, owner)["dev@example.com"]
    demoted = api.client.patch(
        f"/v1/tenants/acme/members/{dev['id']}", json={"role": "viewer"}, headers=owner
    )
    assert demoted.status_code == 200
    answer = api.client.post("/v1/tenants/acme/projects", json=project, headers=key)
    assert answer.status_code == 403 and "viewer" in answer.json()["detail"], answer.text
    assert api.client.get("/v1/tenants/acme/projects", headers=key).status_code == 200


def test_no_key_manages_people_or_keys(api_on: Api) -> None:
    """A leaked admin key cannot add a human admin, promote, demote or remove anyone, or mint
    or revoke keys: those need a person signed in."""
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.member(owner, "acme", "admin@example.com", "admin")
    api.sign_in("intruder@example.com")
    key = api.api_key(owner, "acme", role="admin")
    admin = _members(api, owner)["admin@example.com"]
    keys = api.client.get("/v1/tenants/acme/api-keys", headers=owner).json()
    attempts = [
        ("POST", "/v1/tenants/acme/members", {"email": "intruder@example.com", "role": "admin"}),
        ("PATCH", f"/v1/tenants/acme/members/{admin['id']}", {"role": "viewer"}),
        ("DELETE", f"/v1/tenants/acme/members/{admin['id']}", None),
        ("POST", "/v1/tenants/acme/api-keys", {"name": "more", "role": "admin"}),
        ("DELETE", f"/v1/tenants/acme/api-keys/{keys[0]['id']}", None),
    ]
    for method, path, body in attempts:
        answer = api.client.request(method, path, json=body, headers=key)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "person signed in" in answer.json()["detail"]
    members = _members(api, owner)
    assert "intruder@example.com" not in members
    assert members["admin@example.com"]["role"] == "admin"
    assert len(api.client.get("/v1/tenants/acme/api-keys", headers=owner).json()) == 1


def test_only_a_verified_email_binds_a_membership(api_on: Api) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    squatter = api.sign_in("victim@example.com", verified=False)
    add = {"email": "victim@example.com", "role": "admin"}
    refused = api.client.post("/v1/tenants/acme/members", json=add, headers=owner)
    assert refused.status_code == 404 and "verified" in refused.json()["detail"], refused.text
    assert api.client.get("/v1/tenants/acme", headers=squatter).status_code == 404


def test_keys_cannot_be_minted_without_end(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    for i in range(MAX_LIVE_KEYS):
        body = {"name": f"ci-{i}", "role": "viewer"}
        assert api.client.post("/v1/tenants/acme/api-keys", json=body, headers=owner).is_success
    more = api.client.post("/v1/tenants/acme/api-keys", json={"name": "one more"}, headers=owner)
    assert more.status_code == 409 and "Revoke" in more.json()["fix"], more.text
