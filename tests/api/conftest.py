"""Fixtures for the API tests: databases (SQLite per test, PostgreSQL per session when
TESTFORGE_TEST_POSTGRES_URL is set), the fake identity provider and fake Stripe on loopback,
the in-memory cluster, and `api`: the real app with helpers that sign people in through the
real OIDC flow."""

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from api.bootstrap import Adapters, Container
from api.cluster.port import Resources
from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.main import create_app
from api.settings import Settings
from api.throttle import Throttle
from testforge.storage.local import LocalStore
from tests.api.fakes import FakeCluster
from tests.fakes.github_server import FakeGitHub
from tests.fakes.loopback import serving
from tests.fakes.oidc_provider import (
    FakeAzure,
    FakeGoogle,
    FakeOidcProvider,
    FakeOkta,
    running_fake_oidc,
)
from tests.fakes.resolver import FakeResolver
from tests.fakes.stripe_server import FakeStripe, running_fake_stripe

POSTGRES_ENV = "TESTFORGE_TEST_POSTGRES_URL"
CLIENT_ID = "testforge-api"
CLIENT_SECRET = "oidc-" + secrets.token_urlsafe(32)
STRIPE_KEY = "sk_test_" + secrets.token_urlsafe(32)
WEBHOOK_SECRET = "whsec_" + secrets.token_urlsafe(32)
PLATFORM_ADMIN = "root@testforge.example"
PUBLIC_URL = "http://testserver"
TABLES = (
    "audit_events, stripe_events, usage_records, shares, run_records, api_keys, memberships, "
    "refresh_tokens, user_sessions, user_mfa, signing_keys, users, tenants"
)


class SignInFake(Protocol):
    """A fake identity provider (OIDC flavour or GitHub) told who its next sign-in is."""

    def will_sign_in(self, subject: str, email: str, verified: bool) -> None: ...


class Clock:
    """The app's clock: real time until a test moves it forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


# --- databases --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A database of its own for this session, migrated once; skipped without PostgreSQL."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against")
    name = f"testforge_api_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(url).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres(postgres_engine: Engine) -> Engine:
    """The session's PostgreSQL database, emptied for this test (TRUNCATE fires no row triggers)."""
    with postgres_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {TABLES} CASCADE"))
    return postgres_engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test gets a copy (migrating costs ~0.5 s)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "api.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Both backends: the test runs once on SQLite and once on PostgreSQL."""
    found: Engine = request.getfixturevalue(request.param)
    return found


# --- fake servers -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[FakeOidcProvider]:
    with running_fake_oidc(CLIENT_ID, CLIENT_SECRET) as provider:
        yield provider


@pytest.fixture
def oidc(oidc_server: FakeOidcProvider) -> Iterator[FakeOidcProvider]:
    methods = list(oidc_server.auth_methods)
    yield oidc_server
    oidc_server.tamper = {}
    oidc_server.sign_with = None
    oidc_server.auth_methods = methods


# The single-sign-on flavours (tests/api/test_sso.py, test_oidc.py), one server each per run.


@pytest.fixture(scope="session")
def google_server() -> Iterator[FakeGoogle]:
    with serving(FakeGoogle(CLIENT_ID, CLIENT_SECRET)) as fake:
        yield fake


@pytest.fixture(scope="session")
def okta_server() -> Iterator[FakeOkta]:
    with serving(FakeOkta(CLIENT_ID, CLIENT_SECRET)) as fake:
        yield fake


@pytest.fixture(scope="session")
def azure_server() -> Iterator[FakeAzure]:
    with serving(FakeAzure(CLIENT_ID, CLIENT_SECRET)) as fake:
        yield fake


@pytest.fixture(scope="session")
def github_server() -> Iterator[FakeGitHub]:
    with serving(FakeGitHub(CLIENT_ID, CLIENT_SECRET)) as fake:
        yield fake


@pytest.fixture
def google(google_server: FakeGoogle) -> Iterator[FakeGoogle]:
    yield google_server
    google_server.tamper, google_server.scheme_less_issuer = {}, False


@pytest.fixture
def okta(okta_server: FakeOkta) -> Iterator[FakeOkta]:
    yield okta_server
    okta_server.tamper = {}


@pytest.fixture
def azure(azure_server: FakeAzure) -> Iterator[FakeAzure]:
    yield azure_server
    azure_server.tamper = {}


@pytest.fixture
def github(github_server: FakeGitHub) -> Iterator[FakeGitHub]:
    yield github_server
    github_server.granted_scopes = None


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripe]:
    with running_fake_stripe(STRIPE_KEY) as fake:
        yield fake


@pytest.fixture
def stripe_fake(stripe_server: FakeStripe) -> Iterator[FakeStripe]:
    yield stripe_server
    stripe_server.failures.clear()


# --- the app ----------------------------------------------------------------------------


def make_settings(oidc: FakeOidcProvider, stripe_fake: FakeStripe, **overrides: Any) -> Settings:
    """Settings for the app under test: the one provider `oidc` unless `identity_providers`."""
    values: dict[str, Any] = {
        "environment": "development",
        "public_url": PUBLIC_URL,
        "secret_key": secrets.token_urlsafe(48),
        "database_url": "sqlite://",  # replaced by the engine the test passes
        "auto_migrate": False,
        "oidc_issuer": oidc.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "stripe_secret_key": STRIPE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": stripe_fake.base_url,
        "platform_admins": [PLATFORM_ADMIN],
        # Tests settle finished runs when they mean to (container.run_watch.settle()).
        "run_watch_interval_s": 0,
    }
    if "identity_providers" in overrides:
        for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret"):
            del values[name]
    values.update(overrides)
    return Settings(**values)


@dataclass
class Api:
    """The running app and what tests do with it."""

    client: TestClient
    container: Container
    oidc: FakeOidcProvider
    stripe: FakeStripe
    cluster: FakeCluster
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)  # e-mail -> access token
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    fakes: dict[str, SignInFake] = field(default_factory=dict)  # provider id -> its fake

    def sign_in(
        self, email: str, verified: bool = True, provider: str | None = None
    ) -> dict[str, str]:
        """Sign `email` in through /auth/login, the provider and /auth/callback; their headers.
        `provider` picks one of several configured (`fakes`); by default the only one."""
        fake: SignInFake = self.fakes[provider] if provider else self.oidc
        fake.will_sign_in(f"sub-{email}", email, verified)
        self.client.cookies.clear()
        start = self.client.get(
            "/auth/login",
            params={"provider": provider} if provider else None,
            follow_redirects=False,
        )
        assert start.status_code == 302, start.text
        authorize = httpx.get(start.headers["location"], follow_redirects=False)
        assert authorize.status_code == 302, authorize.text
        back = urlsplit(authorize.headers["location"])
        done = self.client.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert done.status_code == 302, done.text
        token = done.cookies.get("tf_session") or self.client.cookies.get("tf_session")
        assert token, "no session cookie was set"
        refresh = done.cookies.get("tf_refresh") or self.client.cookies.get("tf_refresh")
        assert refresh, "no refresh cookie was set"
        self.client.cookies.clear()
        self.tokens[email] = token
        self.refresh_tokens[email] = refresh
        return {"Authorization": f"Bearer {token}"}

    def tenant(self, owner: dict[str, str], slug: str) -> str:
        answer = self.client.post(
            "/v1/tenants", json={"slug": slug, "name": slug.title()}, headers=owner
        )
        assert answer.status_code == 201, answer.text
        return slug

    def member(self, owner: dict[str, str], slug: str, email: str, role: str) -> dict[str, str]:
        headers = self.sign_in(email)
        answer = self.client.post(
            f"/v1/tenants/{slug}/members", json={"email": email, "role": role}, headers=owner
        )
        assert answer.status_code == 201, answer.text
        return headers

    def api_key(
        self,
        admin: dict[str, str],
        slug: str,
        role: str = "developer",
        scopes: list[str] | None = None,
        projects: list[str] | None = None,
    ) -> dict[str, str]:
        body: dict[str, Any] = {"name": f"ci-{role}", "role": role}
        body.update({k: v for k, v in (("scopes", scopes), ("projects", projects)) if v})
        answer = self.client.post(f"/v1/tenants/{slug}/api-keys", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {answer.json()['key']}"}

    def project(self, headers: dict[str, str], slug: str, name: str = "shop") -> str:
        answer = self.client.post(
            f"/v1/tenants/{slug}/projects",
            json={"name": name, "url": "https://shop.example"},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        return name

    def namespace(self, slug: str) -> str:
        return f"{self.container.settings.namespace_prefix}{slug}"

    def tenant_id(self, slug: str) -> uuid.UUID:
        from api.db.repositories import Tenants

        with self.container.sessions() as session:
            tenant = Tenants(session).by_slug(slug)
            assert tenant is not None
            return tenant.id


def build_api(
    engine: Engine,
    oidc: FakeOidcProvider,
    stripe_fake: FakeStripe,
    resources: Resources | None = None,
    throttle: Throttle | None = None,
    fakes: dict[str, SignInFake] | None = None,
    **overrides: Any,
) -> Iterator[Api]:
    """The app with the in-memory cluster, or with `resources` (a real adapter) instead;
    `fakes` are the providers of `identity_providers` (overrides), by id."""
    cluster, clock = FakeCluster(), Clock()
    settings = make_settings(oidc, stripe_fake, **overrides)
    artifacts = tempfile.TemporaryDirectory(prefix="testforge-api-artifacts-")
    app = create_app(
        settings,
        Adapters(
            engine=engine,
            resources=resources or cluster,
            namespaces=None if resources else cluster,
            clock=clock,
            throttle=throttle,
            resolver=FakeResolver(),  # no DNS here: every name is public unless a test says
            artifacts=LocalStore(Path(artifacts.name)),
        ),
    )
    with artifacts, TestClient(app, base_url=PUBLIC_URL) as client:
        yield Api(
            client,
            app.state.container,
            oidc,
            stripe_fake,
            cluster,
            clock,
            fakes=fakes or {"oidc": oidc},
        )


@pytest.fixture
def api(sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe) -> Iterator[Api]:
    """The app on a fresh SQLite database (the fast tier)."""
    yield from build_api(sqlite, oidc, stripe_fake)


@pytest.fixture
def api_on(engine: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe) -> Iterator[Api]:
    """The app on SQLite and then on PostgreSQL (tests using it run on both)."""
    yield from build_api(engine, oidc, stripe_fake)
