"""The billing port and its Stripe adapter (the official SDK, through a `StripeClient` instance
so the API base and keys come from Settings, never from module globals).

Three things are needed from Stripe: a Checkout Session to start a subscription, the
verification of a webhook's signature, and the current state of a subscription. Webhook
handling re-reads the subscription instead of trusting the event's copy, as Stripe advises:
events can arrive late and out of order, the subscription as it is now cannot.
"""

import json
from dataclasses import dataclass
from typing import Any, Protocol

import stripe

from api.billing.plans import Plan
from api.errors import BadRequestError, UpstreamUnavailableError

_CHECK_STRIPE = (
    "Check TESTFORGE_API_STRIPE_SECRET_KEY and TESTFORGE_API_STRIPE_PRICES, and Stripe's status."
)


class InvalidSignatureError(BadRequestError):
    status, slug, title = 400, "invalid-signature", "Webhook signature verification failed"


class BillingUnavailableError(UpstreamUnavailableError):
    pass


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class BillingEvent:
    id: str
    type: str
    created: int
    object: dict[str, Any]


@dataclass(frozen=True)
class Subscription:
    id: str
    customer: str
    status: str
    prices: tuple[str, ...]
    metadata: dict[str, str]


@dataclass(frozen=True)
class CheckoutRequest:
    tenant_id: str
    plan: Plan
    price: str
    success_url: str
    cancel_url: str
    customer: str | None = None
    email: str | None = None


class BillingGateway(Protocol):
    def checkout(self, request: CheckoutRequest) -> CheckoutSession: ...
    def verify(self, payload: bytes, signature: str | None) -> BillingEvent: ...
    def subscription(self, subscription_id: str) -> Subscription | None: ...


class StripeGateway:
    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret

    def checkout(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"tenant_id": request.tenant_id, "plan": request.plan.value}
        params: stripe.params.checkout.SessionCreateParams = {
            "mode": "subscription",
            "line_items": [{"price": request.price, "quantity": 1}],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.tenant_id,
            "metadata": metadata,
            # On the subscription too: its own events then name the tenant without a lookup.
            "subscription_data": {"metadata": metadata},
        }
        if request.customer:
            params["customer"] = request.customer
        elif request.email:
            params["customer_email"] = request.email
        try:
            session = self._client.v1.checkout.sessions.create(params)
        except stripe.StripeError as exc:
            raise BillingUnavailableError(
                f"Stripe refused to create a Checkout Session: {exc.user_message or exc}.",
                _CHECK_STRIPE,
            ) from exc
        if not session.url:
            raise BillingUnavailableError("Stripe returned a Checkout Session without a URL.", None)
        return CheckoutSession(session.id, session.url)

    def verify(self, payload: bytes, signature: str | None) -> BillingEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload.decode("utf-8"), signature, self._webhook_secret
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignatureError(
                f"The Stripe-Signature header does not verify: {exc.user_message or exc}.",
                "Send events from Stripe itself; check that TESTFORGE_API_STRIPE_WEBHOOK_SECRET "
                "is this endpoint's signing secret.",
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequestError(f"The webhook body is not a Stripe event: {exc}.", None) from exc
        # The verified bytes, as plain JSON: the SDK's objects are not needed past this point.
        document = json.loads(payload)
        return BillingEvent(
            id=event.id,
            type=event.type,
            created=int(event.created),
            object=document.get("data", {}).get("object", {}),
        )

    def subscription(self, subscription_id: str) -> Subscription | None:
        """The subscription, or None when Stripe has none by that id (an event for another
        account's object, or a deleted test one): a fact, not an outage to retry."""
        try:
            found = self._client.v1.subscriptions.retrieve(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404 or exc.code == "resource_missing":
                return None
            raise BillingUnavailableError(
                f"Stripe did not return subscription {subscription_id}: {exc}.", _CHECK_STRIPE
            ) from exc
        except stripe.StripeError as exc:
            raise BillingUnavailableError(
                f"Stripe did not return subscription {subscription_id}: {exc}.", _CHECK_STRIPE
            ) from exc
        customer = found.customer if isinstance(found.customer, str) else found.customer.id
        metadata = found.to_dict().get("metadata") or {}
        return Subscription(
            id=found.id,
            customer=customer,
            status=found.status,
            prices=tuple(item.price.id for item in found["items"].data),
            metadata={str(k): str(v) for k, v in metadata.items()},
        )
