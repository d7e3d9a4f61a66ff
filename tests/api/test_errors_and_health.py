"""Problem documents, probes and metrics."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.bootstrap import Adapters
from api.main import create_app
from tests.api.conftest import Api, make_settings
from tests.api.fakes import FakeCluster
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.fakes.stripe_server import FakeStripe


def test_validation_errors_name_each_field_and_say_how_to_fix(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    answer = api.client.post("/v1/tenants", json={"slug": "A!", "extra": 1}, headers=owner)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert {e["where"] for e in body["errors"]} == {"body.slug", "body.name", "body.extra"}
    assert body["instance"] == "/v1/tenants"
    assert "Correct the fields" in body["fix"]


def test_an_unknown_route_is_a_problem_document(api: Api) -> None:
    answer = api.client.get("/v1/nowhere")
    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:testforge:problem:http-404"
    assert "/docs" in answer.json()["fix"]


def test_a_taken_slug_is_a_conflict(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    answer = api.client.post("/v1/tenants", json={"slug": "acme", "name": "Again"}, headers=owner)
    assert answer.status_code == 409 and answer.json()["fix"] == "Choose another slug."


def test_a_crash_is_a_500_problem_without_internals(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")

    def explode(*_: object) -> list[object]:
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(api.cluster, "list", explode)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    answer = client.get("/v1/tenants/acme/projects", headers=owner)
    assert answer.status_code == 500
    assert "secret internal state" not in answer.text
    assert answer.json()["type"] == "urn:testforge:problem:internal"


def test_probes_answer_when_the_database_does(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}


def test_readiness_fails_when_the_database_does_not_answer(
    oidc: FakeOidcProvider, stripe_fake: FakeStripe
) -> None:
    dead = create_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    cluster = FakeCluster()
    app = create_app(
        make_settings(oidc, stripe_fake),
        Adapters(engine=dead, resources=cluster, namespaces=cluster),
    )
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert "TESTFORGE_API_DATABASE_URL" in answer.json()["fix"]


def test_metrics_label_requests_by_route_template_never_by_tenant(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.client.get("/v1/tenants/acme/runs", headers=owner)
    metrics = api.client.get("/metrics").text
    assert (
        'testforge_api_requests_total{method="GET",route="/v1/tenants/{tenant}/runs",status="200"}'
        in metrics
    )
    assert "acme" not in metrics
