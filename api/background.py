"""The API's background work, started and stopped with the app: settling finished runs every
`run_watch_interval_s` (api.services.run_watch). Each pass runs in a worker thread, so the
event loop keeps answering; a failed pass is logged and retried on the next one.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.bootstrap import Container

log = logging.getLogger(__name__)


async def every(interval_s: float, work: Callable[[], object], name: str) -> None:
    while True:
        try:
            await asyncio.to_thread(work)
        except Exception:
            log.exception("background %s failed; retried in %.0f s", name, interval_s)
        await asyncio.sleep(interval_s)


@asynccontextmanager
async def background(container: "Container") -> AsyncIterator[None]:
    jobs: list[tuple[float, Callable[[], object], str]] = []
    interval = container.settings.run_watch_interval_s
    if interval > 0:
        jobs.append((interval, container.run_watch.settle, "run watch"))
    tasks = [asyncio.create_task(every(i, work, name)) for i, work, name in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


