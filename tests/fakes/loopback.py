"""Serve a fake's `handle()` on a real HTTP server on 127.0.0.1, on a thread of its own, for as
long as a `with` block lasts. Used by the identity-provider fakes (OIDC flavours, GitHub)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit


class Request:
    """What a fake endpoint needs of a request: method, path, query or form, headers."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        url = urlsplit(target)
        self.method, self.path, self.headers = method, url.path, headers
        self.query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.form = {k: v[0] for k, v in parse_qs(body.decode()).items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Reply = tuple[int, dict[str, str], bytes]


class Servable(Protocol):
    base_url: str

    def handle(self, request: Request) -> Reply: ...


S = TypeVar("S", bound=Servable)


def _handler(fake: Servable) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, reply_headers, data = fake.handle(
                Request(self.command, self.path, headers, body)
            )
            self.send_response(status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serving(fake: S) -> Iterator[S]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name=type(fake).__name__, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
