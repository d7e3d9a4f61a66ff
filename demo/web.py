"""Web plumbing shared by the routes: app context, visitor dependencies, rendering, redirects."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from demo.sessions import SessionStore
from demo.versions import VersionProfile

SESSION_KEY = "session_id"


@dataclass(frozen=True)
class Context:
    """Everything one app instance is built from; lives on `app.state.context`."""

    profile: VersionProfile
    store: SessionStore
    templates: Jinja2Templates
    async_delay_s: float


@dataclass(frozen=True)
class Visitor:
    session_id: str
    email: str


class SignInRequiredError(Exception):
    """Raised by a route that needs a signed-in visitor; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def current_visitor(request: Request) -> Visitor | None:
    session_id = request.session.get(SESSION_KEY)
    email = get_context(request).store.email(session_id)
    if session_id is None or email is None:
        return None
    return Visitor(session_id, email)


def require_visitor(
    request: Request, visitor: Annotated[Visitor | None, Depends(current_visitor)]
) -> Visitor:
    if visitor is not None:
        return visitor
    query = f"?{request.url.query}" if request.method == "GET" and request.url.query else ""
    raise SignInRequiredError(request.url.path + query)


AppContext = Annotated[Context, Depends(get_context)]
MaybeVisitor = Annotated[Visitor | None, Depends(current_visitor)]
SignedIn = Annotated[Visitor, Depends(require_visitor)]


def safe_next(next_path: str, default: str = "/account") -> str:
    """Only same-site absolute paths may be redirected to after signing in."""
    if next_path.startswith("/") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return default


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return redirect(f"/login?next={quote(next_path, safe='/')}")


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    visitor = current_visitor(request)
    values |= {"visitor_email": visitor.email if visitor else None, "path": request.url.path}
    return get_context(request).templates.TemplateResponse(
        request, template, values, status_code=status_code
    )
