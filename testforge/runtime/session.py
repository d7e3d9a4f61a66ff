"""Session: the object generated tests drive (`tf`). Every step is recorded; every element is
addressed by registry key, resolved through its ladder, and healed in place when it broke.

Healing only ever answers "which element"; assertions run unchanged on the element found, so a
heal can never turn a wrong value into a pass.
"""

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import (
    BrowserContext,
    FilePayload,
    HttpCredentials,
    Locator,
    Page,
    Request,
    Route,
    expect,
)
from playwright.sync_api import Error as PlaywrightError

from testforge.browser.fields import (
    CLOSE_DIALOG,
    FIELD_MESSAGE_HAS_JS,
    FIELD_MESSAGE_JS,
    LEAVES_WITH_TAB_JS,
    PROBE_CLICK_MS,
    VALIDITY_JS,
    blocked_by_dialog,
)
from testforge.browser.locate import XPATH_OF, rung_locator
from testforge.browser.network import POLL_S, SETTLE_CAP_S, QuietWindow, watch_network
from testforge.contracts.runtime import RuntimeConfig
from testforge.domain.app_model import AuthConfig, AuthScheme, ValidityFlag
from testforge.domain.copyedit import copy_change
from testforge.domain.effects import Effect
from testforge.domain.healing import HealingResult, HealingStrategy
from testforge.domain.locators import LocatorLadder, url_matches
from testforge.domain.results import Heal, StepRecord, StepStatus
from testforge.domain.suite import LocatorRegistry, RegistryEntry
from testforge.domain.testdata import sample_file, unique_value
from testforge.runtime.errors import (
    CopyChangedError,
    ElementNotFoundError,
    NavigationFailedError,
    TestDeadlineError,
    WriteBlockedError,
)

HEAL_RETRY_S = 0.5
WRONG_PASSWORD = "Wrong-passw0rd!"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Effects a read-only suite must never let a click cause (signing in and out are its own session).
GUARDED_EFFECTS = frozenset(
    {Effect.WRITE, Effect.PAYMENT, Effect.PUBLISH, Effect.BULK, Effect.DESTRUCTIVE, Effect.ACCOUNT}
)
# Evidence of a session: the browser left the sign-in page, or no password field is shown on it
# any more (an application may sign in on the very page that showed the form).
SIGNED_IN_JS = """(loginPath) => {
  const trim = (p) => p.replace(/\\/+$/, "");
  if (trim(location.pathname) !== trim(loginPath)) return true;
  const shown = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  return !Array.from(document.querySelectorAll("input[type=password]")).some(shown);
}"""
_OPTIONS_OF = "el => Array.from(el.options || []).map(o => (o.textContent || '').trim())"
_HAS_FLAG = "([el, flag]) => el.validity?.[flag] === true"
# Reading what a field shows instead, for a failed assertion's message: briefly, the wait is over.
READ_ACTUAL_MS = 1000


def _validity_flag(reason: str) -> ValidityFlag:
    try:
        return ValidityFlag(reason)
    except ValueError:
        known = ", ".join(f.value for f in ValidityFlag)
        raise ValueError(f"{reason!r} is not a ValidityState flag (one of {known})") from None


class Healer(Protocol):
    def heal(
        self, page: Page, key: str, entry: RegistryEntry, *, asserted: str | None
    ) -> HealingResult: ...

    def snapshot(self, page: Page, name: str) -> str | None: ...


def http_credentials(username: str, password: str, base_url: str) -> HttpCredentials:
    """HTTP credentials answered only to the application's own origin."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    return {"username": username, "password": password, "origin": origin}


class Session:
    def __init__(
        self,
        page: Page,
        registry: LocatorRegistry,
        config: RuntimeConfig,
        *,
        auth: AuthConfig | None = None,
        healer: Healer | None = None,
        read_only: bool = True,
    ) -> None:
        if not config.base_url:
            raise NavigationFailedError(
                "no base URL: set TESTFORGE_BASE_URL or pass --base-url to pytest"
            )
        self.page = page
        self.registry = registry
        self.config = config
        self.auth = auth
        self.healer = healer
        self.read_only = read_only
        self.opened: list[BrowserContext] = []  # contexts this session opened; closed with it
        self.steps: list[StepRecord] = []
        self.heals: list[Heal] = []
        self._healed: dict[str, LocatorLadder] = {}
        self._clause, self._clause_text = "given", ""
        self._deadline = time.monotonic() + config.test_timeout_s
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(config.base_url))
        self._rung_used: str | None = None
        self._step_healed = False
        self._token = secrets.token_hex(3)
        watch_network(page)

    # -- Given / When / Then ---------------------------------------------------------------

    @contextmanager
    def _clause_block(self, clause: str, description: str) -> Iterator[None]:
        self._clause, self._clause_text = clause, description
        yield

    def given(self, description: str) -> AbstractContextManager[None]:
        return self._clause_block("given", description)

    def when(self, description: str) -> AbstractContextManager[None]:
        return self._clause_block("when", description)

    def then(self, description: str) -> AbstractContextManager[None]:
        return self._clause_block("then", description)

    # -- steps -----------------------------------------------------------------------------

    @contextmanager
    def _step(
        self, action: str, target: str | None = None, value: str | None = None
    ) -> Iterator[None]:
        started = time.monotonic()
        self._rung_used, self._step_healed = None, False
        status = StepStatus.FAILED
        try:
            yield
            status = StepStatus.HEALED if self._step_healed else StepStatus.PASSED
        finally:
            self.steps.append(
                StepRecord(
                    index=len(self.steps),
                    clause=self._clause,
                    clause_text=self._clause_text,
                    action=action,
                    target=target,
                    value=value,
                    status=status,
                    duration_ms=(time.monotonic() - started) * 1000,
                    locator=self._rung_used,
                )
            )

    def goto(self, path: str) -> None:
        with self._step("goto", value=path):
            url = urljoin(self.config.base_url or "", path)
            try:
                response = self.page.goto(url, timeout=self._navigation_ms())
            except PlaywrightError as exc:
                raise NavigationFailedError(
                    f"cannot open {url}: {str(exc).splitlines()[0]}"
                ) from exc
            if response is not None and response.status >= 400:
                raise NavigationFailedError(f"GET {path} answered HTTP {response.status}")
            self._settle()

    def sign_in(self) -> None:
        """Sign in as the test account: through the form, or by answering the HTTP challenge."""
        auth = self._auth()
        with self._step("sign_in"):
            if auth.scheme is AuthScheme.HTTP:
                self._http_sign_in(self.credential("password"))
                return
            self._form_sign_in(self.credential("password"))
            try:
                self.page.wait_for_function(
                    SIGNED_IN_JS, arg=auth.login_path, timeout=self._navigation_ms()
                )
            except PlaywrightError as exc:
                raise AssertionError(
                    "sign-in did not get past the sign-in form (still on it, a password field "
                    "still shown): check TESTFORGE_USERNAME and TESTFORGE_PASSWORD"
                ) from exc

    def expect_sign_in_refused(self) -> None:
        """A wrong password is refused: the sign-in page stays, or HTTP answers 401."""
        auth = self._auth()
        with self._step("expect_sign_in_refused"):
            if auth.scheme is AuthScheme.HTTP:
                status = self._http_sign_in(WRONG_PASSWORD, refused=True)
                if status != 401:
                    raise AssertionError(f"a wrong password was answered HTTP {status}, not 401")
                return
            self._form_sign_in(WRONG_PASSWORD)
            expect(self.page).to_have_url(self._login_url(auth), timeout=self._navigation_ms())
            assert auth.password_field is not None
            self.expect_visible(auth.password_field)

    def expect_signed_out(self) -> None:
        """The session has ended: its sign-out control is gone, and a page that needs a session
        sends the visitor to sign in."""
        auth = self._auth()
        with self._step("expect_signed_out"):
            if auth.sign_out is not None and auth.sign_out_menu is None:
                ladder = self._healed.get(auth.sign_out, self.registry[auth.sign_out].ladder)
                for rung in ladder:
                    found = rung_locator(self.page, rung)
                    expect(found, "the sign-out control is still shown").to_have_count(
                        0, timeout=self._timeout_ms()
                    )
            if auth.protected_path and auth.scheme is AuthScheme.FORM:
                self.goto(auth.protected_path)
                expect(self.page).to_have_url(self._login_url(auth), timeout=self._navigation_ms())

    def _auth(self) -> AuthConfig:
        if self.auth is None:
            raise NavigationFailedError("this suite has no sign-in; regenerate it with credentials")
        return self.auth

    def _login_url(self, auth: AuthConfig) -> re.Pattern[str]:
        path = re.escape(auth.login_path.rstrip("/"))
        return re.compile("^" + re.escape(self._origin) + path + r"/?([?#].*)?$")

    def _form_sign_in(self, password: str) -> None:
        auth = self._auth()
        assert auth.username_field and auth.password_field and auth.submit, "a sign-in form"
        self.goto(auth.login_path)
        self.fill(auth.username_field, self.credential("username"))
        self.fill(auth.password_field, password)
        self.click(auth.submit)

    def _http_sign_in(self, password: str, *, refused: bool = False) -> int:
        """Open a new context that answers the HTTP challenge with `password`; go to the
        sign-in path there. Returns the HTTP status."""
        auth = self._auth()
        browser = self.page.context.browser
        assert browser is not None
        context = browser.new_context(
            http_credentials=http_credentials(
                self.credential("username"), password, self.config.base_url or ""
            )
        )
        self.opened.append(context)
        self.page = context.new_page()
        watch_network(self.page)
        url = urljoin(self.config.base_url or "", auth.login_path)
        if refused:  # the request API reports a refusal as a status; a page, as a network error
            return context.request.get(url, max_redirects=0, timeout=self._navigation_ms()).status
        response = self.page.goto(url, timeout=self._navigation_ms())
        status = response.status if response is not None else 0
        if status >= 400:
            raise AssertionError(
                f"HTTP authentication at {auth.login_path} answered {status}: check "
                "TESTFORGE_USERNAME and TESTFORGE_PASSWORD"
            )
        self._settle()
        return status

    def click(self, key: str) -> None:
        with self._step("click", target=key):
            found = self._locate(key)
            with self._write_guard(key):
                self._click(found)
                self._settle()

    def click_new_tab(self, key: str) -> None:
        """Click a link that opens another tab; the test goes on in that tab."""
        with self._step("click_new_tab", target=key):
            found = self._locate(key)
            with self.page.context.expect_page(timeout=self._timeout_ms()) as opened:
                self._click(found)
            self.page = opened.value
            watch_network(self.page)
            self._settle()

    def fill(self, key: str, value: str) -> None:
        shown = "***" if self._is_secret(value) else value
        with self._step("fill", target=key, value=shown):
            found = self._locate(key)
            found.fill(value, timeout=self._timeout_ms())
            if found.evaluate(LEAVES_WITH_TAB_JS):  # close the picker it opened, as a person does
                found.press("Tab", timeout=self._timeout_ms())

    def select(self, key: str, label: str) -> None:
        with self._step("select", target=key, value=label):
            found = self._locate(key)
            options: list[str] = found.evaluate(_OPTIONS_OF)
            if label not in options:
                offered = ", ".join(map(repr, options[:8]))
                raise ElementNotFoundError(
                    key,
                    self.page.url,
                    None,
                    f"the list has no option {label!r} (it offers {offered})",
                )
            found.select_option(label=label, timeout=self._timeout_ms())

    def check(self, key: str) -> None:
        with self._step("check", target=key):
            self._locate(key).check(timeout=self._timeout_ms())

    def upload(self, key: str, name: str) -> None:
        """Put one of TestForge's sample files (sample.png, .pdf, .csv, .txt) in a file input."""
        with self._step("upload", target=key, value=name):
            mime, data = sample_file(name)
            payload: FilePayload = {"name": name, "mimeType": mime, "buffer": data}
            self._locate(key).set_input_files(payload, timeout=self._timeout_ms())

    def unique(self, value: str) -> str:
        """`value` made unique for this test (the same within it): records it creates never
        collide with another test's or an earlier run's."""
        return unique_value(value, self._token)

    def expect_url(self, pattern: str) -> None:
        with self._step("expect_url", value=pattern):
            origin = self._origin

            def expected(url: str) -> bool:
                return url.startswith(origin) and url_matches(pattern, url[len(origin) :] or "/")

            try:
                self.page.wait_for_url(expected, timeout=self._navigation_ms())
            except PlaywrightError as exc:
                raise AssertionError(
                    f"the page is at {self.page.url}, not at {pattern!r} on {origin}"
                ) from exc

    def expect_title(self, title: str) -> None:
        with self._step("expect_title", value=title):
            expect(self.page).to_have_title(title, timeout=self._timeout_ms())

    def expect_text(self, key: str, text: str) -> None:
        with self._step("expect_text", target=key, value=text):
            found = self._locate(key, asserted=text)
            try:
                # innerText, as discovery read it: text a page hides (a heading's "¶" anchor)
                # is not what a user reads.
                expect(found).to_have_text(text, use_inner_text=True, timeout=self._timeout_ms())
            except AssertionError:
                change = self._copy_change(key, text, found)
                if change is not None:
                    raise change from None
                raise

    def expect_page_text(self, text: str) -> None:
        with self._step("expect_page_text", value=text):
            expect(self.page.locator("body")).to_contain_text(text, timeout=self._timeout_ms())

    def expect_visible(self, key: str) -> None:
        with self._step("expect_visible", target=key):
            expect(self._locate(key, asserted="")).to_be_visible(timeout=self._timeout_ms())

    def expect_invalid(self, key: str, reason: str | None = None) -> None:
        """The browser refuses the field; with `reason`, for that ValidityState flag
        ("valueMissing", "typeMismatch"...), which unlike its message is the same in every
        browser language."""
        with self._step("expect_invalid", target=key, value=reason):
            found = self._locate(key, asserted="")
            if reason is None:
                invalid = found.and_(self.page.locator(":invalid"))
                expect(invalid, f"{key} should be flagged invalid").to_have_count(
                    1, timeout=self._timeout_ms()
                )
                return
            flag = _validity_flag(reason)
            failure = self._wait_for_field(found, _HAS_FLAG, flag.value)
            if failure is None:
                return
            try:
                actual = found.evaluate(VALIDITY_JS, timeout=READ_ACTUAL_MS)
            except PlaywrightError:
                raise AssertionError(
                    f"{key} should be refused by the browser for {flag.value}, but it could "
                    f"not be read on {self.page.url}"
                ) from failure
            flags = ", ".join(actual["flags"]) or "none: the browser accepts it"
            raise AssertionError(
                f"{key} should be refused by the browser for {flag.value}; its validity flags "
                f"are {flags} (validationMessage {actual['message']!r})"
            ) from None

    def expect_field_message(self, key: str, text: str) -> None:
        """The field's own message says `text`: what its aria-errormessage or
        aria-describedby name, else what appears in its own box (FIELD_MESSAGE_JS, as
        discovery read it), not merely somewhere on the page."""
        with self._step("expect_field_message", target=key, value=text):
            found = self._locate(key, asserted="")  # the message is no evidence of the field
            failure = self._wait_for_field(found, FIELD_MESSAGE_HAS_JS, text)
            if failure is None:
                return
            try:
                actual: list[str] = found.evaluate(FIELD_MESSAGE_JS, timeout=READ_ACTUAL_MS)
            except PlaywrightError:
                raise AssertionError(
                    f"the message of {key} should say {text!r}, but the field could not be "
                    f"read on {self.page.url}"
                ) from failure
            said = f"it says {' | '.join(actual)!r}" if actual else "it shows no message"
            shown = self.page.locator("body").inner_text(timeout=READ_ACTUAL_MS)
            elsewhere = " (the text is elsewhere on the page)" if text in shown else ""
            raise AssertionError(
                f"the message of {key} should say {text!r}; {said}{elsewhere}"
            ) from None

    def expect_value(self, key: str, value: str) -> None:
        with self._step("expect_value", target=key, value=value):
            expect(self._locate(key, asserted=value)).to_have_value(
                value, timeout=self._timeout_ms()
            )

    def credential(self, name: str) -> str:
        value = (
            self.config.username
            if name == "username"
            else self.config.password.get_secret_value()
            if self.config.password
            else None
        )
        if not value:
            raise NavigationFailedError(
                f"the test needs the {name}: set TESTFORGE_{name.upper()} (it is never stored "
                "in the suite)"
            )
        return value

    # -- resolution ------------------------------------------------------------------------

    def _wait_for_field(self, found: Locator, condition: str, value: str) -> PlaywrightError | None:
        """Wait, within an action's time, for `condition([field, value])` to hold in the page;
        the error when it did not (it timed out, or the page went on without the field)."""
        field = found.element_handle(timeout=self._timeout_ms())
        try:
            self.page.wait_for_function(condition, arg=[field, value], timeout=self._timeout_ms())
        except PlaywrightError as exc:
            return exc
        finally:
            field.dispose()
        return None

    def _click(self, found: Locator) -> None:
        """Click as a person does: a dialog of the page's own in the way is closed first.

        The element gets an action's time to become clickable; the click itself then gets a
        page load's, because Playwright waits for the navigation it starts to commit (a
        sign-in that hashes the password takes seconds on a busy server)."""
        try:
            found.click(trial=True, timeout=PROBE_CLICK_MS)
        except PlaywrightError as exc:
            if blocked_by_dialog(exc):
                self.page.keyboard.press("Escape")
                close = self.page.locator(CLOSE_DIALOG).filter(visible=True)
                if close.count():
                    # Best effort: a close button that cannot be pressed (still animating,
                    # covered) leaves the trial below to say what is in the way.
                    with suppress(PlaywrightError):
                        close.first.click(timeout=PROBE_CLICK_MS)
            found.click(trial=True, timeout=self._timeout_ms())
        found.click(timeout=self._navigation_ms())

    def _copy_change(self, key: str, expected: str, found: Locator) -> CopyChangedError | None:
        try:
            actual = found.inner_text(timeout=self._timeout_ms())
        except PlaywrightError:
            return None
        change = copy_change(key, expected, actual)
        return CopyChangedError(change) if change else None

    @contextmanager
    def _write_guard(self, key: str) -> Iterator[None]:
        """In a suite generated without writes, a control that writes may not send anything:
        discovery saw the browser refuse its input, and if the page now tries to send it, that
        is a changed behaviour to report, never a write to make."""
        entry = self.registry.entries.get(key)
        if not self.read_only or entry is None or entry.effect not in GUARDED_EFFECTS:
            yield
            return
        stopped: list[str] = []

        def guard(route: Route, request: Request) -> None:
            if request.method in SAFE_METHODS:
                route.fallback()
                return
            stopped.append(f"{request.method} {urlsplit(request.url).path}")
            route.abort("blockedbyclient")

        page = self.page
        page.route("**/*", guard)
        try:
            yield
        finally:
            page.unroute("**/*", guard)
        if stopped:
            raise WriteBlockedError(
                f"pressing {key!r} tried to send {', '.join(stopped)}; discovery saw the browser "
                "refuse this input, and a suite generated without writes never changes data"
            )

    def _is_secret(self, value: str) -> bool:
        password = self.config.password
        return password is not None and value == password.get_secret_value()

    def _budget_s(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TestDeadlineError(
                f"the test exceeded its {self.config.test_timeout_s:.0f} s budget"
            )
        return remaining

    def _timeout_ms(self) -> float:
        """An action's or an assertion's share of the test's remaining budget."""
        return min(self.config.action_timeout_s, self._budget_s()) * 1000

    def _navigation_ms(self) -> float:
        """A page load's share of the test's remaining budget (longer than an action's)."""
        return min(self.config.navigation_timeout_s, self._budget_s()) * 1000

    def _settle(self) -> None:
        """Wait for the page to load and its scripts to stop fetching (capped)."""
        try:
            self.page.wait_for_load_state("load", timeout=self._navigation_ms())
        except PlaywrightError:
            return
        window = QuietWindow(watch_network(self.page))
        cap = time.monotonic() + SETTLE_CAP_S
        while (now := time.monotonic()) < cap and not window.reached(now):
            self.page.wait_for_timeout(POLL_S * 1000)

    def _resolve(self, ladder: LocatorLadder) -> tuple[int, Locator] | None:
        for index, rung in enumerate(ladder):
            found = rung_locator(self.page, rung)
            try:
                if found.count() == 1:
                    return index, found
            except PlaywrightError:
                continue  # a rung the selector engine rejects resolves to nothing
        return None

    def _locate(self, key: str, *, asserted: str | None = None) -> Locator:
        """The element for `key`: its first rung, else a heal both ladder and engine agree on.

        A lower rung counts only when the healing engine ranks the same element first; with
        healing off (`TESTFORGE_HEAL=0`) the engine's own picks are reported, never used.
        `asserted` is set for assertion targets (the text or value they check, "" for none):
        what an assertion checks is never evidence for which element to check.
        """
        entry = self.registry.entries.get(key)
        if entry is None:
            raise ElementNotFoundError(key, self.page.url, None, "the key is not in locators.json")
        ladder = self._healed.get(key, entry.ladder)
        deadline = time.monotonic() + self._timeout_ms() / 1000
        healing: HealingResult | None = None
        while True:
            hit = self._resolve(ladder)
            if hit is not None and hit[0] == 0:
                self._rung_used = ladder[0].describe()
                return hit[1]
            if self.healer is not None:
                healing = self.healer.heal(self.page, key, entry, asserted=asserted)
                if hit is not None and self._ranked_first(hit[1], healing):
                    return self._apply_heal(key, healing, hit)
                if hit is None and self.config.heal and healing.chosen and healing.new_ladder:
                    return self._apply_heal(key, healing, None)
            if time.monotonic() >= deadline:
                break
            self.page.wait_for_timeout(HEAL_RETRY_S * 1000)  # the element may still be coming
        tried = ", ".join(r.describe() for r in ladder)
        reason = healing.reason if healing else "no healer configured"
        raise ElementNotFoundError(
            key, self.page.url, healing, f"no locator resolved ({tried}); {reason}"
        )

    def _ranked_first(self, found: Locator, healing: HealingResult) -> bool:
        top = healing.candidates[0] if healing.candidates else None
        if top is None or top.fingerprint.xpath is None:
            return False
        xpath: str = found.evaluate(XPATH_OF)
        return xpath == top.fingerprint.xpath

    def _apply_heal(
        self, key: str, healing: HealingResult, hit: tuple[int, Locator] | None
    ) -> Locator:
        if hit is not None:
            # A lower rung still worked and the engine agrees: keep the ladder, promote the rung.
            index, found = hit
            ladder = self._healed.get(key, self.registry.entries[key].ladder)
            top = healing.candidates[0].model_copy(update={"strategy": HealingStrategy.LADDER})
            healing = healing.model_copy(
                update={
                    "chosen": top,
                    "new_ladder": tuple(dict.fromkeys((ladder[index], *healing.new_ladder))),
                }
            )
        else:
            found = rung_locator(self.page, healing.new_ladder[0])
        self._healed[key] = healing.new_ladder
        self._step_healed = True
        self._rung_used = healing.new_ladder[0].describe()
        snapshot = (
            self.healer.snapshot(self.page, f"{key}-{len(self.heals)}") if self.healer else None
        )
        self.heals.append(
            Heal(
                step=len(self.steps),
                key=key,
                page_url=self.page.url,
                result=healing,
                snapshot=snapshot,
            )
        )
        return found
