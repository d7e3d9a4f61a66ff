"""The OIDC client's ID-token verification, against the fake provider on loopback."""

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from api.auth.oidc import Identity, IdentityError, OidcClient, pkce_challenge
from api.errors import UpstreamUnavailableError
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET
from tests.fakes.oidc_provider import FakeOidcProvider, FakeUser, new_rsa_key

NONCE = "nonce-123"
REDIRECT = "http://testserver/auth/callback"


@pytest.fixture
def client(oidc: FakeOidcProvider) -> Iterator[OidcClient]:
    with httpx.Client(timeout=5) as http:
        yield OidcClient(oidc.issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid email", http)


def claims(**extra: object) -> dict[str, object]:
    return {
        "sub": "u1",
        "email": "ada@example.com",
        "email_verified": True,
        "nonce": NONCE,
        **extra,
    }


def test_accepts_an_id_token_the_provider_signed_for_this_client(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    identity = client.verify(oidc.mint(claims(name="Ada")), NONCE)
    assert identity == Identity(oidc.issuer, "u1", "ada@example.com", True, "Ada")


def test_refuses_an_id_token_issued_to_another_audience(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    with pytest.raises(IdentityError, match="Audience"):
        client.verify(oidc.mint(claims(aud="another-client")), NONCE)


def test_refuses_several_audiences_unless_this_client_is_the_authorized_party(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    token = oidc.mint(claims(aud=[CLIENT_ID, "other"], azp="other"))
    with pytest.raises(IdentityError, match="azp"):
        client.verify(token, NONCE)
    accepted = oidc.mint(claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))
    assert client.verify(accepted, NONCE).subject == "u1"


def test_refuses_an_expired_id_token(client: OidcClient, oidc: FakeOidcProvider) -> None:
    past = int(time.time()) - 3600
    with pytest.raises(IdentityError, match="expired"):
        client.verify(oidc.mint(claims(iat=past - 300, exp=past)), NONCE)


def test_refuses_an_id_token_from_another_issuer(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    with pytest.raises(IdentityError, match="issuer"):
        client.verify(oidc.mint(claims(iss="https://evil.example")), NONCE)


def test_refuses_a_signature_made_with_another_key(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    forged = oidc.mint(claims(), key=new_rsa_key())  # same kid, wrong key
    with pytest.raises(IdentityError, match="Signature verification failed"):
        client.verify(forged, NONCE)


def test_refuses_unsigned_and_symmetric_tokens(client: OidcClient, oidc: FakeOidcProvider) -> None:
    unsigned = jwt.encode(claims(iss=oidc.issuer, aud=CLIENT_ID), "", algorithm="none")
    with pytest.raises(IdentityError, match="not allowed"):
        client.verify(unsigned, NONCE)
    # The classic confusion: an HS256 token keyed with the provider's public key.
    hmac_token = jwt.encode(claims(iss=oidc.issuer, aud=CLIENT_ID), "x" * 32, algorithm="HS256")
    with pytest.raises(IdentityError, match="not allowed"):
        client.verify(hmac_token, NONCE)


def test_refuses_a_nonce_from_another_sign_in(client: OidcClient, oidc: FakeOidcProvider) -> None:
    with pytest.raises(IdentityError, match="nonce"):
        client.verify(oidc.mint(claims(nonce="someone-elses")), NONCE)


def test_refetches_the_key_set_when_the_provider_rotates_its_key(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    client.verify(oidc.mint(claims()), NONCE)  # caches the current key set
    old_key, old_kid = oidc.key, oidc.kid
    oidc.key, oidc.kid = new_rsa_key(), "rotated"
    try:
        assert client.verify(oidc.mint(claims()), NONCE).subject == "u1"
    finally:
        oidc.key, oidc.kid = old_key, old_kid


def test_completes_the_code_flow_with_a_verifier_matching_the_challenge(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    oidc.user = FakeUser("u7", "grace@example.com", name="Grace")
    login = client.begin()
    query = {k: v[0] for k, v in parse_qs(urlsplit(login.url).query).items()}
    assert query["code_challenge"] == pkce_challenge(login.code_verifier)
    assert query["code_challenge_method"] == "S256"
    assert (query["state"], query["nonce"]) == (login.state, login.nonce)
    back = httpx.get(login.url, follow_redirects=False).headers["location"]
    code = parse_qs(urlsplit(back).query)["code"][0]
    identity = client.complete(code, login.code_verifier, login.nonce)
    assert (identity.subject, identity.email, identity.name) == ("u7", "grace@example.com", "Grace")
    assert oidc.token_requests[-1]["code_verifier"] == login.code_verifier


def test_a_wrong_verifier_or_a_reused_code_is_refused(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    login = client.begin()
    back = httpx.get(login.url, follow_redirects=False).headers["location"]
    code = parse_qs(urlsplit(back).query)["code"][0]
    with pytest.raises(IdentityError, match="invalid_grant"):
        client.complete(code, "not-the-verifier-" + "x" * 40, login.nonce)
    with pytest.raises(IdentityError, match="invalid_grant"):
        client.complete(code, login.code_verifier, login.nonce)  # codes are single-use


def test_an_unreachable_provider_is_an_upstream_error() -> None:
    with httpx.Client(timeout=2) as http:
        client = OidcClient(
            "http://127.0.0.1:1", CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid", http
        )
        with pytest.raises(UpstreamUnavailableError, match="did not answer"):
            client.begin()
