"""Attacks on sign-in sessions: a token kept after sign-out, a stolen refresh token replayed,
forged and algorithm-confused access tokens, keys the service never published."""

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from api.auth.tokens import Audience
from api.bootstrap import TOKEN_ISSUER
from api.db.models import AuditEvent, SigningKey
from tests.api.conftest import Api


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refresh(api: Api, token: str) -> Any:
    return api.client.post("/auth/refresh", json={"refresh_token": token})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(api: Api, email: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(api.tokens[email], options={"verify_signature": False})
    return claims


def test_signing_out_ends_the_session_on_the_server(api_on: Api) -> None:
    api = api_on
    headers = api.sign_in("ada@example.com")
    refresh = api.refresh_tokens["ada@example.com"]
    assert api.client.post("/auth/logout", headers=headers).status_code == 204
    kept = api.client.get("/v1/me", headers=headers)  # a copy of the token kept by an attacker
    assert kept.status_code == 401 and "signed out" in kept.json()["detail"]
    assert _refresh(api, refresh).status_code == 401


def test_signing_out_with_an_expired_access_token_still_ends_the_session(api: Api) -> None:
    api.sign_in("ada@example.com")
    refresh = api.refresh_tokens["ada@example.com"]
    api.clock.advance(minutes=20)
    api.client.cookies.set("tf_refresh", refresh, path="/auth")
    assert api.client.post("/auth/logout").status_code == 204
    api.client.cookies.clear()
    assert _refresh(api, refresh).status_code == 401


def test_a_refresh_rotates_both_tokens(api_on: Api) -> None:
    api = api_on
    api.sign_in("ada@example.com")
    first = api.refresh_tokens["ada@example.com"]
    api.clock.advance(minutes=20)  # the access token has expired
    answer = _refresh(api, first)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["refresh_token"] != first
    assert answer.cookies.get("tf_session") == body["access_token"]
    assert api.client.get("/v1/me", headers=_bearer(body["access_token"])).status_code == 200


def test_a_replayed_refresh_token_ends_the_whole_session(api_on: Api) -> None:
    """Rotation with reuse detection: the thief's replay (or the victim's, after the thief
    refreshed first) kills the session for both."""
    api = api_on
    api.sign_in("ada@example.com")
    stolen = api.refresh_tokens["ada@example.com"]
    victim = _refresh(api, stolen).json()
    api.clock.advance(minutes=1)
    replayed = _refresh(api, stolen)
    assert replayed.status_code == 401 and "ended" in replayed.json()["detail"]
    assert api.client.get("/v1/me", headers=_bearer(victim["access_token"])).status_code == 401
    assert _refresh(api, victim["refresh_token"]).status_code == 401
    with api.container.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "auth.refresh_reused" in actions


def test_two_tabs_refreshing_at_once_keep_the_session(api: Api) -> None:
    api.sign_in("ada@example.com")
    shared = api.refresh_tokens["ada@example.com"]
    first = _refresh(api, shared)
    second = _refresh(api, shared)  # the other tab, a moment later
    assert first.status_code == 200
    assert second.status_code == 401 and "just been used" in second.json()["detail"]
    assert _refresh(api, first.json()["refresh_token"]).status_code == 200


def test_a_session_nobody_refreshes_for_its_lifetime_ends(api: Api) -> None:
    api.sign_in("ada@example.com")
    refresh = api.refresh_tokens["ada@example.com"]
    api.clock.advance(days=7, seconds=1)
    assert _refresh(api, refresh).status_code == 401


def test_access_tokens_verify_with_the_published_keys_alone(api: Api) -> None:
    api.sign_in("ada@example.com")
    token = api.tokens["ada@example.com"]
    published = api.client.get("/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(published)[kid]
    assert "d" not in published["keys"][0]  # no private half
    claims = jwt.decode(
        token, key, algorithms=["RS256"], audience=Audience.ACCESS.value, issuer=TOKEN_ISSUER
    )
    assert claims["exp"] - claims["iat"] == 900 and claims["sid"]


def test_algorithm_confusion_and_unsigned_tokens_are_refused(api: Api) -> None:
    api.sign_in("ada@example.com")
    claims, kid = _claims(api, "ada@example.com"), jwt.get_unverified_header(
        api.tokens["ada@example.com"]
    )["kid"]
    claims["exp"] += 3600
    public = jwt.PyJWKSet.from_dict(api.client.get("/.well-known/jwks.json").json())[kid]
    pem = public.key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{_b64(mac)}"  # HS256 keyed with the public key
    unsigned = _unsigned({"alg": "none", "typ": "JWT", "kid": kid}, claims) + "."
    for token in (confused, unsigned):
        answer = api.client.get("/v1/me", headers=_bearer(token))
        assert answer.status_code == 401, token


def test_tokens_signed_with_a_key_we_never_published_are_refused(api: Api) -> None:
    api.sign_in("ada@example.com")
    claims = _claims(api, "ada@example.com")
    own = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(api.tokens["ada@example.com"])["kid"]
    for header_kid in (kid, "attacker-key"):
        forged = jwt.encode(claims, own, algorithm="RS256", headers={"kid": header_kid})
        assert api.client.get("/v1/me", headers=_bearer(forged)).status_code == 401
    tampered = api.tokens["ada@example.com"][:-4] + "AAAA"
    assert api.client.get("/v1/me", headers=_bearer(tampered)).status_code == 401


def test_keys_rotate_and_what_the_old_key_signed_verifies_until_it_expires(api: Api) -> None:
    before = api.sign_in("ada@example.com")
    old_kid = jwt.get_unverified_header(api.tokens["ada@example.com"])["kid"]
    api.clock.advance(days=30, minutes=-5)  # just before the rotation is due
    late = api.sign_in("ada@example.com")
    assert jwt.get_unverified_header(api.tokens["ada@example.com"])["kid"] == old_kid
    api.clock.advance(minutes=10)  # past it: the next token is signed with a new key
    fresh = api.sign_in("ada@example.com")
    new_kid = jwt.get_unverified_header(api.tokens["ada@example.com"])["kid"]
    assert new_kid != old_kid
    assert api.client.get("/v1/me", headers=late).status_code == 200  # old key, still valid
    assert api.client.get("/v1/me", headers=fresh).status_code == 200
    assert api.client.get("/v1/me", headers=before).status_code == 401  # long expired
    kids = {k["kid"] for k in api.client.get("/.well-known/jwks.json").json()["keys"]}
    assert kids == {old_kid, new_kid}
    api.clock.advance(days=1, minutes=10)
    kids = {k["kid"] for k in api.client.get("/.well-known/jwks.json").json()["keys"]}
    assert kids == {new_kid}


def test_private_keys_are_encrypted_at_rest(api: Api) -> None:
    """A dump of the database alone cannot mint tokens."""
    api.sign_in("ada@example.com")
    with api.container.sessions() as session:
        stored = session.scalars(select(SigningKey)).one()
    with pytest.raises(ValueError):
        serialization.load_der_private_key(stored.private_key, password=None)
    assert b"PRIVATE KEY" not in stored.private_key
