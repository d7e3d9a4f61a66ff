"""JSON logs for the long-running processes (the operator, the API): one object per line, ours
(structlog, with whatever is bound in context) and the libraries' (stdlib logging) alike.

Tracebacks are rendered as plain text, without local variables: a rich traceback with locals
is slow to build (it blocked the API's event loop for seconds), large, and prints whatever
secrets the frames hold.
"""

import logging
import sys
from collections.abc import Sequence
from typing import IO, Any

import structlog

SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(
    level: int = logging.INFO,
    stream: IO[str] | None = None,
    foreign: Sequence[Any] = (),
) -> None:
    """Every record of the process as one JSON object per line; `foreign` adds processors for
    the stdlib records of libraries (Kopf's object, say)."""
    structlog.configure(
        processors=[*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # reconfigured by tests; the lookup is cheap
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED, *foreign],
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
