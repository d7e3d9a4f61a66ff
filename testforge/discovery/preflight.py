"""Checking the target before starting a browser, so bad URLs fail fast with a clear fix."""

from urllib.parse import urlsplit

import httpx

from testforge.domain.errors import ConfigurationError, SignInError, TargetUnreachableError

PREFLIGHT_TIMEOUT_S = 10.0


def validate_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(
            f"{url!r} is not a web address TestForge can open",
            fix="give a full http(s) URL, for example http://localhost:8000",
        )
    return url


async def preflight(
    url: str, timeout_s: float = PREFLIGHT_TIMEOUT_S, *, credentials_given: bool = False
) -> str:
    """GET the start page; returns the URL after redirects. Raises TargetUnreachableError.

    A 401 with an HTTP authentication challenge is an application to sign in to: fine with
    credentials, a clear error without."""
    validate_url(url)
    try:
        async with httpx.AsyncClient(follow_redirects=True, timeout=timeout_s) as client:
            response = await client.get(url)
    except httpx.ConnectError as exc:
        raise TargetUnreachableError(
            f"cannot connect to {url}: {exc or 'connection refused'}",
            fix="start the application, or check the host name and port",
        ) from exc
    except httpx.TimeoutException as exc:
        raise TargetUnreachableError(
            f"{url} did not answer within {timeout_s:.0f} s",
            fix="check that the application is up and not overloaded",
        ) from exc
    except httpx.HTTPError as exc:
        raise TargetUnreachableError(f"cannot fetch {url}: {exc}") from exc
    challenge = response.headers.get("www-authenticate", "")
    if response.status_code == 401 and challenge:
        if credentials_given:
            return str(response.url)
        raise SignInError(
            f"{url} asks for HTTP authentication ({challenge.split(',')[0]})",
            fix="pass --username and --password (or TESTFORGE_USERNAME and TESTFORGE_PASSWORD)",
        )
    if response.status_code >= 400:
        raise TargetUnreachableError(
            f"{url} answered HTTP {response.status_code}",
            fix="point TestForge at the application's start page",
        )
    content_type = response.headers.get("content-type", "")
    if "html" not in content_type:
        raise TargetUnreachableError(
            f"{url} returned {content_type or 'no content type'}, not an HTML page",
            fix="point TestForge at the web application's start page, not an API or a file",
        )
    return str(response.url)


async def needs_auth(client: httpx.AsyncClient, url: str, login_path: str) -> bool:
    """Whether an anonymous visitor is turned away from `url` (redirect to sign-in, 401, 403)."""
    try:
        response = await client.get(url, follow_redirects=False)
    except httpx.HTTPError:
        return False
    if response.status_code in {401, 403}:
        return True
    location = response.headers.get("location", "")
    return response.is_redirect and urlsplit(location).path.rstrip("/") == login_path.rstrip("/")
