"""Locators: the ways a test can address an element, ordered from most to least robust."""

from enum import StrEnum

from testforge.domain.base import FrozenModel


class LocatorStrategy(StrEnum):
    TEST_ID = "test_id"
    ROLE = "role"
    LABEL = "label"
    PLACEHOLDER = "placeholder"
    TEXT = "text"
    CSS = "css"
    XPATH = "xpath"


class Locator(FrozenModel):
    """One rung of a locator ladder. Matching is always exact.

    For `ROLE`, `value` is the ARIA role and `name` the accessible name; other strategies use
    `value` only.
    """

    strategy: LocatorStrategy
    value: str
    name: str | None = None

    def describe(self) -> str:
        if self.strategy is LocatorStrategy.ROLE:
            return f'role={self.value}[name="{self.name}"]'
        return f"{self.strategy.value}={self.value}"


LocatorLadder = tuple[Locator, ...]
