"""The HTTP edge, outermost first: the real client address behind the configured proxies,
then `RequestContext` (a request id, a deadline, security headers, a body size limit, one
structured log record per request, crashes answered as a 500 problem and logged once), then
CORS from configuration. Errors are `api.problems`.

A body announced larger than the limit is refused before a byte of it is read, one sent without
a length as soon as it grows past it; either way as a problem document with the edge's headers
(FastAPI's own `max_body_size` answers in plain text, from outside this middleware)."""

import asyncio
import re
import time
import uuid
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.problems import crash_response, log_crash, problem_response
from api.settings import Settings

log = structlog.get_logger("api.requests")
REQUEST_ID = "x-request-id"
# An id the caller sent is kept (to correlate with their logs) only when it is short and plain.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
DOCS = ("/docs", "/redoc")  # Swagger and ReDoc load their scripts: no `default-src 'none'`
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",  # share tokens travel in URLs
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class BodyTooLargeError(Exception):
    """The body grew past the limit while it was read."""


class RequestContext:
    def __init__(self, app: ASGIApp, timeout_s: float, hsts: bool, max_body: int) -> None:
        self.app, self.timeout_s, self.hsts, self.max_body = app, timeout_s, hsts, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        given = sent.get(REQUEST_ID, "")
        request_id = given if VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        path: str = scope["path"]
        started = time.perf_counter()
        state = {"status": 500, "started": False, "cut": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID] = request_id
                for name, value in self._security(path).items():
                    headers.setdefault(name, value)
            await send(message)

        async def send_from_app(message: Message) -> None:
            # The app answers a body cut off at the limit with its own 400 ("error parsing
            # the body": it wraps whatever reading raised); the answer is ours, a 413.
            if not state["cut"]:
                await send_with_headers(message)
            elif message["type"] == "http.response.start" and not state["started"]:
                await self._refuse(scope, receive, send_with_headers, request_id)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                if self._too_large(sent.get("content-length")):
                    await self._refuse(scope, receive, send_with_headers, request_id)
                    return
                async with asyncio.timeout(self.timeout_s):
                    await self.app(scope, self._counted(receive, state), send_from_app)
            except BodyTooLargeError:
                if not state["started"]:
                    await self._refuse(scope, receive, send_with_headers, request_id)
            except TimeoutError:
                if not state["started"]:
                    timed_out = problem_response(
                        504,
                        "timeout",
                        "The request took too long",
                        f"No answer within {self.timeout_s:g} s.",
                        path,
                        "Try again; narrow the request (a smaller page, fewer items) if it "
                        "keeps taking this long.",
                        request_id=request_id,
                    )
                    await timed_out(scope, receive, send_with_headers)
            except Exception as exc:
                # Answered here rather than by Starlette's outermost handler, which re-raises
                # to the server: it would log the crash a second time and drop the connection.
                if state["started"]:
                    raise
                await run_in_threadpool(log_crash, scope["method"], path, exc)
                crashed = crash_response(path, request_id=request_id)
                await crashed(scope, receive, send_with_headers)
            finally:
                client = scope.get("client")
                log.info(
                    "request",
                    method=scope["method"],
                    path=path,
                    status=state["status"],
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                    client=client[0] if client else None,
                )

    def _too_large(self, length: str | None) -> bool:
        return length is not None and length.isdigit() and int(length) > self.max_body

    def _counted(self, receive: Receive, state: dict[str, Any]) -> Receive:
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.max_body:
                state["cut"] = True
                raise BodyTooLargeError
            return message

        return counted

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        too_large = problem_response(
            413,
            "too-large",
            "The request body is too large",
            f"Bodies may be at most {self.max_body} bytes.",
            scope["path"],
            "Send less: no request of this API needs more.",
            request_id=request_id,
        )
        await too_large(scope, receive, send)

    def _security(self, path: str) -> dict[str, str]:
        headers = dict(SECURITY_HEADERS)
        headers["cache-control"] = "no-store"
        if not path.startswith(DOCS):
            headers["content-security-policy"] = API_CSP
        if self.hsts:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        return headers


def install_edge(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: Starlette wraps each new middleware around the previous ones."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID],
        expose_headers=[REQUEST_ID, "Retry-After", "RateLimit", "RateLimit-Policy"],
        allow_credentials=bool(settings.cors_origins),
        max_age=600,
    )
    app.add_middleware(
        RequestContext,
        timeout_s=settings.request_timeout_s,
        hsts=settings.secure_cookies,
        max_body=settings.max_body_bytes,
    )
    trusted: Any = settings.trusted_proxies or []
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
