"""The identity-provider port: what sign-in needs from an OpenID Connect or OAuth provider, and
the deployment's set of them. No protocol library here, so services that use it stay free of
Authlib; the adapters are `api.auth.oidc.OidcClient` and `api.auth.github.GitHubClient`.

A sign-in is two calls: `begin()` makes the values one login needs (state, nonce, PKCE verifier)
and the provider's authorization URL, which the caller keeps in a signed cookie until the
callback; `complete()` exchanges the code and says who signed in. Failures raise
`IdentityError` (the caller answers 401) or `UpstreamUnavailableError` (503) when the provider
cannot be reached or is misconfigured.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from api.errors import ApiError, BadRequestError


class IdentityError(ApiError):
    status, slug, title = 401, "sign-in-failed", "Sign-in failed"


@dataclass(frozen=True)
class LoginRequest:
    url: str
    state: str
    nonce: str  # empty for providers without ID tokens (GitHub): nothing to bind it to
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the provider vouches. `(issuer, subject)` names the person at that
    provider for good; the e-mail is only an attribute, trusted when `email_verified`."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str | None


class IdentityProvider(Protocol):
    def begin(self) -> LoginRequest: ...
    def complete(self, code: str, code_verifier: str, nonce: str) -> Identity: ...


@dataclass(frozen=True)
class ProviderEntry:
    """One configured provider: its id in URLs and login state, the name the dashboard shows,
    the adapter, and the e-mail domains it may vouch for (empty: any)."""

    id: str
    name: str
    provider: IdentityProvider
    email_domains: tuple[str, ...] = ()

    def vouched(self, identity: Identity) -> Identity:
        """The identity with `email_verified` cleared for addresses outside the provider's
        domains: a tenant's own Okta may verify its staff's addresses, not anyone's."""
        if not self.email_domains or not identity.email_verified:
            return identity
        domain = identity.email.rpartition("@")[2].lower()
        if domain in {d.lower() for d in self.email_domains}:
            return identity
        return replace(identity, email_verified=False)


class IdentityProviders:
    """The deployment's providers, in configuration order (the dashboard lists them so)."""

    def __init__(self, entries: Sequence[ProviderEntry]) -> None:
        if not entries:
            raise ValueError("at least one identity provider is needed")
        self._entries = {entry.id: entry for entry in entries}
        if len(self._entries) != len(entries):
            raise ValueError("identity provider ids must be unique")

    def __iter__(self) -> Iterator[ProviderEntry]:
        return iter(self._entries.values())

    @property
    def ids(self) -> list[str]:
        return list(self._entries)

    def choose(self, provider_id: str | None) -> ProviderEntry:
        """The provider asked for, or the only one when none is asked for."""
        if provider_id is None and len(self._entries) == 1:
            return next(iter(self._entries.values()))
        entry = self._entries.get(provider_id) if provider_id is not None else None
        if entry is None:
            problem = (
                "Several identity providers are configured: say which one to sign in with."
                if provider_id is None
                else f"There is no identity provider {provider_id!r}."
            )
            choices = ", ".join(f"/auth/login?provider={known}" for known in self._entries)
            raise BadRequestError(
                problem, f"Sign in with one of: {choices}.", extra={"providers": self.ids}
            )
        return entry
