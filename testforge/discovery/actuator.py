"""Replaying flow steps by registry key in discovery's browser contexts."""

import contextlib
from collections.abc import Callable, Mapping
from urllib.parse import urljoin

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FilePayload, Page
from playwright.async_api import Locator as AsyncLocator

from testforge.browser.fields import (
    CLOSE_DIALOG,
    LEAVES_WITH_TAB_JS,
    PROBE_CLICK_MS,
    blocked_by_dialog,
)
from testforge.browser.locate import rung_locator
from testforge.discovery.capture import settle
from testforge.domain.app_model import Element, FlowStep, FlowStepAction
from testforge.domain.testdata import sample_file

ACTION_TIMEOUT_S = 5.0  # a click or a fill; page loads get the page timeout


class StepError(Exception):
    """A setup step could not be replayed (the app did not behave as during the crawl)."""


class Actuator:
    def __init__(
        self, page: Page, elements: Mapping[str, Element], base_url: str, timeout_s: float
    ) -> None:
        self.page = page
        self._elements = elements
        self._base_url = base_url
        self._timeout_ms = timeout_s * 1000
        self._action_ms = min(timeout_s, ACTION_TIMEOUT_S) * 1000
        # The writes the context's guard stopped so far (none for unguarded contexts).
        self.blocked: Callable[[], list[str]] = list

    @property
    def timeout_s(self) -> float:
        return self._timeout_ms / 1000

    async def locate(self, key: str) -> AsyncLocator:
        element = self._elements.get(key)
        if element is None:
            raise StepError(f"unknown element key {key!r}")
        for rung in element.ladder:
            found = rung_locator(self.page, rung)
            if await found.count() == 1:
                return found
        raise StepError(f"{key} not found on {self.page.url}")

    async def run(self, step: FlowStep) -> None:
        try:
            await self._run(step)
        except PlaywrightError as exc:
            raise StepError(f"{step.action.value} {step.element or step.value}: {exc}") from exc

    async def _run(self, step: FlowStep) -> None:
        if step.action is FlowStepAction.GOTO:
            await self.page.goto(
                urljoin(self._base_url, step.value or step.page), timeout=self._timeout_ms
            )
            await settle(self.page, self._timeout_ms / 1000)
            return
        assert step.element is not None, "only goto steps have no element"
        target = await self.locate(step.element)
        match step.action:
            case FlowStepAction.CLICK | FlowStepAction.SUBMIT:
                await self._click(target)
                await settle(self.page, self._timeout_ms / 1000)
            case FlowStepAction.FILL:
                await target.fill(step.value or "", timeout=self._action_ms)
                if await target.evaluate(LEAVES_WITH_TAB_JS):
                    await target.press("Tab", timeout=self._action_ms)
            case FlowStepAction.SELECT:
                await target.select_option(label=step.value, timeout=self._action_ms)
            case FlowStepAction.CHECK:
                await target.check(timeout=self._action_ms)
            case FlowStepAction.UPLOAD:
                mime, data = sample_file(step.value or "")
                payload: FilePayload = {"name": step.value or "", "mimeType": mime, "buffer": data}
                await target.set_input_files(payload, timeout=self._action_ms)

    async def _click(self, target: AsyncLocator) -> None:
        """Click as a person does: a dialog of the page's own in the way is closed first.
        As in the runtime's Session._click: an action's time to become clickable, then a page
        load's for the click, which waits for the navigation it starts to commit."""
        try:
            await target.click(trial=True, timeout=PROBE_CLICK_MS)
        except PlaywrightError as exc:
            if blocked_by_dialog(exc):
                await self.page.keyboard.press("Escape")
                close = self.page.locator(CLOSE_DIALOG).filter(visible=True)
                if await close.count():
                    with contextlib.suppress(PlaywrightError):  # best effort, as in Session
                        await close.first.click(timeout=PROBE_CLICK_MS)
            await target.click(trial=True, timeout=self._action_ms)
        await target.click(timeout=self._timeout_ms)

    async def run_all(self, steps: list[FlowStep]) -> None:
        for step in steps:
            await self.run(step)
