"""Prometheus metrics of the API, on a registry per app (no process-wide globals, so two apps
in one test process never share counters). Labels use the route template, never a tenant slug
or id, to keep cardinality bounded and tenants out of monitoring."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "testforge_api_requests_total",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "testforge_api_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.runs_triggered = Counter(
            "testforge_api_runs_triggered_total",
            "TestRuns created through the API, by plan and trigger source",
            ["plan", "source"],
            registry=self.registry,
        )
        self.webhooks = Counter(
            "testforge_api_stripe_webhooks_total",
            "Stripe webhook deliveries by outcome (applied, replayed, ignored, rejected)",
            ["outcome"],
            registry=self.registry,
        )

        self.rate_limited = Counter(
            "testforge_api_rate_limited_total",
            "Requests refused with 429 (and audit rows skipped), by the limit that refused them",
            ["limit"],
            registry=self.registry,
        )
        self.rate_limit_store_errors = Counter(
            "testforge_api_rate_limit_store_errors_total",
            "Times the rate-limit store was unreachable and a request went through uncounted",
            registry=self.registry,
        )

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def _measure(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            status = 500  # a crash propagates past this middleware; it still counts
            try:
                response = await call_next(request)
                status = response.status_code
                return response
            finally:
                template = getattr(request.scope.get("route"), "path", "unmatched")
                self.requests.labels(request.method, template, str(status)).inc()
                elapsed = time.perf_counter() - started
                self.latency.labels(request.method, template).observe(elapsed)
