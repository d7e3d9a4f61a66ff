"""Composition root of the demo shop: builds one FastAPI app for one version."""

import functools
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from demo import domain
from demo.routes import auth, cart, catalogue, contact
from demo.sessions import SessionStore
from demo.versions import DEMO_PASSWORD, DEMO_USER, DemoVersion, profile
from demo.web import Context, SignInRequiredError, render, sign_in_redirect

_HERE = Path(__file__).parent


@functools.cache
def _templates(version: DemoVersion) -> Jinja2Templates:
    """One template environment per version, shared by its apps so templates compile once."""
    templates = Jinja2Templates(directory=_HERE / "templates")
    templates.env.trim_blocks = templates.env.lstrip_blocks = True
    templates.env.globals |= {
        "ui": profile(version).ui,
        "demo_user": DEMO_USER,
        "demo_password": DEMO_PASSWORD,
    }
    templates.env.filters["money"] = domain.money
    return templates


def create_app(version: DemoVersion, *, async_delay_s: float = 0.4) -> FastAPI:
    version_profile = profile(DemoVersion(version))
    templates = _templates(version_profile.version)

    app = FastAPI(title=f"TestForge demo shop ({version})", docs_url=None, redoc_url=None)
    app.state.context = Context(version_profile, SessionStore(), templates, async_delay_s)
    # The cookie carries only a signed session id; a new key per app makes old cookies void.
    app.add_middleware(
        SessionMiddleware, secret_key=secrets.token_hex(32), session_cookie="tf_demo_session"
    )
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    for module in (auth, catalogue, cart, contact):
        app.include_router(module.router)

    @app.get("/site.css")
    async def stylesheet(request: Request) -> Response:
        return templates.TemplateResponse(request, "site.css", media_type="text/css")

    @app.exception_handler(SignInRequiredError)
    async def sign_in_required(request: Request, exc: SignInRequiredError) -> Response:
        return sign_in_redirect(exc.next_path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", status_code=exc.status_code, status=exc.status_code)

    return app
