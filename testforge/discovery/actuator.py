"""Replaying flow steps by registry key in discovery's browser contexts."""

from collections.abc import Mapping
from urllib.parse import urljoin

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator as AsyncLocator
from playwright.async_api import Page

from testforge.browser.locate import rung_locator
from testforge.discovery.capture import settle
from testforge.domain.app_model import Element, FlowStep, FlowStepAction


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
                await target.click(timeout=self._timeout_ms)
                await settle(self.page, self._timeout_ms / 1000)
            case FlowStepAction.FILL:
                await target.fill(step.value or "", timeout=self._timeout_ms)
            case FlowStepAction.SELECT:
                await target.select_option(label=step.value, timeout=self._timeout_ms)
            case FlowStepAction.CHECK:
                await target.check(timeout=self._timeout_ms)

    async def run_all(self, steps: list[FlowStep]) -> None:
        for step in steps:
            await self.run(step)
