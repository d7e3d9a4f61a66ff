"""The HTTP edge under attack: bodies too large to read, headers that keep a browser from
framing or sniffing answers, request ids, CORS, what is public, slow requests, and a signed
Stripe event Stripe would retry for days."""

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import WEBHOOK_SECRET, Api, build_api
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.fakes.stripe_server import FakeStripe

METRICS_TOKEN = "m" * 8 + "etrics-token-for-the-scraper-0123456789"


@pytest.fixture
def locked_down(
    sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe
) -> Iterator[Api]:
    """An app configured as a production edge would be (on development's other defaults)."""
    yield from build_api(
        sqlite,
        oidc,
        stripe_fake,
        public_docs=False,
        metrics_token=METRICS_TOKEN,
        cors_origins=["https://dashboard.example"],
    )


def test_a_body_past_the_limit_is_refused_unread(api: Api) -> None:
    huge = b'{"slug": "acme", "name": "' + b"x" * (1024 * 1024) + b'"}'
    answer = api.client.post(
        "/v1/tenants", content=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_every_answer_has_security_headers_and_a_request_id(api: Api) -> None:
    for answer in (api.client.get("/healthz"), api.client.get("/v1/tenants")):
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert len(headers["x-request-id"]) >= 8
    refused = api.client.get("/v1/tenants")  # no credentials: a 401 problem
    assert refused.json()["request_id"] == refused.headers["x-request-id"]


def test_a_callers_request_id_is_kept_only_when_it_is_plain(api: Api) -> None:
    kept = api.client.get("/healthz", headers={"X-Request-ID": "ci-build-1234"})
    assert kept.headers["x-request-id"] == "ci-build-1234"
    forged = api.client.get("/healthz", headers={"X-Request-ID": "x\r\nSet-Cookie: a=b"})
    assert forged.headers["x-request-id"] != "x\r\nSet-Cookie: a=b"
    assert "set-cookie" not in forged.headers


def test_cors_answers_only_the_configured_origins(locked_down: Api) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return dict(
            locked_down.client.options(
                "/v1/tenants",
                headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
            ).headers
        )

    allowed = preflight("https://dashboard.example")
    assert allowed["access-control-allow-origin"] == "https://dashboard.example"
    assert "access-control-allow-origin" not in preflight("https://evil.example")


def test_cors_is_closed_by_default(api: Api) -> None:
    answer = api.client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_docs_and_metrics_are_behind_configuration(locked_down: Api) -> None:
    client = locked_down.client
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200 and "testforge_api_requests_total" in scraped.text


def test_a_request_past_its_deadline_gets_a_504(
    api: Api,
    sqlite: Engine,
    oidc: FakeOidcProvider,
    stripe_fake: FakeStripe,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Set up through an app without the short deadline, so only the stuck request is held to
    # it; the second app shares the database (its tenant, session and signing keys).
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    release = threading.Event()

    def stuck(*_: object) -> list[object]:
        release.wait(30)  # a hung Kubernetes API; released as soon as the test has its answer
        return []

    for hurried in build_api(sqlite, oidc, stripe_fake, request_timeout_s=0.2):
        monkeypatch.setattr(hurried.cluster, "list", stuck)
        client = TestClient(hurried.client.app, raise_server_exceptions=False)
        try:
            answer = client.get("/v1/tenants/acme/projects", headers=owner)
        finally:
            release.set()
        assert answer.status_code == 504, answer.text
        assert answer.json()["type"] == "urn:testforge:problem:timeout"


def test_a_signed_event_for_an_unknown_subscription_is_acknowledged(api: Api) -> None:
    """Stripe retries non-2xx answers for days: an event about a subscription Stripe itself
    does not know (another account's, a deleted test one) is ignored with a 200."""
    event = api.stripe.event("customer.subscription.updated", {"id": "sub_unknown"})
    body, signature = api.stripe.signed(event, WEBHOOK_SECRET)
    answer = api.client.post(
        "/v1/billing/stripe/webhook",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"outcome": "ignored"}


def test_a_body_streamed_without_a_length_is_cut_off_at_the_limit(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"slug": "acme", "name": "'
        for _ in range(64):
            yield b"x" * 16384  # 1 MiB in all, never announced
        yield b'"}'

    answer = api.client.post(
        "/v1/tenants", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["type"] == "urn:testforge:problem:too-large"
