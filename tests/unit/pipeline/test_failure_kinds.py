"""How a failed test's exception becomes its failure kind in the report."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from testforge.domain.results import FailureKind
from testforge.runtime.errors import (
    ElementNotFoundError,
    NavigationFailedError,
    SharedSignInError,
    classify,
)


def _shared_failure(cause: BaseException) -> SharedSignInError:
    try:
        raise SharedSignInError(f"the shared sign-in failed: {cause}") from cause
    except SharedSignInError as exc:
        return exc


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (
            ElementNotFoundError("login.username", "/login", None, "no locator resolved"),
            FailureKind.ELEMENT_NOT_FOUND,
        ),
        (NavigationFailedError("HTTP 502 on /login"), FailureKind.NAVIGATION),
        (PlaywrightTimeoutError("Timeout 5000ms exceeded"), FailureKind.TIMEOUT),
    ],
)
def test_a_test_failed_by_the_shared_sign_in_gets_the_kind_of_its_cause(
    cause: BaseException, kind: FailureKind
) -> None:
    # Without healing, a renamed sign-in field must read as "element not found" in every test
    # that needed the session, not as a generic error.
    assert classify(_shared_failure(cause)) is kind


def test_an_unknown_exception_stays_an_error() -> None:
    assert classify(_shared_failure(KeyError("x"))) is FailureKind.ERROR
    assert classify(RuntimeError("boom")) is FailureKind.ERROR
