"""Sign-in through the app: /auth/login -> the fake provider -> /auth/callback, sessions."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from sqlalchemy import select

from api.auth.tokens import Audience
from api.db.models import AuditEvent, User
from tests.api.conftest import Api
from tests.fakes.oidc_provider import FakeUser, new_rsa_key


def start(api: Api, next_path: str | None = None) -> tuple[str, str]:
    """Begin a sign-in; the provider's redirect back to us (path and query) and the login cookie."""
    api.client.cookies.clear()
    params = {"next": next_path} if next_path else None
    login = api.client.get("/auth/login", params=params, follow_redirects=False)
    authorize = httpx.get(login.headers["location"], follow_redirects=False)
    back = urlsplit(authorize.headers["location"])
    return f"{back.path}?{back.query}", login.cookies["tf_login"]


def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(api: Api) -> None:
    login = api.client.get("/auth/login", follow_redirects=False)
    assert login.status_code == 302
    target = urlsplit(login.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}" == api.oidc.issuer
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["redirect_uri"] == "http://testserver/auth/callback"
    cookie = login.headers["set-cookie"]
    assert "tf_login=" in cookie and "HttpOnly" in cookie and "Path=/auth" in cookie


def test_sign_in_creates_the_user_and_a_session_that_authenticates(api: Api) -> None:
    headers = api.sign_in("ada@example.com")
    me = api.client.get("/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    with api.container.sessions() as session:
        user = session.scalars(select(User)).one()
        assert (user.subject, user.email_verified) == ("sub-ada@example.com", True)


def test_the_session_cookie_alone_authenticates_a_browser(api: Api) -> None:
    back, cookie = start(api)
    api.client.cookies.set("tf_login", cookie)
    done = api.client.get(back, follow_redirects=False)
    assert "HttpOnly" in done.headers["set-cookie"] and "SameSite=lax" in done.headers["set-cookie"]
    assert api.client.get("/v1/me").status_code == 200  # the cookie jar now has tf_session


def test_callback_with_a_state_from_another_sign_in_is_refused_and_audited(api: Api) -> None:
    back, cookie = start(api)
    _, other_cookie = start(api)  # a second sign-in: its cookie holds a different state
    api.client.cookies.set("tf_login", other_cookie)
    answer = api.client.get(back, follow_redirects=False)
    assert answer.status_code == 400
    assert "state does not match" in answer.json()["detail"]
    assert "tf_session" not in answer.cookies
    with api.container.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "auth.login_failed" in actions
    del cookie


def test_callback_without_the_login_cookie_is_refused(api: Api) -> None:
    back, _ = start(api)
    api.client.cookies.clear()
    answer = api.client.get(back, follow_redirects=False)
    assert answer.status_code == 400
    assert answer.json()["fix"].startswith("Start again from /auth/login")


def finish(api: Api) -> Any:
    back, cookie = start(api)
    api.client.cookies.set("tf_login", cookie)
    return api.client.get(back, follow_redirects=False)


def test_callback_refuses_an_id_token_for_another_audience(api: Api) -> None:
    api.oidc.tamper = {"aud": "some-other-app"}
    answer = finish(api)
    assert answer.status_code == 401
    assert answer.json()["type"] == "urn:testforge:problem:sign-in-failed"


def test_callback_refuses_an_expired_id_token(api: Api) -> None:
    api.oidc.tamper = {"exp": 1_000_000_000, "iat": 999_999_000}
    answer = finish(api)
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]


def test_callback_refuses_an_id_token_with_a_bad_signature(api: Api) -> None:
    api.oidc.sign_with = new_rsa_key()
    answer = finish(api)
    assert answer.status_code == 401 and "Signature" in answer.json()["detail"]


def test_callback_refuses_an_id_token_with_another_nonce(api: Api) -> None:
    api.oidc.tamper = {"nonce": "replayed-from-elsewhere"}
    answer = finish(api)
    assert answer.status_code == 401 and "nonce" in answer.json()["detail"]


def test_after_sign_in_the_browser_returns_to_a_local_page_only(api: Api) -> None:
    api.oidc.user = FakeUser("s1", "ada@example.com")
    back, cookie = start(api, "/v1/tenants")
    api.client.cookies.set("tf_login", cookie)
    assert api.client.get(back, follow_redirects=False).headers["location"] == "/v1/tenants"
    back, cookie = start(api, "//evil.example/phish")
    api.client.cookies.set("tf_login", cookie)
    assert api.client.get(back, follow_redirects=False).headers["location"] == "/"


def test_an_access_token_expires_after_its_lifetime(api: Api) -> None:
    headers = api.sign_in("ada@example.com")
    api.clock.advance(seconds=api.container.settings.access_token_ttl_seconds + 1)
    answer = api.client.get("/v1/me", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "/auth/refresh" in answer.json()["fix"]


def test_signing_out_everywhere_ends_every_existing_session(api: Api) -> None:
    laptop = api.sign_in("ada@example.com")
    phone = api.sign_in("ada@example.com")
    assert api.client.post("/auth/logout?everywhere=true", headers=laptop).status_code == 204
    assert api.client.get("/v1/me", headers=phone).status_code == 401
    assert api.client.get("/v1/me", headers=laptop).status_code == 401
    fresh = api.sign_in("ada@example.com")
    assert api.client.get("/v1/me", headers=fresh).status_code == 200


def test_a_share_token_cannot_be_used_as_a_session(api: Api) -> None:
    api.sign_in("ada@example.com")
    with api.container.sessions() as session:
        user = session.scalars(select(User)).one()
    share_token = api.container.tokens.issue(
        Audience.SHARE, {"sub": str(user.id), "sid": str(user.id)}, timedelta(hours=1)
    )
    assert jwt.get_unverified_header(share_token)["alg"] == "HS256"
    answer = api.client.get("/v1/me", headers={"Authorization": f"Bearer {share_token}"})
    assert answer.status_code == 401


def test_requests_without_credentials_get_a_problem_saying_how_to_sign_in(api: Api) -> None:
    answer = api.client.get("/v1/me")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["instance"] == "/v1/me"
    assert "/auth/login" in body["fix"]
