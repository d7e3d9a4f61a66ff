"""Billing with the real Stripe SDK against the fake Stripe server: Checkout, and webhooks
signed with Stripe's scheme and verified by the SDK (bad signatures, replays, disorder)."""

import time
from typing import Any

import pytest
from sqlalchemy import select

from api.billing.plans import Plan
from api.db.models import AuditEvent, StripeEvent, Tenant
from tests.api.conftest import WEBHOOK_SECRET, Api

WEBHOOK = "/v1/billing/stripe/webhook"


@pytest.fixture
def owner(api: Api) -> dict[str, str]:
    headers = api.sign_in("owner@example.com")
    api.tenant(headers, "acme")
    return headers


def deliver(api: Api, event: dict[str, Any], secret: str = WEBHOOK_SECRET, **kw: Any) -> Any:
    body, signature = api.stripe.signed(event, secret, **kw)
    return api.client.post(
        WEBHOOK,
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def tenant(api: Api) -> Tenant:
    with api.container.sessions() as session:
        return session.scalars(select(Tenant).where(Tenant.slug == "acme")).one()


def checkout(api: Api, owner: dict[str, str], plan: str = "team") -> str:
    answer = api.client.post(
        "/v1/tenants/acme/billing/checkout", json={"plan": plan}, headers=owner
    )
    assert answer.status_code == 201, answer.text
    session_id: str = answer.json()["id"]
    return session_id


def pay(api: Api, owner: dict[str, str], plan: str = "team") -> list[dict[str, Any]]:
    events = api.stripe.complete_checkout(checkout(api, owner, plan))
    for event in events:
        assert deliver(api, event).status_code == 200
    return events


def test_checkout_asks_stripe_for_the_plans_price_on_behalf_of_the_tenant(
    api: Api, owner: dict[str, str]
) -> None:
    answer = api.client.post(
        "/v1/tenants/acme/billing/checkout", json={"plan": "team"}, headers=owner
    )
    assert answer.status_code == 201
    assert answer.json()["url"].startswith(api.stripe.base_url + "/pay/cs_test_")
    method, path, params = api.stripe.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["mode"] == "subscription"
    assert params["line_items"] == [{"price": "price_team", "quantity": "1"}]
    assert params["client_reference_id"] == str(api.tenant_id("acme"))
    assert params["subscription_data"]["metadata"]["tenant_id"] == str(api.tenant_id("acme"))
    assert params["customer_email"] == "owner@example.com"
    assert params["success_url"].startswith("http://testserver/v1/tenants/acme/billing")


def test_the_free_plan_cannot_be_bought(api: Api, owner: dict[str, str]) -> None:
    answer = api.client.post(
        "/v1/tenants/acme/billing/checkout", json={"plan": "free"}, headers=owner
    )
    assert answer.status_code == 400 and "team" in answer.json()["fix"]


def test_a_paid_checkout_upgrades_the_plan_and_its_quota(api: Api, owner: dict[str, str]) -> None:
    pay(api, owner)
    found = tenant(api)
    assert (found.plan, found.subscription_status) == (Plan.TEAM, "active")
    assert found.stripe_customer_id and found.stripe_customer_id.startswith("cus_")
    billing = api.client.get("/v1/tenants/acme/billing", headers=owner).json()
    assert (billing["plan"], billing["quota"]["runs_per_month"]) == ("team", 1000)
    with api.container.sessions() as session:
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "billing.plan_changed")
        ).all()
    assert [(c.details["old"], c.details["new"]) for c in changes] == [("free", "team")]


def test_a_second_checkout_reuses_the_stripe_customer(api: Api, owner: dict[str, str]) -> None:
    pay(api, owner)
    checkout(api, owner, "business")
    params = api.stripe.requests[-1][2]
    assert params["customer"] == tenant(api).stripe_customer_id
    assert "customer_email" not in params


def test_a_replayed_event_changes_nothing(api: Api, owner: dict[str, str]) -> None:
    events = pay(api, owner)
    subscription = events[0]["data"]["object"]["id"]
    cancelled = api.stripe.set_subscription(subscription, status="canceled")
    assert deliver(api, cancelled).json() == {"outcome": "applied"}
    assert tenant(api).plan is Plan.FREE
    # Stripe reactivates; an old delivery of the first events comes again: it is a no-op.
    api.stripe.set_subscription(subscription, status="active")
    for event in events:
        assert deliver(api, event).json() == {"outcome": "replayed"}
    assert tenant(api).plan is Plan.FREE
    with api.container.sessions() as session:
        assert len(session.scalars(select(StripeEvent)).all()) == 3


@pytest.mark.parametrize(
    "tamper",
    ["wrong-secret", "altered-body", "no-header", "stale-timestamp"],
)
def test_a_delivery_that_does_not_verify_is_refused_and_changes_nothing(
    api: Api, owner: dict[str, str], tamper: str
) -> None:
    events = api.stripe.complete_checkout(checkout(api, owner))
    event = events[0]
    body, signature = api.stripe.signed(event, WEBHOOK_SECRET)
    headers = {"Stripe-Signature": signature}
    if tamper == "wrong-secret":
        body, headers["Stripe-Signature"] = api.stripe.signed(event, "whsec_guessed")
    elif tamper == "altered-body":
        body = body.replace(b'"active"', b'"trialing"')
    elif tamper == "no-header":
        del headers["Stripe-Signature"]
    else:
        body, headers["Stripe-Signature"] = api.stripe.signed(
            event, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600
        )
    answer = api.client.post(WEBHOOK, content=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["type"] == "urn:testforge:problem:invalid-signature"
    assert tenant(api).plan is Plan.FREE
    with api.container.sessions() as session:
        assert session.scalars(select(StripeEvent)).all() == []


def test_an_old_update_arriving_after_the_cancellation_does_not_restore_the_plan(
    api: Api, owner: dict[str, str]
) -> None:
    events = api.stripe.complete_checkout(checkout(api, owner))
    subscription = events[0]["data"]["object"]["id"]
    upgrade = api.stripe.set_subscription(subscription, price="price_business")
    cancel = api.stripe.set_subscription(subscription, status="canceled")
    for event in [cancel, upgrade, *events]:  # newest first: the worst order
        assert deliver(api, event).status_code == 200
    found = tenant(api)
    assert (found.plan, found.subscription_status) == (Plan.FREE, "canceled")


def test_the_end_of_an_old_subscription_does_not_cancel_the_new_one(
    api: Api, owner: dict[str, str]
) -> None:
    first = pay(api, owner)[0]["data"]["object"]["id"]
    second = pay(api, owner, "business")[0]["data"]["object"]["id"]
    assert tenant(api).plan is Plan.BUSINESS
    deliver(api, api.stripe.set_subscription(first, status="canceled"))
    found = tenant(api)
    assert (found.plan, found.stripe_subscription_id) == (Plan.BUSINESS, second)


def test_when_stripe_is_down_the_webhook_answers_503_so_stripe_retries(
    api: Api, owner: dict[str, str]
) -> None:
    events = api.stripe.complete_checkout(checkout(api, owner))
    api.stripe.failures.extend([500, 500, 500])  # the SDK retries twice, then gives up
    answer = deliver(api, events[0])
    assert answer.status_code == 503
    assert tenant(api).plan is Plan.FREE
    assert deliver(api, events[0]).json() == {"outcome": "applied"}  # Stripe's retry
    assert tenant(api).plan is Plan.TEAM


def test_events_that_concern_no_subscription_are_acknowledged_and_ignored(api: Api) -> None:
    event = api.stripe.event("invoice.created", {"id": "in_1", "object": "invoice"})
    assert deliver(api, event).json() == {"outcome": "ignored"}
    assert deliver(api, event).json() == {"outcome": "replayed"}


def test_the_webhook_outcomes_are_counted_in_the_metrics(api: Api, owner: dict[str, str]) -> None:
    pay(api, owner)
    api.client.post(WEBHOOK, content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    metrics = api.client.get("/metrics").text
    assert 'testforge_api_stripe_webhooks_total{outcome="applied"} 2.0' in metrics
    assert 'testforge_api_stripe_webhooks_total{outcome="rejected"} 1.0' in metrics
