"""The pytest plugin every generated suite loads (its conftest.py names it).

It provides the `tf` fixture (one fresh browser context per test), captures a screenshot, the
DOM and a Playwright trace when a test fails, and writes one TestResult JSON per test attempt
for the executor. Run standalone with `pytest --base-url URL` inside a suite directory.
"""

import hashlib
import json
import subprocess
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, StorageState, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from testforge.browser.launch import launch_options, translate_launch_error
from testforge.contracts.runtime import RuntimeConfig
from testforge.domain.app_model import AuthConfig, AuthScheme
from testforge.domain.results import Failure, Heal, TestResult, TestStatus
from testforge.domain.suite import LocatorRegistry
from testforge.healing.engine import HealingEngine
from testforge.runtime.errors import (
    CopyChangedError,
    ElementNotFoundError,
    SharedSignInError,
    classify,
)
from testforge.runtime.healer import PageHealer, SecondOpinion
from testforge.runtime.session import Session, http_credentials
from testforge.settings import BrowserSettings

MARKERS = {
    "case(id)": "the TestPlan case this test implements",
    "p0": "priority P0: critical journeys",
    "p1": "priority P1: important behaviour",
    "p2": "priority P2: validation and navigation",
    "p3": "priority P3: secondary coverage",
    "smoke": "smoke test",
    "navigation": "navigation test",
    "form_validation": "form validation test",
    "flow": "multi-step user journey",
    "negative": "invalid input must be refused",
    "auth": "signing in and out",
    "signed_in": "runs with the session of the test account (signed in once per worker)",
    "own_session": "signs in alone, for a test that writes (nothing it leaves is shared)",
}
PRIORITIES = ("p0", "p1", "p2", "p3")
SCREENSHOT_TIMEOUT_MS = 5000
TAGS = {
    "smoke": "smoke",
    "navigation": "navigation",
    "form_validation": "form-validation",
    "flow": "flow",
    "negative": "negative",
    "auth": "auth",
}

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()
_session = pytest.StashKey[Session]()
_failure = pytest.StashKey[Failure]()
_artifacts = pytest.StashKey[dict[str, str]]()
_started = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("testforge")
    group.addoption("--base-url", help="URL of the application under test (TESTFORGE_BASE_URL)")
    group.addoption("--tf-no-heal", action="store_true", help="report heals but never use them")


def pytest_configure(config: pytest.Config) -> None:
    for name, help_text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {help_text}")


@pytest.fixture(scope="session")
def tf_config(pytestconfig: pytest.Config) -> RuntimeConfig:
    config = RuntimeConfig.from_env()
    updates: dict[str, Any] = {}
    if pytestconfig.getoption("--base-url"):
        updates["base_url"] = pytestconfig.getoption("--base-url")
    if pytestconfig.getoption("--tf-no-heal"):
        updates["heal"] = False
    return config.model_copy(update=updates)


@pytest.fixture(scope="session")
def tf_registry(pytestconfig: pytest.Config) -> LocatorRegistry:
    path = pytestconfig.rootpath / "locators.json"
    return LocatorRegistry.model_validate_json(path.read_bytes())


@pytest.fixture(scope="session")
def tf_suite_meta(pytestconfig: pytest.Config) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(
        (pytestconfig.rootpath / "suite.json").read_text(encoding="utf-8")
    )
    return meta


@pytest.fixture(scope="session")
def tf_auth(tf_suite_meta: dict[str, Any]) -> AuthConfig | None:
    auth = tf_suite_meta.get("auth")
    return AuthConfig.model_validate(auth) if auth else None


@dataclass(frozen=True)
class SharedSession:
    """The test account's session of one worker, and the heals its sign-in needed."""

    state: StorageState
    heals: tuple[Heal, ...]


_sign_in_failure = pytest.StashKey[BaseException]()


@pytest.fixture(scope="session")
def tf_signed_in(
    pytestconfig: pytest.Config,
    tf_browser: Browser,
    tf_engine: HealingEngine,
    tf_config: RuntimeConfig,
    tf_registry: LocatorRegistry,
    tf_auth: AuthConfig | None,
) -> SharedSession:
    """The test account's session, signed in once per worker and reused by every test that
    needs it: only the tests about signing in go through the sign-in form themselves. The
    sign-in heals like any step; its heals are reported with every test that used it. A
    sign-in that failed is not tried again for every test (pytest would): it fails them all
    at once, with its reason."""
    failure = pytestconfig.stash.get(_sign_in_failure, None)
    if failure is not None:
        raise SharedSignInError(f"the shared sign-in failed: {failure}") from failure
    context = tf_browser.new_context()
    healer = PageHealer(tf_engine, None, None)
    session = Session(context.new_page(), tf_registry, tf_config, auth=tf_auth, healer=healer)
    try:
        session.sign_in()
        state = session.page.context.storage_state()
    except BaseException as exc:
        pytestconfig.stash[_sign_in_failure] = exc
        raise
    finally:
        for opened in session.opened:
            opened.close()
        context.close()
    heals = tuple(h.model_copy(update={"step": 0}) for h in session.heals)
    return SharedSession(state=state, heals=heals)


def _own_session(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("own_session") is not None


def _context_options(
    request: pytest.FixtureRequest, config: RuntimeConfig, auth: AuthConfig | None
) -> dict[str, Any]:
    if request.node.get_closest_marker("signed_in") is None:
        return {}
    options: dict[str, Any] = {}
    if not _own_session(request):
        options["storage_state"] = request.getfixturevalue("tf_signed_in").state
    if auth is not None and auth.scheme is AuthScheme.HTTP:
        password = config.password.get_secret_value() if config.password else ""
        options["http_credentials"] = http_credentials(
            config.username or "", password, config.base_url or ""
        )
    return options


def _before_each(config: RuntimeConfig) -> None:
    """The user's reset command (TESTFORGE_BEFORE_EACH), run before every test."""
    if not config.before_each:
        return
    # The user's own command, from their own environment: a shell is what they expect.
    done = subprocess.run(config.before_each, shell=True, capture_output=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).decode(errors="replace").strip()[-500:]
        raise RuntimeError(
            f"the reset command {config.before_each!r} exited {done.returncode}: {tail}"
        )


@pytest.fixture(scope="session")
def tf_playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def tf_browser(tf_playwright: Playwright) -> Iterator[Browser]:
    settings = BrowserSettings.from_env()
    options = launch_options(settings)
    try:
        browser = tf_playwright.chromium.launch(**options)
    except PlaywrightError as exc:
        raise translate_launch_error(exc, settings) from exc
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def tf_engine(tf_config: RuntimeConfig) -> HealingEngine:
    """The healing engine, informed by the learned patterns the executor exported for us."""
    snapshot = tf_config.knowledge_snapshot
    if snapshot is None or not snapshot.is_file():
        return HealingEngine()
    # Qdrant (in memory) only when there are learned patterns: most runs have none, and every
    # worker of every suite pays for what the plugin imports.
    from testforge.knowledge.hints import KnowledgeHints
    from testforge.knowledge.store import PatternStore

    return HealingEngine(hints=KnowledgeHints(PatternStore.from_snapshot(snapshot)))


@pytest.fixture(scope="session")
def tf_second_opinion() -> SecondOpinion | None:
    """Claude as a tie-breaker for close heals, when an API key is configured (else None)."""
    from testforge.llm.settings import LLMMode, LLMSettings

    settings = LLMSettings()
    if settings.mode is LLMMode.OFFLINE or settings.resolved_api_key() is None:
        return None  # no key: the LLM stack (and its SDK) is not even imported
    from testforge.llm.bootstrap import build as build_llm

    stack = build_llm(settings)
    return stack.reranker if stack.gateway.primary is not None else None


@pytest.fixture
def tf(
    request: pytest.FixtureRequest,
    tf_engine: HealingEngine,
    tf_second_opinion: SecondOpinion | None,
    tf_browser: Browser,
    tf_config: RuntimeConfig,
    tf_registry: LocatorRegistry,
    tf_auth: AuthConfig | None,
    tf_suite_meta: dict[str, Any],
) -> Iterator[Session]:
    item = request.node
    _before_each(tf_config)
    options = _context_options(request, tf_config, tf_auth)
    context = tf_browser.new_context(**options)
    tracing = tf_config.trace != "off"
    if tracing:
        context.tracing.start(screenshots=True, snapshots=True)
    page = context.new_page()
    folder = _artifact_folder(tf_config, item.nodeid)
    healer = PageHealer(tf_engine, folder / "heals" if folder else None, tf_second_opinion)
    session = Session(
        page,
        tf_registry,
        tf_config,
        auth=tf_auth,
        healer=healer,
        read_only=not tf_suite_meta.get("allow_writes", False),
    )
    item.stash[_session] = session
    if "storage_state" in options:
        session.heals.extend(request.getfixturevalue("tf_signed_in").heals)
    try:
        if _own_session(request) and tf_auth is not None and tf_auth.scheme is AuthScheme.FORM:
            with session.given("a user who signed in alone"):
                session.sign_in()
        yield session
    finally:
        call = item.stash.get(_reports, {}).get("call")
        failed = call is not None and call.failed
        if failed and folder is not None:
            item.stash[_artifacts] = _capture(session.page, context, folder, tracing)
        elif tracing:
            if tf_config.trace == "on" and folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                context.tracing.stop(path=folder / "trace.zip")
            else:
                context.tracing.stop()
        for opened in session.opened:  # contexts an HTTP sign-in opened
            opened.close()
        context.close()


def _artifact_folder(config: RuntimeConfig, nodeid: str) -> Path | None:
    if config.artifacts_dir is None:
        return None
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:6]
    name = f"{nodeid.rsplit('::', maxsplit=1)[-1][:80]}-{digest}"
    return config.artifacts_dir / name / f"attempt-{config.attempt}"


def _capture(page: Any, context: Any, folder: Path, tracing: bool) -> dict[str, str]:
    """Screenshot, DOM and trace of a failed test; each is best effort (the page may be gone)."""
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    try:
        page.screenshot(
            path=folder / "screenshot.png", full_page=True, timeout=SCREENSHOT_TIMEOUT_MS
        )
        found["screenshot"] = str(folder / "screenshot.png")
    except PlaywrightError:
        pass
    try:
        (folder / "dom.html").write_text(page.content(), encoding="utf-8")
        found["dom_snapshot"] = str(folder / "dom.html")
    except PlaywrightError:
        pass
    if tracing:
        try:
            context.tracing.stop(path=folder / "trace.zip")
            found["trace"] = str(folder / "trace.zip")
        except PlaywrightError:
            pass
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_started] = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    failed = report.when == "call" or (report.when == "setup" and report.failed)
    if failed and call.excinfo is not None:
        # A setup failure is classified like a step's: a sign-in whose field is gone is an
        # element not found, whether the test or the shared sign-in fixture met it.
        exc = call.excinfo.value
        cause = exc.__cause__ if isinstance(exc, SharedSignInError) else exc
        item.stash[_failure] = Failure(
            kind=classify(exc),
            message=_message(exc),
            healing=cause.healing if isinstance(cause, ElementNotFoundError) else None,
            copy_change=cause.change if isinstance(cause, CopyChangedError) else None,
        )
    if report.when == "teardown":
        _write_result(item)
    return report


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 4000 else text[:4000] + " …"


def _write_result(item: pytest.Item) -> None:
    config = RuntimeConfig.from_env()
    if config.results_dir is None:
        return
    reports = item.stash.get(_reports, {})
    session = item.stash.get(_session, None)
    failure = item.stash.get(_failure, None)
    if failure is not None:
        failure = failure.model_copy(update=item.stash.get(_artifacts, {}))
    status = _status(reports)
    skipped = reports.get("setup")
    result = TestResult(
        nodeid=item.nodeid,
        case_id=_marker_arg(item, "case"),
        title=_title(item),
        priority=next((p.upper() for p in PRIORITIES if item.get_closest_marker(p)), None),
        tags=tuple(tag for marker, tag in TAGS.items() if item.get_closest_marker(marker)),
        status=status,
        attempts=config.attempt,
        duration_ms=(time.monotonic() - item.stash.get(_started, time.monotonic())) * 1000,
        steps=session.steps if session else [],
        heals=session.heals if session else [],
        failure=failure if status is TestStatus.FAILED else None,
        skip_reason=_skip_reason(skipped) if status is TestStatus.SKIPPED else None,
    )
    config.results_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(item.nodeid.encode()).hexdigest()[:16] + ".json"
    target = config.results_dir / name
    tmp = target.with_suffix(".tmp")
    tmp.write_text(result.model_dump_json(), encoding="utf-8")
    tmp.replace(target)


def _status(reports: dict[str, pytest.TestReport]) -> TestStatus:
    if any(r.failed for r in reports.values()):
        return TestStatus.FAILED
    if any(r.skipped for r in reports.values()):
        return TestStatus.SKIPPED
    return TestStatus.PASSED


def _skip_reason(report: pytest.TestReport | None) -> str | None:
    if report is None or not isinstance(report.longrepr, tuple):
        return None
    return str(report.longrepr[2])


def _marker_arg(item: pytest.Item, name: str) -> str | None:
    marker = item.get_closest_marker(name)
    return str(marker.args[0]) if marker and marker.args else None


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "obj", None), "__doc__", None)
    return doc.strip().splitlines()[0].rstrip(".") if doc else item.name
