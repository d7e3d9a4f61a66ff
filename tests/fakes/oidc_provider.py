"""A local fake OpenID Connect provider: a real HTTP server on 127.0.0.1 with a discovery
document, a JWKS holding a generated RSA key, an authorize endpoint that signs in whoever the
test chose (no login page) and a token endpoint that checks the code, redirect URI, client
secret and PKCE verifier before issuing an RS256-signed ID token.

    with running_fake_oidc(client_id="testforge", client_secret="...") as idp:
        idp.user = FakeUser(subject="u1", email="ada@example.com")
        idp.tamper = {"aud": "someone-else"}      # the next ID tokens carry this claim

`mint()` signs arbitrary claims (with the provider's key or another one) for direct
verification tests.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass
class FakeUser:
    subject: str
    email: str
    email_verified: bool = True
    name: str | None = None


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    user: FakeUser


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeOidcProvider:
    client_id: str
    client_secret: str
    user: FakeUser = field(default_factory=lambda: FakeUser("user-1", "user@example.com"))
    tamper: dict[str, Any] = field(default_factory=dict)
    sign_with: rsa.RSAPrivateKey | None = None  # another key than the published one
    base_url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=new_rsa_key)
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return self.base_url

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

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

    def id_token(self, grant: _Grant) -> str:
        claims: dict[str, Any] = {
            "sub": grant.user.subject,
            "email": grant.user.email,
            "email_verified": grant.user.email_verified,
            "aud": grant.client_id,
        }
        if grant.user.name:
            claims["name"] = grant.user.name
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.tamper)
        return self.mint(claims, key=self.sign_with)

    # --- endpoints ----------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "unauthorized_client"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 required"}
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
        return 302, {"Location": location}, None

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
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }


def _handler(provider: FakeOidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.discovery())
            elif url.path == "/jwks":
                self._send(200, provider.jwks())
            elif url.path == "/authorize":
                status, headers, body = provider.authorize(query)
                self._send(status, body, headers)
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                status, body = provider.token(form, self.headers.get("Authorization"))
                self._send(status, body)
            else:
                self._send(404, {"error": "not_found"})

    return Handler


@contextmanager
def running_fake_oidc(client_id: str, client_secret: str) -> Iterator[FakeOidcProvider]:
    provider = FakeOidcProvider(client_id=client_id, client_secret=client_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-oidc", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
