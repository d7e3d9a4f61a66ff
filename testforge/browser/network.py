"""Knowing when a page has gone quiet: counting its unfinished requests.

Playwright's own `networkidle` waits a fixed 500 ms after the last request, which dominates the
run time of short steps; a short quiet window after the last response is enough.
"""

import weakref
from typing import Any

QUIET_S = 0.1
POLL_S = 0.02
SETTLE_CAP_S = 5.0


class InFlight:
    def __init__(self, page: Any) -> None:
        self.count = 0
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _: object) -> None:
        self.count += 1

    def _ended(self, _: object) -> None:
        self.count = max(0, self.count - 1)


_in_flight: "weakref.WeakKeyDictionary[Any, InFlight]" = weakref.WeakKeyDictionary()


def watch_network(page: Any) -> InFlight:
    """Start (or keep) counting a page's requests; call right after creating the page."""
    counter = _in_flight.get(page)
    if counter is None:
        counter = _in_flight[page] = InFlight(page)
    return counter


class QuietWindow:
    """Says when a page has had no request in flight for QUIET_S; shared by the async
    (discovery) and sync (test runtime) settle loops, which differ only in how they sleep."""

    def __init__(self, counter: InFlight) -> None:
        self._counter = counter
        self._quiet_since: float | None = None

    def reached(self, now: float) -> bool:
        if self._counter.count:
            self._quiet_since = None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        return now - self._quiet_since >= QUIET_S
