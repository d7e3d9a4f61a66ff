"""Knocking the API over: inputs that used to reach the database as 500s, a crash's cost to the
log and to other requests, error bodies an attacker can inflate."""

import io
import json

import pytest
from fastapi.testclient import TestClient

from testforge.logs import configure_logging
from tests.api.conftest import PLATFORM_ADMIN, Api


@pytest.fixture
def log_lines(restored_logging: None) -> io.StringIO:
    """The process's logging as `serve()` configures it, into a buffer."""
    out = io.StringIO()
    configure_logging(stream=out)
    return out


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/tenants", {"slug": "evil", "name": "a\x00b"}),
        ("/v1/tenants/acme/api-keys", {"name": "ci\x00", "role": "viewer"}),
        ("/v1/tenants/acme/members", {"email": "a\x00@example.com", "role": "viewer"}),
        ("/v1/tenants/acme/projects/shop/runs", {"pull_request": 2**31}),
    ],
)
def test_inputs_that_crashed_the_database_are_refused_as_422(
    api_on: Api, path: str, body: dict[str, object]
) -> None:
    api = api_on
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    client = TestClient(api.client.app, raise_server_exceptions=False)
    answer = client.post(path, json=body, headers=owner)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_platform_admins_query_past_bigint_is_a_422(api_on: Api) -> None:
    root = api_on.sign_in(PLATFORM_ADMIN)
    client = TestClient(api_on.client.app, raise_server_exceptions=False)
    assert client.get(f"/v1/admin/tenants?offset={2**63}", headers=root).status_code == 422
    assert client.get("/v1/admin/audit?tenant=a%00b", headers=root).status_code == 422


def test_a_crash_logs_one_plain_record_without_secrets_and_is_counted(
    api: Api, monkeypatch: pytest.MonkeyPatch, log_lines: io.StringIO
) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    password = api.container.settings.secret_key.get_secret_value()

    def explode(*_: object) -> list[object]:
        settings = api.container.settings  # a frame whose locals hold every secret
        raise RuntimeError(f"boom in {type(settings).__name__}")

    monkeypatch.setattr(api.cluster, "list", explode)
    # The crash is answered, not re-raised to the server (which would log it a second time
    # and drop the caller's connection): the test client would raise it.
    client = TestClient(api.client.app, raise_server_exceptions=True)
    answer = client.get("/v1/tenants/acme/projects", headers=owner)
    assert answer.status_code == 500
    assert answer.json()["request_id"] == answer.headers["x-request-id"]
    crashes = [
        r for r in map(json.loads, log_lines.getvalue().splitlines())
        if r["event"] == "request.crashed"
    ]
    (crash,) = crashes
    assert "RuntimeError: boom in Settings" in crash["exception"]
    assert crash["path"] == "/v1/tenants/acme/projects"
    assert password not in log_lines.getvalue()
    assert "sqlite://" not in log_lines.getvalue() and len(log_lines.getvalue()) < 20_000
    metrics = client.get("/metrics").text
    assert 'route="/v1/tenants/{tenant}/projects",status="500"' in metrics


def test_the_database_url_is_a_secret(api: Api) -> None:
    settings = api.container.settings
    assert "sqlite" not in repr(settings) and "sqlite" not in str(settings.model_dump())


def test_thousands_of_unknown_fields_get_a_short_answer(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    body = {"slug": "acme", "name": "Acme", **{f"x{i}": i for i in range(5000)}}
    answer = api.client.post("/v1/tenants", json=body, headers=owner)
    assert answer.status_code == 422
    assert len(answer.content) < 10_000, len(answer.content)
    problem = answer.json()
    assert len(problem["errors"]) == 20 and "(and 4980 more)" in problem["detail"]
