"""Driving a served API (uvicorn on loopback) the way a browser would, for the harnesses that
run the app as a server rather than through the test client: benchmarks/api.py and
tests/api/conformance.py."""

import contextlib
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.fakes.oidc_provider import FakeOidcProvider


def sign_in_over_http(http: httpx.Client, oidc: FakeOidcProvider, email: str) -> str:
    """Signs `email` in through /auth/login, the fake provider and /auth/callback; the
    access token. The client's cookies are cleared after, so every later request carries
    its credential explicitly."""
    oidc.will_sign_in(f"sub-{email}", email, True)
    http.cookies.clear()
    start = http.get("/auth/login", follow_redirects=False)
    authorize = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlsplit(authorize.headers["location"])
    done = http.get(f"{back.path}?{back.query}", follow_redirects=False)
    token = done.cookies.get("tf_session")
    if done.status_code != 302 or not token:
        raise RuntimeError(f"sign-in of {email} failed: {done.status_code} {done.text}")
    http.cookies.clear()
    return token


@contextlib.contextmanager
def scratch_database(server: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on `server`, dropped afterwards (FORCE: a
    killed app may leave connections open)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
