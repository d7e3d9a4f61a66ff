"""Small AppModels built by hand, for designer and generator tests without a browser."""

from datetime import UTC, datetime

from testforge.domain.app_model import (
    AppModel,
    AuthConfig,
    CrawlLimits,
    Element,
    ElementKind,
    FieldConstraints,
    Flow,
    FlowKind,
    FlowStep,
    FlowStepAction,
    Form,
    FormField,
    FormProbe,
    Link,
    Page,
    ProbeKind,
    ProbeOutcome,
)
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import Locator, LocatorStrategy


def element(
    key: str,
    page: str,
    tag: str,
    kind: ElementKind,
    text: str | None = None,
    *,
    nav: bool = False,
    **fp: object,
) -> Element:
    fingerprint = ElementFingerprint(tag=tag, text=text, accessible_name=text, **fp)
    return Element(
        key=key,
        kind=kind,
        page=page,
        fingerprint=fingerprint,
        in_navigation=nav,
        ladder=(Locator(strategy=LocatorStrategy.CSS, value=f"#{key.replace('.', '-')}"),),
    )


def outcome(path: str, **kw: object) -> ProbeOutcome:
    return ProbeOutcome(url_path=path, url_pattern=kw.pop("url_pattern", path), **kw)


def goto(path: str) -> FlowStep:
    return FlowStep(action=FlowStepAction.GOTO, page=path, value=path)


def shop() -> AppModel:
    """A sign-in page, a home page with navigation, a product, a cart state and a checkout."""
    login = Page(
        path="/login",
        url="http://shop.test/login",
        title="Sign in",
        heading="Sign in",
        stable_texts=("Sign in",),
        depth=0,
        status=200,
        elements=[
            element(
                "login.email",
                "/login",
                "input",
                ElementKind.TEXT_INPUT,
                type="email",
                label="Email",
            ),
            element("login.password", "/login", "input", ElementKind.TEXT_INPUT, type="password"),
            element("login.sign_in", "/login", "button", ElementKind.BUTTON, "Sign in"),
            element("login.heading", "/login", "h1", ElementKind.OTHER, "Sign in"),
        ],
        forms=[
            Form(
                key="login.form",
                page="/login",
                action="/login",
                method="post",
                purpose="sign_in",
                fields=[
                    FormField(
                        element="login.email",
                        name="email",
                        input_type="email",
                        label="Email",
                        constraints=FieldConstraints(required=True),
                    ),
                    FormField(
                        element="login.password",
                        name="password",
                        input_type="password",
                        constraints=FieldConstraints(required=True),
                    ),
                ],
                submit="login.sign_in",
                setup=[goto("/login")],
                probes=[
                    FormProbe(
                        kind=ProbeKind.VALID,
                        inputs={"login.email": "$username", "login.password": "$password"},
                        outcome=outcome(
                            "/account",
                            navigated=True,
                            heading="Your account",
                            new_texts=("Your account",),
                        ),
                    ),
                    FormProbe(
                        kind=ProbeKind.EMPTY,
                        inputs={"login.email": "", "login.password": ""},
                        outcome=outcome(
                            "/login",
                            navigated=False,
                            blocked_by_browser=True,
                            invalid_fields=("login.email", "login.password"),
                        ),
                    ),
                    FormProbe(
                        kind=ProbeKind.INVALID_FIELD,
                        field="login.password",
                        inputs={"login.email": "$username", "login.password": "Wrong-passw0rd!"},
                        outcome=outcome(
                            "/login", navigated=True, new_texts=("Invalid email or password.",)
                        ),
                    ),
                ],
            )
        ],
    )
    home = Page(
        path="/",
        signed_in=True,
        url="http://shop.test/",
        title="Shop",
        heading="Welcome",
        stable_texts=("Welcome", "Products", "Free shipping on every order"),
        depth=0,
        status=200,
        elements=[
            element(
                "nav.products",
                "/",
                "a",
                ElementKind.LINK,
                "Products",
                nav=True,
                href="/products/mug",
            ),
            element("home.heading", "/", "h1", ElementKind.OTHER, "Welcome"),
            element("nav.sign_out", "/", "button", ElementKind.BUTTON, "Sign out", nav=True),
        ],
        links=[Link(element="nav.products", target="/products/mug", text="Products")],
        async_texts=("Free shipping on every order",),
    )
    product = Page(
        path="/products/mug",
        signed_in=True,
        url="http://shop.test/products/mug",
        title="Mug",
        heading="Mug",
        stable_texts=("Mug",),
        depth=1,
        status=200,
        elements=[
            element(
                "mug.quantity",
                "/products/mug",
                "input",
                ElementKind.TEXT_INPUT,
                type="number",
                label="Quantity",
            ),
            element(
                "mug.add_to_cart", "/products/mug", "button", ElementKind.BUTTON, "Add to cart"
            ),
            element("mug.heading", "/products/mug", "h1", ElementKind.OTHER, "Mug"),
        ],
        forms=[
            Form(
                key="mug.form",
                page="/products/mug",
                action="/cart",
                method="post",
                fields=[
                    FormField(
                        element="mug.quantity",
                        name="quantity",
                        input_type="number",
                        constraints=FieldConstraints(required=True, minimum=1, maximum=10),
                    )
                ],
                submit="mug.add_to_cart",
                setup=[goto("/products/mug")],
                probes=[
                    FormProbe(
                        kind=ProbeKind.VALID,
                        inputs={"mug.quantity": "2"},
                        outcome=outcome("/cart", navigated=True, new_texts=("Your cart", "$16.00")),
                    ),
                    FormProbe(
                        kind=ProbeKind.INVALID_FIELD,
                        field="mug.quantity",
                        inputs={"mug.quantity": "0"},
                        outcome=outcome(
                            "/products/mug",
                            navigated=False,
                            blocked_by_browser=True,
                            invalid_fields=("mug.quantity",),
                        ),
                    ),
                ],
            )
        ],
    )
    add = [
        goto("/products/mug"),
        FlowStep(
            action=FlowStepAction.FILL, page="/products/mug", element="mug.quantity", value="2"
        ),
        FlowStep(action=FlowStepAction.SUBMIT, page="/products/mug", element="mug.add_to_cart"),
    ]
    cart = Page(
        path="/cart",
        signed_in=True,
        url="http://shop.test/cart",
        title="Cart",
        depth=1,
        status=200,
        requires_auth=True,
        state="after Add to cart",
        setup=add,
        observed={"cart.total": "$16.00"},
        elements=[
            element("cart.total", "/cart", "strong", ElementKind.OTHER, "$16.00", label="Total"),
            element("cart.checkout", "/cart", "a", ElementKind.LINK, "Checkout", href="/checkout"),
        ],
        links=[Link(element="cart.checkout", target="/checkout", text="Checkout")],
    )
    to_checkout = [
        *add,
        FlowStep(action=FlowStepAction.CLICK, page="/cart", element="cart.checkout"),
    ]
    checkout = Page(
        path="/checkout",
        signed_in=True,
        url="http://shop.test/checkout",
        title="Checkout",
        depth=2,
        status=200,
        requires_auth=True,
        state="via Checkout",
        setup=to_checkout,
        elements=[
            element(
                "checkout.name", "/checkout", "input", ElementKind.TEXT_INPUT, label="Full name"
            ),
            element(
                "checkout.place_order", "/checkout", "button", ElementKind.BUTTON, "Place order"
            ),
        ],
        forms=[
            Form(
                key="checkout.form",
                page="/checkout",
                action="/checkout",
                method="post",
                fields=[
                    FormField(
                        element="checkout.name",
                        name="full_name",
                        input_type="text",
                        label="Full name",
                        constraints=FieldConstraints(required=True),
                    )
                ],
                submit="checkout.place_order",
                setup=to_checkout,
                probes=[
                    FormProbe(
                        kind=ProbeKind.VALID,
                        inputs={"checkout.name": "Ada Lovelace"},
                        outcome=outcome(
                            "/orders/1001",
                            url_pattern="/orders/[^/?#]+",
                            navigated=True,
                            heading="Thank you",
                            echoed_fields=("checkout.name",),
                            new_texts=("Thank you", "Ada Lovelace", "$16.00"),
                        ),
                    ),
                ],
            )
        ],
    )
    purchase = Flow(
        kind=FlowKind.PURCHASE,
        name="Add to cart → Checkout → Place order",
        steps=[*to_checkout],
        form="checkout.form",
        pages=("/products/mug", "/cart", "/checkout"),
    )
    return AppModel(
        base_url="http://shop.test/",
        discovered_at=datetime(2026, 1, 1, tzinfo=UTC),
        limits=CrawlLimits(),
        auth=AuthConfig(
            login_path="/login",
            username_field="login.email",
            password_field="login.password",
            submit="login.sign_in",
            landing_path="/account",
            sign_out="nav.sign_out",
            sign_out_page="/",
            protected_path="/cart",
        ),
        pages=[login, home, product, cart, checkout],
        flows=[purchase],
    )
