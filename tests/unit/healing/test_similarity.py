"""Similarity primitives: tokens, URLs, XPaths, tag families and boxes."""

import pytest

from testforge.domain.fingerprint import BoundingBox
from testforge.healing import similarity as sim


def test_normalises_case_width_and_whitespace() -> None:
    assert sim.normalize_text("  Sign\u00a0IN \n now ") == "sign in now"


def test_words_are_plural_stemmed_so_rewordings_still_meet() -> None:
    assert sim.words("Notifications") == sim.words("notification")
    assert sim.words("Class") == ("class",)


def test_identifier_tokens_split_camel_kebab_and_snake_case() -> None:
    assert sim.identifier_tokens("MainNavSignupButton") == ("main", "nav", "signup", "button")
    assert sim.identifier_tokens("uh-notifications") == ("uh", "notification")
    assert sim.identifier_tokens("search_submit") == ("search", "submit")


def test_identifier_tokens_drop_build_hashes_and_counters() -> None:
    assert sim.identifier_tokens("Anchor-hn4bge-0") == ("anchor",)
    assert sim.identifier_tokens("item-42") == ("item",)
    assert sim.identifier_tokens("col2") == ("col",)


def test_url_key_ignores_scheme_www_trailing_slash_and_query_order() -> None:
    assert sim.url_key("https://www.shop.com/cart/?b=2&a=1") == sim.url_key(
        "http://shop.com/cart?a=1&b=2"
    )
    assert sim.url_key("https://shop.com/cart") != sim.url_key("https://shop.com/checkout")


def test_url_tokens_leave_out_the_host() -> None:
    tokens = sim.url_tokens("https://www.chase.com/personal/mortgage/mortgage-refinance?x=1")
    assert "chase" not in tokens
    assert {"personal", "mortgage", "refinance"} <= set(tokens)


def test_xpath_steps_turn_an_id_anchor_into_one_step() -> None:
    assert sim.xpath_steps('id("main")/div[1]/a[2]') == ("#main", "div[1]", "a[2]")
    assert sim.xpath_steps("//*[@id='nav']/ul[1]") == ("#nav", "ul[1]")
    assert sim.xpath_steps("/html[1]/body[1]") == ("html[1]", "body[1]")


def test_xpath_similarity_forgives_a_shifted_sibling_more_than_a_new_region() -> None:
    old = sim.xpath_steps("/html[1]/body[1]/div[2]/ul[1]/li[3]/a[1]")
    shifted = sim.xpath_steps("/html[1]/body[1]/div[2]/ul[1]/li[4]/a[1]")
    elsewhere = sim.xpath_steps("/html[1]/body[1]/footer[1]/div[1]/a[1]")
    assert sim.xpath_similarity(old, old) == 1.0
    assert sim.xpath_similarity(old, shifted) > sim.xpath_similarity(old, elsewhere)
    assert sim.xpath_similarity(old, ()) == 0.0


def test_loose_steps_let_a_restyled_clickable_match_structurally() -> None:
    old = sim.xpath_steps("/html[1]/body[1]/form[1]/button[1]")
    as_link = sim.xpath_steps("/html[1]/body[1]/form[1]/a[1]")
    as_icon = sim.xpath_steps("/html[1]/body[1]/form[1]/svg[1]")
    link = sim.xpath_similarity(
        old, as_link, sim.loose_steps(old, "clickable"), sim.loose_steps(as_link, "clickable")
    )
    icon = sim.xpath_similarity(
        old, as_icon, sim.loose_steps(old, "clickable"), sim.loose_steps(as_icon, "graphic")
    )
    assert link > icon


def test_xpath_contains_means_strictly_inside() -> None:
    outer = sim.xpath_steps("/html[1]/body[1]/ul[1]/li[2]")
    inner = sim.xpath_steps("/html[1]/body[1]/ul[1]/li[2]/a[1]")
    assert sim.xpath_contains(outer, inner)
    assert not sim.xpath_contains(inner, outer)
    assert not sim.xpath_contains(outer, outer)


@pytest.mark.parametrize(
    ("a", "a_type", "b", "b_type", "expected"),
    [
        ("button", None, "button", None, 1.0),
        ("button", None, "a", None, 0.5),
        ("input", "submit", "button", None, 0.5),
        ("button", None, "span", None, 0.25),
        ("button", None, "svg", None, 0.0),
        ("input", "text", "button", None, 0.0),
    ],
)
def test_tag_similarity_follows_tag_families(
    a: str, a_type: str | None, b: str, b_type: str | None, expected: float
) -> None:
    got = sim.tag_similarity(a, sim.tag_family(a, a_type), b, sim.tag_family(b, b_type))
    assert got == expected


def test_landmarks_come_from_tags_and_anchor_ids() -> None:
    found = sim.landmarks(
        sim.xpath_steps("/html[1]/body[1]/header[1]/nav[1]/a[1]"),
        sim.xpath_steps('id("page-footer")/a[1]'),
    )
    assert found == {"header", "nav", "footer"}


def test_dice_and_bigrams_see_through_spacing() -> None:
    assert sim.dice(sim.char_bigrams("Log in"), sim.char_bigrams("Login")) == 1.0
    assert sim.dice(sim.char_bigrams("Log in"), sim.char_bigrams("Cart")) == 0.0
    assert sim.dice(frozenset(), frozenset({"a"})) == 0.0


def test_box_similarities() -> None:
    a = BoundingBox(x=0, y=0, width=100, height=20)
    same = BoundingBox(x=0, y=0, width=100, height=20)
    doubled = BoundingBox(x=0, y=0, width=200, height=40)
    away = BoundingBox(x=500, y=500, width=100, height=20)
    assert sim.size_similarity(a, same) == 1.0
    assert sim.size_similarity(a, doubled) == pytest.approx(0.5)
    assert sim.shape_similarity(a, doubled) == 1.0
    assert sim.overlap(a, same) == 1.0
    assert sim.overlap(a, away) == 0.0
    assert sim.center_distance(a, away) == pytest.approx(500 * 2**0.5)
