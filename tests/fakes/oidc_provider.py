"""Local fake OpenID Connect providers: real HTTP servers on 127.0.0.1 with a discovery document,
a JWKS holding a generated RSA key, an authorize endpoint that signs in whoever the test chose
(no login page) and a token endpoint that checks the code, redirect URI, client secret and PKCE
verifier before issuing an RS256-signed ID token.

`FakeOidcProvider` is a plain issuer at the server's root. The flavours speak as the real ones
do, in their issuer shapes, endpoint paths and claims:

- `FakeGoogle`: issuer at the root (https://accounts.google.com), `azp`, `at_hash`,
  `email_verified`, `hd` for Workspace accounts; `scheme_less_issuer` mints `iss` without
  the scheme, as Google documents it may.
- `FakeOkta`: a custom authorization server, issuer `/oauth2/default`, `/v1/...` endpoints,
  `ver`, `amr`, `preferred_username`, `email_verified`.
- `FakeAzure`: issuer `/{tenant}/v2.0`, and the multi-tenant `/common/v2.0` and
  `/organizations/v2.0` whose discovery names the `{tenantid}` template; tokens carry `tid`,
  `oid`, `preferred_username`, `ver: "2.0"`, and `email` without `email_verified` (a user's
  `claims` may add `xms_edov` or move them to another tenant with `tid`).

    with running_fake_oidc(client_id="testforge", client_secret="...") as idp:
        idp.user = FakeUser(subject="u1", email="ada@example.com")
        idp.tamper = {"aud": "someone-else"}      # the next ID tokens carry this claim

    with serving(FakeAzure(client_id, client_secret, tenant_id=TENANT)) as azure: ...

`mint()` signs arbitrary claims (with the provider's key or another one) for direct
verification tests.
"""

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.loopback import Reply, Request, serving

DISCOVERY = "/.well-known/openid-configuration"


@dataclass
class FakeUser:
    subject: str
    email: str | None
    email_verified: bool | None = True  # None: the claim is left out, as Azure does
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)  # more claims (hd, tid, xms_edov)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    user: FakeUser


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def s256(value: str) -> str:
    """RFC 7636's S256 code challenge of a verifier: SHA-256, base64url without padding."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def half_hash(value: str) -> str:
    """OIDC's at_hash for RS256: the left half of SHA-256, base64url."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    data = json.dumps(body).encode() if body is not None else b""
    content = {"Content-Type": "application/json"} if body is not None else {}
    return status, {**content, **(headers or {})}, data


@dataclass
class FakeOidcProvider:
    client_id: str
    client_secret: str
    user: FakeUser = field(default_factory=lambda: FakeUser("user-1", "user@example.com"))
    tamper: dict[str, Any] = field(default_factory=dict)
    sign_with: rsa.RSAPrivateKey | None = None  # another key than the published one
    auth_methods: list[str] = field(
        default_factory=lambda: ["client_secret_basic", "client_secret_post"]
    )
    base_url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=new_rsa_key)
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the shape of this provider (flavours override) -----------------------------------

    issuer_path: ClassVar[str] = ""
    paths: ClassVar[dict[str, str]] = {
        "authorize": "/authorize",
        "token": "/token",
        "jwks": "/jwks",
    }

    @property
    def issuer(self) -> str:
        return self.base_url + self.issuer_path

    def endpoint(self, path: str) -> str | None:
        """Which endpoint `path` is: discovery, authorize, token or jwks."""
        if path == self.issuer_path + DISCOVERY:
            return "discovery"
        return next((name for name, known in self.paths.items() if known == path), None)

    def discovery(self, path: str = "") -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.base_url + self.paths["authorize"],
            "token_endpoint": self.base_url + self.paths["token"],
            "jwks_uri": self.base_url + self.paths["jwks"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": self.auth_methods,
        }

    def user_claims(self, user: FakeUser, access_token: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": user.subject}
        if user.email is not None:
            claims["email"] = user.email
        if user.email_verified is not None:
            claims["email_verified"] = user.email_verified
        if user.name:
            claims["name"] = user.name
        return claims

    # --- tokens ----------------------------------------------------------------------------

    def will_sign_in(self, subject: str, email: str, verified: bool) -> None:
        """Who the next authorization signs in (the same call on every fake provider)."""
        self.user = FakeUser(subject=subject, email=email, email_verified=verified)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def mint(
        self,
        claims: dict[str, Any],
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300}
        payload.update(claims)
        return jwt.encode(
            payload, key or self.key, algorithm=algorithm, headers={"kid": kid or self.kid}
        )

    def id_token(self, grant: _Grant, access_token: str) -> str:
        claims = {**self.user_claims(grant.user, access_token), "aud": grant.client_id}
        claims.update(grant.user.claims)
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.tamper)
        return self.mint(claims, key=self.sign_with)

    # --- endpoints ----------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        endpoint = self.endpoint(request.path)
        if request.method == "GET" and endpoint == "discovery":
            return json_reply(200, self.discovery(request.path))
        if request.method == "GET" and endpoint == "jwks":
            return json_reply(200, self.jwks())
        if request.method == "GET" and endpoint == "authorize":
            return self.authorize(request.query)
        if request.method == "POST" and endpoint == "token":
            status, body = self.token(request.form, request.header("Authorization"))
            return json_reply(status, body)
        return json_reply(404, {"error": "not_found"})

    def authorize(self, query: dict[str, str]) -> Reply:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return json_reply(400, {"error": "unauthorized_client"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return json_reply(
                400, {"error": "invalid_request", "error_description": "PKCE S256 required"}
            )
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=query["client_id"],
                redirect_uri=query.get("redirect_uri", ""),
                nonce=query.get("nonce"),
                challenge=query["code_challenge"],
                user=self.user,
            )
        location = f"{query['redirect_uri']}?" + urlencode(
            {"code": code, "state": query.get("state", "")}
        )
        return 302, {"Location": location}, b""

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, Any]:
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = decoded.partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # codes are single-use
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        if s256(form.get("code_verifier", "")) != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(24)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant, access_token),
        }


@dataclass
class FakeGoogle(FakeOidcProvider):
    scheme_less_issuer: bool = False

    paths: ClassVar[dict[str, str]] = {
        "authorize": "/o/oauth2/v2/auth",
        "token": "/token",
        "jwks": "/oauth2/v3/certs",
    }

    def user_claims(self, user: FakeUser, access_token: str) -> dict[str, Any]:
        claims = super().user_claims(user, access_token)
        claims.update(azp=self.client_id, at_hash=half_hash(access_token))
        if self.scheme_less_issuer:
            claims["iss"] = self.issuer.split("://", 1)[1]
        return claims


@dataclass
class FakeOkta(FakeOidcProvider):
    issuer_path: ClassVar[str] = "/oauth2/default"
    paths: ClassVar[dict[str, str]] = {
        "authorize": "/oauth2/default/v1/authorize",
        "token": "/oauth2/default/v1/token",
        "jwks": "/oauth2/default/v1/keys",
    }

    def user_claims(self, user: FakeUser, access_token: str) -> dict[str, Any]:
        claims = super().user_claims(user, access_token)
        claims.update(
            ver=1,
            amr=["pwd"],
            idp="00o1okta",
            auth_time=int(time.time()),
            at_hash=half_hash(access_token),
        )
        if user.email:
            claims["preferred_username"] = user.email
        return claims


_AZURE = re.compile(
    r"^/(?P<tenant>[^/]+)/(?:(?P<discovery>v2\.0/\.well-known/openid-configuration)"
    r"|oauth2/v2\.0/(?P<oauth>authorize|token)|discovery/v2\.0/(?P<jwks>keys))$"
)


@dataclass
class FakeAzure(FakeOidcProvider):
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def issuer(self) -> str:
        return self.tenant_issuer(self.tenant_id)

    def tenant_issuer(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/v2.0"

    def endpoint(self, path: str) -> str | None:
        found = _AZURE.match(path)
        if found is None:
            return None
        if found["discovery"]:
            return "discovery"
        return found["oauth"] or "jwks"

    def discovery(self, path: str = "") -> dict[str, Any]:
        found = _AZURE.match(path)
        segment = found["tenant"] if found else self.tenant_id
        multi = segment in ("common", "organizations")
        root = f"{self.base_url}/{segment}"
        return {
            **super().discovery(path),
            "issuer": self.tenant_issuer("{tenantid}" if multi else segment),
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": self.auth_methods,
        }

    def user_claims(self, user: FakeUser, access_token: str) -> dict[str, Any]:
        tenant = str(user.claims.get("tid", self.tenant_id))
        claims = super().user_claims(user, access_token)
        claims.update(
            iss=self.tenant_issuer(tenant),
            tid=tenant,
            oid=str(uuid.uuid5(uuid.NAMESPACE_URL, user.subject)),
            ver="2.0",
        )
        if user.email:
            claims["preferred_username"] = user.email
        return claims

    def will_sign_in(self, subject: str, email: str, verified: bool) -> None:
        # Azure says nothing about verification; Microsoft's xms_edov says the domain's
        # owner verified the address.
        self.user = FakeUser(subject, email, None, claims={"xms_edov": True} if verified else {})


@contextmanager
def running_fake_oidc(client_id: str, client_secret: str) -> Iterator[FakeOidcProvider]:
    with serving(FakeOidcProvider(client_id=client_id, client_secret=client_secret)) as fake:
        yield fake
