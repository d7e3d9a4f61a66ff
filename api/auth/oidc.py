"""OpenID Connect sign-in (authorization-code flow with PKCE, state and nonce): the identity
provider port and its adapter over httpx + PyJWT.

`begin()` makes the values a login needs (state, nonce, PKCE verifier) and the provider's
authorization URL; the caller keeps them in a signed cookie until the callback. `complete()`
exchanges the code (sending the verifier) and verifies the ID token: signature against the
provider's JWKS (refetched once when a `kid` is unknown, for key rotation), an allow-list of
asymmetric algorithms (never `none` or HS*), issuer, audience (and `azp` when there are several),
expiry and issued-at with a small leeway, and the nonce. Failures raise `IdentityError` (the
caller answers 401) or `UpstreamUnavailableError` when the provider cannot be reached.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
import jwt

from api.errors import ApiError, UpstreamUnavailableError

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
LEEWAY_SECONDS = 60


class IdentityError(ApiError):
    status, slug, title = 401, "sign-in-failed", "Sign-in failed"


@dataclass(frozen=True)
class LoginRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str | None


class IdentityProvider(Protocol):
    def begin(self) -> LoginRequest: ...
    def complete(self, code: str, code_verifier: str, nonce: str) -> Identity: ...


@dataclass(frozen=True)
class _Metadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        http: httpx.Client,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self._http = http
        self._metadata: _Metadata | None = None
        self._keys: jwt.PyJWKSet | None = None

    # --- the port -----------------------------------------------------------------------

    def begin(self) -> LoginRequest:
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters: within RFC 7636's 43..128
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": self.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return LoginRequest(
            f"{self._meta().authorization_endpoint}?{query}", state, nonce, verifier
        )

    def complete(self, code: str, code_verifier: str, nonce: str) -> Identity:
        answer = self._get_json(
            "POST",
            self._meta().token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": code_verifier,
            },
            auth=(self.client_id, self._client_secret),
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityError(
                "The identity provider's token response has no id_token.",
                "Make sure the client is allowed the `openid` scope at the provider.",
            )
        return self.verify(id_token, nonce)

    # --- ID token verification --------------------------------------------------------------

    def verify(self, id_token: str, nonce: str) -> Identity:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise IdentityError(f"The ID token is malformed: {exc}.", _RETRY) from exc
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise IdentityError(f"The ID token is signed with {algorithm!r}, not allowed.", _RETRY)
        key = self._signing_key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=[algorithm],
                audience=self.client_id,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise IdentityError(f"The ID token was refused: {exc}.", _RETRY) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise IdentityError("The ID token was issued to another party (azp).", _RETRY)
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise IdentityError("The ID token's nonce does not match this sign-in.", _RETRY)
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise IdentityError(
                "The ID token carries no e-mail address.",
                "Ask your administrator to release the `email` claim to TestForge.",
            )
        return Identity(
            issuer=claims["iss"],
            subject=str(claims["sub"]),
            email=email,
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    def _signing_key(self, kid: object) -> Any:
        for refresh in (False, True):
            keys = self._jwks(refresh)
            for candidate in keys.keys:
                if kid is None or candidate.key_id == kid:
                    return candidate.key
        raise IdentityError(f"The ID token's signing key {kid!r} is not in the JWKS.", _RETRY)

    def _jwks(self, refresh: bool) -> jwt.PyJWKSet:
        if self._keys is None or refresh:
            document = self._get_json("GET", self._meta().jwks_uri)
            try:
                self._keys = jwt.PyJWKSet.from_dict(document)
            except jwt.PyJWTError as exc:
                raise UpstreamUnavailableError(
                    f"The identity provider's JWKS is unusable: {exc}.", _CHECK_ISSUER
                ) from exc
        return self._keys

    # --- discovery and HTTP ------------------------------------------------------------------

    def _meta(self) -> _Metadata:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            document = self._get_json("GET", url)
            # OIDC Discovery 4.3: the document must name exactly the issuer we were given.
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise UpstreamUnavailableError(
                    f"The discovery document names issuer {document.get('issuer')!r}, "
                    f"expected {self.issuer!r}.",
                    _CHECK_ISSUER,
                )
            try:
                self._metadata = _Metadata(
                    document["authorization_endpoint"],
                    document["token_endpoint"],
                    document["jwks_uri"],
                )
            except KeyError as exc:
                raise UpstreamUnavailableError(
                    f"The discovery document lacks {exc}.", _CHECK_ISSUER
                ) from exc
        return self._metadata

    def _get_json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"The identity provider did not answer {method} {url}: {exc}.", _CHECK_ISSUER
            ) from exc
        if response.status_code == 400 and method == "POST":
            # RFC 6749 5.2: a refused code (reused, expired, wrong verifier) is the user's to retry.
            try:
                error = str(response.json().get("error", "invalid_grant"))
            except (ValueError, AttributeError):
                error = "invalid_grant"
            raise IdentityError(f"The identity provider refused the code: {error}.", _RETRY)
        if response.status_code != 200:
            raise UpstreamUnavailableError(
                f"The identity provider answered {method} {url} with {response.status_code}.",
                _CHECK_ISSUER,
            )
        try:
            document = response.json()
        except ValueError as exc:
            raise UpstreamUnavailableError(f"{url} did not answer JSON.", _CHECK_ISSUER) from exc
        if not isinstance(document, dict):
            raise UpstreamUnavailableError(f"{url} did not answer a JSON object.", _CHECK_ISSUER)
        return document


_RETRY = "Sign in again from /auth/login; if it keeps failing, the provider or its client "
_RETRY += "configuration is at fault."
_CHECK_ISSUER = "Check TESTFORGE_API_OIDC_ISSUER and that the identity provider is up."
