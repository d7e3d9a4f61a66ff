"""Attacks on the sandboxes' egress: a member aiming a project or run at the cloud metadata
endpoint, loopback or the cluster's own services, in every spelling that slips past a naive
check (decimal, hex, IPv6, userinfo, a public name resolving to a private address); an API key
opening the tenant's private networks; a tenant namespace without a NetworkPolicy."""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import func, select

from api.cluster.resources import EGRESS_POLICY
from api.db.models import RunRecord
from tests.api.conftest import Api
from tests.fakes.resolver import PUBLIC, FakeResolver

MANIFESTS = Path(__file__).resolve().parents[3] / "manifests"


def dns(api: Api) -> FakeResolver:
    resolver = api.container.resolver
    assert isinstance(resolver, FakeResolver)
    return resolver


@pytest.fixture
def owner(api: Api) -> dict[str, str]:
    headers = api.sign_in("owner@example.com")
    api.tenant(headers, "acme")
    return headers


def create(api: Api, headers: dict[str, str], url: str, name: str = "shop") -> Any:
    return api.client.post(
        "/v1/tenants/acme/projects", json={"name": name, "url": url}, headers=headers
    )


def refused(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    problem: dict[str, Any] = answer.json()
    assert problem["type"] == "urn:testforge:problem:egress-refused", problem
    assert problem["errors"][0]["where"] == "body.url" and problem["fix"], problem
    return problem


def put_policy(api: Api, headers: dict[str, str], **policy: list[str]) -> Any:
    return api.client.put("/v1/tenants/acme/egress", json=policy, headers=headers)


def network_policy(api: Api) -> dict[str, Any]:
    return api.cluster.network_policies[(api.namespace("acme"), EGRESS_POLICY)]


def test_the_cloud_metadata_endpoint_is_refused_for_projects_and_runs(
    api: Api, owner: dict[str, str]
) -> None:
    problem = refused(create(api, owner, "http://169.254.169.254/latest/meta-data/iam/"))
    assert "cloud metadata endpoint" in problem["detail"]
    assert "never allowed" in problem["fix"] and problem["address"] == "169.254.169.254"
    assert api.cluster.names("testprojects", "tf-acme") == []
    assert create(api, owner, "https://shop.example").status_code == 201
    answer = api.client.post(
        "/v1/tenants/acme/projects/shop/runs",
        json={"url": "http://169.254.169.254/computeMetadata/v1/"},
        headers=owner,
    )
    refused(answer)
    assert api.cluster.names("testruns", "tf-acme") == []
    with api.container.sessions() as session:  # nothing charged to the quota either
        assert session.scalar(select(func.count()).select_from(RunRecord)) == 0


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/"]
)
def test_decimal_hex_and_octal_spellings_of_loopback_are_refused(
    api: Api, owner: dict[str, str], url: str
) -> None:
    problem = refused(create(api, owner, url))
    assert "127.0.0.1" in problem["detail"] and "four decimal numbers" in problem["fix"]


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://[::1]:8080/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe"),  # 169.254.169.254, mapped
        ("http://[fd00:ec2::254]/", "fd00:ec2::254"),  # AWS's metadata over IPv6
    ],
)
def test_ipv6_loopback_metadata_and_mapped_ipv4_are_refused(
    api: Api, owner: dict[str, str], url: str, address: str
) -> None:
    assert refused(create(api, owner, url))["address"] == address


@pytest.mark.parametrize(
    "url",
    [
        "https://kubernetes.default.svc/api/v1/secrets",
        "https://kubernetes.default.svc.cluster.local/",
        "http://kubernetes.default/",
        "http://testforge-operator.testforge-system:8080/metrics",
        "http://ｋubernetes.default.svc/",  # a full-width k, which browsers map to k
    ],
)
def test_in_cluster_names_are_refused_before_any_dns_lookup(
    api: Api, owner: dict[str, str], url: str
) -> None:
    problem = refused(create(api, owner, url))
    assert "in-cluster name" in problem["detail"] and "never allowed" in problem["fix"]
    assert dns(api).asked == []


@pytest.mark.parametrize(
    "url", ["http://shop.example@127.0.0.1/", "http://shop.example:x@169.254.169.254/"]
)
def test_a_userinfo_prefix_cannot_hide_the_real_host(
    api: Api, owner: dict[str, str], url: str
) -> None:
    assert "before '@'" in refused(create(api, owner, url))["detail"]


def test_a_public_name_that_resolves_to_a_private_address_is_refused(
    api: Api, owner: dict[str, str]
) -> None:
    dns(api).answers["intranet.shop.example"] = [PUBLIC, "10.1.2.3"]
    problem = refused(create(api, owner, "https://intranet.shop.example/"))
    assert "resolves intranet.shop.example to 10.1.2.3" in problem["detail"]
    assert (problem["address"], problem["network"]) == ("10.1.2.3", "10.0.0.0/8")
    assert "allow 10.0.0.0/8 (PUT /v1/tenants/acme/egress" in problem["fix"]


def test_a_host_that_does_not_resolve_is_refused_and_dns_down_is_a_503(
    api: Api, owner: dict[str, str]
) -> None:
    dns(api).answers["typo.shop.example"] = []
    assert "does not resolve" in refused(create(api, owner, "https://typo.shop.example/"))["detail"]
    dns(api).down = True
    answer = create(api, owner, "https://shop.example/")
    assert answer.status_code == 503 and "egress policy" in answer.json()["detail"], answer.text


def test_the_owner_opting_a_network_in_allows_it_everywhere_it_is_checked(
    api: Api, owner: dict[str, str]
) -> None:
    dns(api).answers["intranet.shop.example"] = ["10.1.2.3"]
    refused(create(api, owner, "https://intranet.shop.example/"))
    answer = put_policy(api, owner, allow_cidrs=["10.0.0.0/8"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"allow_cidrs": ["10.0.0.0/8"], "allow_hosts": []}
    assert create(api, owner, "https://intranet.shop.example/").status_code == 201
    # The policy travels with the project and each run, for the runner's own check.
    stored = api.cluster.objects[("testprojects", "tf-acme", "shop")]
    assert stored["spec"]["egress"] == {"allowCidrs": ["10.0.0.0/8"], "allowHosts": []}
    run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner)
    assert run.status_code == 201, run.text
    ran = api.cluster.objects[("testruns", "tf-acme", run.json()["name"])]
    assert ran["spec"]["egress"]["allowCidrs"] == ["10.0.0.0/8"]
    # And the namespace's NetworkPolicy opens exactly that network.
    assert network_policy(api)["spec"]["egress"][2] == {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}
    audit = api.client.get("/v1/tenants/acme/audit", headers=owner).json()
    changed = next(e for e in audit if e["action"] == "tenant.egress_changed")
    assert changed["details"]["new"]["allow_cidrs"] == ["10.0.0.0/8"]
    assert changed["details"]["old"]["allow_cidrs"] == []


def test_narrowing_the_policy_closes_the_network_for_new_runs_and_the_namespace(
    api: Api, owner: dict[str, str]
) -> None:
    assert put_policy(api, owner, allow_cidrs=["10.0.0.0/8"]).status_code == 200
    assert create(api, owner, "http://10.1.2.3/").status_code == 201
    assert put_policy(api, owner).status_code == 200
    assert len(network_policy(api)["spec"]["egress"]) == 2
    answer = api.client.post(
        "/v1/tenants/acme/projects/shop/runs", json={"url": "http://10.1.2.3/"}, headers=owner
    )
    refused(answer)
    run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner)
    ran = api.cluster.objects[("testruns", "tf-acme", run.json()["name"])]
    assert ran["spec"]["egress"] == {"allowCidrs": [], "allowHosts": []}  # the runner refuses


def test_no_api_key_and_no_member_can_change_the_egress_policy(
    api: Api, owner: dict[str, str]
) -> None:
    """A leaked CI key, even an admin's, must not open the tenant's private networks."""
    admin_key = api.api_key(owner, "acme", role="admin")
    member = api.member(owner, "acme", "dev@example.com", "member")
    before = network_policy(api)
    for headers in (admin_key, member):
        answer = put_policy(api, headers, allow_cidrs=["10.0.0.0/8"])
        assert answer.status_code == 403, answer.text
    assert "API keys cannot" in put_policy(api, admin_key, allow_cidrs=[]).json()["detail"]
    assert api.client.get("/v1/tenants/acme/egress", headers=member).json()["allow_cidrs"] == []
    assert network_policy(api) == before
    admin = api.member(owner, "acme", "ops@example.com", "admin")
    assert put_policy(api, admin, allow_hosts=["*.corp.internal"]).status_code == 200


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        ({"allow_cidrs": ["169.254.0.0/16"]}, "link-local"),
        ({"allow_cidrs": ["169.254.169.254/32"]}, "link-local"),
        ({"allow_cidrs": ["0.0.0.0/0"]}, "no tenant may allow"),
        ({"allow_cidrs": ["::/0"]}, "no tenant may allow"),
        ({"allow_cidrs": ["127.0.0.0/8"]}, "loopback"),
        ({"allow_cidrs": ["10.0.0.1/8"]}, "host bits"),
        ({"allow_cidrs": ["8.8.8.0/24"]}, "public addresses"),
        ({"allow_cidrs": [f"10.{i}.0.0/16" for i in range(33)]}, "at most 32"),
        ({"allow_hosts": ["*.svc"]}, "in-cluster"),
        ({"allow_hosts": ["kubernetes.default.svc"]}, "in-cluster"),
        ({"allow_hosts": ["metadata.google.internal"]}, "metadata"),
        ({"allow_hosts": ["localhost"]}, "loopback"),
    ],
)
def test_a_tenant_can_never_open_its_node_the_cluster_or_the_cloud_metadata(
    api: Api, owner: dict[str, str], policy: dict[str, list[str]], says: str
) -> None:
    answer = api.client.put("/v1/tenants/acme/egress", json=policy, headers=owner)
    assert answer.status_code == 422 and says in answer.text, answer.text
    assert len(network_policy(api)["spec"]["egress"]) == 2


def test_a_metadata_endpoint_inside_an_allowed_range_stays_closed(
    api: Api, owner: dict[str, str]
) -> None:
    assert put_policy(api, owner, allow_cidrs=["100.64.0.0/10"]).status_code == 200
    assert create(api, owner, "http://100.64.1.2/").status_code == 201
    assert "metadata" in refused(create(api, owner, "http://100.100.100.200/", "m"))["detail"]
    block = network_policy(api)["spec"]["egress"][2]["to"][0]["ipBlock"]
    assert block == {"cidr": "100.64.0.0/10", "except": ["100.100.100.200/32"]}


def test_every_tenant_namespace_gets_a_default_deny_egress_network_policy(
    api: Api, owner: dict[str, str]
) -> None:
    policy = network_policy(api)
    kubernetes_validate.validate(policy, "1.32", strict=True)
    assert policy["metadata"]["labels"]["testforge.io/tenant"] == "acme"
    spec = policy["spec"]
    # Every pod of the namespace, egress only: whatever no rule allows is denied.
    assert (spec["podSelector"], spec["policyTypes"]) == ({}, ["Egress"])
    dns_rule, internet = spec["egress"][0], spec["egress"][1]
    assert dns_rule["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert sorted((p["protocol"], p["port"]) for p in dns_rule["ports"]) == [
        ("TCP", 53),
        ("UDP", 53),
    ]
    v4, v6 = (peer["ipBlock"] for peer in internet["to"])
    assert v4["cidr"] == "0.0.0.0/0" and {
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
    } <= set(v4["except"])
    assert v6["cidr"] == "::/0" and {"fc00::/7", "fe80::/10", "::1/128"} <= set(v6["except"])
    assert "ports" not in internet  # any port of a public host: the application's own


def test_the_apis_cluster_role_may_write_network_policies_and_nothing_wider() -> None:
    role = yaml.safe_load((MANIFESTS / "api" / "clusterrole.yaml").read_text())
    kubernetes_validate.validate(role, "1.32", strict=True)
    rules = {
        (group, resource): rule["verbs"]
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert rules[("networking.k8s.io", "networkpolicies")] == ["create", "update"]
    assert rules[("", "namespaces")] == ["create"]
    assert not any("*" in key or "*" in verbs for key, verbs in rules.items())
    written = {verb for verbs in rules.values() for verb in verbs}
    assert not written & {"delete", "deletecollection", "patch", "watch"}
