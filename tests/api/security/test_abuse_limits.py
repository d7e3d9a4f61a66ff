"""Attacks on the API's capacity and on its credentials by volume: guessing keys, forging share
and session tokens, flooding sign-in callbacks, a CI job running away. Every limit is checked
on the in-process counter store and on the real Redis every replica would share."""

import dataclasses
import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from api.billing.plans import QUOTAS, Plan
from api.db.models import AuditEvent
from api.throttle import Throttle, tiers
from tests.api.conftest import Api, build_api
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.fakes.stripe_server import FakeStripe

REDIS_ENV = "TESTFORGE_TEST_REDIS_URL"
LOCKOUT = "3/minute;6/hour"
WRONG_KEY = {"Authorization": "Bearer tfk_0123456789ab_" + "x" * 43}


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set: no Redis server to count in")
    return url


@pytest.fixture
def throttle(store: str) -> Throttle:
    # A namespace of its own, so tests sharing the Redis database never share counters.
    return Throttle(store, namespace=f"test-{uuid.uuid4().hex}")


def _limited(
    sqlite: Engine, oidc: FakeOidcProvider, stripe: FakeStripe, throttle: Throttle, **rules: Any
) -> Iterator[Api]:
    settings = {
        "anonymous_rate": "1000/minute",
        "failed_credentials_lockout": LOCKOUT,
        "trusted_proxies": ["testclient"],  # so tests can speak for several addresses
        **rules,
    }
    yield from build_api(sqlite, oidc, stripe, throttle=throttle, **settings)


@pytest.fixture
def api(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe, throttle: Throttle
) -> Iterator[Api]:
    yield from _limited(sqlite, oidc, stripe_fake, throttle)


def _from(address: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "X-Forwarded-For": address}


def _key(api: Api) -> dict[str, str]:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    return api.api_key(owner, "acme")


def _counted(api: Api, metric: str, **labels: str) -> float | None:
    return api.container.metrics.registry.get_sample_value(metric, labels)


def test_guessing_keys_locks_the_address_out_until_the_window_frees(api: Api) -> None:
    key = _key(api)
    guesser = "203.0.113.7"
    guesses = [
        api.client.get("/v1/tenants/acme/runs", headers=_from(guesser, WRONG_KEY)).status_code
        for _ in range(3)
    ]
    assert guesses == [401, 401, 401]
    locked = api.client.get("/v1/tenants/acme/runs", headers=_from(guesser, WRONG_KEY))
    assert locked.status_code == 429, locked.text
    assert locked.json()["type"] == "urn:testforge:problem:too-many-requests"
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    # Locked means locked: not even a right key is tried from there...
    assert api.client.get("/v1/tenants/acme/runs", headers=_from(guesser, key)).status_code == 429
    # ...while everybody else carries on.
    other = api.client.get("/v1/tenants/acme/runs", headers=_from("198.51.100.1", key))
    assert other.status_code == 200, other.text


def test_a_forged_forwarded_for_does_not_escape_a_lockout(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe, throttle: Throttle
) -> None:
    """Without a configured proxy, X-Forwarded-For is the attacker's to write: ignored."""
    for api in _limited(sqlite, oidc, stripe_fake, throttle, trusted_proxies=[]):
        answers = [
            api.client.get("/v1/me", headers=_from(f"192.0.2.{n}", WRONG_KEY)).status_code
            for n in range(5)
        ]
        assert answers == [401, 401, 401, 429, 429]


def test_expired_and_revoked_credentials_are_not_guesses(api: Api) -> None:
    """A CI job with an old key, a browser with an old cookie: refused, never locked out."""
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    created = api.client.post(
        "/v1/tenants/acme/api-keys", json={"name": "old", "role": "member"}, headers=owner
    ).json()
    api.client.delete(f"/v1/tenants/acme/api-keys/{created['id']}", headers=owner)
    revoked = {"Authorization": f"Bearer {created['key']}"}
    api.clock.advance(days=2)  # the session signed in above has expired too
    for _ in range(6):
        assert api.client.get("/v1/tenants/acme/runs", headers=revoked).status_code == 401
        assert api.client.get("/v1/me", headers=owner).status_code == 401


def test_a_guesser_who_keeps_failing_is_locked_out_for_longer(api: Api, throttle: Throttle) -> None:
    guesser = "203.0.113.9"
    # Three failures from earlier in the hour (the minute tier has long forgotten them).
    for _ in range(3):
        throttle.failed(tiers("6/hour"), "credential", guesser)
    for _ in range(3):
        assert api.client.get("/v1/me", headers=_from(guesser, WRONG_KEY)).status_code == 401
    locked = api.client.get("/v1/me", headers=_from(guesser, WRONG_KEY))
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 60  # the hour's tier, not the minute's


def test_forged_session_tokens_count_as_guesses(api: Api) -> None:
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}
    answers = [api.client.get("/v1/me", headers=forged).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_shared_links_are_rate_limited_and_forged_ones_lock_out(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe, throttle: Throttle
) -> None:
    for api in _limited(sqlite, oidc, stripe_fake, throttle, anonymous_rate="10/minute"):
        owner = api.sign_in("owner@example.com")
        api.tenant(owner, "acme")
        api.project(owner, "acme")
        run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner)
        share = api.client.post(
            f"/v1/tenants/acme/runs/{run.json()['name']}/shares", json={}, headers=owner
        ).json()
        link = urlsplit(share["url"]).path
        reader = _from("198.51.100.20")
        first = api.client.get(link, headers=reader)
        assert first.status_code == 200, first.text
        assert first.headers["RateLimit-Limit"] == "10"
        remaining = int(first.headers["RateLimit-Remaining"])
        for _ in range(remaining):
            assert api.client.get(link, headers=reader).status_code == 200
        flooded = api.client.get(link, headers=reader)
        assert flooded.status_code == 429 and int(flooded.headers["Retry-After"]) >= 1
        assert api.client.get(link, headers=_from("198.51.100.21")).status_code == 200

        forger = _from("198.51.100.30")
        forged = [
            api.client.get(f"/v1/shared/{'A' * 40}.{n}", headers=forger).status_code
            for n in range(4)
        ]
        assert forged == [404, 404, 404, 429]


def test_a_flood_of_bogus_callbacks_writes_a_bounded_audit_trail(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe, throttle: Throttle
) -> None:
    rules = {"abuse_audit_rate": "2/hour", "failed_credentials_lockout": "1000/minute"}
    for api in _limited(sqlite, oidc, stripe_fake, throttle, **rules):
        for n in range(12):
            answer = api.client.get(
                f"/auth/callback?code=c{n}&state=s{n}", headers=_from("203.0.113.50")
            )
            assert answer.status_code == 400
        with api.container.sessions() as session:
            rows = session.scalar(
                select(func.count()).where(AuditEvent.action == "auth.login_failed")
            )
        assert rows == 2
        assert _counted(api, "testforge_api_rate_limited_total", limit="audit") == 10


def test_a_runaway_key_exhausts_its_own_budget_before_the_tenants(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = {
        Plan.FREE: dataclasses.replace(
            QUOTAS[Plan.FREE], requests_per_minute=7, key_requests_per_minute=3
        ),
        Plan.TEAM: QUOTAS[Plan.TEAM],
    }
    monkeypatch.setattr("api.services.abuse.QUOTAS", small)
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    runaway, other = api.api_key(owner, "acme"), api.api_key(owner, "acme")
    seen = [api.client.get("/v1/tenants/acme/runs", headers=runaway) for _ in range(4)]
    assert [a.status_code for a in seen] == [200, 200, 200, 429]
    assert [a.headers.get("RateLimit-Remaining") for a in seen[:3]] == ["2", "1", "0"]
    assert seen[3].headers["RateLimit-Limit"] == "3"
    # The tenant has 7 a minute: 2 went on creating the keys, 3 on the runaway (its refused
    # request is not spent), so the other key gets 2 before the tenant's budget is gone.
    answers = [api.client.get("/v1/tenants/acme/runs", headers=other).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert "tenant" in api.client.get("/v1/tenants/acme/runs", headers=owner).json()["detail"]
    assert _counted(api, "testforge_api_rate_limited_total", limit="api_key") == 1
    assert _counted(api, "testforge_api_rate_limited_total", limit="tenant") == 2


def test_a_larger_plan_has_a_larger_budget(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    key = api.api_key(owner, "acme")
    free = api.client.get("/v1/tenants/acme/runs", headers=key)
    assert free.headers["RateLimit-Limit"] == str(QUOTAS[Plan.FREE].key_requests_per_minute)
    with api.container.sessions() as session:
        from api.db.repositories import Tenants

        tenant = Tenants(session).by_slug("acme")
        assert tenant is not None
        tenant.plan = Plan.TEAM
        session.commit()
    team = api.client.get("/v1/tenants/acme/runs", headers=key)
    assert team.headers["RateLimit-Limit"] == str(QUOTAS[Plan.TEAM].key_requests_per_minute)


def test_with_the_counter_store_away_requests_go_through_and_it_shows(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe
) -> None:
    down = Throttle("redis://127.0.0.1:9/0", namespace="down")  # the discard port: no Redis
    for api in build_api(sqlite, oidc, stripe_fake, throttle=down):
        owner = api.sign_in("owner@example.com")
        api.tenant(owner, "acme")
        answer = api.client.get("/v1/tenants/acme/runs", headers=owner)
        assert answer.status_code == 200 and "RateLimit-Limit" not in answer.headers
        errors = _counted(api, "testforge_api_rate_limit_store_errors_total")
        assert errors is not None and errors > 0
