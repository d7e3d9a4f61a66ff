"""A local fake of GitHub's OAuth web flow and the two REST endpoints sign-in reads, laid out as
GitHub Enterprise Server lays them out on one host (so `issuer` is the server's URL):

- `GET /login/oauth/authorize`: checks the client id and, when sent, the PKCE S256 challenge,
  then redirects back with `code` and `state` (no consent page).
- `POST /login/oauth/access_token`: client id and secret in the form (or HTTP Basic), the code
  (single use, ten minutes at GitHub), the redirect URI it was issued for and the PKCE
  verifier. As GitHub does, it answers form-encoded unless `Accept: application/json`, and
  reports errors (`bad_verification_code`, `incorrect_client_credentials`,
  `redirect_uri_mismatch`) with status 200 in the body.
- `GET /api/v3/user` and `/api/v3/user/emails` with `Authorization: Bearer|token <token>`;
  the e-mails need the `user:email` (or `user`) scope, else 404 as at GitHub.

    with serving(FakeGitHub(client_id, client_secret)) as github:
        github.user = FakeGitHubUser(id=42, login="ada", emails=[primary("ada@example.com")])
"""

import base64
import json
import secrets
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.loopback import Reply, Request
from tests.fakes.oidc_provider import json_reply, s256


def address(email: str, primary: bool = False, verified: bool = True) -> dict[str, Any]:
    """One entry of GET /user/emails."""
    visibility = "private" if primary else None
    return {"email": email, "primary": primary, "verified": verified, "visibility": visibility}


@dataclass
class FakeGitHubUser:
    id: int
    login: str
    emails: list[dict[str, Any]]
    name: str | None = None


@dataclass
class _Grant:
    redirect_uri: str | None
    challenge: str | None
    scopes: list[str]
    user: FakeGitHubUser


@dataclass
class FakeGitHub:
    client_id: str
    client_secret: str
    user: FakeGitHubUser = field(
        default_factory=lambda: FakeGitHubUser(1, "octocat", [address("o@example.com", True)])
    )
    granted_scopes: list[str] | None = None  # what the person allows; None: what was asked
    base_url: str = ""
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_accepts: list[str | None] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, tuple[FakeGitHubUser, list[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return self.base_url

    def will_sign_in(self, subject: str, email: str, verified: bool) -> None:
        """Who the next authorization signs in (the same call on every fake provider)."""
        login = subject.removeprefix("sub-").partition("@")[0]
        number = zlib.crc32(subject.encode())  # GitHub's ids are numbers; stable per subject
        self.user = FakeGitHubUser(number, login, [address(email, True, verified)])

    def handle(self, request: Request) -> Reply:
        route = (request.method, request.path)
        if route == ("GET", "/login/oauth/authorize"):
            return self.authorize(request.query)
        if route == ("POST", "/login/oauth/access_token"):
            return self.access_token(request)
        if request.method == "GET" and request.path in ("/api/v3/user", "/api/v3/user/emails"):
            return self.api(request)
        return json_reply(404, {"message": "Not Found"})

    def authorize(self, query: dict[str, str]) -> Reply:
        if query.get("client_id") != self.client_id:
            return json_reply(404, {"message": "Not Found"})  # GitHub shows a 404 page
        challenge = query.get("code_challenge")
        if challenge and query.get("code_challenge_method") != "S256":
            return json_reply(400, {"error": "invalid_request"})
        asked = query.get("scope", "").replace(",", " ").split()
        code = secrets.token_hex(10)
        with self._lock:
            self._grants[code] = _Grant(
                query.get("redirect_uri"),
                challenge,
                self.granted_scopes if self.granted_scopes is not None else asked,
                self.user,
            )
        location = f"{query['redirect_uri']}?" + urlencode(
            {"code": code, "state": query.get("state", "")}
        )
        return 302, {"Location": location}, b""

    def access_token(self, request: Request) -> Reply:
        form = request.form
        self.token_requests.append(form)
        self.token_accepts.append(request.header("Accept"))
        client_id, secret = form.get("client_id"), form.get("client_secret")
        authorization = request.header("Authorization") or ""
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return self._token_reply(request, {"error": "incorrect_client_credentials"})
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None:
            return self._token_reply(request, {"error": "bad_verification_code"})
        if form.get("redirect_uri") and form["redirect_uri"] != grant.redirect_uri:
            return self._token_reply(request, {"error": "redirect_uri_mismatch"})
        verifier = form.get("code_verifier", "")
        if grant.challenge is not None and s256(verifier) != grant.challenge:
            return self._token_reply(request, {"error": "bad_verification_code"})
        token = "gho_" + secrets.token_urlsafe(27)
        with self._lock:
            self._tokens[token] = (grant.user, grant.scopes)
        scope = ",".join(grant.scopes)
        return self._token_reply(
            request, {"access_token": token, "scope": scope, "token_type": "bearer"}
        )

    def _token_reply(self, request: Request, body: dict[str, str]) -> Reply:
        if request.header("Accept") == "application/json":
            return json_reply(200, body)
        return 200, {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(body).encode()

    def api(self, request: Request) -> Reply:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        with self._lock:
            found = self._tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if found is None:
            return json_reply(401, {"message": "Bad credentials"})
        user, scopes = found
        if request.path.endswith("/emails"):
            if not {"user", "user:email"} & set(scopes):
                return json_reply(404, {"message": "Not Found"})
            return json_reply(200, user.emails)
        public = next((e["email"] for e in user.emails if e.get("visibility") == "public"), None)
        body = {"login": user.login, "id": user.id, "name": user.name, "email": public}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
