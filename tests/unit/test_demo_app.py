"""Unit tests of the demo shop via starlette's TestClient: behaviour per version, markup per UI."""

import re
import time
from collections import Counter
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response  # what starlette's TestClient returns

from demo import domain
from demo.app import create_app
from demo.versions import (
    DEMO_PASSWORD,
    DEMO_USER,
    V2_REMOVED_TEST_IDS,
    V2_TEXT_CHANGES,
    DemoVersion,
    profile,
)

ALL_VERSIONS = list(DemoVersion)
CORRECT_VERSIONS = [DemoVersion.V1, DemoVersion.V2]
VALID_CHECKOUT = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "12 Analytical Row",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "DE",
    "card_number": "4242424242424242",
}


class _Page(HTMLParser):
    """Start tags with their attributes, and the page's text chunks, whitespace-normalised."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._skip += tag in {"style", "script"}

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in {"style", "script"}

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skip:
            self.texts.append(" ".join(data.split()))

    def attribute_values(self, name: str) -> set[str]:
        return {attrs[name] for _, attrs in self.tags if name in attrs}

    def classes(self) -> set[str]:
        return {token for value in self.attribute_values("class") for token in value.split()}


def _client(version: DemoVersion, async_delay_s: float = 0.0) -> TestClient:
    return TestClient(create_app(version, async_delay_s=async_delay_s))


def _sign_in(client: TestClient) -> None:
    response = client.post("/login", data={"email": DEMO_USER, "password": DEMO_PASSWORD})
    assert response.url.path == "/account"


def _shopper(version: DemoVersion, cart: dict[str, int] | None = None) -> TestClient:
    client = _client(version)
    _sign_in(client)
    for slug, quantity in (cart or {}).items():
        client.post(f"/products/{slug}", data={"quantity": str(quantity)})
    return client


def _text_of(response: Response, version: DemoVersion, element_id: str) -> str:
    html_id = profile(version).ui.id(element_id)
    match = re.search(rf'id="{html_id}"[^>]*>([^<]*)<', response.text)
    assert match, f"no element with id {html_id}"
    return unescape(match.group(1)).strip()


def _location(response: Response) -> str:
    assert response.status_code == 303
    return response.headers["location"]


def test_versions_and_demo_credentials_are_public_constants() -> None:
    assert [str(version) for version in DemoVersion] == ["v1", "v2", "v3"]
    assert (DEMO_USER, DEMO_PASSWORD) == ("demo@testforge.dev", "correct-horse-42")


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_sign_in_page_shows_the_demo_credentials_as_a_hint(version: DemoVersion) -> None:
    text = " ".join(_Page(_client(version).get("/login").text).texts)
    assert f"Demo account: {DEMO_USER} / {DEMO_PASSWORD}" in text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_signing_in_returns_to_the_next_page(version: DemoVersion) -> None:
    client = _client(version)
    response = client.post(
        "/login",
        data={"email": DEMO_USER, "password": DEMO_PASSWORD, "next": "/products?q=mug"},
        follow_redirects=False,
    )
    assert _location(response) == "/products?q=mug"
    account = client.get("/account")
    assert f"Signed in as {DEMO_USER}" in " ".join(_Page(account.text).texts)


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_signing_in_without_next_goes_to_the_account_page(version: DemoVersion) -> None:
    response = _client(version).post(
        "/login", data={"email": DEMO_USER, "password": DEMO_PASSWORD}, follow_redirects=False
    )
    assert _location(response) == "/account"


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "account"])
def test_signing_in_never_redirects_off_site(next_path: str) -> None:
    response = _client(DemoVersion.V1).post(
        "/login",
        data={"email": DEMO_USER, "password": DEMO_PASSWORD, "next": next_path},
        follow_redirects=False,
    )
    assert _location(response) == "/account"


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_wrong_credentials_show_an_error_and_keep_the_email(version: DemoVersion) -> None:
    client = _client(version)
    response = client.post("/login", data={"email": DEMO_USER, "password": "wrong-horse-42"})
    assert response.status_code == 200
    assert _text_of(response, version, "login-error") == "Invalid email or password."
    assert f'value="{DEMO_USER}"' in response.text
    assert client.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("version", ALL_VERSIONS)
@pytest.mark.parametrize("path", ["/account", "/cart", "/checkout", "/orders/1001"])
def test_signed_out_visitors_are_sent_to_sign_in_with_next(version: DemoVersion, path: str) -> None:
    response = _client(version).get(path, follow_redirects=False)
    assert _location(response) == f"/login?next={path}"


def test_the_next_parameter_keeps_the_query_string() -> None:
    response = _client(DemoVersion.V1).get("/cart?from=nav", follow_redirects=False)
    assert _location(response) == "/login?next=/cart%3Ffrom%3Dnav"


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_adding_to_cart_signed_out_asks_to_sign_in_first(version: DemoVersion) -> None:
    client = _client(version)
    response = client.post("/products/trail-mug", data={"quantity": "1"}, follow_redirects=False)
    assert _location(response) == "/login?next=/products/trail-mug"
    signed_in = client.post(
        "/login",
        data={"email": DEMO_USER, "password": DEMO_PASSWORD, "next": "/products/trail-mug"},
    )
    assert signed_in.url.path == "/products/trail-mug"
    assert _text_of(client.get("/cart"), version, "empty-cart") == "Your cart is empty."


def test_signing_out_ends_the_session() -> None:
    client = _shopper(DemoVersion.V1, {"trail-mug": 1})
    response = client.post("/logout", follow_redirects=False)
    assert _location(response) == "/"
    assert client.get("/cart", follow_redirects=False).status_code == 303
    _sign_in(client)
    assert "Your cart is empty." in client.get("/cart").text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_products_page_lists_every_product_with_dollar_prices(version: DemoVersion) -> None:
    response = _client(version).get("/products")
    texts = _Page(response.text).texts
    assert _text_of(response, version, "result-count") == "8 products"
    assert all(product.name in texts for product in domain.CATALOGUE)
    assert "$24.00" in texts
    assert "$12.50" in texts


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_search_lists_the_matching_products_and_their_count(version: DemoVersion) -> None:
    response = _client(version).get("/products", params={"q": "Canvas"})
    texts = _Page(response.text).texts
    assert _text_of(response, version, "result-count") == "3 products"
    assert {"Canvas Tote", "Canvas Backpack", "Canvas Apron"} <= set(texts)
    assert "Trail Mug" not in texts
    assert 'value="Canvas"' in response.text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_search_without_matches_says_so(version: DemoVersion) -> None:
    response = _client(version).get("/products", params={"q": "xyz"})
    assert _text_of(response, version, "result-count") == "0 products"
    assert _text_of(response, version, "no-results") == "No products match “xyz”."


def test_search_counts_a_single_product_in_the_singular() -> None:
    response = _client(DemoVersion.V1).get("/products", params={"q": "mug"})
    assert _text_of(response, DemoVersion.V1, "result-count") == "1 product"


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_product_page_shows_name_price_and_a_bounded_quantity(version: DemoVersion) -> None:
    response = _client(version).get("/products/canvas-tote")
    assert _text_of(response, version, "product-name") == "Canvas Tote"
    assert _text_of(response, version, "product-price") == "$24.00"
    quantity = profile(version).ui.id("quantity")
    assert re.search(rf'id="{quantity}"[^>]*type="number"[^>]*min="1" max="10"', response.text)


def test_an_unknown_product_is_a_not_found_page() -> None:
    response = _client(DemoVersion.V1).get("/products/flying-car")
    assert response.status_code == 404
    assert "Page not found" in _Page(response.text).texts


@pytest.mark.parametrize("version", CORRECT_VERSIONS)
def test_cart_shows_line_totals_subtotal_shipping_and_total(version: DemoVersion) -> None:
    response = _shopper(version, {"canvas-tote": 2, "trail-mug": 1}).get("/cart")
    assert "$48.00" in _Page(response.text).texts
    assert _text_of(response, version, "cart-subtotal") == "$66.00"
    assert _text_of(response, version, "cart-shipping") == "$5.00"
    assert _text_of(response, version, "cart-total") == "$71.00"


def test_v3_cart_total_charges_shipping_twice() -> None:
    response = _shopper(DemoVersion.V3, {"canvas-tote": 2}).get("/cart")
    assert _text_of(response, DemoVersion.V3, "cart-subtotal") == "$48.00"
    assert _text_of(response, DemoVersion.V3, "cart-shipping") == "$5.00"
    assert _text_of(response, DemoVersion.V3, "cart-total") == "$58.00"


def test_adding_the_same_product_again_adds_up_to_at_most_ten() -> None:
    client = _shopper(DemoVersion.V1, {"trail-mug": 4})
    client.post("/products/trail-mug", data={"quantity": "3"})
    assert _text_of(client.get("/cart"), DemoVersion.V1, "cart-subtotal") == "$126.00"
    client.post("/products/trail-mug", data={"quantity": "9"})
    assert _text_of(client.get("/cart"), DemoVersion.V1, "cart-subtotal") == "$180.00"


@pytest.mark.parametrize("quantity", ["0", "11", "two", ""])
def test_an_invalid_quantity_is_refused_with_a_message(quantity: str) -> None:
    client = _shopper(DemoVersion.V1)
    response = client.post("/products/trail-mug", data={"quantity": quantity})
    assert response.url.path == "/products/trail-mug"
    assert "Choose a quantity from 1 to 10." in _Page(response.text).texts
    assert "Your cart is empty." in client.get("/cart").text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_removing_the_last_item_empties_the_cart(version: DemoVersion) -> None:
    client = _shopper(version, {"desk-lamp": 1})
    response = client.post("/cart", data={"remove": "desk-lamp"})
    assert response.url.path == "/cart"
    assert _text_of(response, version, "empty-cart") == "Your cart is empty."
    assert "Desk Lamp" not in _Page(response.text).texts


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_checkout_with_an_empty_cart_links_back_to_products(version: DemoVersion) -> None:
    client = _shopper(version)
    response = client.get("/checkout")
    assert _text_of(response, version, "empty-cart") == "Your cart is empty."
    assert '<a href="/products">Back to products</a>' in response.text
    assert client.post("/checkout", data=VALID_CHECKOUT, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_checkout_reports_every_invalid_field_and_keeps_the_values(version: DemoVersion) -> None:
    client = _shopper(version, {"wool-beanie": 1})
    form = VALID_CHECKOUT | {"postal_code": "1234", "card_number": "4242424242424241", "city": ""}
    response = client.post("/checkout", data=form)
    texts = _Page(response.text).texts
    assert response.url.path == "/checkout"
    assert "Please fix the errors below." in texts
    assert {"Card number is not valid.", "Enter a 5-digit postal code.", "Enter your city."} <= set(
        texts
    )
    assert "Enter your full name." not in texts
    assert 'value="Ada Lovelace"' in response.text
    assert 'value="1234"' in response.text
    assert '<option value="DE" selected>' in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("card_number", "4242 4242", "Enter the 16-digit card number."),
        ("email", "ada.example.com", "Enter a valid email address."),
        ("country", "FR", "Choose a country."),
        ("full_name", "   ", "Enter your full name."),
    ],
)
def test_checkout_validates_each_field_on_the_server(field: str, value: str, message: str) -> None:
    client = _shopper(DemoVersion.V1, {"wool-beanie": 1})
    response = client.post("/checkout", data=VALID_CHECKOUT | {field: value})
    assert message in _Page(response.text).texts
    assert "Wool Beanie" not in client.get("/account").text


@pytest.mark.parametrize("version", CORRECT_VERSIONS)
def test_an_order_confirmation_echoes_every_field_and_clears_the_cart(
    version: DemoVersion,
) -> None:
    client = _shopper(version, {"canvas-tote": 2})
    response = client.post("/checkout", data=VALID_CHECKOUT)
    texts = _Page(response.text).texts
    assert response.url.path == "/orders/1001"
    assert _text_of(response, version, "order-number") == "Order #1001"
    for label, value in [
        ("Name", "Ada Lovelace"),
        ("Email", "ada@example.com"),
        ("Address", "12 Analytical Row"),
        ("City", "Springfield"),
        ("Postal code", "12345"),
        ("Country", "Germany"),
    ]:
        assert texts[texts.index(label) + 1] == value
    assert _text_of(response, version, "order-total") == "$53.00"
    assert "Your cart is empty." in client.get("/cart").text


def test_v3_order_confirmation_drops_the_city_and_overcharges() -> None:
    client = _shopper(DemoVersion.V3, {"canvas-tote": 2})
    response = client.post("/checkout", data=VALID_CHECKOUT)
    assert response.url.path == "/orders/1001"
    assert "<dt>City</dt><dd></dd>" in response.text
    assert "Springfield" not in response.text
    assert "12 Analytical Row" in response.text
    assert _text_of(response, DemoVersion.V3, "order-total") == "$58.00"


def test_orders_are_numbered_per_session_and_private_to_it() -> None:
    first = _shopper(DemoVersion.V1, {"trail-mug": 1})
    first.post("/checkout", data=VALID_CHECKOUT)
    first.post("/products/trail-mug", data={"quantity": "1"})
    assert first.post("/checkout", data=VALID_CHECKOUT).url.path == "/orders/1002"
    other = _shopper(DemoVersion.V1)
    assert other.get("/orders/1001").status_code == 404


def test_each_new_browser_session_starts_with_an_empty_cart() -> None:
    app = create_app(DemoVersion.V1)
    first, second = TestClient(app), TestClient(app)
    _sign_in(first)
    first.post("/products/desk-lamp", data={"quantity": "1"})
    _sign_in(second)
    assert "Your cart is empty." in second.get("/cart").text
    assert "Desk Lamp" in _Page(first.get("/cart").text).texts


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_contact_form_is_validated_on_the_server_only(version: DemoVersion) -> None:
    client = _client(version)
    assert re.search(r"<form [^>]*novalidate", client.get("/contact").text)
    response = client.post(
        "/contact", data={"name": "", "email": "nope", "topic": "order", "message": "Too short"}
    )
    texts = _Page(response.text).texts
    assert {
        "Please enter your name.",
        "Please enter a valid email address.",
        "Message must be at least 20 characters.",
    } <= set(texts)
    assert ">Too short</textarea>" in response.text
    assert '<option value="order" selected>' in response.text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_a_valid_contact_message_gets_a_thank_you(version: DemoVersion) -> None:
    form = {"name": "Grace", "email": "grace@example.com", "message": "Where is my canvas tote?"}
    response = _client(version).post("/contact", data=form)
    assert "Thanks, Grace! We will reply to grace@example.com." in _Page(response.text).texts


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_deals_page_renders_a_loading_placeholder_and_hidden_list(version: DemoVersion) -> None:
    response = _client(version).get("/deals")
    assert _text_of(response, version, "deals-status") == "Loading deals…"
    assert re.search(rf'id="{profile(version).ui.id("deals-list")}"[^>]* hidden>', response.text)
    assert 'data-deals-src="/api/deals"' in response.text


def test_deals_api_answers_three_deals_after_the_configured_delay() -> None:
    client = _client(DemoVersion.V1, async_delay_s=0.15)
    started = time.perf_counter()
    response = client.get("/api/deals")
    assert time.perf_counter() - started >= 0.15
    deals = response.json()["deals"]
    assert [deal["title"] for deal in deals] == [deal.title for deal in domain.DEALS]
    assert len(deals) == 3
    assert all(deal["text"] and domain.find_product(deal["slug"]) for deal in deals)


def test_luhn_check_accepts_the_test_card_and_rejects_a_typo() -> None:
    assert domain.luhn_valid("4242424242424242")
    assert domain.luhn_valid("5555555555554444")
    assert not domain.luhn_valid("4242424242424241")


def test_money_is_formatted_in_dollars_and_cents() -> None:
    assert [domain.money(cents) for cents in (0, 1250, 123456)] == ["$0.00", "$12.50", "$1,234.56"]


# Markup per version: what v2 changes for locators and what it keeps for humans.

_Scenario = Callable[[DemoVersion], Response]


def _page(path: str) -> _Scenario:
    return lambda version: _client(version).get(path)


def _signed_in_page(path: str) -> _Scenario:
    return lambda version: _shopper(version, {"canvas-tote": 2}).get(path)


def _posted(path: str, data: dict[str, str], signed_in: bool = False) -> _Scenario:
    def scenario(version: DemoVersion) -> Response:
        client = _shopper(version, {"canvas-tote": 2}) if signed_in else _client(version)
        return client.post(path, data=data)

    return scenario


SCENARIOS: dict[str, _Scenario] = {
    "home": _page("/"),
    "products": _page("/products"),
    "search": _page("/products?q=canvas"),
    "no results": _page("/products?q=xyz"),
    "product": _page("/products/canvas-tote"),
    "login": _page("/login"),
    "login failure": _posted("/login", {"email": "a@b.co", "password": "12345678"}),
    "contact": _page("/contact"),
    "contact errors": _posted("/contact", {"name": ""}),
    "deals": _page("/deals"),
    "account": _signed_in_page("/account"),
    "cart": _signed_in_page("/cart"),
    "checkout": _signed_in_page("/checkout"),
    "checkout errors": _posted("/checkout", {"city": "Springfield"}, signed_in=True),
    "order": _posted("/checkout", VALID_CHECKOUT, signed_in=True),
}
SIGNED_OUT_SCENARIOS = ["home", "products", "search", "no results", "product", "login", "contact"]
V2_EXTRA_TEXTS = {"Shipping address", "Payment", "Your details"}  # legends of the field groups


@pytest.mark.parametrize("name", SCENARIOS)
def test_v2_keeps_every_text_and_url_of_v1_apart_from_reworded_labels(name: str) -> None:
    v1, v2 = SCENARIOS[name](DemoVersion.V1), SCENARIOS[name](DemoVersion.V2)
    assert (v2.status_code, v2.url.path) == (v1.status_code, v1.url.path)
    v1_texts, v2_texts = Counter(_Page(v1.text).texts), Counter(_Page(v2.text).texts)
    reworded_in_v1 = {profile(DemoVersion.V1).ui.text(key) for key in V2_TEXT_CHANGES}
    assert set(v1_texts - v2_texts) <= reworded_in_v1
    assert set(v2_texts - v1_texts) <= set(V2_TEXT_CHANGES.values()) | V2_EXTRA_TEXTS


@pytest.mark.parametrize("name", SCENARIOS)
def test_v2_renames_every_id_and_class_and_drops_some_test_ids(name: str) -> None:
    v1, v2 = (
        _Page(SCENARIOS[name](DemoVersion.V1).text),
        _Page(SCENARIOS[name](DemoVersion.V2).text),
    )
    assert v1.attribute_values("id")
    assert not v1.attribute_values("id") & v2.attribute_values("id")
    assert not v1.classes() & v2.classes()
    assert v2.attribute_values("data-testid") == v1.attribute_values("data-testid") - set(
        V2_REMOVED_TEST_IDS
    )


def test_v1_pages_carry_every_test_id_that_v2_removes() -> None:
    test_ids: set[str] = set()
    for name in ["product", "search", "login", "cart", "checkout", "contact"]:
        test_ids |= _Page(SCENARIOS[name](DemoVersion.V1).text).attribute_values("data-testid")
    assert test_ids >= V2_REMOVED_TEST_IDS


@pytest.mark.parametrize(
    ("scenario", "v1_button", "v2_button"),
    [
        ("login", "Sign in", "Log in"),
        ("product", "Add to cart", "Add to basket"),
        ("checkout", "Place order", "Complete purchase"),
        ("contact", "Send message", "Submit enquiry"),
        ("search", "Search", "Find"),
    ],
)
def test_v2_rewords_the_submit_buttons(scenario: str, v1_button: str, v2_button: str) -> None:
    def submit_labels(version: DemoVersion) -> list[str]:
        html = SCENARIOS[scenario](version).text
        return re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', html)

    assert v1_button in submit_labels(DemoVersion.V1)
    assert v2_button in submit_labels(DemoVersion.V2)
    assert v1_button not in submit_labels(DemoVersion.V2)


@pytest.mark.parametrize(
    ("scenario", "v1_label", "v2_label"),
    [
        ("checkout", "Full name", "Name on order"),
        ("search", "Search products", "Search the catalogue"),
        ("contact", "Message", "Your message"),
    ],
)
def test_v2_rewords_some_field_labels(scenario: str, v1_label: str, v2_label: str) -> None:
    def labels(version: DemoVersion) -> list[str]:
        return re.findall(r"<label [^>]*>([^<]+)</label>", SCENARIOS[scenario](version).text)

    assert v1_label in labels(DemoVersion.V1)
    assert v2_label in labels(DemoVersion.V2)
    assert v1_label not in labels(DemoVersion.V2)


def test_v2_turns_the_checkout_and_cart_links_into_buttons() -> None:
    v1, v2 = SCENARIOS["cart"](DemoVersion.V1).text, SCENARIOS["cart"](DemoVersion.V2).text
    assert re.search(r'<a href="/checkout"[^>]*>Proceed to checkout</a>', v1)
    assert re.search(r'<button type="button" data-href="/checkout"[^>]*>Proceed to checkout<', v2)
    assert re.search(r'<a href="/cart"[^>]*>Cart</a>', v1)
    assert re.search(r'<button type="button" data-href="/cart"[^>]*>Cart</button>', v2)
    assert not re.search(r'<a [^>]*href="/checkout"', v2)


def test_v2_reorders_the_navigation_and_adds_wrappers() -> None:
    def nav_texts(version: DemoVersion) -> list[str]:
        html = SCENARIOS["checkout"](version).text
        nav = html[html.index("<nav") : html.index("</nav>")]
        return _Page(nav).texts

    assert nav_texts(DemoVersion.V1)[:5] == ["Home", "Products", "Deals", "Contact", "Cart"]
    assert nav_texts(DemoVersion.V2)[:5] == ["Products", "Deals", "Cart", "Home", "Contact"]
    v1_tags = Counter(tag for tag, _ in _Page(SCENARIOS["checkout"](DemoVersion.V1).text).tags)
    v2_tags = Counter(tag for tag, _ in _Page(SCENARIOS["checkout"](DemoVersion.V2).text).tags)
    assert (v1_tags["fieldset"], v2_tags["fieldset"]) == (0, 2)
    assert v2_tags["div"] > v1_tags["div"]


@pytest.mark.parametrize("name", SIGNED_OUT_SCENARIOS)
def test_v3_serves_exactly_the_markup_of_v1(name: str) -> None:
    assert SCENARIOS[name](DemoVersion.V3).text == SCENARIOS[name](DemoVersion.V1).text


def test_v3_cart_markup_differs_from_v1_only_in_the_total() -> None:
    v1, v3 = SCENARIOS["cart"](DemoVersion.V1).text, SCENARIOS["cart"](DemoVersion.V3).text
    assert v3.replace("$58.00", "$53.00") == v1


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_the_stylesheet_targets_the_version_class_names(version: DemoVersion) -> None:
    css = _client(version).get("/site.css")
    assert css.headers["content-type"].startswith("text/css")
    assert f".{profile(version).ui.cls('cart-table')} {{" in css.text
    assert (".cart-table {" in css.text) == (version != DemoVersion.V2)
