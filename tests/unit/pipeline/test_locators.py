"""Locator ladders built from fingerprints, and readable URL regexes."""

import re

from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import (
    LocatorStrategy,
    candidate_ladder,
    css_for,
    looks_generated,
    path_regex,
)


def test_ladder_orders_rungs_from_most_to_least_robust() -> None:
    fp = ElementFingerprint(
        tag="button",
        test_id="add-to-cart",
        id="add",
        role="button",
        accessible_name="Add to cart",
        text="Add to cart",
    )
    assert [r.strategy for r in candidate_ladder(fp)] == [
        LocatorStrategy.TEST_ID,
        LocatorStrategy.ROLE,
        LocatorStrategy.TEXT,
        LocatorStrategy.CSS,
    ]


def test_form_fields_are_located_by_label_and_placeholder_not_text() -> None:
    fp = ElementFingerprint(
        tag="input",
        name="email",
        label="Email",
        placeholder="you@example.com",
        role="textbox",
        accessible_name="Email",
    )
    strategies = [r.strategy for r in candidate_ladder(fp)]
    assert LocatorStrategy.LABEL in strategies and LocatorStrategy.PLACEHOLDER in strategies
    assert LocatorStrategy.TEXT not in strategies
    assert css_for(fp) == 'input[name="email"]'


def test_generated_ids_are_never_used_as_locators() -> None:
    assert looks_generated("ember1234")
    assert looks_generated("basket-sum-7f3a9c2e")
    assert not looks_generated("cart-total")
    assert css_for(ElementFingerprint(tag="div", id="react-select-3")) is None


def test_path_regex_matches_exactly_the_path_and_stays_readable() -> None:
    pattern = path_regex("/products/canvas-tote?q=a.b")
    assert pattern == r"/products/canvas-tote\?q=a\.b"
    assert re.fullmatch(pattern, "/products/canvas-tote?q=a.b")
    assert not re.fullmatch(pattern, "/products/canvas-tote?q=aXb")


def test_an_expected_url_matches_its_query_in_any_order_but_not_other_values() -> None:
    from testforge.domain.locators import path_regex, url_matches

    expected = path_regex("/query?status=!closed&priority=major")
    assert url_matches(expected, "/query?priority=major&status=!closed")
    assert not url_matches(expected, "/query?priority=minor&status=!closed")
    assert not url_matches(expected, "/query?status=!closed")
    assert url_matches(path_regex("/#/runs?b=2&a=1"), "/#/runs?a=1&b=2")
    assert url_matches("/orders/[^/?#]+", "/orders/1002")
    assert not url_matches("/orders/[^/?#]+", "/orders/1002/items")
