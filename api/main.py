"""The app factory: `create_app(settings)` wires routers, problem handlers and metrics, and
builds the adapters (api.bootstrap) in the lifespan, so importing this module starts nothing.

    uvicorn --factory 'api.main:serve'     # reads TESTFORGE_API_* from the environment
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.background import background
from api.bootstrap import Adapters, bootstrap
from api.metrics import Metrics
from api.middleware import install_edge
from api.problems import install_problem_handlers
from api.routers import (
    admin,
    api_keys,
    auth,
    billing,
    health,
    members,
    mfa,
    projects,
    runs,
    shares,
    tenants,
)
from api.settings import Settings
from testforge.logs import configure_logging

ROUTERS = (
    health,
    auth,
    mfa,
    tenants,
    members,
    api_keys,
    projects,
    runs,
    shares,
    billing,
    admin,
)


def create_app(settings: Settings, adapters: Adapters | None = None) -> FastAPI:
    container = bootstrap(settings, adapters)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with background(container):
            yield
        container.close()

    docs = settings.docs_enabled
    app = FastAPI(
        title="TestForge API",
        version="1",
        description="Tenants, projects and runs over the TestForge operator's custom resources.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.container = container
    for module in ROUTERS:
        app.include_router(module.router)
    install_problem_handlers(app)
    metrics: Metrics = container.metrics
    metrics.install(app)
    install_edge(app, settings)
    return app


def serve() -> FastAPI:
    """For `uvicorn --factory`: settings from the environment, validated once, and the
    process's logs as JSON lines (plain tracebacks, never their frames' locals)."""
    configure_logging()
    return create_app(Settings())
