"""Signing in: finding the sign-in form, and proving that given credentials work."""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from playwright.async_api import Page as BrowserPage

from testforge.discovery.actuator import Actuator, StepError
from testforge.discovery.capture import TEXTS_JS, CaptureError, PageCapture, capture
from testforge.discovery.scope import CrawlScope, path_of
from testforge.domain.app_model import AuthConfig, FlowStep, FlowStepAction, Page
from testforge.domain.errors import SignInError

LOGIN_LINK = re.compile(r"(?i)\b(sign|log)[\s_-]?in\b|\blogin\b")
COMMON_LOGIN_PATHS = ("/login", "/signin", "/sign-in", "/users/sign_in", "/account/login")
_USERNAME_TYPES = frozenset({"email", "text", "tel"})


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def _has_password_field(cap: PageCapture) -> bool:
    return any(e.tag == "input" and e.type == "password" for e in cap.snapshot.elements)


async def find_login_page(
    page: BrowserPage, scope: CrawlScope, login_path: str | None, timeout_s: float
) -> PageCapture:
    """The page holding the sign-in form: the given path, or found from the start page."""
    if login_path:
        cap = await capture(page, urljoin(scope.base_url, login_path), timeout_s, None, "login")
        if not _has_password_field(cap):
            raise SignInError(
                f"{cap.url} has no password field, so it is not a sign-in page",
                fix="pass --login-path with the path of the page that shows the sign-in form",
            )
        return cap
    start = await capture(page, scope.base_url, timeout_s, None, "start")
    if _has_password_field(start):
        return start
    hrefs = [
        e.href
        for e in start.snapshot.elements
        if e.href and scope.allows(e.href) and LOGIN_LINK.search(f"{e.text} {e.href}")
    ]
    for url in [*hrefs, *(urljoin(scope.base_url, p) for p in COMMON_LOGIN_PATHS)]:
        try:
            cap = await capture(page, url, timeout_s, None, "login")
        except CaptureError:
            continue
        if _has_password_field(cap):
            return cap
    raise SignInError(
        f"could not find a sign-in form on {scope.base_url} or the usual sign-in paths",
        fix="pass --login-path with the path of the page that shows the sign-in form",
    )


def auth_config(login: Page) -> AuthConfig:
    """Which fields of the login page take the username and password."""
    for form in login.forms:
        password = next((f for f in form.fields if f.input_type == "password"), None)
        username = next((f for f in form.fields if f.input_type in _USERNAME_TYPES), None)
        if password and username and form.submit:
            form.purpose = "sign_in"
            return AuthConfig(
                login_path=login.path,
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
    """Sign in through the UI; returns the path the app lands on. Raises SignInError."""
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
    landed = path_of(actuator.page.url)
    still_there = landed == auth.login_path and await _password_visible(actuator, auth)
    if still_there:
        said = [t for t in await _texts(actuator) if t not in before][:3]
        message = f" (the page says: {' / '.join(said)})" if said else ""
        raise SignInError(
            f"sign-in as {credentials.username!r} at {auth.login_path} failed{message}",
            fix="check --username/--password (or TESTFORGE_USERNAME/TESTFORGE_PASSWORD)",
        )
    return landed


async def _texts(actuator: Actuator) -> list[str]:
    texts: list[str] = await actuator.page.evaluate(TEXTS_JS)
    return texts


async def _password_visible(actuator: Actuator, auth: AuthConfig) -> bool:
    try:
        await actuator.locate(auth.password_field)
    except StepError:
        return False
    return True
