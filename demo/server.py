"""Run the demo shop with uvicorn: blocking for the command line, or in a background thread."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import uvicorn
from starlette.types import ASGIApp

from demo.app import create_app
from demo.versions import DemoVersion

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0


class ServerStartError(RuntimeError):
    """The demo server did not come up in time, or its thread died while starting."""


def serve(version: DemoVersion, host: str = "127.0.0.1", port: int = 8000) -> None:
    uvicorn.run(create_app(version), host=host, port=port, log_level="info")


@contextmanager
def running(version: DemoVersion, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `version` in a background thread and yield its base URL; port 0 picks a free port."""
    with running_app(create_app(version), host, port, name=f"demo-{version}") as url:
        yield url


@contextmanager
def running_app(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, name: str = "app"
) -> Iterator[str]:
    """Serve any ASGI app in a background thread (tests use it for hostile sites too)."""
    # Binding here, not in uvicorn, reports a busy port to the caller and tells us the real port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_STOP_TIMEOUT_S)
        with suppress(OSError):
            sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise ServerStartError("the demo server stopped while starting")
        if time.monotonic() > deadline:
            raise ServerStartError(f"the demo server did not start in {_START_TIMEOUT_S} s")
        time.sleep(0.005)
