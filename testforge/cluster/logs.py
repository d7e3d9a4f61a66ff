"""The operator's logs: one JSON record per line (`testforge.logs`), each naming the object it
is about.

Our own records are structlog's, with the reconciled object bound by `about()` for the length
of a pass (kind, namespace, name); Kopf's records (stdlib logging, its object in `k8s_ref`) go
through the same formatter, so every line of the process parses the same way.
"""

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import IO, Any

import structlog

from testforge import logs

NAME = "testforge.operator"


def _kopf_object(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Kopf's per-object loggers put the object in the record's `k8s_ref` extra."""
    record = event.get("_record")
    ref = getattr(record, "k8s_ref", None)
    if isinstance(ref, dict):
        for key in ("kind", "namespace", "name"):
            if ref.get(key):
                event.setdefault(key, ref[key])
    return event


def configure_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Every record of the process, ours and Kopf's, as one JSON object per line."""
    logs.configure_logging(level, stream, foreign=[_kopf_object])


def logger() -> structlog.stdlib.BoundLogger:
    found: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(NAME)
    return found


@contextmanager
def about(kind: str, namespace: str, name: str) -> Iterator[None]:
    """Name the object in every record logged in this context (threads started from it too,
    as `asyncio.to_thread` copies the context)."""
    with structlog.contextvars.bound_contextvars(kind=kind, namespace=namespace, name=name):
        yield
