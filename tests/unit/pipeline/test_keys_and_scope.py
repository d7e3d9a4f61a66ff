"""Registry keys and crawl scope: naming and URL rules that every artifact depends on."""

import pytest

from testforge.discovery.keys import KeyAllocator, element_slug, page_slug, slugify
from testforge.discovery.scope import CrawlScope, path_of
from testforge.domain.fingerprint import ElementFingerprint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Add to cart", "add_to_cart"),
        ("$64.00", "item_64_00"),
        ("  ", "item"),
        ("Ünïcode ok", "n_code_ok"),
    ],
)
def test_slugify_makes_snake_case_identifiers(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slugify_cuts_long_text_at_a_word_boundary() -> None:
    slug = slugify("add to cart proceed to checkout place order and more words", max_length=40)
    assert slug == "add_to_cart_proceed_to_checkout_place"


def test_page_slug_names_the_root_home() -> None:
    assert page_slug("/") == "home"
    assert page_slug("/products/red-mug?x=1") == "products_red_mug"


def test_interactive_elements_are_named_by_what_they_say_outputs_by_their_label() -> None:
    button = ElementFingerprint(tag="button", id="btn-7", text="Add to cart")
    total = ElementFingerprint(tag="strong", text="$69.00", label="Total")
    assert element_slug(button) == "add_to_cart"
    assert element_slug(total, interactive=False) == "total"


def test_key_allocator_never_hands_out_the_same_key_twice() -> None:
    keys = KeyAllocator()
    assert [keys.allocate("cart", "remove") for _ in range(3)] == [
        "cart.remove",
        "cart.remove_2",
        "cart.remove_3",
    ]


def test_scope_stays_on_the_origin() -> None:
    scope = CrawlScope("http://shop.test:8000/")
    assert scope.allows("http://shop.test:8000/products")
    assert not scope.allows("http://shop.test:9000/products")
    assert not scope.allows("https://elsewhere.test/")
    assert not scope.allows("mailto:someone@example.com")


def test_scope_applies_include_and_exclude_patterns() -> None:
    scope = CrawlScope("http://shop.test/", include=[r"^/products"], exclude=[r"/admin"])
    assert scope.allows("http://shop.test/products/1")
    assert not scope.allows("http://shop.test/contact")
    assert not scope.allows("http://shop.test/products/admin")


def test_path_of_keeps_the_query_and_drops_the_origin() -> None:
    assert path_of("http://a.test/search?q=mug#top") == "/search?q=mug"
    assert path_of("http://a.test") == "/"


def test_urls_of_one_template_share_a_shape_whatever_their_ids_and_query_values() -> None:
    from testforge.discovery.crawler import url_shape

    assert url_shape("http://a/issue17?@sort=x") == url_shape("http://a/issue3?@sort=-y")
    assert url_shape("http://a/items/?o=1") == url_shape("http://a/items/?o=20")
    assert url_shape("http://a/items/?o=1") != url_shape("http://a/items/")
    runs = ("http://a/#/experiments/1/runs/5f0c9a2e11", "http://a/#/experiments/2/runs/f0c9a2e114")
    assert url_shape(runs[0]) == url_shape(runs[1])
    assert url_shape("http://a/wiki/Start") != url_shape("http://a/wiki/Guide")


def test_a_hash_route_is_part_of_the_page_and_an_anchor_is_not() -> None:
    from testforge.discovery.scope import normalise, path_of

    assert path_of("http://a/#/experiments/1?x=1") == "/#/experiments/1?x=1"
    assert normalise("http://a/docs#install") == "http://a/docs"
