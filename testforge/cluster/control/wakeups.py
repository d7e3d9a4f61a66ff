"""Wake-ups for the per-object reconcile loops: a Job event wakes the loop of the run that owns
the Job at once, instead of the loop finding out at its next poll.

`wake` may be called from any thread (Kopf runs sync handlers in its executor); the events
themselves are only touched on the event loop that waits on them, because an asyncio.Event set
from another thread does not wake the loop: the wake-up would be lost until the next poll.
"""

import asyncio
from asyncio import FIRST_COMPLETED
from collections import defaultdict
from collections.abc import Awaitable, Callable

Key = tuple[str, str | None, str]  # (kind, namespace, name)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Wakeups:
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or _running_loop()
        self._events: dict[Key, asyncio.Event] = defaultdict(asyncio.Event)
        self._followers: dict[Key, set[Key]] = defaultdict(set)

    def follow(self, follower: Key, leader: Key) -> None:
        """Wake `follower` whenever `leader` is woken (a run follows its project)."""
        self._followers[leader].add(follower)

    def wake(self, key: Key) -> None:
        self._on_loop(self._wake, key)

    def wake_followers(self, key: Key) -> None:
        self._on_loop(self._wake_followers, key)

    def _on_loop(self, call: Callable[[Key], None], key: Key) -> None:
        if self._loop is None or _running_loop() is self._loop:
            call(key)
        else:
            self._loop.call_soon_threadsafe(call, key)

    def _wake(self, key: Key) -> None:
        self._events[key].set()
        self._wake_followers(key)

    def _wake_followers(self, key: Key) -> None:
        for follower in self._followers.get(key, ()):
            self._events[follower].set()

    async def wait(
        self,
        key: Key,
        seconds: float | None,
        stopped: Callable[[], Awaitable[object]] | None = None,
    ) -> bool:
        """Sleep until woken, until `stopped()` resolves, or for `seconds` (None: no limit).
        True unless the time ran out."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        event = self._events[key]
        waiters: set[asyncio.Future[object]] = {asyncio.ensure_future(event.wait())}
        if stopped is not None:
            waiters.add(asyncio.ensure_future(stopped()))
        try:
            done, _ = await asyncio.wait(waiters, timeout=seconds, return_when=FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            event.clear()
        return bool(done)

    def forget(self, key: Key) -> None:
        self._events.pop(key, None)
        self._followers.pop(key, None)
        for followers in self._followers.values():
            followers.discard(key)
