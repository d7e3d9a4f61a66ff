"""Probes and metrics. /healthz: the process serves. /readyz: the database answers.

Readiness leaves the Kubernetes API and Stripe out on purpose: when either is away, sign-in,
billing state and most reads still work, and taking every replica out of the Service would turn
a partial outage into a full one. Those failures surface per request as 503 problems instead.
"""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ContainerDep
from api.errors import UpstreamUnavailableError

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


@router.get("/metrics")
def metrics(container: ContainerDep) -> Response:
    return Response(generate_latest(container.metrics.registry), media_type=CONTENT_TYPE_LATEST)
