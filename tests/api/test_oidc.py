"""The OIDC client's ID-token verification and code flow, against the fake providers on
loopback: the generic issuer, and the Google and Azure claim rules."""

import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from api.auth.oidc import AzureClaims, ClaimRules, GoogleClaims, OidcClient
from api.auth.provider import Identity, IdentityError
from api.errors import UpstreamUnavailableError
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET
from tests.fakes.oidc_provider import (
    FakeAzure,
    FakeGoogle,
    FakeOidcProvider,
    FakeUser,
    new_rsa_key,
    s256,
)

NONCE = "nonce-123"
REDIRECT = "http://testserver/auth/callback"


@pytest.fixture
def client(oidc: FakeOidcProvider) -> Iterator[OidcClient]:
    client = OidcClient(oidc.issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid email")
    yield client
    client.close()


def claims(**extra: object) -> dict[str, object]:
    """An ID token's claims; None leaves a claim out."""
    every = {"sub": "u1", "email": "ada@example.com", "email_verified": True, "nonce": NONCE}
    return {name: value for name, value in {**every, **extra}.items() if value is not None}


def code_for(login_url: str) -> str:
    """Follow the fake's authorize redirect; the code it sends back."""
    back = httpx.get(login_url, follow_redirects=False).headers["location"]
    return parse_qs(urlsplit(back).query)["code"][0]


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


def test_refuses_an_id_token_without_a_subject(client: OidcClient, oidc: FakeOidcProvider) -> None:
    with pytest.raises(IdentityError, match="sub"):
        client.verify(oidc.mint(claims(sub="")), NONCE)


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
    with pytest.raises(IdentityError, match="nonce"):
        client.verify(oidc.mint(claims()), "")  # a sign-in without a nonce checks nothing


def test_refetches_the_key_set_when_the_provider_rotates_its_key(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    client.verify(oidc.mint(claims()), NONCE)  # caches the current key set
    old_key, old_kid = oidc.key, oidc.kid
    oidc.key, oidc.kid = new_rsa_key(), "rotated"
    try:
        assert client.verify(oidc.mint(claims()), NONCE).subject == "u1"
        with pytest.raises(IdentityError, match="not in the JWKS"):
            client.verify(oidc.mint(claims(), kid="never-published"), NONCE)
    finally:
        oidc.key, oidc.kid = old_key, old_kid


def test_completes_the_code_flow_with_a_verifier_matching_the_challenge(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    oidc.user = FakeUser("u7", "grace@example.com", name="Grace")
    login = client.begin()
    query = {k: v[0] for k, v in parse_qs(urlsplit(login.url).query).items()}
    assert query["code_challenge"] == s256(login.code_verifier)
    assert query["code_challenge_method"] == "S256"
    assert (query["state"], query["nonce"]) == (login.state, login.nonce)
    identity = client.complete(code_for(login.url), login.code_verifier, login.nonce)
    assert (identity.subject, identity.email, identity.name) == ("u7", "grace@example.com", "Grace")
    assert oidc.token_requests[-1]["code_verifier"] == login.code_verifier
    assert "client_secret" not in oidc.token_requests[-1]  # HTTP Basic, the default


def test_sends_the_secret_in_the_body_to_a_provider_that_only_takes_it_so(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    oidc.auth_methods = ["client_secret_post"]
    login = client.begin()
    client.complete(code_for(login.url), login.code_verifier, login.nonce)
    assert oidc.token_requests[-1]["client_secret"] == CLIENT_SECRET


def test_a_wrong_verifier_or_a_reused_code_is_refused(
    client: OidcClient, oidc: FakeOidcProvider
) -> None:
    login = client.begin()
    code = code_for(login.url)
    with pytest.raises(IdentityError, match="invalid_grant"):
        client.complete(code, "not-the-verifier-" + "x" * 40, login.nonce)
    with pytest.raises(IdentityError, match="invalid_grant"):
        client.complete(code, login.code_verifier, login.nonce)  # codes are single-use


def test_wrong_client_credentials_are_the_deployments_fault_not_the_users(
    oidc: FakeOidcProvider,
) -> None:
    client = OidcClient(oidc.issuer, CLIENT_ID, "not-the-secret", REDIRECT, "openid email")
    login = client.begin()
    with pytest.raises(UpstreamUnavailableError, match="invalid_client"):
        client.complete(code_for(login.url), login.code_verifier, login.nonce)
    client.close()


def test_a_discovery_document_naming_another_issuer_is_refused(oidc: FakeOidcProvider) -> None:
    # The same server under another name for itself: its document names 127.0.0.1.
    elsewhere = oidc.issuer.replace("127.0.0.1", "localhost")
    client = OidcClient(elsewhere, CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid")
    with pytest.raises(UpstreamUnavailableError, match="names issuer"):
        client.begin()
    client.close()


def test_an_unreachable_provider_is_an_upstream_error() -> None:
    client = OidcClient(
        "http://127.0.0.1:1", CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid", timeout=2
    )
    with pytest.raises(UpstreamUnavailableError, match="did not answer"):
        client.begin()
    client.close()


# --- provider flavours -------------------------------------------------------------------------


def flavoured(fake: FakeOidcProvider, rules: ClaimRules, issuer: str | None = None) -> OidcClient:
    return OidcClient(
        issuer or fake.issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT, "openid email", claims=rules
    )


def test_google_may_spell_its_issuer_without_the_scheme(google: FakeGoogle) -> None:
    client = flavoured(google, GoogleClaims())
    identity = client.verify(google.mint(claims(iss=google.issuer.split("://")[1])), NONCE)
    assert identity.issuer == google.issuer  # one person, whichever spelling
    with pytest.raises(IdentityError, match="issuer"):
        client.verify(google.mint(claims(iss="evil.example")), NONCE)
    client.close()


def test_an_id_token_that_does_not_belong_with_its_access_token_is_refused(
    google: FakeGoogle,
) -> None:
    google.tamper = {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}  # another access token's hash
    client = flavoured(google, GoogleClaims())
    login = client.begin()
    with pytest.raises(IdentityError, match="at_hash"):
        client.complete(code_for(login.url), login.code_verifier, login.nonce)
    client.close()


def test_azure_addresses_count_as_verified_only_when_microsoft_says_the_domain_owner_did(
    azure: FakeAzure,
) -> None:
    client = flavoured(azure, AzureClaims(azure.tenant_id))
    token = azure.mint(claims(email_verified=None))
    assert client.verify(token, NONCE).email_verified is False
    vouched = azure.mint(claims(email_verified=None, xms_edov=True))
    assert client.verify(vouched, NONCE).email_verified
    without_email = azure.mint(claims(email=None, preferred_username="ada@corp.example"))
    identity = client.verify(without_email, NONCE)
    assert (identity.email, identity.email_verified) == ("ada@corp.example", False)
    client.close()


def test_azure_multi_tenant_tokens_must_name_their_own_tenant_and_an_allowed_one(
    azure: FakeAzure,
) -> None:
    allowed, other = str(uuid.uuid4()), str(uuid.uuid4())
    common = f"{azure.base_url}/common/v2.0"
    client = flavoured(azure, AzureClaims("common", (allowed,)), issuer=common)
    ours = azure.mint(claims(iss=azure.tenant_issuer(allowed), tid=allowed))
    assert client.verify(ours, NONCE).issuer == azure.tenant_issuer(allowed)
    # Signed by Microsoft for a real tenant, but claiming another tenant's issuer.
    mixed = azure.mint(claims(iss=azure.tenant_issuer(other), tid=allowed))
    with pytest.raises(IdentityError, match="issuer"):
        client.verify(mixed, NONCE)
    foreign = azure.mint(claims(iss=azure.tenant_issuer(other), tid=other))
    with pytest.raises(IdentityError, match="may not sign in here"):
        client.verify(foreign, NONCE)
    with pytest.raises(IdentityError, match="tid"):
        client.verify(azure.mint(claims(iss="{tenantid}")), NONCE)
    client.close()


def test_azure_multi_tenant_discovery_names_the_tenant_template(azure: FakeAzure) -> None:
    client = flavoured(azure, AzureClaims("organizations"), f"{azure.base_url}/organizations/v2.0")
    assert "/organizations/oauth2/v2.0/authorize" in client.begin().url
    client.close()
