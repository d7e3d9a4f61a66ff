"""Attacks on the second factor: a stolen first factor, guessed and replayed codes, a stolen
session stripping the factor, a tenant's requirement dodged."""

from typing import Any

import pyotp

from tests.api.conftest import Api

EMAIL = "ada@example.com"


def _enrolled(api: Api, email: str = EMAIL) -> tuple[dict[str, str], pyotp.TOTP, list[str]]:
    """Signs `email` in and sets up a confirmed authenticator: (headers, totp, recovery codes)."""
    headers = api.sign_in(email)
    enrolment = api.client.post("/v1/me/mfa", headers=headers)
    assert enrolment.status_code == 201, enrolment.text
    body = enrolment.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/TestForge:")
    authenticator = pyotp.TOTP(body["secret"])
    confirmed = api.client.post(
        "/v1/me/mfa/confirm", json={"code": authenticator.at(api.clock())}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return headers, authenticator, confirmed.json()["recovery_codes"]


def _code(api: Api, authenticator: pyotp.TOTP) -> str:
    api.clock.advance(seconds=30)  # a new time step: a code works once
    return authenticator.at(api.clock())


def _verify(api: Api, headers: dict[str, str], code: str) -> Any:
    return api.client.post("/auth/mfa/verify", json={"code": code}, headers=headers)


def test_a_first_factor_alone_gets_nowhere(api_on: Api) -> None:
    api = api_on
    _, authenticator, codes = _enrolled(api)
    assert len(codes) == 10 and len(set(codes)) == 10
    stolen = api.sign_in(EMAIL)  # the identity provider's half only
    for path in ("/v1/me", "/v1/tenants"):
        answer = api.client.get(path, headers=stolen)
        assert answer.status_code == 401, path
        assert answer.json()["type"] == "urn:testforge:problem:mfa-required"
    assert api.client.post("/v1/me/mfa", headers=stolen).status_code == 401
    assert _verify(api, stolen, _code(api, authenticator)).status_code == 204
    me = api.client.get("/v1/me", headers=stolen)
    assert me.status_code == 200 and me.json()["mfa_enabled"] is True


def test_a_code_works_once(api: Api) -> None:
    _, authenticator, _ = _enrolled(api)
    first, second = api.sign_in(EMAIL), api.sign_in(EMAIL)
    code = _code(api, authenticator)
    assert _verify(api, first, code).status_code == 204
    replayed = _verify(api, second, code)  # seen over a shoulder, or in a log
    assert replayed.status_code == 401 and "not valid" in replayed.json()["detail"]


def test_guessing_codes_locks_the_address_out(api: Api) -> None:
    _enrolled(api)
    pending = api.sign_in(EMAIL)
    answers = [_verify(api, pending, f"{n:06d}").status_code for n in range(11)]
    assert answers[:10] == [401] * 10 and answers[10] == 429


def test_a_recovery_code_works_once(api: Api) -> None:
    _, _, codes = _enrolled(api)
    first, second = api.sign_in(EMAIL), api.sign_in(EMAIL)
    assert _verify(api, first, codes[0]).status_code == 204
    assert _verify(api, second, codes[0]).status_code == 401
    assert _verify(api, second, codes[1]).status_code == 204


def test_turning_the_factor_off_needs_a_current_code(api: Api) -> None:
    headers, authenticator, _ = _enrolled(api)
    wrong = api.client.post("/v1/me/mfa/disable", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 401
    code = _code(api, authenticator)
    off = api.client.post("/v1/me/mfa/disable", json={"code": code}, headers=headers)
    assert off.status_code == 204
    assert api.client.get("/v1/me", headers=api.sign_in(EMAIL)).status_code == 200


def test_enrolling_again_while_enrolled_is_refused(api: Api) -> None:
    headers, _, _ = _enrolled(api)
    assert api.client.post("/v1/me/mfa", headers=headers).status_code == 409


def test_a_tenant_can_require_a_second_factor(api: Api) -> None:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    key = api.api_key(owner, "acme")
    refused = api.client.put("/v1/tenants/acme/mfa-policy", json={"required": True}, headers=owner)
    assert refused.status_code == 403  # the owner would lock themselves out
    owner, _, _ = _enrolled(api, "owner@example.com")  # verified by confirming
    member = api.member(owner, "acme", "member@example.com", "member")
    by_key = api.client.put("/v1/tenants/acme/mfa-policy", json={"required": True}, headers=key)
    assert by_key.status_code == 403
    required = api.client.put(
        "/v1/tenants/acme/mfa-policy", json={"required": True}, headers=owner
    )
    assert required.status_code == 200 and required.json() == {"required": True}
    answer = api.client.get("/v1/tenants/acme/projects", headers=member)
    assert answer.status_code == 403 and "/v1/me/mfa" in answer.json()["fix"]
    assert api.client.get("/v1/tenants/acme/projects", headers=owner).status_code == 200
    assert api.client.get("/v1/tenants/acme/projects", headers=key).status_code == 200
    audit = api.client.get("/v1/tenants/acme/audit", headers=owner).json()
    assert any(e["action"] == "tenant.mfa_policy" for e in audit)
