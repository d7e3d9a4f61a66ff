"""Signing in: how the application signs people in, proving that the given credentials work, and
telling a signed-in session from a signed-out one by evidence.

Two schemes are recognised without being told: a sign-in form (the start page itself, where the
start page redirects to, a "Log in" link, or a usual path) and HTTP authentication (a 401 answer
with a Basic or Digest challenge, at the start page or behind a "Log in" link). `--login-path`
stays as an override. A login path never keeps its query: `/login/?next=/` is the page `/login/`.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from playwright.async_api import Browser, HttpCredentials, StorageState
from playwright.async_api import Page as BrowserPage

from testforge.discovery.actuator import Actuator, StepError
from testforge.discovery.capture import TEXTS_JS, CaptureError, PageCapture, capture
from testforge.discovery.scope import CrawlScope, path_of
from testforge.domain.app_model import (
    AuthConfig,
    AuthScheme,
    FlowStep,
    FlowStepAction,
    Form,
    FormField,
    Page,
)
from testforge.domain.effects import classify_form
from testforge.domain.errors import SignInError

LOGIN_LINK = re.compile(r"(?i)\b(sign|log)[\s_-]?in\b|\blogin\b")
COMMON_LOGIN_PATHS = ("/login", "/signin", "/sign-in", "/users/sign_in", "/account/login")
_USERNAME_TYPES = frozenset({"email", "text", "tel"})
_CHALLENGES = ("basic", "digest")
PROBE_TIMEOUT_S = 10.0
WRONG_PASSWORD = "Wrong-passw0rd!"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SignInPage:
    """Where and how the application signs people in."""

    scheme: AuthScheme
    path: str  # without query
    capture: PageCapture | None = None  # the page holding the form (form scheme)


def bare_path(url: str) -> str:
    """The path of a URL without its query: the page a `?next=` redirect points at."""
    return urlsplit(url).path or "/"


def _has_password_field(cap: PageCapture) -> bool:
    return any(e.tag == "input" and e.type == "password" for e in cap.snapshot.elements)


async def http_challenge(url: str) -> bool:
    """True when an anonymous GET of `url` is answered 401 with a Basic or Digest challenge."""
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, follow_redirects=True) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return False
    scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
    return response.status_code == 401 and scheme in _CHALLENGES


async def find_sign_in(
    page: BrowserPage, scope: CrawlScope, login_path: str | None, timeout_s: float
) -> SignInPage:
    """How the application signs people in: the given path, or found from the start page."""
    if login_path:
        url = urljoin(scope.base_url, login_path)
        if await http_challenge(url):
            return SignInPage(AuthScheme.HTTP, bare_path(url))
        cap = await capture(page, url, timeout_s, None, "login")
        if not _has_password_field(cap):
            raise SignInError(
                f"{cap.url} has no password field and asks for no HTTP authentication, so it "
                "is not a sign-in page",
                fix="pass --login-path with the path of the page that shows the sign-in form",
            )
        return SignInPage(AuthScheme.FORM, bare_path(cap.url), cap)
    if await http_challenge(scope.base_url):
        return SignInPage(AuthScheme.HTTP, bare_path(scope.base_url))
    start = await capture(page, scope.base_url, timeout_s, None, "start")
    if _has_password_field(start):  # the start page is, or redirected to, the sign-in page
        return SignInPage(AuthScheme.FORM, bare_path(start.url), start)
    hrefs = [
        e.href
        for e in start.snapshot.elements
        if e.href and scope.allows(e.href) and LOGIN_LINK.search(f"{e.text} {e.href}")
    ]
    for url in dict.fromkeys([*hrefs, *(urljoin(scope.base_url, p) for p in COMMON_LOGIN_PATHS)]):
        if await http_challenge(url):
            return SignInPage(AuthScheme.HTTP, bare_path(url))
        try:
            cap = await capture(page, url, timeout_s, None, "login")
        except CaptureError:
            continue
        if _has_password_field(cap):
            return SignInPage(AuthScheme.FORM, bare_path(cap.url), cap)
    raise SignInError(
        f"could not find a sign-in form or an HTTP authentication challenge on {scope.base_url}, "
        "its sign-in links or the usual sign-in paths",
        fix="pass --login-path with the path of the page that shows the sign-in form",
    )


_USERNAME_WORDS = re.compile(r"(?i)user|login|e-?mail|account|ident|name")


def _username_field(form: Form, password: FormField) -> FormField | None:
    """The field that takes the username: one named like it, else the text field just before
    the password (a sign-in box may share its form with a search or "go to" field)."""
    fields = [f for f in form.fields if f.input_type in _USERNAME_TYPES]
    named = [f for f in fields if _USERNAME_WORDS.search(f"{f.name} {f.label or ''}")]
    if named:
        return named[0]
    before = [f for f in form.fields[: form.fields.index(password)] if f in fields]
    return before[-1] if before else (fields[0] if fields else None)


def auth_config(login: Page) -> AuthConfig:
    """Which fields of the sign-in page take the username and password."""
    for form in login.forms:
        password = next((f for f in form.fields if f.input_type == "password"), None)
        username = _username_field(form, password) if password else None
        if password and username and form.submit:
            form.purpose = "sign_in"
            form.effect = classify_form(form.method, form.action, "", [], sign_in=True)
            return AuthConfig(
                scheme=AuthScheme.FORM,
                login_path=bare_path(login.url),
                username_field=username.element,
                password_field=password.element,
                submit=form.submit,
            )
    raise SignInError(
        f"the sign-in page {login.path} has no form with a username and a password field "
        "and a submit button",
        fix="pass --login-path with the page whose form takes the username and password",
    )


def sign_in_steps(auth: AuthConfig, credentials: Credentials) -> list[FlowStep]:
    assert auth.username_field and auth.password_field and auth.submit, "a sign-in form"
    page = auth.login_path
    return [
        FlowStep(action=FlowStepAction.GOTO, page=page, value=page),
        FlowStep(
            action=FlowStepAction.FILL,
            page=page,
            element=auth.username_field,
            value=credentials.username,
        ),
        FlowStep(
            action=FlowStepAction.FILL,
            page=page,
            element=auth.password_field,
            value=credentials.password,
        ),
        FlowStep(action=FlowStepAction.CLICK, page=page, element=auth.submit),
    ]


async def sign_in(actuator: Actuator, auth: AuthConfig, credentials: Credentials) -> str:
    """Sign in through the form; returns the path the app lands on. Raises SignInError."""
    goto, *entries = sign_in_steps(auth, credentials)
    try:
        await actuator.run(goto)
        before = set(await _texts(actuator))
        await actuator.run_all(entries)
    except StepError as exc:
        raise SignInError(
            f"sign-in at {auth.login_path} could not be completed: {exc}",
            fix="check that the sign-in page works in a browser",
        ) from exc
    if await still_signing_in(actuator, auth):
        said = [t for t in await _texts(actuator) if t not in before][:3]
        message = f" (the page says: {' / '.join(said)})" if said else ""
        raise SignInError(
            f"sign-in as {credentials.username!r} at {auth.login_path} failed{message}",
            fix="check --username/--password (or TESTFORGE_USERNAME/TESTFORGE_PASSWORD)",
        )
    return path_of(actuator.page.url)


async def still_signing_in(actuator: Actuator, auth: AuthConfig) -> bool:
    """Evidence of a failed sign-in: still on the sign-in page, a password field still shown."""
    on_login = bare_path(actuator.page.url).rstrip("/") == auth.login_path.rstrip("/")
    if not on_login:
        return False
    shown = await actuator.page.locator("input[type=password]").filter(visible=True).count()
    return shown > 0


def http_credentials(credentials: Credentials, origin: str) -> HttpCredentials:
    """Playwright's HTTP credentials, sent to the application's origin only."""
    return {"username": credentials.username, "password": credentials.password, "origin": origin}


async def sign_in_http(
    browser: Browser, scope: CrawlScope, path: str, credentials: Credentials
) -> tuple[AuthConfig, StorageState]:
    """Answer the HTTP challenge at `path`; a wrong password must be refused, the right one not."""
    url = urljoin(scope.base_url, path)
    wrong = Credentials(credentials.username, WRONG_PASSWORD)
    if await _http_status(browser, scope, url, wrong) != 401:
        raise SignInError(
            f"{url} accepted a wrong password, so its HTTP authentication proves nothing",
            fix="point --login-path at the page that requires signing in",
        )
    context = await browser.new_context(
        http_credentials=http_credentials(credentials, scope.origin)
    )
    try:
        page = await context.new_page()
        response = await page.goto(url)
        status = response.status if response else 0
        if status == 401:
            raise SignInError(
                f"HTTP authentication as {credentials.username!r} at {path} was refused",
                fix="check --username/--password (or TESTFORGE_USERNAME/TESTFORGE_PASSWORD)",
            )
        if status >= 400:
            raise SignInError(f"after HTTP authentication, {url} answered HTTP {status}")
        auth = AuthConfig(scheme=AuthScheme.HTTP, login_path=path, landing_path=path_of(page.url))
        return auth, await context.storage_state()
    finally:
        await context.close()


async def _http_status(
    browser: Browser, scope: CrawlScope, url: str, credentials: Credentials
) -> int:
    # The context's request API answers the challenge as its pages do, and reports a refusal as
    # a status (a page navigation reports it as a network error).
    context = await browser.new_context(
        http_credentials=http_credentials(credentials, scope.origin)
    )
    try:
        response = await context.request.get(url, max_redirects=0)
        return response.status
    finally:
        await context.close()


async def _texts(actuator: Actuator) -> list[str]:
    texts: list[str] = await actuator.page.evaluate(TEXTS_JS)
    return texts
