"""Refusals asserted on the refused field, on a small site built like real sign-up forms:

- `/signup`: the browser refuses the e-mail field (`required`, `type=email`); the generated
  test checks the exact ValidityState flag, so it fails when the field is refused for another
  reason.
- `/newsletter`: a `novalidate` form the server re-renders with
  `<span class="error">` in the field's own box (`.field > .control > input`, beside a help text
  that was always there).
- `/contact`: a `novalidate` flat form whose server names the message with
  `aria-describedby`, in an error summary away from the field.

The generated tests assert the message through the field, and fail (as assertions) when the
server puts it under another field.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse, RedirectResponse

from demo.server import running_app
from testforge.artifacts import read_suite
from testforge.design.offline import OfflineDesigner
from testforge.discovery.service import DiscoveryRequest
from testforge.domain.app_model import CrawlLimits, FormProbe, ProbeKind, ValidityFlag
from testforge.domain.plan import Action, TestCase
from testforge.domain.results import FailureKind, RunResult
from testforge.execution.local import ExecutionRequest
from testforge.pipeline import Generated, generate, run_suite
from testforge.settings import BrowserSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BAD_EMAIL = "Enter a valid e-mail address"
REQUIRED = "This field is required."
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class Behaviour:
    """What the site does; tests change it for one run and put it back."""

    misplaced: bool = False  # the server puts the e-mail's message under the other field
    pattern_email: bool = False  # /signup's e-mail is a text field with a pattern instead


def _page(title: str, body: str) -> HTMLResponse:
    nav = (
        '<nav><a href="/">Home</a> <a href="/signup">Sign up</a> '
        '<a href="/newsletter">Newsletter</a> <a href="/contact">Contact</a></nav>'
    )
    return HTMLResponse(
        f"<!doctype html><html><head><title>{title} | Letters</title></head><body>{nav}"
        f"<main><h1>{title}</h1>{body}</main></body></html>"
    )


def _email_error(email: str) -> str | None:
    if not email:
        return REQUIRED
    return None if _EMAIL.fullmatch(email) else BAD_EMAIL


def letters(behaviour: Behaviour) -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def home() -> HTMLResponse:
        return _page("Letters", "<p>News from the letters desk.</p>")

    @app.get("/signup")
    def signup_form() -> HTMLResponse:
        kind = 'type="text" pattern=".+@.+"' if behaviour.pattern_email else 'type="email"'
        return _page(
            "Sign up",
            '<form method="post" action="/signup"><label for="s-email">Email</label>'
            f'<input id="s-email" name="email" {kind} required>'
            '<button type="submit">Register</button></form>',
        )

    @app.post("/signup")
    def signup(email: str = Form("")) -> RedirectResponse:
        return RedirectResponse("/welcome", status_code=303)

    @app.get("/welcome")
    def welcome() -> HTMLResponse:
        return _page("Welcome aboard", "<p>Your registration is complete.</p>")

    def newsletter_page(email: str = "", name: str = "", error: str | None = None) -> str:
        span = f'<span class="error">{error}</span>' if error else ""
        email_error, name_error = ("", span) if behaviour.misplaced else (span, "")
        return (
            '<form method="post" action="/newsletter" novalidate>'
            '<div class="field"><label for="n-email">Email</label><div class="control">'
            f'<input id="n-email" name="email" type="email" value="{email}" required></div>'
            f'<p class="help">We never share it</p>{email_error}</div>'
            '<div class="field"><label for="n-name">Name</label><div class="control">'
            f'<input id="n-name" name="name" value="{name}"></div>{name_error}</div>'
            '<button type="submit">Subscribe</button></form>'
        )

    @app.get("/newsletter")
    def newsletter_form() -> HTMLResponse:
        return _page("Newsletter", newsletter_page())

    @app.post("/newsletter", response_model=None)
    def newsletter(email: str = Form(""), name: str = Form("")) -> HTMLResponse | RedirectResponse:
        error = _email_error(email)
        if error is None:
            return RedirectResponse("/thanks", status_code=303)
        return _page("Newsletter", newsletter_page(email, name, error))

    @app.get("/thanks")
    def thanks() -> HTMLResponse:
        return _page("Thanks for subscribing", "<p>See you in your inbox.</p>")

    def contact_page(email: str = "", subject: str = "", error: str | None = None) -> str:
        owner = "c-subject" if behaviour.misplaced else "c-email"
        summary = (
            f'<div class="errors" role="alert"><p id="{owner}-error">{error}</p></div>'
            if error
            else ""
        )
        return (
            f'<form method="post" action="/contact" novalidate>{summary}'
            '<label for="c-email">Email</label><input id="c-email" name="email" type="email" '
            f'value="{email}" required aria-describedby="c-email-error">'
            '<label for="c-subject">Subject</label><input id="c-subject" name="subject" '
            f'value="{subject}" aria-describedby="c-subject-error">'
            '<button type="submit">Submit</button></form>'
        )

    @app.get("/contact")
    def contact_form() -> HTMLResponse:
        return _page("Contact", contact_page())

    @app.post("/contact", response_model=None)
    def contact(email: str = Form(""), subject: str = Form("")) -> HTMLResponse | RedirectResponse:
        error = _email_error(email)
        if error is None:
            return RedirectResponse("/thanks", status_code=303)
        return _page("Contact", contact_page(email, subject, error))

    return app


@dataclass
class Site:
    url: str
    behaviour: Behaviour
    generated: Generated


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    behaviour = Behaviour()
    with running_app(letters(behaviour), name="letters") as url:
        # Writes allowed: a novalidate form is refused by the server only once it is sent.
        request = DiscoveryRequest(
            base_url=url, limits=CrawlLimits(max_pages=10), allow_writes=True
        )
        out = tmp_path_factory.mktemp("letters")
        yield Site(url, behaviour, generate(request, OfflineDesigner(), out, BrowserSettings()))


def email_probe(site: Site, page: str, kind: ProbeKind) -> tuple[str, FormProbe]:
    form = next(f for f in site.generated.model.forms if f.page == page)
    email = next(f.element for f in form.fields if f.name == "email")
    probe = next(p for p in form.probes if p.kind is kind)
    return email, probe


def case_of(site: Site, page: str, kind: ProbeKind) -> TestCase:
    form = next(f for f in site.generated.model.forms if f.page == page)
    wanted = "required fields empty" if kind is ProbeKind.EMPTY else " as Email is refused"
    return next(c for c in site.generated.plan.cases if c.form == form.key and wanted in c.title)


def run(site: Site, out: Path, *cases: TestCase) -> RunResult:
    nodeids = {c.case_id: c.nodeid for c in read_suite(site.generated.suite_dir).cases}
    request = ExecutionRequest(
        base_url=site.url, workers=2, retries=0, nodeids=tuple(nodeids[c.id] for c in cases)
    )
    return run_suite(site.generated.suite_dir, request, out, BrowserSettings())[0]


def test_discovery_records_why_the_browser_refused_the_field(site: Site) -> None:
    email, empty = email_probe(site, "/signup", ProbeKind.EMPTY)
    _, bad = email_probe(site, "/signup", ProbeKind.INVALID_FIELD)
    assert empty.outcome.blocked_by_browser and bad.outcome.blocked_by_browser
    assert empty.outcome.invalid_reasons == {email: ValidityFlag.VALUE_MISSING}
    assert bad.outcome.invalid_reasons == {email: ValidityFlag.TYPE_MISMATCH}
    steps = [
        (s.action, s.target, s.value)
        for s in case_of(site, "/signup", ProbeKind.INVALID_FIELD).steps
    ]
    assert (Action.EXPECT_INVALID, email, "typeMismatch") in steps


@pytest.mark.parametrize("page", ["/newsletter", "/contact"])
def test_discovery_records_the_message_the_server_put_on_the_field(site: Site, page: str) -> None:
    email, bad = email_probe(site, page, ProbeKind.INVALID_FIELD)
    _, empty = email_probe(site, page, ProbeKind.EMPTY)
    assert bad.field == email and not bad.outcome.blocked_by_browser
    # only the text that came with the refusal: not the help text or the label beside it
    assert bad.outcome.field_messages == {email: BAD_EMAIL}
    assert empty.outcome.field_messages == {email: REQUIRED}
    case = case_of(site, page, ProbeKind.INVALID_FIELD)
    checks = [(s.action, s.target, s.value) for s in case.steps]
    assert (Action.EXPECT_FIELD_MESSAGE, email, BAD_EMAIL) in checks
    assert (Action.EXPECT_PAGE_TEXT, None, BAD_EMAIL) not in checks


def test_the_generated_suite_passes(site: Site, tmp_path: Path) -> None:
    result = run(site, tmp_path)
    failed = {t.nodeid: t.failure.message[:300] for t in result.tests if t.failure}
    assert failed == {}
    refusals = {
        case_of(site, page, kind).id
        for page in ("/signup", "/newsletter", "/contact")
        for kind in (ProbeKind.EMPTY, ProbeKind.INVALID_FIELD)
    }
    assert refusals <= {t.case_id for t in result.tests}


def test_a_message_under_another_field_fails_the_test(site: Site, tmp_path: Path) -> None:
    cases = [case_of(site, page, ProbeKind.INVALID_FIELD) for page in ("/newsletter", "/contact")]
    site.behaviour.misplaced = True
    try:
        result = run(site, tmp_path, *cases)
    finally:
        site.behaviour.misplaced = False
    assert len(result.tests) == len(cases)
    for test in result.tests:
        assert test.failure is not None and test.failure.kind is FailureKind.ASSERTION
        assert f"should say {BAD_EMAIL!r}" in test.failure.message
        assert "elsewhere on the page" in test.failure.message


def test_a_field_refused_for_another_reason_fails_the_test(site: Site, tmp_path: Path) -> None:
    site.behaviour.pattern_email = True  # "not-an-email" now breaks a pattern, not the type
    try:
        result = run(site, tmp_path, case_of(site, "/signup", ProbeKind.INVALID_FIELD))
    finally:
        site.behaviour.pattern_email = False
    [test] = result.tests
    assert test.failure is not None and test.failure.kind is FailureKind.ASSERTION
    assert "for typeMismatch" in test.failure.message
    assert "validity flags are patternMismatch" in test.failure.message
