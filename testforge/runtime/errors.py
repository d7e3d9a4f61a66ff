"""Failures a generated test can raise, and their classification for reports."""

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from testforge.domain.healing import HealingResult
from testforge.domain.results import CopyChange, FailureKind


class ElementNotFoundError(Exception):
    """No locator of the key resolved and healing found no confident match."""

    def __init__(self, key: str, url: str, healing: HealingResult | None, detail: str) -> None:
        super().__init__(f"element {key!r} not found on {url}: {detail}")
        self.key = key
        self.healing = healing


class CopyChangedError(AssertionError):
    """The element was found, but its text is a small edit of the expected one."""

    def __init__(self, change: CopyChange) -> None:
        super().__init__(
            f"the text of {change.key!r} changed: expected {change.expected!r}, found "
            f"{change.actual!r} (a copy change; accept it with `testforge review --accept`)"
        )
        self.change = change


class WriteBlockedError(AssertionError):
    """A suite generated without writes stopped the page from sending data."""


class NavigationFailedError(Exception):
    """A page could not be opened (network error or an HTTP error status)."""


class TestDeadlineError(Exception):
    """The test used up its time budget."""

    __test__ = False  # not a pytest test class, despite the name


class SharedSignInError(Exception):
    """The worker's shared sign-in failed for an earlier test; this test fails for its cause."""


def classify(exc: BaseException) -> FailureKind:
    if isinstance(exc, SharedSignInError) and exc.__cause__ is not None:
        return classify(exc.__cause__)
    if isinstance(exc, ElementNotFoundError):
        return FailureKind.ELEMENT_NOT_FOUND
    if isinstance(exc, NavigationFailedError):
        return FailureKind.NAVIGATION
    if isinstance(exc, TestDeadlineError | PlaywrightTimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(exc, AssertionError):
        return FailureKind.ASSERTION
    if isinstance(exc, PlaywrightError) and "net::" in str(exc):
        return FailureKind.NAVIGATION
    return FailureKind.ERROR
