"""Projects and runs over the cluster (the in-memory fake here; the adapter itself is tested
against kmock and a real API server): CI triggers, status reads, quotas."""

from typing import Any

import pytest
from sqlalchemy import func, select

from api.db.models import RunRecord
from tests.api.conftest import Api


@pytest.fixture
def owner(api: Api) -> dict[str, str]:
    headers = api.sign_in("owner@example.com")
    api.tenant(headers, "acme")
    api.project(headers, "acme")
    return headers


def trigger(api: Api, headers: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    return api.client.post("/v1/tenants/acme/projects/shop/runs", json=body or {}, headers=headers)


def finish(api: Api, run: str, phase: str = "Succeeded") -> None:
    api.cluster.set_status("testruns", api.namespace("acme"), run, {"phase": phase})


def records(api: Api) -> int:
    with api.container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(RunRecord)) or 0)


def test_creating_a_project_creates_a_testproject_in_the_tenants_namespace(
    api: Api, owner: dict[str, str]
) -> None:
    stored = api.cluster.objects[("testprojects", "tf-acme", "shop")]
    assert stored["apiVersion"] == "testforge.io/v1alpha1"
    assert stored["spec"]["url"] == "https://shop.example"
    assert stored["metadata"]["labels"]["testforge.io/tenant"] == "acme"
    assert api.cluster.namespaces["tf-acme"]["testforge.io/tenant"] == "acme"
    listed = api.client.get("/v1/tenants/acme/projects", headers=owner).json()
    assert [p["name"] for p in listed] == ["shop"]


def test_a_ci_key_triggers_a_run_carrying_the_commit_and_pull_request(
    api: Api, owner: dict[str, str]
) -> None:
    ci = api.api_key(owner, "acme", role="member")
    answer = trigger(api, ci, {"git_sha": "0123abcd" * 5, "pull_request": 42, "tags": ["smoke"]})
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert answer.headers["location"] == f"/v1/tenants/acme/runs/{run['name']}"
    stored = api.cluster.objects[("testruns", "tf-acme", run["name"])]
    assert stored["spec"]["projectRef"] == {"name": "shop"}
    assert stored["spec"]["trigger"]["source"] == "ci"
    assert stored["spec"]["trigger"]["gitSha"] == "0123abcd" * 5
    assert stored["spec"]["trigger"]["pullRequest"] == 42
    assert stored["spec"]["selection"]["tags"] == ["smoke"]
    assert stored["spec"]["trigger"]["actor"].startswith("api_key:")
    assert (run["phase"], run["finished"]) == ("Pending", False)


def test_run_state_is_read_from_the_testrun_status(api: Api, owner: dict[str, str]) -> None:
    name = trigger(api, owner).json()["name"]
    api.cluster.set_status(
        "testruns",
        "tf-acme",
        name,
        {
            "phase": "Failed",
            "counts": {"total": 5, "passed": 3, "failed": 1, "healed": 1, "skipped": 1},
            "completionTime": "2026-01-02T03:04:05Z",
            "reason": "TestsFailed",
            "message": "1 test failed",
        },
    )
    run = api.client.get(f"/v1/tenants/acme/runs/{name}", headers=owner).json()
    assert (run["phase"], run["finished"], run["reason"]) == ("Failed", True, "TestsFailed")
    assert run["counts"]["passed"] == 3 and run["counts"]["healed"] == 1
    assert run["completion_time"].startswith("2026-01-02T03:04:05")


def test_unknown_status_fields_and_phases_do_not_break_reading(
    api: Api, owner: dict[str, str]
) -> None:
    name = trigger(api, owner).json()["name"]
    api.cluster.set_status(
        "testruns",
        "tf-acme",
        name,
        {"phase": "Quantum", "counts": {"passed": "many"}, "novelty": {"x": 1}},
    )
    run = api.client.get(f"/v1/tenants/acme/runs/{name}", headers=owner).json()
    assert run["phase"] == "Pending" and run["counts"]["passed"] == 0


def test_runs_can_be_listed_for_one_project(api: Api, owner: dict[str, str]) -> None:
    api.project(owner, "acme", "blog")
    first = trigger(api, owner).json()["name"]
    finish(api, first)
    api.client.post("/v1/tenants/acme/projects/blog/runs", json={}, headers=owner)
    shop = api.client.get("/v1/tenants/acme/runs?project=shop", headers=owner).json()
    assert [r["name"] for r in shop] == [first]
    assert len(api.client.get("/v1/tenants/acme/runs", headers=owner).json()) == 2


def test_the_monthly_quota_answers_402_naming_the_limit_and_how_to_raise_it(
    api: Api, owner: dict[str, str]
) -> None:
    for _ in range(50):  # the free plan's monthly runs
        run = trigger(api, owner)
        assert run.status_code == 201, run.text
        finish(api, run.json()["name"])
    refused = trigger(api, owner)
    assert refused.status_code == 402
    body = refused.json()
    assert body["type"] == "urn:testforge:problem:quota-exceeded"
    assert (body["limit"], body["used"], body["allowed"]) == ("runs_per_month", 50, 50)
    assert "free plan" in body["detail"] and "resets on" in body["detail"]
    assert '/v1/tenants/acme/billing/checkout {"plan": "team"}' in body["fix"]
    assert records(api) == 50  # the refused run was not recorded


def test_the_monthly_quota_resets_with_the_next_month(api: Api, owner: dict[str, str]) -> None:
    ci = api.api_key(owner, "acme")  # outlives the month, unlike a session
    for _ in range(50):
        finish(api, trigger(api, ci).json()["name"])
    assert trigger(api, ci).status_code == 402
    api.clock.advance(days=32)
    assert trigger(api, ci).status_code == 201


def test_too_many_unfinished_runs_answer_429_with_retry_after(
    api: Api, owner: dict[str, str]
) -> None:
    first = trigger(api, owner).json()["name"]
    refused = trigger(api, owner)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["running"] == [first]
    finish(api, first, "Failed")
    assert trigger(api, owner).status_code == 201


def test_a_run_of_an_unknown_project_is_404_and_not_charged(
    api: Api, owner: dict[str, str]
) -> None:
    answer = api.client.post("/v1/tenants/acme/projects/nope/runs", json={}, headers=owner)
    assert answer.status_code == 404
    assert records(api) == 0


def test_a_cluster_outage_answers_503_and_charges_nothing(api: Api, owner: dict[str, str]) -> None:
    api.cluster.down = True
    answer = trigger(api, owner)
    assert answer.status_code == 503
    assert answer.json()["type"] == "urn:testforge:problem:upstream-unavailable"
    assert records(api) == 0


def test_a_malformed_commit_is_a_readable_422(api: Api, owner: dict[str, str]) -> None:
    answer = trigger(api, owner, {"git_sha": "not-a-sha", "shards": 99})
    assert answer.status_code == 422
    wheres = {e["where"] for e in answer.json()["errors"]}
    assert wheres == {"body.git_sha", "body.shards"}
    assert "pattern" in answer.json()["detail"]


def test_a_project_created_twice_is_a_conflict_naming_it(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    again = api.client.post(
        "/v1/tenants/acme/projects",
        json={"name": "shop", "url": "https://shop.example"},
        headers=owner,
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "A project named 'shop' already exists in this tenant."
