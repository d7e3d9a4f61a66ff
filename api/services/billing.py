"""Billing: the tenant's plan and usage, Stripe Checkout to change plan, and the webhook that
applies what Stripe reports.

The webhook is idempotent and order-independent:
* a verified event whose id was applied before is acknowledged and skipped (Stripe retries
  deliveries, and replays are possible);
* subscription events are not applied from the event's copy: the subscription is re-read from
  Stripe, so an old `updated` event arriving after `deleted` cannot resurrect a plan;
* if Stripe cannot be reached, nothing is recorded and the webhook answers 503, so Stripe
  delivers the event again later.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.billing.gateway import BillingEvent, BillingGateway, CheckoutRequest, CheckoutSession
from api.billing.plans import ACTIVE_SUBSCRIPTION_STATES, QUOTAS, Plan, Quota
from api.db.models import StripeEvent, Tenant
from api.db.repositories import StripeEvents, Tenants
from api.errors import BadRequestError
from api.services import audit
from api.services.access import TenantAccess, require_person
from api.services.runs import period

log = structlog.get_logger(__name__)

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)


@dataclass(frozen=True)
class Usage:
    plan: Plan
    quota: Quota
    used: int
    resets_at: datetime
    subscription_status: str | None


def usage(access: TenantAccess, clock: Callable[[], datetime]) -> Usage:
    start, end = period(clock())
    return Usage(
        plan=access.tenant.plan,
        quota=QUOTAS[access.tenant.plan],
        used=access.repo.runs_since(start),
        resets_at=end,
        subscription_status=access.tenant.subscription_status,
    )


def checkout(
    access: TenantAccess,
    gateway: BillingGateway,
    clock: Callable[[], datetime],
    prices: Mapping[Plan, str],
    public_url: str,
    plan: Plan,
) -> CheckoutSession:
    person = require_person(access.principal)  # billing:manage is person-only: their e-mail
    price = prices.get(plan)
    if price is None:
        raise BadRequestError(
            f"The {plan.value} plan cannot be bought through checkout.",
            f"Choose one of: {', '.join(p.value for p in prices)}.",
        )
    tenant = access.tenant
    billing_page = f"{public_url.rstrip('/')}/v1/tenants/{tenant.slug}/billing"
    session = gateway.checkout(
        CheckoutRequest(
            tenant_id=str(tenant.id),
            plan=plan,
            price=price,
            success_url=billing_page + "?checkout=success",
            cancel_url=billing_page + "?checkout=cancelled",
            customer=tenant.stripe_customer_id,
            email=None if tenant.stripe_customer_id else person.email,
        )
    )
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="billing.checkout_started",
        tenant_id=tenant.id,
        target=session.id,
        plan=plan.value,
    )
    access.session.commit()
    return session


def handle_webhook(
    session: Session,
    gateway: BillingGateway,
    clock: Callable[[], datetime],
    prices: Mapping[Plan, str],
    payload: bytes,
    signature: str | None,
) -> str:
    """Apply one delivery; returns what happened ("applied", "replayed", "ignored")."""
    event = gateway.verify(payload, signature)
    if StripeEvents(session).seen(event.id):
        return "replayed"
    tenant = _apply(session, gateway, clock, prices, event)
    session.add(
        StripeEvent(
            id=event.id,
            type=event.type,
            received_at=clock(),
            tenant_id=tenant.id if tenant else None,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        # The same event delivered twice at once: the other delivery applied it.
        session.rollback()
        return "replayed"
    return "applied" if tenant else "ignored"


def _apply(
    session: Session,
    gateway: BillingGateway,
    clock: Callable[[], datetime],
    prices: Mapping[Plan, str],
    event: BillingEvent,
) -> Tenant | None:
    obj = event.object
    subscription_id: str | None = None
    tenant: Tenant | None = None
    tenants = Tenants(session)
    if event.type == "checkout.session.completed" and obj.get("mode") == "subscription":
        tenant = _tenant_by_id(tenants, obj.get("client_reference_id"))
        subscription_id = _text(obj.get("subscription"))
        if tenant is not None and _text(obj.get("customer")):
            tenant.stripe_customer_id = _text(obj.get("customer"))
    elif event.type in SUBSCRIPTION_EVENTS:
        subscription_id = _text(obj.get("id"))
    if subscription_id is None:
        log.info("stripe.event_ignored", stripe_event=event.id, type=event.type)
        return None
    current = gateway.subscription(subscription_id)
    if current is None:
        log.warning(
            "stripe.subscription_unknown", stripe_event=event.id, subscription=subscription_id
        )
        return None
    tenant = tenant or _tenant_by_id(tenants, current.metadata.get("tenant_id"))
    tenant = tenant or tenants.by_customer(current.customer)
    if tenant is None:
        log.warning("stripe.tenant_unknown", stripe_event=event.id, subscription=subscription_id)
        return None
    if tenant.stripe_subscription_id not in (None, current.id) and current.status not in (
        ACTIVE_SUBSCRIPTION_STATES
    ):
        # An old subscription ending must not cancel the one the tenant has moved to.
        return tenant
    plan = _plan(current.prices, current.status, prices)
    old = tenant.plan
    tenant.plan = plan
    tenant.stripe_customer_id = tenant.stripe_customer_id or current.customer
    tenant.stripe_subscription_id = current.id
    tenant.subscription_status = current.status
    if old is not plan:
        audit.record(
            session,
            clock,
            actor="stripe",
            action="billing.plan_changed",
            tenant_id=tenant.id,
            target=current.id,
            old=old.value,
            new=plan.value,
            event=event.id,
        )
    return tenant


def _plan(subscribed: tuple[str, ...], status: str, prices: Mapping[Plan, str]) -> Plan:
    if status not in ACTIVE_SUBSCRIPTION_STATES:
        return Plan.FREE
    by_price = {price: plan for plan, price in prices.items()}
    plans = [by_price[p] for p in subscribed if p in by_price]
    return max(plans, key=list(Plan).index) if plans else Plan.FREE


def _tenant_by_id(tenants: Tenants, value: object) -> Tenant | None:
    try:
        return tenants.by_id(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
