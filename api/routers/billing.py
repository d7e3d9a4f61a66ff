"""Billing: the tenant's plan and usage, Stripe Checkout, and Stripe's webhook.

The webhook has no user: its authentication is Stripe's signature over the raw body, checked
before anything is parsed or stored.
"""

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool

from api.auth.policy import Permission
from api.billing.plans import QUOTAS
from api.deps import ContainerDep, SessionDep, require
from api.errors import ApiError
from api.schemas import BillingPublic, CheckoutCreate, CheckoutPublic, QuotaPublic
from api.services import billing
from api.services.access import TenantAccess

router = APIRouter(tags=["billing"])


@router.get("/v1/tenants/{tenant}/billing")
def read_billing(
    access: Annotated[TenantAccess, require(Permission.BILLING_READ)], container: ContainerDep
) -> BillingPublic:
    usage = billing.usage(access, container.clock)
    quota = QUOTAS[usage.plan]
    return BillingPublic(
        plan=usage.plan,
        quota=QuotaPublic(
            runs_per_month=quota.runs_per_month, concurrent_runs=quota.concurrent_runs
        ),
        used=usage.used,
        resets_at=usage.resets_at,
        subscription_status=usage.subscription_status,
    )


@router.post("/v1/tenants/{tenant}/billing/checkout", status_code=201)
def start_checkout(
    body: CheckoutCreate,
    access: Annotated[TenantAccess, require(Permission.BILLING_MANAGE)],
    container: ContainerDep,
) -> CheckoutPublic:
    session = billing.checkout(
        access,
        container.billing,
        container.clock,
        container.settings.stripe_prices,
        container.settings.public_url,
        body.plan,
    )
    return CheckoutPublic(id=session.id, url=session.url)


@router.post("/v1/billing/stripe/webhook")
async def stripe_webhook(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> dict[str, str]:
    payload = await request.body()  # the exact bytes Stripe signed
    try:
        # The database and Stripe calls block: off the event loop, as sync routes are.
        outcome = await run_in_threadpool(
            billing.handle_webhook,
            session,
            container.billing,
            container.clock,
            container.settings.stripe_prices,
            payload,
            stripe_signature,
        )
    except ApiError:
        container.metrics.webhooks.labels("rejected").inc()
        raise
    container.metrics.webhooks.labels(outcome).inc()
    return {"outcome": outcome}
