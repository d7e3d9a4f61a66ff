"""Public share links: signed, expiring, revocable, and showing the outcome only."""

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import PLATFORM_ADMIN, Api


@pytest.fixture
def shared(api: Api) -> tuple[dict[str, str], str, str, str]:
    """(owner headers, run name, share id, public path of the link)."""
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner).json()[
        "name"
    ]
    api.cluster.set_status(
        "testruns", "tf-acme", run, {"phase": "Succeeded", "counts": {"total": 4, "passed": 4}}
    )
    share = api.client.post(
        f"/v1/tenants/acme/runs/{run}/shares", json={"expires_in_days": 2}, headers=owner
    ).json()
    return owner, run, share["id"], urlsplit(share["url"]).path


def test_a_link_shows_the_run_summary_to_anyone(api: Api, shared: tuple[str, ...]) -> None:
    _, run, _, link = shared
    answer = api.client.get(link)  # no credentials
    assert answer.status_code == 200
    body = answer.json()
    assert (body["name"], body["phase"], body["counts"]["passed"]) == (run, "Succeeded", 4)
    assert set(body) == {
        "name",
        "project",
        "phase",
        "finished",
        "counts",
        "start_time",
        "completion_time",
    }


def test_a_revoked_link_is_gone(api: Api, shared: tuple[dict[str, str], str, str, str]) -> None:
    owner, _, share_id, link = shared
    revoked = api.client.delete(f"/v1/tenants/acme/shares/{share_id}", headers=owner)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    answer = api.client.get(link)
    assert answer.status_code == 410 and "revoked" in answer.json()["detail"]


def test_a_link_expires(api: Api, shared: tuple[str, ...]) -> None:
    link = shared[3]
    api.clock.advance(days=2, seconds=1)
    answer = api.client.get(link)
    assert answer.status_code == 410 and "expired" in answer.json()["detail"]


def test_an_altered_link_is_not_found(api: Api, shared: tuple[str, ...]) -> None:
    link = shared[3]
    head, _, signature = link.rpartition(".")
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    assert api.client.get(f"{head}.{flipped}").status_code == 404
    assert api.client.get("/v1/shared/" + "a" * 40).status_code == 404


def test_a_link_stops_working_while_its_tenant_is_suspended(
    api: Api, shared: tuple[str, ...]
) -> None:
    link = shared[3]
    root = api.sign_in(PLATFORM_ADMIN)
    api.client.post("/v1/admin/tenants/acme/suspend", json={"reason": "abuse"}, headers=root)
    assert api.client.get(link).status_code == 410


def test_links_last_no_longer_than_the_configured_maximum(
    api: Api, shared: tuple[dict[str, str], str, str, str]
) -> None:
    owner, run = shared[0], shared[1]
    share = api.client.post(
        f"/v1/tenants/acme/runs/{run}/shares", json={"expires_in_days": 365}, headers=owner
    ).json()
    days = (
        datetime.fromisoformat(share["expires_at"]) - datetime.fromisoformat(share["created_at"])
    ).days
    assert days == api.container.settings.share_ttl_max_days


def test_a_link_to_a_run_of_another_tenant_cannot_be_made(
    api: Api, shared: tuple[str, ...]
) -> None:
    run = shared[1]
    other = api.sign_in("eve@example.com")
    api.tenant(other, "evil")
    answer = api.client.post(f"/v1/tenants/evil/runs/{run}/shares", json={}, headers=other)
    assert answer.status_code == 404
