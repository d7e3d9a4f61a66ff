"""The composition root: builds every adapter from Settings, once per app, at start-up.

Tests (and embedders) may pass `Adapters` to replace any of them; everything not replaced is
the real thing. Nothing here runs at import time.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.auth.github import GitHubClient
from api.auth.oidc import AzureClaims, ClaimRules, GoogleClaims, OidcClient, StandardClaims
from api.auth.provider import IdentityProviders, ProviderEntry
from api.auth.sealing import Sealer
from api.auth.signing import SigningKeys
from api.auth.tokens import AccessTokens, Tokens
from api.billing.gateway import BillingGateway, StripeGateway
from api.cluster.kubernetes import KubernetesCluster, api_client
from api.cluster.port import Namespaces, Resources
from api.db.engine import make_engine, make_sessions
from api.db.migrate import upgrade
from api.metrics import Metrics
from api.services.abuse import Abuse, AbuseRules
from api.services.mfa import MultiFactor
from api.services.run_watch import RunListener, RunWatch
from api.services.sessions import SessionPolicy, UserSessionService
from api.settings import IdentityProviderSettings, Settings
from api.throttle import Throttle
from testforge.domain.egress import Resolver
from testforge.resolver import SocketResolver
from testforge.storage.local import LocalStore
from testforge.storage.port import ArtifactStore

TOKEN_ISSUER = "testforge-api"
HTTP_TIMEOUT_SECONDS = 10.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Adapters:
    """Replacements for the adapters `bootstrap` would build; None means build the real one."""

    engine: Engine | None = None
    resources: Resources | None = None
    namespaces: Namespaces | None = None
    billing: BillingGateway | None = None
    identity: IdentityProviders | None = None
    clock: Callable[[], datetime] | None = None
    resolver: Resolver | None = None
    throttle: Throttle | None = None
    artifacts: ArtifactStore | None = None


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    resources: Resources
    namespaces: Namespaces | None
    billing: BillingGateway
    identity: IdentityProviders
    tokens: Tokens
    signing_keys: SigningKeys
    user_sessions: UserSessionService
    mfa: MultiFactor
    metrics: Metrics
    abuse: Abuse
    clock: Callable[[], datetime]
    resolver: Resolver
    artifacts: ArtifactStore
    run_watch: RunWatch
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()


def _identity_providers(settings: Settings, closers: list[Callable[[], None]]) -> IdentityProviders:
    # One callback for every provider: the signed login state says which one finishes it.
    redirect_uri = f"{settings.public_url.rstrip('/')}/auth/callback"
    entries = []
    for config in settings.providers:
        provider = _identity_provider(config, redirect_uri)
        closers.append(provider.close)
        entries.append(
            ProviderEntry(config.id, config.name, provider, tuple(config.email_domains))
        )
    return IdentityProviders(entries)


def _identity_provider(
    config: IdentityProviderSettings, redirect_uri: str
) -> OidcClient | GitHubClient:
    secret = config.client_secret.get_secret_value()
    fix = f"Check identity provider {config.id!r} in the API's settings and that it is up."
    if config.kind == "github":
        return GitHubClient(
            config.client_id,
            secret,
            redirect_uri,
            config.scopes,
            issuer=config.issuer,
            authorization_endpoint=config.authorization_endpoint,
            token_endpoint=config.token_endpoint,
            api_base=config.api_base,
            fix=fix,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    claims: ClaimRules = StandardClaims()
    if config.preset == "google":
        claims = GoogleClaims()
    elif config.preset == "azure":
        claims = AzureClaims(config.tenant, tuple(config.allowed_tenants))
    return OidcClient(
        config.issuer,
        config.client_id,
        secret,
        redirect_uri,
        config.scopes,
        claims=claims,
        fix=fix,
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def bootstrap(settings: Settings, adapters: Adapters | None = None) -> Container:
    given = adapters or Adapters()
    closers: list[Callable[[], None]] = []
    clock = given.clock or utc_now

    engine = given.engine
    if engine is None:
        engine = make_engine(settings.database_url.get_secret_value())
        closers.append(engine.dispose)
    if settings.migrate_on_start:
        upgrade(engine)

    resources, namespaces = given.resources, given.namespaces
    if resources is None:
        kube = api_client(settings.kubeconfig, settings.kube_context)
        closers.append(kube.close)
        cluster = KubernetesCluster(kube)
        resources = cluster
        namespaces = namespaces or cluster
    if not settings.manage_namespaces:
        namespaces = None

    identity = given.identity or _identity_providers(settings, closers)

    billing = given.billing or StripeGateway(
        settings.stripe_secret_key.get_secret_value(),
        settings.stripe_webhook_secret.get_secret_value(),
        settings.stripe_api_base,
    )
    metrics = Metrics()
    throttle = given.throttle or Throttle(settings.rate_limit_storage.get_secret_value())
    abuse = Abuse(throttle, AbuseRules.from_settings(settings), metrics)
    sessions = make_sessions(engine)
    secret = settings.secret_key.get_secret_value()
    signing_keys = SigningKeys(
        sessions, secret, clock, timedelta(days=settings.signing_key_rotation_days)
    )
    user_sessions = UserSessionService(
        AccessTokens(signing_keys, TOKEN_ISSUER, clock),
        clock,
        SessionPolicy(
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
        ),
    )
    # Whoever must act when a run finishes, in the settling transaction (api.services.run_watch).
    listeners: list[RunListener] = []
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        resources=resources,
        namespaces=namespaces,
        billing=billing,
        identity=identity,
        tokens=Tokens(secret, TOKEN_ISSUER, clock),
        signing_keys=signing_keys,
        user_sessions=user_sessions,
        mfa=MultiFactor(Sealer(secret, "totp seeds"), clock),
        metrics=metrics,
        abuse=abuse,
        clock=clock,
        resolver=given.resolver or SocketResolver(),
        artifacts=given.artifacts or LocalStore(settings.artifact_dir),
        run_watch=RunWatch(sessions, resources, clock, listeners),
        _closers=closers,
    )
