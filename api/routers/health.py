"""Probes and metrics. /healthz: the process serves. /readyz: the database answers.

Readiness leaves the Kubernetes API and Stripe out on purpose: when either is away, sign-in,
billing state and most reads still work, and taking every replica out of the Service would turn
a partial outage into a full one. Those failures surface per request as 503 problems instead.
"""

import hmac

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ContainerDep
from api.errors import NotFoundError, UnauthorizedError, UpstreamUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(container: ContainerDep) -> dict[str, str]:
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise UpstreamUnavailableError(
            f"The database does not answer: {type(exc).__name__}.",
            "Check TESTFORGE_API_DATABASE_URL and the database server.",
        ) from exc
    return {"status": "ready"}


def metrics_allowed(request: Request, container: ContainerDep) -> None:
    """Metrics name routes and volumes: with a token configured they need it; without one
    they are served in development only."""
    token = container.settings.metrics_token
    if token is None:
        if container.settings.development:
            return
        raise NotFoundError(
            "/metrics is off: no metrics token is configured.",
            "Set TESTFORGE_API_METRICS_TOKEN and scrape with it as a bearer token.",
        )
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token.get_secret_value()}".encode()):
        raise UnauthorizedError(
            "/metrics needs the metrics token.", "Send it as `Authorization: Bearer <token>`."
        )


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_allowed)],
    response_class=Response,
    responses={
        200: {
            "description": "The Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(container: ContainerDep) -> Response:
    return Response(generate_latest(container.metrics.registry), media_type=CONTENT_TYPE_LATEST)
