"""Single sign-on with several providers in one deployment: Google, Okta and Azure AD through
OIDC, GitHub through its OAuth flow, each against a local fake that speaks its protocol, all
through the real routes (/auth/providers, /auth/login?provider=, /auth/callback)."""

import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from api.db.models import AuditEvent, User
from api.settings import DEV_OIDC_CLIENT_SECRET, Settings
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, PLATFORM_ADMIN, Api, SignInFake, build_api
from tests.fakes.github_server import FakeGitHub, FakeGitHubUser, address
from tests.fakes.oidc_provider import FakeAzure, FakeGoogle, FakeOidcProvider, FakeOkta, FakeUser
from tests.fakes.stripe_server import FakeStripe

PROVIDERS = ["google", "okta", "azure", "github"]


def provider(id: str, **config: Any) -> dict[str, Any]:
    return {"id": id, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **config}


@pytest.fixture
def sso(
    sqlite: Engine,
    oidc: FakeOidcProvider,
    stripe_fake: FakeStripe,
    google: FakeGoogle,
    okta: FakeOkta,
    azure: FakeAzure,
    github: FakeGitHub,
) -> Iterator[Api]:
    """The app with the four providers, each at its fake (the base URLs are the overrides)."""
    providers = [
        provider("google", preset="google", issuer=google.issuer),
        # A tenant's own Okta vouches for its own domain's addresses only.
        provider("okta", preset="okta", issuer=okta.issuer, email_domains=["example.com"]),
        provider("azure", preset="azure", tenant=azure.tenant_id, authority=azure.base_url),
        provider("github", kind="github", issuer=github.base_url),
    ]
    fakes: dict[str, SignInFake] = {
        "google": google,
        "okta": okta,
        "azure": azure,
        "github": github,
    }
    yield from build_api(sqlite, oidc, stripe_fake, fakes=fakes, identity_providers=providers)


def start(api: Api, provider: str) -> tuple[str, str]:
    """Begin a sign-in with `provider`; its redirect back to us (path and query) and the cookie."""
    api.client.cookies.clear()
    login = api.client.get(f"/auth/login?provider={provider}", follow_redirects=False)
    assert login.status_code == 302, login.text
    authorize = httpx.get(login.headers["location"], follow_redirects=False)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["location"])
    return f"{back.path}?{back.query}", login.cookies["tf_login"]


def finish(api: Api, back: str, cookie: str) -> Any:
    api.client.cookies.clear()
    api.client.cookies.set("tf_login", cookie)
    return api.client.get(back, follow_redirects=False)


def users(api: Api) -> list[User]:
    with api.container.sessions() as session:
        return list(session.scalars(select(User).order_by(User.created_at)))


# --- signing in ---------------------------------------------------------------------------


def test_the_sign_in_page_lists_every_configured_provider(sso: Api) -> None:
    answer = sso.client.get("/auth/providers")
    assert answer.status_code == 200
    assert answer.json() == [
        {"id": "google", "name": "Google"},
        {"id": "okta", "name": "Okta"},
        {"id": "azure", "name": "Microsoft"},
        {"id": "github", "name": "GitHub"},
    ]


def test_a_deployment_with_the_single_provider_settings_has_the_provider_oidc(api: Api) -> None:
    assert api.client.get("/auth/providers").json() == [{"id": "oidc", "name": "Single sign-on"}]
    login = api.client.get("/auth/login?provider=oidc", follow_redirects=False)
    assert login.status_code == 302  # and without ?provider=, as every other test signs in


@pytest.mark.parametrize("name", PROVIDERS)
def test_each_provider_signs_a_person_in_end_to_end(
    sso: Api, name: str, google: FakeGoogle, okta: FakeOkta, azure: FakeAzure, github: FakeGitHub
) -> None:
    headers = sso.sign_in("ada@example.com", provider=name)
    me = sso.client.get("/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"
    (user,) = users(sso)
    issuers = {
        "google": google.issuer,
        "okta": okta.issuer,
        "azure": azure.tenant_issuer(azure.tenant_id),
        "github": github.issuer,
    }
    assert (user.issuer, user.email_verified) == (issuers[name], True)
    if name == "github":
        assert user.subject == str(github.user.id)  # the numeric id, not the renamable login


def test_the_same_person_through_two_providers_is_two_identities(sso: Api) -> None:
    sso.sign_in("ada@example.com", provider="google")
    sso.sign_in("ada@example.com", provider="github")
    sso.sign_in("ada@example.com", provider="google")  # the same identity again
    found = users(sso)
    assert len(found) == 2 and len({(u.issuer, u.subject) for u in found}) == 2
    assert all(u.email == "ada@example.com" and u.email_verified for u in found)


def test_adding_a_person_by_e_mail_binds_each_of_their_verified_identities(sso: Api) -> None:
    owner = sso.sign_in("owner@example.com", provider="okta")
    sso.tenant(owner, "acme")
    google = sso.sign_in("ada@example.com", provider="google")
    github = sso.sign_in("ada@example.com", provider="github")
    added = sso.client.post(
        "/v1/tenants/acme/members", json={"email": "ada@example.com", "role": "viewer"},
        headers=owner,
    )
    assert added.status_code == 201, added.text
    for headers in (google, github):
        assert sso.client.get("/v1/tenants/acme/projects", headers=headers).status_code == 200
    again = sso.client.post(
        "/v1/tenants/acme/members", json={"email": "ada@example.com", "role": "viewer"},
        headers=owner,
    )
    assert again.status_code == 409


def test_google_tokens_with_the_scheme_less_issuer_sign_in_as_the_same_person(
    sso: Api, google: FakeGoogle
) -> None:
    sso.sign_in("ada@example.com", provider="google")
    google.scheme_less_issuer = True
    sso.sign_in("ada@example.com", provider="google")
    (user,) = users(sso)  # Google's two spellings of its issuer name one person
    assert user.issuer == google.issuer


def test_azure_without_the_domain_owner_claim_signs_in_unverified(
    sso: Api, azure: FakeAzure
) -> None:
    sso.sign_in("ada@example.com", verified=False, provider="azure")
    (user,) = users(sso)
    assert user.email_verified is False


def test_a_provider_vouches_only_for_its_own_e_mail_domains(sso: Api) -> None:
    sso.sign_in("ada@elsewhere.example", provider="okta")  # Okta says verified
    (user,) = users(sso)
    assert (user.email, user.email_verified) == ("ada@elsewhere.example", False)


# --- attacks ------------------------------------------------------------------------------


def test_a_callback_for_one_provider_cannot_be_finished_with_another_providers_sign_in(
    sso: Api,
) -> None:
    google_back, _ = start(sso, "google")
    github_back, github_cookie = start(sso, "github")
    # Google's callback in a browser whose sign-in was started with GitHub: the state differs.
    answer = finish(sso, google_back, github_cookie)
    assert answer.status_code == 400 and "state does not match" in answer.json()["detail"]
    # Google's code under GitHub's state: GitHub, the provider the state names, refuses it.
    google_code = parse_qs(urlsplit(google_back).query)["code"][0]
    github_state = parse_qs(urlsplit(github_back).query)["state"][0]
    mixed = "/auth/callback?" + urlencode({"code": google_code, "state": github_state})
    answer = finish(sso, mixed, github_cookie)
    assert answer.status_code == 401 and "bad_verification_code" in answer.json()["detail"]
    assert "tf_session" not in answer.cookies and users(sso) == []
    with sso.container.sessions() as session:
        failures = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
        ).all()
    assert [event.details.get("provider") for event in failures] == [None, "github"]


def test_github_counts_only_a_primary_verified_address_as_verified(
    sso: Api, github: FakeGitHub
) -> None:
    github.user = FakeGitHubUser(
        7,
        "mallory",
        [
            address("mallory@example.com", primary=True, verified=False),
            address(PLATFORM_ADMIN, primary=False, verified=True),
        ],
    )
    start_back, cookie = start(sso, "github")
    assert finish(sso, start_back, cookie).status_code == 302
    (user,) = users(sso)
    assert (user.email, user.email_verified) == ("mallory@example.com", False)
    token = sso.client.cookies.get("tf_session")
    me = sso.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["platform_admin"] is False


def test_github_without_a_primary_address_or_the_email_scope_is_refused_saying_why(
    sso: Api, github: FakeGitHub
) -> None:
    github.user = FakeGitHubUser(8, "ghost", [address("ghost@example.com", primary=False)])
    answer = finish(sso, *start(sso, "github"))
    assert answer.status_code == 401 and "primary" in answer.json()["detail"]
    github.granted_scopes = ["read:user"]
    answer = finish(sso, *start(sso, "github"))
    assert answer.status_code == 401 and "user:email" in answer.json()["fix"]


def test_an_azure_account_of_another_tenant_is_refused(sso: Api, azure: FakeAzure) -> None:
    azure.user = FakeUser("s1", "eve@example.com", None, claims={"tid": str(uuid.uuid4())})
    answer = finish(sso, *start(sso, "azure"))
    assert answer.status_code == 401 and "issuer" in answer.json()["detail"]


@pytest.mark.parametrize("query", ["", "?provider=nope"])
def test_an_unknown_or_missing_provider_is_a_400_listing_the_configured_ones(
    sso: Api, query: str
) -> None:
    answer = sso.client.get(f"/auth/login{query}", follow_redirects=False)
    assert answer.status_code == 400
    body = answer.json()
    assert body["providers"] == PROVIDERS
    assert "/auth/login?provider=github" in body["fix"]


# --- the fakes speak GitHub's wire format ------------------------------------------------------


def test_githubs_token_endpoint_answers_json_only_when_asked(
    sso: Api, github: FakeGitHub
) -> None:
    sso.sign_in("ada@example.com", provider="github")
    assert github.token_accepts[-1] == "application/json"  # Authlib asks for JSON
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": "spent"}
    url = f"{github.base_url}/login/oauth/access_token"
    as_form = httpx.post(url, data=form)
    assert as_form.status_code == 200 and as_form.text == "error=bad_verification_code"
    as_json = httpx.post(url, data=form, headers={"Accept": "application/json"})
    assert as_json.json() == {"error": "bad_verification_code"}


# --- settings -----------------------------------------------------------------------------


def production(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "environment": "production",
        "public_url": "https://testforge.example",
        "secret_key": secrets.token_urlsafe(48),
        "database_url": "postgresql+psycopg://api:pw@db.internal:5432/testforge",
        "stripe_secret_key": "sk_live_" + secrets.token_urlsafe(32),
        "stripe_webhook_secret": "whsec_" + secrets.token_urlsafe(32),
        "rate_limit_storage": "redis://:pw@redis.internal:6379/0",
    }
    values.update(overrides)
    return values


def strong(id: str, **config: Any) -> dict[str, Any]:
    return {"id": id, "client_id": "app", "client_secret": secrets.token_urlsafe(40), **config}


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_presets_fill_in_each_providers_endpoints() -> None:
    settings = Settings(
        identity_providers=[
            strong("google", preset="google"),
            strong("okta", preset="okta", issuer="https://acme.okta.com/oauth2/default"),
            strong("azure", preset="azure", tenant=TENANT),
            strong("work", preset="azure", tenant="organizations", allowed_tenants=[TENANT]),
            strong("github", kind="github"),
            strong("ghe", kind="github", issuer="https://ghe.acme.example/"),
        ]
    )
    got = {p.id: p for p in settings.providers}
    assert got["google"].issuer == "https://accounts.google.com"
    assert got["azure"].issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert got["work"].issuer == "https://login.microsoftonline.com/organizations/v2.0"
    assert got["github"].authorization_endpoint == "https://github.com/login/oauth/authorize"
    assert got["github"].token_endpoint == "https://github.com/login/oauth/access_token"
    assert (got["github"].api_base, got["github"].scopes) == (
        "https://api.github.com",
        "read:user user:email",
    )
    assert got["ghe"].api_base == "https://ghe.acme.example/api/v3"
    assert got["okta"].scopes == "openid email profile"


def test_production_refuses_plain_http_and_default_secrets_per_provider() -> None:
    providers = [
        strong("okta", preset="okta", issuer="http://acme.okta.example"),
        strong("github", kind="github", client_secret=DEV_OIDC_CLIENT_SECRET),
        strong("ghe", kind="github", api_base="http://ghe.internal/api/v3"),
        strong("azure", preset="azure", tenant=TENANT, client_secret="short"),
    ]
    with pytest.raises(ValidationError) as refused:
        Settings(**production(identity_providers=providers))
    message = str(refused.value)
    assert "identity_providers[okta].issuer must be https://" in message
    assert "identity_providers[github].client_secret is the development default" in message
    assert "identity_providers[ghe].api_base must be https://" in message
    assert "identity_providers[azure].client_secret is shorter than 32" in message
    assert Settings(**production(identity_providers=[strong("google", preset="google")]))


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (strong("azure", preset="azure", tenant="contoso.onmicrosoft.com"), "directory"),
        (strong("azure", preset="azure", tenant=TENANT, allowed_tenants=[TENANT]), "common"),
        (strong("okta", preset="okta"), "needs an issuer"),
        (strong("gh", kind="github", tenant=TENANT), "only apply to azure"),
        (strong("x", issuer="https://x.example", api_base="https://x.example"), "github"),
        (strong("x", issuer="https://x.example", scopes="email"), "openid"),
        (strong("Bad Id", preset="google"), "id"),
    ],
)
def test_provider_settings_that_cannot_work_are_refused(
    config: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(identity_providers=[config])


def test_providers_are_named_one_way_with_unique_ids() -> None:
    with pytest.raises(ValidationError, match="not both"):
        Settings(
            oidc_issuer="https://login.example", identity_providers=[strong("g", preset="google")]
        )
    with pytest.raises(ValidationError, match="unique"):
        Settings(identity_providers=[strong("g", preset="google"), strong("g", kind="github")])


def test_the_providers_are_read_from_a_json_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    providers = [strong("google", preset="google"), strong("github", kind="github")]
    for entry in providers:
        entry["client_secret"] = str(entry["client_secret"])
    monkeypatch.setenv("TESTFORGE_API_IDENTITY_PROVIDERS", json.dumps(providers))
    settings = Settings()
    assert [p.id for p in settings.providers] == ["google", "github"]
    assert providers[0]["client_secret"] not in repr(settings)
