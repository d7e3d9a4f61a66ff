"""Attacks on password-protected share links: reading without the password, guessing it from
one address, and from many."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from api.db.models import Share
from tests.api.conftest import Api, build_api
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.fakes.stripe_server import FakeStripe

PASSWORD = "correct horse battery staple"


@pytest.fixture
def api(sqlite: Engine, oidc: FakeOidcProvider, stripe_fake: FakeStripe) -> Iterator[Api]:
    yield from build_api(
        sqlite,
        oidc,
        stripe_fake,
        trusted_proxies=["testclient"],  # so tests can speak for several addresses
        failed_credentials_lockout="3/minute",
        share_password_lockout="5/minute",
    )


def _protected_link(api: Api) -> str:
    owner = api.sign_in("owner@example.com")
    api.tenant(owner, "acme")
    api.project(owner, "acme")
    run = api.client.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner).json()
    created = api.client.post(
        f"/v1/tenants/acme/runs/{run['name']}/shares", json={"password": PASSWORD}, headers=owner
    )
    assert created.status_code == 201, created.text
    assert created.json()["protected"] is True
    url: str = created.json()["url"]
    return urlsplit(url).path


def _read(api: Api, link: str, address: str, password: str | None) -> int:
    headers = {"X-Forwarded-For": address}
    if password is not None:
        headers["X-Share-Password"] = password
    return api.client.get(link, headers=headers).status_code


def test_a_protected_link_needs_its_password(api: Api) -> None:
    link = _protected_link(api)
    missing = api.client.get(link)
    assert missing.status_code == 401 and "X-Share-Password" in missing.json()["fix"]
    assert _read(api, link, "198.51.100.1", "not the password") == 401
    assert _read(api, link, "198.51.100.1", PASSWORD) == 200


def test_the_password_is_stored_as_a_slow_hash(api: Api) -> None:
    _protected_link(api)
    with api.container.sessions() as session:
        stored = session.scalars(select(Share.password_hash)).one()
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_guessing_from_one_address_locks_that_address_out(api: Api) -> None:
    link = _protected_link(api)
    guesses = [_read(api, link, "203.0.113.5", f"guess-{n:04d}") for n in range(4)]
    assert guesses == [401, 401, 401, 429]
    assert _read(api, link, "198.51.100.2", PASSWORD) == 200  # the reader elsewhere is fine


def test_guessing_from_many_addresses_locks_the_link(api: Api) -> None:
    """Addresses are cheap; the link's password is one: past its tier it stays shut for all."""
    link = _protected_link(api)
    guesses = [_read(api, link, f"203.0.113.{n}", "wrong password") for n in range(6)]
    assert guesses == [401] * 5 + [429]
    assert _read(api, link, "198.51.100.3", PASSWORD) == 429
