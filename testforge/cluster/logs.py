"""The operator's logs: one JSON record per line, each naming the object it is about.

Our own records are structlog's, with the reconciled object bound by `about()` for the length
of a pass (kind, namespace, name); Kopf's records (stdlib logging, its object in `k8s_ref`) go
through the same formatter, so every line of the process parses the same way.
"""

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import IO, Any

import structlog

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


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Every record of the process, ours and Kopf's, as one JSON object per line."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # reconfigured by tests; the lookup is cheap
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, _kopf_object],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def logger() -> structlog.stdlib.BoundLogger:
    found: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(NAME)
    return found


@contextmanager
def about(kind: str, namespace: str, name: str) -> Iterator[None]:
    """Name the object in every record logged in this context (threads started from it too,
    as `asyncio.to_thread` copies the context)."""
    with structlog.contextvars.bound_contextvars(kind=kind, namespace=namespace, name=name):
        yield
