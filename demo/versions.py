"""The demo's versions as pure data: the UI vocabulary the templates read, and behaviour flags.
v1 is the baseline, v2 changes only the UI, v3 keeps v1's UI exactly and adds regressions."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class DemoVersion(StrEnum):
    V1 = "v1"
    V2 = "v2"
    V3 = "v3"


DEMO_USER = "demo@testforge.dev"
DEMO_PASSWORD = "correct-horse-42"

# Every element id the templates use (the v1 id) and its v2 rename.
_V2_IDS: dict[str, str] = {
    "site-header": "masthead-3b1e",
    "site-nav": "primary-menu-c40d",
    "main-content": "page-body-91aa",
    "hero-title": "welcome-heading-5e02",
    "shop-now": "browse-cta-0b7c",
    "login-form": "auth-form-8d21",
    "login-email": "auth-user-4f6b",
    "login-password": "auth-secret-a3c9",
    "login-submit": "auth-go-2e7d",
    "login-error": "auth-alert-6c15",
    "account-email": "profile-user-1d4e",
    "sign-out": "end-session-77b0",
    "search-form": "catalogue-filter-5a9e",
    "search-input": "catalogue-query-c2f1",
    "search-submit": "catalogue-go-93d4",
    "result-count": "match-tally-0e6a",
    "product-list": "catalogue-grid-4b28",
    "no-results": "empty-state-d81c",
    "product-name": "item-title-6f03",
    "product-price": "item-cost-b5e7",
    "add-to-cart-form": "buy-box-1c8a",
    "quantity": "item-qty-e24b",
    "add-to-cart": "buy-now-7a5f",
    "cart-items": "basket-lines-3e9d",
    "cart-subtotal": "basket-items-sum-08f2",
    "cart-shipping": "basket-delivery-c7a1",
    "cart-total": "basket-sum-7f3a",
    "checkout-link": "to-payment-5d6e",
    "empty-cart": "basket-empty-a0b4",
    "checkout-form": "purchase-form-2b7c",
    "form-errors": "problem-list-7d0f",
    "full-name": "buyer-name-9e31",
    "email": "buyer-mail-46ad",
    "address": "ship-street-b803",
    "city": "ship-town-1f5c",
    "postal-code": "ship-zip-d92e",
    "country": "ship-nation-6a40",
    "card-number": "pay-card-e5b1",
    "place-order": "submit-purchase-38c6",
    "order-number": "receipt-ref-0c2a",
    "order-details": "receipt-facts-5b7e",
    "order-total": "receipt-sum-f61e",
    "contact-form": "enquiry-form-4c1a",
    "contact-name": "enquiry-name-8b2f",
    "contact-email": "enquiry-mail-e07d",
    "contact-topic": "enquiry-subject-3a96",
    "contact-message": "enquiry-body-c5d8",
    "send-message": "enquiry-send-91b3",
    "deals-status": "offers-state-2d5b",
    "deals-list": "offers-grid-6e8f",
    "deal-template": "offer-tpl-a17c",
}

_TEST_IDS = frozenset(
    {
        "nav-cart",
        "login-submit",
        "search-input",
        "product-card",
        "product-price",
        "add-to-cart",
        "cart-line",
        "cart-total",
        "checkout-link",
        "place-order",
        "order-number",
        "order-total",
        "contact-submit",
        "deals-list",
        "deal-item",
    }
)
V2_REMOVED_TEST_IDS = frozenset(
    {
        "nav-cart",
        "login-submit",
        "search-input",
        "add-to-cart",
        "checkout-link",
        "place-order",
        "contact-submit",
    }
)

_V1_TEXT: dict[str, str] = {
    "sign_in_submit": "Sign in",
    "search_label": "Search products",
    "search_placeholder": "e.g. canvas",
    "search_submit": "Search",
    "add_to_cart": "Add to cart",
    "full_name_label": "Full name",
    "place_order": "Place order",
    "message_label": "Message",
    "send_message": "Send message",
}
V2_TEXT_CHANGES: dict[str, str] = {
    "sign_in_submit": "Log in",
    "search_label": "Search the catalogue",
    "search_placeholder": "Try “canvas”",
    "search_submit": "Find",
    "add_to_cart": "Add to basket",
    "full_name_label": "Name on order",
    "place_order": "Complete purchase",
    "message_label": "Your message",
    "send_message": "Submit enquiry",
}


@dataclass(frozen=True)
class Ui:
    """What the templates ask for when they name an element, label it or lay it out.

    Asking for an unknown id, test id or text raises `KeyError`, so a template typo fails loudly.
    """

    ids: Mapping[str, str]
    test_ids: frozenset[str]
    texts: Mapping[str, str]
    class_salt: str | None
    nav_order: tuple[str, ...]
    wrappers: bool
    field_groups: bool
    links_as_buttons: bool

    def id(self, key: str) -> str:
        return self.ids[key]

    def testid(self, key: str) -> str | None:
        if key not in _TEST_IDS:
            raise KeyError(key)
        return key if key in self.test_ids else None

    def text(self, key: str) -> str:
        return self.texts[key]

    def cls(self, names: str) -> str:
        """Map space-separated class names; a salted version re-hashes them like CSS modules."""
        if self.class_salt is None:
            return names
        return " ".join(f"{name}_{self._digest(name)}" for name in names.split())

    def _digest(self, name: str) -> str:
        return hashlib.sha256(f"{self.class_salt}:{name}".encode()).hexdigest()[:5]


@dataclass(frozen=True)
class Behaviour:
    """Server behaviour flags; each True flag is a deliberate regression."""

    shipping_charged_twice: bool = False
    drops_city: bool = False


@dataclass(frozen=True)
class VersionProfile:
    version: DemoVersion
    ui: Ui
    behaviour: Behaviour


_V1_UI = Ui(
    ids={key: key for key in _V2_IDS},
    test_ids=_TEST_IDS,
    texts=_V1_TEXT,
    class_salt=None,
    nav_order=("home", "products", "deals", "contact", "cart"),
    wrappers=False,
    field_groups=False,
    links_as_buttons=False,
)
_V2_UI = Ui(
    ids=_V2_IDS,
    test_ids=_TEST_IDS - V2_REMOVED_TEST_IDS,
    texts={**_V1_TEXT, **V2_TEXT_CHANGES},
    class_salt="v2",
    nav_order=("products", "deals", "cart", "home", "contact"),
    wrappers=True,
    field_groups=True,
    links_as_buttons=True,
)


def profile(version: DemoVersion) -> VersionProfile:
    match version:
        case DemoVersion.V1:
            return VersionProfile(version, _V1_UI, Behaviour())
        case DemoVersion.V2:
            return VersionProfile(version, _V2_UI, Behaviour())
        case DemoVersion.V3:
            return VersionProfile(
                version, _V1_UI, Behaviour(shipping_charged_twice=True, drops_city=True)
            )
