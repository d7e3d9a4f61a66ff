"""Small sites built like the real applications discovery meets, each recording every request
it receives, so tests can prove what discovery and the generated suites did to them.

`tracker()`: a Django-style app. Every page redirects a visitor to `/accounts/login/?next=...`;
the sign-in form carries a CSRF token; a list page has twenty sort and page variants
(`/items/?o=N`); item pages, an "add item" form that writes, a delete link, a help page that
opens in a new tab, and a sign-out link that can be broken on purpose.
`basic_auth()`: every page behind HTTP Basic.
"""

import base64
import secrets
from dataclasses import dataclass, field

from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

USER, PASSWORD = "ada", "Tracker-Passw0rd!"
SESSION = "sessionid"


@dataclass
class Recorder:
    requests: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=lambda: [f"Item {n}" for n in range(1, 31)])
    sessions: set[str] = field(default_factory=set)
    logout_works: bool = True

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m not in {"GET", "HEAD"}]


def _page(title: str, body: str, *, signed_in: bool) -> HTMLResponse:
    nav = (
        '<nav><a href="/">Home</a> <a href="/items/">Items</a> <a href="/items/new/">New item</a>'
        ' <a href="/help/" target="_blank">Help</a> <a href="/accounts/logout/">Log out</a></nav>'
        if signed_in
        else ""
    )
    return HTMLResponse(
        f"<!doctype html><html><head><title>{title} | Tracker</title></head><body>{nav}"
        f"<main><h1>{title}</h1>{body}</main></body></html>"
    )


def tracker(recorder: Recorder) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def record(request: Request, call_next):  # type: ignore[no-untyped-def]
        recorder.requests.append((request.method, request.url.path))
        return await call_next(request)

    def signed_in(request: Request) -> bool:
        return request.cookies.get(SESSION) in recorder.sessions

    def to_login(request: Request) -> RedirectResponse:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/accounts/login/?next={path}", status_code=302)

    @app.get("/accounts/login/")
    def login_form(next: str = "/") -> HTMLResponse:
        token = secrets.token_hex(8)
        body = (
            f'<form method="post" action="/accounts/login/?next={next}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            '<label for="u">Username</label><input id="u" name="username" required>'
            '<label for="p">Password</label><input id="p" type="password" name="password" '
            'required><button type="submit">Log in</button></form>'
        )
        response = _page("Log in", body, signed_in=False)
        response.set_cookie("csrftoken", token)
        return response

    @app.post("/accounts/login/", response_model=None)
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrfmiddlewaretoken: str = Form(""),
        next: str = "/",
    ) -> Response:
        if csrfmiddlewaretoken != request.cookies.get("csrftoken"):
            return HTMLResponse("CSRF verification failed", status_code=403)
        if (username, password) != (USER, PASSWORD):
            return _page(
                "Log in",
                "<p>Please enter a correct username and password.</p>"
                '<form method="post"><input name="username"><input type="password" '
                'name="password"><button>Log in</button></form>',
                signed_in=False,
            )
        session = secrets.token_hex(8)
        recorder.sessions.add(session)
        response = RedirectResponse(next if next.startswith("/") else "/", status_code=302)
        response.set_cookie(SESSION, session)
        return response

    @app.get("/accounts/logout/", response_model=None)
    def logout(request: Request) -> Response:
        if recorder.logout_works:
            recorder.sessions.discard(request.cookies.get(SESSION, ""))
        return RedirectResponse("/accounts/login/", status_code=302)

    @app.get("/", response_model=None)
    def home(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        return _page("Dashboard", "<p>Welcome back to your tracker.</p>", signed_in=True)

    @app.get("/items/", response_model=None)
    def items(request: Request, o: int = 0) -> Response:
        if not signed_in(request):
            return to_login(request)
        sorts = "".join(f'<a href="/items/?o={n}">Sort {n}</a> ' for n in range(1, 21))
        rows = "".join(
            f'<li><a href="/items/{n}/">{name}</a></li>' for n, name in enumerate(recorder.items, 1)
        )
        return _page("Items", f"<p>{sorts}</p><ul>{rows}</ul>", signed_in=True)

    @app.get("/items/new/", response_model=None)
    def new_item(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        form = (
            '<form method="post" action="/items/new/"><label for="t">Title</label>'
            '<input id="t" name="title" required minlength="3"><label for="d">Due date</label>'
            '<input id="d" name="due_date" placeholder="yyyy-mm-dd">'
            '<button type="submit">Save item</button></form>'
        )
        return _page("New item", form, signed_in=True)

    @app.post("/items/new/", response_model=None)
    def create_item(request: Request, title: str = Form("")) -> Response:
        recorder.items.append(title)
        return RedirectResponse("/items/", status_code=302)

    @app.get("/items/{number}/", response_model=None)
    def item(request: Request, number: int) -> Response:
        if not signed_in(request):
            return to_login(request)
        name = recorder.items[number - 1]
        body = f'<p>About {name}.</p><a href="/items/{number}/delete/">Delete this item</a>'
        return _page(name, body, signed_in=True)

    @app.get("/items/{number}/delete/", response_model=None)
    def delete(request: Request, number: int) -> Response:
        recorder.items.pop(number - 1)
        return RedirectResponse("/items/", status_code=302)

    @app.get("/help/", response_model=None)
    def help_page(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        return _page("Help", "<p>Everything about the tracker.</p>", signed_in=True)

    return app


def basic_auth(recorder: Recorder) -> FastAPI:
    app = FastAPI()
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        recorder.requests.append((request.method, request.url.path))
        if request.headers.get("authorization") != expected:
            return Response("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="Reports"'})
        return await call_next(request)

    @app.get("/")
    def home() -> HTMLResponse:
        links = "".join(f'<a href="/reports/{n}/">Report {name}</a> ' for n, name in
                        enumerate(("Alpha", "Beta", "Gamma"), 1))  # fmt: skip
        return _page("Reports", f"<p>{links}</p>", signed_in=False)

    @app.get("/reports/{number}/")
    def report(number: int) -> HTMLResponse:
        return _page(f"Report {number}", "<p>Quarterly figures.</p>", signed_in=False)

    return app
