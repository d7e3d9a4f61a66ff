"""Sign-in with GitHub (github.com or GitHub Enterprise Server): the `IdentityProvider` adapter
for GitHub's OAuth 2.0 web flow, which has no ID token.

Authlib does the OAuth half (`api.auth.oauth`: the authorization URL with state and PKCE, the
code exchange, GitHub's errors answered with status 200 in the token response). Who signed in
then comes from GitHub's REST API, read here since no OAuth library knows it: `GET /user` for
the numeric id (the subject: logins can be renamed and reused, ids cannot) and the name, and
`GET /user/emails` for the addresses. Only the primary address, and only when GitHub marks it
verified, counts as verified: any address can be added to an account unverified, and a
secondary verified one is not the one the person chose to be reached at.
"""

from typing import Any

from api.auth import oauth
from api.auth.provider import Identity, IdentityError, LoginRequest
from api.errors import UpstreamUnavailableError

API_VERSION = "2022-11-28"
CHECK_GITHUB = "Check the GitHub provider's settings (client id and secret) and that GitHub is up."
GRANT_EMAIL = "Sign in again and allow TestForge to read your e-mail addresses (user:email)."


class GitHubClient:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        *,
        issuer: str,
        authorization_endpoint: str,
        token_endpoint: str,
        api_base: str,
        fix: str = CHECK_GITHUB,
        timeout: float = oauth.TIMEOUT_SECONDS,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.authorization_endpoint = authorization_endpoint
        self.token_endpoint = token_endpoint
        self.api_base = api_base.rstrip("/")
        self._fix = fix
        self._oauth = oauth.new_client(client_id, client_secret, redirect_uri, scopes, timeout)

    def close(self) -> None:
        self._oauth.close()

    def begin(self) -> LoginRequest:
        state, _, verifier = oauth.new_secrets()
        url, _ = self._oauth.create_authorization_url(
            self.authorization_endpoint, state=state, code_verifier=verifier
        )
        return LoginRequest(url, state, "", verifier)

    def complete(self, code: str, code_verifier: str, nonce: str) -> Identity:
        answer = oauth.exchange_code(
            self._oauth,
            self.token_endpoint,
            code=code,
            code_verifier=code_verifier,
            auth_method="client_secret_post",  # GitHub documents the secret in the body
            fix=self._fix,
        )
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise IdentityError("GitHub's token response has no access_token.", oauth.RETRY)
        headers = {
            "Authorization": f"Bearer {access_token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        user = self._read(f"{self.api_base}/user", headers)
        emails = self._read(f"{self.api_base}/user/emails", headers)
        subject = user.get("id") if isinstance(user, dict) else None
        if not isinstance(subject, int) or isinstance(subject, bool):
            raise UpstreamUnavailableError("GitHub's /user answer has no numeric id.", self._fix)
        email, verified = primary_email(emails)
        name = user.get("name") or user.get("login")
        return Identity(
            issuer=self.issuer,
            subject=str(subject),
            email=email,
            email_verified=verified,
            name=name if isinstance(name, str) else None,
        )

    def _read(self, url: str, headers: dict[str, str]) -> Any:
        status, body = oauth.get_json(self._oauth, url, self._fix, headers)
        if status == 200 and body is not None:
            return body
        if status == 401:
            raise IdentityError("GitHub refused the access token it had just issued.", oauth.RETRY)
        if status in (403, 404) and url.endswith("/user/emails"):
            # GitHub answers so when the token lacks the user:email scope.
            problem = "GitHub did not let TestForge read your e-mail addresses."
            raise IdentityError(problem, GRANT_EMAIL)
        raise UpstreamUnavailableError(f"GitHub answered GET {url} with {status}.", self._fix)


def primary_email(emails: object) -> tuple[str, bool]:
    """The primary address and whether GitHub verified it; no other address counts."""
    entries = emails if isinstance(emails, list) else []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("primary") is True:
            address = entry.get("email")
            if isinstance(address, str) and "@" in address:
                return address, entry.get("verified") is True
    raise IdentityError("Your GitHub account shared no primary e-mail address.", GRANT_EMAIL)
