"""Which observations become expectations, and telling copy edits from behaviour changes."""

import pytest

from testforge.domain.copyedit import copy_change
from testforge.domain.oracles import assertable


@pytest.mark.parametrize(
    "text",
    ["Issue tracker", "Your cart", "Search results", "Invalid login", "No matching entries"],
)
def test_plain_stable_words_are_assertable(text: str) -> None:
    assert assertable(text)


@pytest.mark.parametrize(
    "text",
    [
        "/",
        "»",
        "ok",
        "Queries took 7.818ms",
        "3 open issues",
        "updated 2 minutes ago",
        "Modified yesterday",
        "2026-12-01",
        "Roundup 2.4.0",
        "x" * 81,
        "Run page loading",  # MLflow 2: left in the run page, gone in MLflow 3
        "Loading deals…",
        "Please wait",
    ],
)
def test_counters_times_versions_progress_and_empty_texts_are_not(text: str) -> None:
    assert not assertable(text)


def test_amounts_are_assertable_only_where_two_runs_agreed_on_them() -> None:
    assert not assertable("Total $69.00")
    assert assertable("Total $69.00", money=True)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("Sign in", "Log in"),
        ("Issue tracker", "Issue Tracker"),
        ("Add to cart", "Add to basket"),
        ("Your shopping cart", "Your cart"),
    ],
)
def test_a_small_edit_that_keeps_the_numbers_is_a_copy_change(expected: str, actual: str) -> None:
    change = copy_change("page.heading", expected, actual)
    assert change is not None and change.expected == expected and change.actual == actual


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("$69.00", "$74.00"),
        ("Total: 3 items", "Total: 4 items"),
        ("Springfield", "Springfield"),
        ("Order confirmed", "Something went wrong, please try again later"),
        ("Welcome back", ""),
    ],
)
def test_changed_numbers_or_unrelated_text_are_not(expected: str, actual: str) -> None:
    assert copy_change("page.total", expected, actual) is None
