"""OpenID Connect sign-in (authorization-code flow with PKCE, state and nonce): the adapter of
the `IdentityProvider` port for Google, Okta, Azure AD and any other discovery-based issuer.

Authlib does the protocol: the authorization URL with the PKCE challenge and the nonce, the
code exchange with client authentication and RFC 6749 error parsing (`api.auth.oauth`), and the
ID token's claims (`authlib.oidc.core.CodeIDToken`: issuer, audience, `azp` when there are
several audiences, nonce, expiry and issued-at with a small leeway, `at_hash`). Signatures are
checked by joserfc, Authlib's own JOSE library (its `authlib.jose` is deprecated for it),
against the provider's key set, refetched once when a `kid` is unknown (key rotation), with an
allow-list of asymmetric algorithms: never `none` or HS*, whatever the provider advertises.

Written here, because Authlib's client leaves them to the application: that the discovery
document names the issuer we were configured with (OIDC Discovery 4.3; Authlib's metadata
loader takes any), and what differs between providers once the protocol is done
(`ClaimRules`): Google's two spellings of its issuer, Azure's per-tenant issuers behind the
multi-tenant endpoints, and which e-mail claims each provider actually verifies.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from authlib.oidc.core import CodeIDToken
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import JWKRegistry, KeySet

from api.auth import oauth
from api.auth.provider import Identity, IdentityError, LoginRequest
from api.errors import UpstreamUnavailableError

ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    "Ed25519",
)  # fmt: skip
LEEWAY_SECONDS = 60
CHECK_ISSUER = "Check the identity provider's issuer in the API's settings and that it is up."
AZURE_MULTI_TENANT = ("common", "organizations")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- what differs between providers -----------------------------------------------------------


class ClaimRules(Protocol):
    def discovery_issuer(self, issuer: str) -> str:
        """The `issuer` the discovery document at `issuer` must name."""
        ...

    def token_issuers(self, issuer: str, claims: Mapping[str, Any]) -> list[str]:
        """The `iss` values an ID token from this provider may carry."""
        ...

    def user_issuer(self, issuer: str, claims: Mapping[str, Any]) -> str:
        """The issuer people from a valid token are keyed by."""
        ...

    def email(self, claims: Mapping[str, Any]) -> tuple[object, bool]:
        """The e-mail address and whether the provider verified it."""
        ...


class StandardClaims:
    """OIDC Core as written: one issuer, `email_verified: true` or it is not verified (Okta,
    Keycloak, Dex, Auth0 and the like)."""

    def discovery_issuer(self, issuer: str) -> str:
        return issuer

    def token_issuers(self, issuer: str, claims: Mapping[str, Any]) -> list[str]:
        return [issuer]

    def user_issuer(self, issuer: str, claims: Mapping[str, Any]) -> str:
        return str(claims["iss"])

    def email(self, claims: Mapping[str, Any]) -> tuple[object, bool]:
        return claims.get("email"), claims.get("email_verified") is True


class GoogleClaims(StandardClaims):
    """Google documents that its ID tokens say `iss` either as https://accounts.google.com or
    as accounts.google.com; both name the same issuer, so people are keyed by the first."""

    def token_issuers(self, issuer: str, claims: Mapping[str, Any]) -> list[str]:
        return [issuer, issuer.split("://", 1)[-1]]

    def user_issuer(self, issuer: str, claims: Mapping[str, Any]) -> str:
        return issuer


@dataclass(frozen=True)
class AzureClaims:
    """Azure AD (Entra ID) v2.0 endpoints.

    A single tenant (`tenant` a directory id) has one issuer. The multi-tenant endpoints
    (`common`, `organizations`) publish the template `.../{tenantid}/v2.0` as their issuer and
    sign tokens whose `iss` names the user's own tenant, also given as `tid`: the token must name
    the template filled with its `tid`, and that tenant must be allowed (any, when
    `allowed_tenants` is empty). So users stay keyed per tenant, by their real issuer.

    Azure sends `email` without `email_verified`, and a tenant's administrator can set any
    address on an account: an address counts as verified only with `email_verified: true` or
    Microsoft's `xms_edov: true` (the domain's owner verified it, an optional claim the app
    registration must ask for). Without `email`, `preferred_username` (often the UPN) stands in,
    never verified.
    """

    tenant: str
    allowed_tenants: tuple[str, ...] = ()

    @property
    def multi_tenant(self) -> bool:
        return self.tenant in AZURE_MULTI_TENANT

    def discovery_issuer(self, issuer: str) -> str:
        if self.multi_tenant:
            return issuer.replace(f"/{self.tenant}/", "/{tenantid}/")
        return issuer

    def token_issuers(self, issuer: str, claims: Mapping[str, Any]) -> list[str]:
        if not self.multi_tenant:
            return [issuer]
        tenant = claims.get("tid")
        if not isinstance(tenant, str) or not _GUID.match(tenant):
            raise IdentityError("The ID token names no Azure tenant (tid).", oauth.RETRY)
        if self.allowed_tenants and tenant not in self.allowed_tenants:
            raise IdentityError(
                f"Accounts of the Azure tenant {tenant} may not sign in here.",
                "Sign in with an account of an allowed organisation, or ask the operator to "
                "add the tenant to allowed_tenants.",
            )
        return [self.discovery_issuer(issuer).replace("{tenantid}", tenant)]

    def user_issuer(self, issuer: str, claims: Mapping[str, Any]) -> str:
        return str(claims["iss"])  # the user's own tenant, also behind `common`

    def email(self, claims: Mapping[str, Any]) -> tuple[object, bool]:
        email = claims.get("email")
        if isinstance(email, str) and email:
            verified = claims.get("email_verified") is True or claims.get("xms_edov") is True
            return email, verified
        return claims.get("preferred_username"), False


# --- the adapter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    auth_method: str


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        *,
        claims: ClaimRules | None = None,
        fix: str = CHECK_ISSUER,
        timeout: float = oauth.TIMEOUT_SECONDS,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._claims: ClaimRules = claims or StandardClaims()
        self._fix = fix
        self._oauth = oauth.new_client(client_id, client_secret, redirect_uri, scopes, timeout)
        self._metadata: _Metadata | None = None
        self._keys: KeySet | None = None
        self._registry = jws.JWSRegistry(
            algorithms=list(ALGORITHMS),
            # Providers add header fields of their own (Azure's x5t); the algorithm and the
            # key are what is checked.
            strict_check_header=False,
        )

    def close(self) -> None:
        self._oauth.close()

    # --- the port -----------------------------------------------------------------------

    def begin(self) -> LoginRequest:
        state, nonce, verifier = oauth.new_secrets()
        url, _ = self._oauth.create_authorization_url(
            self._meta().authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
        return LoginRequest(url, state, nonce, verifier)

    def complete(self, code: str, code_verifier: str, nonce: str) -> Identity:
        meta = self._meta()
        answer = oauth.exchange_code(
            self._oauth,
            meta.token_endpoint,
            code=code,
            code_verifier=code_verifier,
            auth_method=meta.auth_method,
            fix=self._fix,
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityError(
                "The identity provider's token response has no id_token.",
                "Make sure the client is allowed the `openid` scope at the provider.",
            )
        access_token = answer.get("access_token")
        return self.verify(
            id_token, nonce, access_token if isinstance(access_token, str) else None
        )

    # --- ID token verification --------------------------------------------------------------

    def verify(self, id_token: str, nonce: str, access_token: str | None = None) -> Identity:
        if not nonce:
            # Authlib skips the nonce check when none is expected; every sign-in of ours has one.
            raise IdentityError("This sign-in has no nonce to check the ID token against.", _RETRY)
        token = self._decode(id_token)
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {
                    "essential": True,
                    "values": self._claims.token_issuers(self.issuer, token.claims),
                },
                "aud": {"essential": True, "value": self.client_id},
                "sub": {"essential": True},
            },
            {"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=LEEWAY_SECONDS)
        except ClaimError as exc:
            raise IdentityError(_claim_problem(exc, token.claims), _RETRY) from exc
        email, verified = self._claims.email(token.claims)
        if not isinstance(email, str) or "@" not in email:
            raise IdentityError(
                "The ID token carries no e-mail address.",
                "Ask your administrator to release the `email` claim to TestForge.",
            )
        name = token.claims.get("name")
        return Identity(
            issuer=self._claims.user_issuer(self.issuer, token.claims),
            subject=token.claims["sub"],
            email=email,
            email_verified=verified,
            name=name if isinstance(name, str) else None,
        )

    def _decode(self, id_token: str) -> jwt.Token:
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise IdentityError(f"The ID token is malformed: {exc}.", _RETRY) from exc
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:  # the registry refuses them too; this says why
            raise IdentityError(f"The ID token is signed with {algorithm!r}, not allowed.", _RETRY)
        for refresh in (False, True):
            try:
                return jwt.decode(id_token, self._jwks(refresh), registry=self._registry)
            except InvalidKeyIdError:
                continue  # a key we have not seen: the provider may have rotated
            except BadSignatureError as exc:
                problem = "The ID token was refused: Signature verification failed."
                raise IdentityError(problem, _RETRY) from exc
            except (JoseError, ValueError) as exc:
                raise IdentityError(f"The ID token was refused: {exc}.", _RETRY) from exc
        raise IdentityError(
            f"The ID token's signing key {header.get('kid')!r} is not in the JWKS.", _RETRY
        )

    def _jwks(self, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            document = oauth.get_document(self._oauth, self._meta().jwks_uri, self._fix)
            keys = []
            for entry in document.get("keys") or []:
                # One key of a type we cannot use (a new algorithm at the provider) must not
                # stop sign-in with the others.
                try:
                    keys.append(JWKRegistry.import_key(entry))
                except (JoseError, ValueError, TypeError, KeyError):
                    continue
            if not keys:
                raise UpstreamUnavailableError(
                    "The identity provider's JWKS holds no usable key.", self._fix
                )
            self._keys = KeySet(keys)
        return self._keys

    # --- discovery ----------------------------------------------------------------------------

    def _meta(self) -> _Metadata:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            document = oauth.get_document(self._oauth, url, self._fix)
            # OIDC Discovery 4.3: the document must name exactly the issuer we were given.
            expected = self._claims.discovery_issuer(self.issuer)
            if str(document.get("issuer", "")).rstrip("/") != expected:
                raise UpstreamUnavailableError(
                    f"The discovery document names issuer {document.get('issuer')!r}, "
                    f"expected {expected!r}.",
                    self._fix,
                )
            try:
                self._metadata = _Metadata(
                    document["authorization_endpoint"],
                    document["token_endpoint"],
                    document["jwks_uri"],
                    _auth_method(document.get("token_endpoint_auth_methods_supported")),
                )
            except KeyError as exc:
                raise UpstreamUnavailableError(
                    f"The discovery document lacks {exc}.", self._fix
                ) from exc
        return self._metadata


def _auth_method(supported: object) -> str:
    """HTTP Basic unless the provider says it only takes the secret in the body (OIDC
    Discovery: Basic is the default when the list is absent)."""
    if (
        isinstance(supported, list)
        and "client_secret_basic" not in supported
        and "client_secret_post" in supported
    ):
        return "client_secret_post"
    return "client_secret_basic"


def _claim_problem(exc: ClaimError, claims: Mapping[str, Any]) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "The ID token has expired (exp)."
    if isinstance(exc, MissingClaimError):
        return f"The ID token lacks the claim {exc.claim}."
    problems = {
        "iss": f"The ID token names issuer {claims.get('iss')!r}, not this provider's.",
        "aud": "The ID token was refused: Audience doesn't match this client (aud).",
        "azp": "The ID token was issued to another party (azp).",
        "nonce": "The ID token's nonce does not match this sign-in.",
        "at_hash": "The ID token does not belong with its access token (at_hash).",
    }
    return problems.get(exc.claim, f"The ID token was refused: {exc.description}.")


_RETRY = oauth.RETRY
