"""A local fake of the Stripe API: a real HTTP server on 127.0.0.1 speaking Stripe's wire format
(form-encoded nested parameters in, JSON objects and `{"error": {...}}` out, Bearer secret-key
auth) for the endpoints TestForge uses, so the real `stripe` SDK can be pointed at it through
its API base.

Endpoints: POST/GET /v1/checkout/sessions[/{id}], POST/GET /v1/customers[/{id}],
GET/DELETE /v1/subscriptions/{id}.

Test helpers play the customer's side and return the events Stripe would send, as webhook
payloads signed with Stripe's real scheme (`Stripe-Signature: t=<ts>,v1=<HMAC-SHA256>`):

    with running_fake_stripe(api_key="sk_test_...") as fake:
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.base_url})
        events = fake.complete_checkout(session_id)        # checkout + subscription events
        body, header = fake.signed(events[0], secret="whsec_...")
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-01-27.acacia"


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's nested form encoding: `a[b][0][c]=v` -> {"a": {"b": [{"c": "v"}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    decoded: dict[str, Any] = _lists(root)
    return decoded


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class StripeApiError(Exception):
    def __init__(
        self, status: int, message: str, code: str | None = None, param: str | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param


@dataclass
class FakeStripe:
    api_key: str
    prices: set[str] = field(default_factory=lambda: {"price_team", "price_business"})
    base_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses for the next requests
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the API ------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append((method, path, params))
            if self.failures:
                raise StripeApiError(self.failures.pop(0), "injected failure", "api_error")
        route = (method, *path.strip("/").split("/"))
        match route:
            case ("POST", "v1", "checkout", "sessions"):
                return self._create_session(params)
            case ("GET", "v1", "checkout", "sessions", session_id):
                return self._find(self.sessions, session_id, "checkout.session")
            case ("POST", "v1", "customers"):
                return self._create_customer(params.get("email"))
            case ("GET", "v1", "customers", customer_id):
                return self._find(self.customers, customer_id, "customer")
            case ("GET", "v1", "subscriptions", subscription_id):
                return self._find(self.subscriptions, subscription_id, "subscription")
            case ("DELETE", "v1", "subscriptions", subscription_id):
                self._find(self.subscriptions, subscription_id, "subscription")
                event = self.set_subscription(subscription_id, status="canceled")
                cancelled: dict[str, Any] = event["data"]["object"]
                return cancelled
        raise StripeApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _find(self, table: dict[str, dict[str, Any]], key: str, kind: str) -> dict[str, Any]:
        if key not in table:
            raise StripeApiError(404, f"No such {kind}: '{key}'", "resource_missing", "id")
        return table[key]

    def _create_customer(self, email: str | None) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "id": _id("cus"),
            "object": "customer",
            "email": email,
            "metadata": {},
            "created": int(time.time()),
        }
        self.customers[customer["id"]] = customer
        return customer

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        for required in ("mode", "success_url", "line_items"):
            if required not in params:
                raise StripeApiError(
                    400, f"Missing required param: {required}.", "parameter_missing", required
                )
        for index, item in enumerate(params["line_items"]):
            if item.get("price") not in self.prices:
                raise StripeApiError(
                    400,
                    f"No such price: '{item.get('price')}'",
                    "resource_missing",
                    f"line_items[{index}][price]",
                )
        if params.get("customer") and params["customer"] not in self.customers:
            raise StripeApiError(
                400, f"No such customer: '{params['customer']}'", "resource_missing", "customer"
            )
        session_id = _id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "url": f"{self.base_url}/pay/{session_id}",
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}),
            "subscription": None,
            "livemode": False,
            "created": int(time.time()),
            "_line_items": params["line_items"],
            "_subscription_data": params.get("subscription_data", {}),
        }
        self.sessions[session_id] = session
        return {k: v for k, v in session.items() if not k.startswith("_")}

    # --- the customer's side (test helpers) ---------------------------------------------

    def complete_checkout(
        self, session_id: str, created: int | None = None
    ) -> list[dict[str, Any]]:
        """Pay: a customer (if needed) and an active subscription; the events Stripe sends."""
        with self._lock:
            session = self.sessions[session_id]
            customer = session["customer"] or self._create_customer(session["customer_email"])["id"]
            price = session["_line_items"][0]["price"]
            subscription = {
                "id": _id("sub"),
                "object": "subscription",
                "customer": customer,
                "status": "active",
                "metadata": session["_subscription_data"].get("metadata", {}),
                "items": {"object": "list", "data": [], "has_more": False},
                "created": int(time.time()),
                "livemode": False,
            }
            self.subscriptions[subscription["id"]] = subscription
            self._set_price(subscription, price)
            session.update(status="complete", customer=customer, subscription=subscription["id"])
            public = {k: v for k, v in session.items() if not k.startswith("_")}
        return [
            self.event("customer.subscription.created", dict(subscription), created),
            self.event("checkout.session.completed", public, created),
        ]

    def set_subscription(
        self,
        subscription_id: str,
        status: str | None = None,
        price: str | None = None,
        created: int | None = None,
    ) -> dict[str, Any]:
        """Change a subscription as the customer or Stripe's dunning would; the event sent."""
        subscription = self.subscriptions[subscription_id]
        if status is not None:
            subscription["status"] = status
        if price is not None:
            self._set_price(subscription, price)
        ended = subscription["status"] == "canceled"
        kind = "customer.subscription.deleted" if ended else "customer.subscription.updated"
        return self.event(kind, json.loads(json.dumps(subscription)), created)

    def _set_price(self, subscription: dict[str, Any], price: str) -> None:
        item = {
            "id": _id("si"),
            "object": "subscription_item",
            "price": {"id": price, "object": "price", "active": True},
            "quantity": 1,
            "subscription": subscription["id"],
        }
        subscription["items"]["data"] = [item]

    @staticmethod
    def event(kind: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
        return {
            "id": _id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": created if created is not None else int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }

    @staticmethod
    def signed(
        event: dict[str, Any], secret: str, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        """The body and Stripe-Signature header of a webhook delivery."""
        body = json.dumps(event)
        stamp = timestamp if timestamp is not None else int(time.time())
        mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
        return body.encode(), f"t={stamp},v1={mac}"


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else url.query
            try:
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    raise StripeApiError(401, "Invalid API Key provided.")
                status, body = 200, fake.handle(method, url.path, decode_form(raw))
            except StripeApiError as fault:
                kind = "api_error" if fault.status >= 500 else "invalid_request_error"
                error = {"type": kind, "message": fault.message}
                error.update({k: v for k, v in (("code", fault.code), ("param", fault.param)) if v})
                status, body = fault.status, {"error": error}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req"))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

    return Handler


@contextmanager
def running_fake_stripe(api_key: str, prices: set[str] | None = None) -> Iterator[FakeStripe]:
    fake = FakeStripe(api_key=api_key)
    if prices is not None:
        fake.prices = prices
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
