"""Session: the object generated tests drive (`tf`). Every step is recorded; every element is
addressed by registry key, resolved through its ladder, and healed in place when it broke.

Healing only ever answers "which element"; assertions run unchanged on the element found, so a
heal can never turn a wrong value into a pass.
"""

import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from testforge.browser.locate import XPATH_OF, rung_locator
from testforge.browser.network import POLL_S, SETTLE_CAP_S, QuietWindow, watch_network
from testforge.domain.app_model import AuthConfig
from testforge.domain.healing import HealingResult, HealingStrategy
from testforge.domain.locators import LocatorLadder
from testforge.domain.results import Heal, StepRecord, StepStatus
from testforge.domain.suite import LocatorRegistry, RegistryEntry
from testforge.runtime.config import RuntimeConfig
from testforge.runtime.errors import ElementNotFoundError, NavigationFailedError, TestDeadlineError

HEAL_RETRY_S = 0.5


class Healer(Protocol):
    def heal(
        self, page: Page, key: str, entry: RegistryEntry, *, for_assertion: bool
    ) -> HealingResult: ...

    def snapshot(self, page: Page, name: str) -> str | None: ...


class Session:
    def __init__(
        self,
        page: Page,
        registry: LocatorRegistry,
        config: RuntimeConfig,
        *,
        auth: AuthConfig | None = None,
        healer: Healer | None = None,
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
        self.steps: list[StepRecord] = []
        self.heals: list[Heal] = []
        self._healed: dict[str, LocatorLadder] = {}
        self._clause, self._clause_text = "given", ""
        self._deadline = time.monotonic() + config.test_timeout_s
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(config.base_url))
        self._rung_used: str | None = None
        self._step_healed = False
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
                response = self.page.goto(url, timeout=self._timeout_ms())
            except PlaywrightError as exc:
                raise NavigationFailedError(
                    f"cannot open {url}: {str(exc).splitlines()[0]}"
                ) from exc
            if response is not None and response.status >= 400:
                raise NavigationFailedError(f"GET {path} answered HTTP {response.status}")
            self._settle()

    def sign_in(self) -> None:
        if self.auth is None:
            raise NavigationFailedError(
                "this suite has no sign-in form; regenerate it with credentials"
            )
        with self._step("sign_in"):
            self.goto(self.auth.login_path)
            self.fill(self.auth.username_field, self.credential("username"))
            self.fill(self.auth.password_field, self.credential("password"))
            self.click(self.auth.submit)
            login = re.compile("^" + re.escape(self._origin + self.auth.login_path) + r"(\?.*)?$")
            try:
                expect(self.page).not_to_have_url(login, timeout=self._timeout_ms())
            except AssertionError as exc:
                raise AssertionError(
                    "sign-in did not leave the sign-in page: check TESTFORGE_USERNAME and "
                    "TESTFORGE_PASSWORD"
                ) from exc

    def click(self, key: str) -> None:
        with self._step("click", target=key):
            self._locate(key).click(timeout=self._timeout_ms())
            self._settle()

    def fill(self, key: str, value: str) -> None:
        shown = "***" if self._is_secret(value) else value
        with self._step("fill", target=key, value=shown):
            self._locate(key).fill(value, timeout=self._timeout_ms())

    def select(self, key: str, label: str) -> None:
        with self._step("select", target=key, value=label):
            self._locate(key).select_option(label=label, timeout=self._timeout_ms())

    def check(self, key: str) -> None:
        with self._step("check", target=key):
            self._locate(key).check(timeout=self._timeout_ms())

    def expect_url(self, pattern: str) -> None:
        with self._step("expect_url", value=pattern):
            full = re.compile("^" + re.escape(self._origin) + pattern + r"(#.*)?$")
            expect(self.page).to_have_url(full, timeout=self._timeout_ms())

    def expect_title(self, title: str) -> None:
        with self._step("expect_title", value=title):
            expect(self.page).to_have_title(title, timeout=self._timeout_ms())

    def expect_text(self, key: str, text: str) -> None:
        with self._step("expect_text", target=key, value=text):
            found = self._locate(key, for_assertion=True)
            expect(found).to_have_text(text, timeout=self._timeout_ms())

    def expect_page_text(self, text: str) -> None:
        with self._step("expect_page_text", value=text):
            expect(self.page.locator("body")).to_contain_text(text, timeout=self._timeout_ms())

    def expect_visible(self, key: str) -> None:
        with self._step("expect_visible", target=key):
            expect(self._locate(key, for_assertion=True)).to_be_visible(timeout=self._timeout_ms())

    def expect_invalid(self, key: str) -> None:
        with self._step("expect_invalid", target=key):
            found = self._locate(key, for_assertion=True)
            invalid = found.and_(self.page.locator(":invalid"))
            expect(invalid, f"{key} should be flagged invalid").to_have_count(
                1, timeout=self._timeout_ms()
            )

    def expect_value(self, key: str, value: str) -> None:
        with self._step("expect_value", target=key, value=value):
            expect(self._locate(key, for_assertion=True)).to_have_value(
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

    def _is_secret(self, value: str) -> bool:
        password = self.config.password
        return password is not None and value == password.get_secret_value()

    def _timeout_ms(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TestDeadlineError(
                f"the test exceeded its {self.config.test_timeout_s:.0f} s budget"
            )
        return min(self.config.action_timeout_s, remaining) * 1000

    def _settle(self) -> None:
        """Wait for the page to load and its scripts to stop fetching (capped)."""
        try:
            self.page.wait_for_load_state(
                "load", timeout=min(self._timeout_ms(), SETTLE_CAP_S * 1000)
            )
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

    def _locate(self, key: str, *, for_assertion: bool = False) -> Locator:
        """The element for `key`: its first rung, else a heal both ladder and engine agree on.

        A lower rung counts only when the healing engine ranks the same element first; with
        healing off (`TESTFORGE_HEAL=0`) the engine's own picks are reported, never used.
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
                healing = self.healer.heal(self.page, key, entry, for_assertion=for_assertion)
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
