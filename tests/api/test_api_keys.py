"""API keys: shown once, stored as a hash, revocable, expiring, never logged."""

import pytest
from sqlalchemy import select, text

from api.auth.api_keys import hash_secret, split
from api.db.models import ApiKey, AuditEvent
from tests.api.conftest import Api


def test_a_key_is_shown_once_and_only_its_hash_is_stored(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    created = api.client.post("/v1/tenants/acme/api-keys", json={"name": "ci"}, headers=owner)
    assert created.status_code == 201
    plaintext = created.json()["key"]
    parts = split(plaintext)
    assert parts is not None and plaintext.startswith("tfk_")
    listed = api.client.get("/v1/tenants/acme/api-keys", headers=owner).json()
    assert listed[0]["prefix"] == parts[0] and "key" not in listed[0]
    with api.container.engine.connect() as connection:
        dump = " ".join(
            str(v) for row in connection.execute(text("SELECT * FROM api_keys")) for v in row
        )
    assert parts[1] not in dump
    assert hash_secret(parts[1]) in dump


def test_a_key_authenticates_until_it_is_revoked(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    created = api.client.post(
        "/v1/tenants/acme/api-keys", json={"name": "ci"}, headers=owner
    ).json()
    ci = {"Authorization": f"Bearer {created['key']}"}
    assert api.client.get("/v1/tenants/acme/runs", headers=ci).status_code == 200
    revoked = api.client.delete(f"/v1/tenants/acme/api-keys/{created['id']}", headers=owner)
    assert revoked.json()["revoked_at"] is not None
    answer = api.client.get("/v1/tenants/acme/runs", headers=ci)
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]


def test_a_key_stops_working_when_it_expires(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    created = api.client.post(
        "/v1/tenants/acme/api-keys", json={"name": "ci", "expires_in_days": 1}, headers=owner
    ).json()
    ci = {"Authorization": f"Bearer {created['key']}"}
    assert api.client.get("/v1/tenants/acme/runs", headers=ci).status_code == 200
    api.clock.advance(days=1, seconds=1)
    assert api.client.get("/v1/tenants/acme/runs", headers=ci).status_code == 401


@pytest.mark.parametrize(
    "credential",
    ["tfk_nothere_secret", "tfk_", "tfk_a_b_c", "not-a-key-nor-a-token"],
)
def test_made_up_credentials_are_refused(api: Api, credential: str) -> None:
    answer = api.client.get(
        "/v1/tenants/acme/runs", headers={"Authorization": f"Bearer {credential}"}
    )
    assert answer.status_code == 401


def test_a_right_prefix_with_a_wrong_secret_is_refused(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    key = api.client.post("/v1/tenants/acme/api-keys", json={"name": "ci"}, headers=owner).json()[
        "key"
    ]
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    answer = api.client.get("/v1/tenants/acme/runs", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401


def test_keys_cannot_be_owners_or_outrank_their_creator(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    answer = api.client.post(
        "/v1/tenants/acme/api-keys", json={"name": "boss", "role": "owner"}, headers=owner
    )
    assert answer.status_code == 403


def test_keys_and_tokens_never_reach_the_audit_log_or_the_logs(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    key = api.client.post("/v1/tenants/acme/api-keys", json={"name": "ci"}, headers=owner).json()[
        "key"
    ]
    ci = {"Authorization": f"Bearer {key}"}
    api.project(owner, "acme")
    api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=ci)
    session_token = api.tokens["owner@example.com"]
    secret = split(key)
    assert secret is not None
    with api.container.sessions() as session:
        entries = session.scalars(select(AuditEvent)).all()
        stored_keys = session.scalars(select(ApiKey)).all()
    audit_text = " ".join(f"{e.actor} {e.target} {e.details}" for e in entries)
    logs = capsys.readouterr().out
    assert {"api_key.created", "run.triggered"} <= {e.action for e in entries}
    for text_ in (audit_text, logs):
        assert secret[1] not in text_
        assert session_token not in text_
        assert stored_keys[0].secret_hash not in text_
