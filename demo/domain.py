"""The shop's rules: catalogue, money, cart pricing, form validation, orders. No web framework."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from demo.versions import Behaviour

SHIPPING_CENTS = 500
MAX_QUANTITY = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
_CARD_NUMBER = re.compile(r"^[0-9]{16}$")


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price_cents: int
    description: str

    @property
    def price(self) -> str:
        return money(self.price_cents)


CATALOGUE: tuple[Product, ...] = (
    Product("canvas-tote", "Canvas Tote", 2400, "A sturdy waxed-canvas tote for the daily shop."),
    Product("canvas-backpack", "Canvas Backpack", 6800, "Twenty litres, padded laptop sleeve."),
    Product("canvas-apron", "Canvas Apron", 3200, "Cross-back apron with two deep pockets."),
    Product("trail-mug", "Trail Mug", 1800, "Enamel camping mug that survives every trail."),
    Product("field-notebook", "Field Notebook", 1250, "Dot-grid pages in a water-resistant cover."),
    Product("wool-beanie", "Wool Beanie", 2900, "Merino rib-knit beanie, one size fits most."),
    Product("desk-lamp", "Desk Lamp", 6400, "Warm dimmable LED on a weighted steel base."),
    Product("travel-bottle", "Travel Bottle", 2200, "Insulated 500 ml bottle, cold for a day."),
)
_BY_SLUG = {product.slug: product for product in CATALOGUE}


def find_product(slug: str) -> Product | None:
    return _BY_SLUG.get(slug)


def search(query: str) -> list[Product]:
    needle = query.strip().casefold()
    return [product for product in CATALOGUE if needle in product.name.casefold()]


def count_text(count: int) -> str:
    return f"{count} product" if count == 1 else f"{count} products"


@dataclass(frozen=True)
class Deal:
    title: str
    text: str
    slug: str


DEALS: tuple[Deal, ...] = (
    Deal("Canvas week", "15% off every canvas bag and apron.", "canvas-tote"),
    Deal("Mug and notebook", "Buy a Trail Mug, get a Field Notebook for $5.00.", "trail-mug"),
    Deal("Free shipping Friday", "No shipping charge on orders over $60.00.", "desk-lamp"),
)


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def total_cents(self) -> int:
        return self.product.price_cents * self.quantity


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    shipping_cents: int
    total_cents: int


def cart_lines(cart: Mapping[str, int]) -> list[CartLine]:
    return [CartLine(_BY_SLUG[slug], quantity) for slug, quantity in cart.items()]


def price(lines: list[CartLine], behaviour: Behaviour) -> Totals:
    subtotal = sum(line.total_cents for line in lines)
    shipping = SHIPPING_CENTS if lines else 0
    charged_shipping = shipping * 2 if behaviour.shipping_charged_twice else shipping
    return Totals(subtotal, shipping, subtotal + charged_shipping)


def add_quantity(current: int, added: int) -> int:
    return min(current + added, MAX_QUANTITY)


def parse_quantity(raw: str) -> int | None:
    """The quantity a form asked for, or None when it is not a whole number from 1 to 10."""
    try:
        quantity = int(raw)
    except ValueError:
        return None
    return quantity if 1 <= quantity <= MAX_QUANTITY else None


COUNTRIES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "DE": "Germany",
    "GB": "United Kingdom",
}
TOPICS: dict[str, str] = {
    "general": "General question",
    "order": "Order support",
    "returns": "Returns",
}


class CheckoutForm(BaseModel):
    full_name: str = ""
    email: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    card_number: str = ""


class ContactForm(BaseModel):
    name: str = ""
    email: str = ""
    topic: str = "general"
    message: str = ""


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def normalise_card(number: str) -> str:
    return re.sub(r"[\s-]", "", number)


def checkout_errors(form: CheckoutForm) -> dict[str, str]:
    """Field name to message for every invalid field; empty when the order can be placed."""
    errors: dict[str, str] = {}
    if not form.full_name.strip():
        errors["full_name"] = "Enter your full name."
    if not _EMAIL.match(form.email.strip()):
        errors["email"] = "Enter a valid email address."
    if not form.address.strip():
        errors["address"] = "Enter your street address."
    if not form.city.strip():
        errors["city"] = "Enter your city."
    if not _POSTAL_CODE.match(form.postal_code.strip()):
        errors["postal_code"] = "Enter a 5-digit postal code."
    if form.country not in COUNTRIES:
        errors["country"] = "Choose a country."
    card = normalise_card(form.card_number)
    if not _CARD_NUMBER.match(card):
        errors["card_number"] = "Enter the 16-digit card number."
    elif not luhn_valid(card):
        errors["card_number"] = "Card number is not valid."
    return errors


def contact_errors(form: ContactForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.name.strip():
        errors["name"] = "Please enter your name."
    if not _EMAIL.match(form.email.strip()):
        errors["email"] = "Please enter a valid email address."
    if len(form.message.strip()) < 20:
        errors["message"] = "Message must be at least 20 characters."
    return errors


@dataclass(frozen=True)
class Order:
    number: int
    full_name: str
    email: str
    address: str
    city: str
    postal_code: str
    country: str
    card_last4: str
    lines: tuple[CartLine, ...]
    totals: Totals


def place_order(
    number: int, form: CheckoutForm, lines: list[CartLine], behaviour: Behaviour
) -> Order:
    """The order for a form that `checkout_errors` accepted."""
    return Order(
        number=number,
        full_name=form.full_name.strip(),
        email=form.email.strip(),
        address=form.address.strip(),
        city="" if behaviour.drops_city else form.city.strip(),
        postal_code=form.postal_code.strip(),
        country=COUNTRIES[form.country],
        card_last4=normalise_card(form.card_number)[-4:],
        lines=tuple(lines),
        totals=price(lines, behaviour),
    )
