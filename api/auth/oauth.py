"""The OAuth 2.0 half every provider shares, over Authlib's httpx client: the authorization URL
with PKCE (S256), the code exchange with client authentication, and JSON reads, with Authlib's
and the transport's errors translated into the API's (`IdentityError`, 401, when the user's
code is refused; `UpstreamUnavailableError`, 503, when the provider or our client
configuration is at fault).

Authlib's client is an `httpx2.Client` holding one connection pool per provider. It also keeps
the last token it fetched on itself; sign-ins run concurrently in the thread pool, so nothing
here ever sends a request with that shared token: every call withholds it, and the one API call
that needs an access token (GitHub's) passes its own.
"""

import secrets
from typing import Any

import httpx2
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from api.auth.provider import IdentityError
from api.errors import UpstreamUnavailableError

TIMEOUT_SECONDS = 10.0
RETRY = (
    "Sign in again from /auth/login; if it keeps failing, the provider or its client "
    "configuration is at fault."
)
# The provider says our own client is wrong: no user can fix that by retrying.
CLIENT_ERRORS = {"invalid_client", "unauthorized_client", "incorrect_client_credentials"}


def new_client(
    client_id: str, client_secret: str, redirect_uri: str, scopes: str, timeout: float
) -> OAuth2Client:
    return OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        scope=scopes,
        code_challenge_method="S256",
        timeout=timeout,
    )


def new_secrets() -> tuple[str, str, str]:
    """State, nonce and PKCE verifier: 256 random bits each, the verifier 86 characters of
    base64url (within RFC 7636's 43..128 and its alphabet)."""
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)


def exchange_code(
    client: OAuth2Client,
    token_endpoint: str,
    *,
    code: str,
    code_verifier: str,
    auth_method: str,
    fix: str,
) -> dict[str, Any]:
    """The token response for an authorization code (RFC 6749 4.1.3, with the PKCE verifier)."""
    try:
        token = client.fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            auth=client.client_auth(auth_method),
        )
    except OAuthError as exc:
        if exc.error in CLIENT_ERRORS:
            raise UpstreamUnavailableError(
                f"The identity provider refused our client credentials: {exc.error}.", fix
            ) from exc
        # RFC 6749 5.2: a refused code (reused, expired, wrong verifier) is the user's to retry.
        raise IdentityError(f"The identity provider refused the code: {exc.error}.", RETRY) from exc
    except httpx2.HTTPStatusError as exc:
        raise UpstreamUnavailableError(
            f"The identity provider's token endpoint answered {exc.response.status_code}.", fix
        ) from exc
    except httpx2.HTTPError as exc:
        raise UpstreamUnavailableError(
            f"The identity provider did not answer POST {token_endpoint}: {exc}.", fix
        ) from exc
    except ValueError as exc:  # a 200 whose body is not a JSON object
        raise UpstreamUnavailableError(
            f"The identity provider's token endpoint answered no JSON object: {exc}", fix
        ) from exc
    return dict(token)


def get_json(
    client: OAuth2Client, url: str, fix: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """GET `url` without the client's token; the status and the JSON body (None if not JSON)."""
    try:
        response = client.request("GET", url, headers=headers, withhold_token=True)
    except httpx2.HTTPError as exc:
        raise UpstreamUnavailableError(
            f"The identity provider did not answer GET {url}: {exc}.", fix
        ) from exc
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def get_document(client: OAuth2Client, url: str, fix: str) -> dict[str, Any]:
    """A JSON object the provider must serve (discovery, key set): anything else is a 503."""
    status, document = get_json(client, url, fix)
    if status != 200:
        problem = f"The identity provider answered GET {url} with {status}."
        raise UpstreamUnavailableError(problem, fix)
    if not isinstance(document, dict):
        raise UpstreamUnavailableError(f"{url} did not answer a JSON object.", fix)
    return document
