"""Wake-ups cross threads: Kopf runs the sync Job event handlers in its executor, and a wake-up
set there on an asyncio.Event would not wake the loop: the run (or the project) would sleep
until its next poll. Asyncio's debug mode refuses such a call outright, which makes the lost
wake-up visible at once instead of under load. Each test drives its own debug loop and closes
it without cancelling what is left, so a lost wake-up fails the test instead of hanging it."""

import asyncio
import threading
from collections.abc import Awaitable, Callable

from testforge.cluster.control.wakeups import Key, Wakeups

RUN: Key = ("TestRun", "ns", "r")
PROJECT: Key = ("TestProject", "ns", "shop")


def _in_debug_loop(scenario: Callable[[], Awaitable[None]]) -> None:
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()


async def _waiting(wakeups: Wakeups, key: Key) -> "asyncio.Task[bool]":
    """A task waiting on `key`, returned once it waits: its stop callable runs after the
    event's waiter has started (tasks start in the order they were made)."""
    inside = asyncio.Event()

    async def stopped() -> None:
        inside.set()
        await asyncio.Event().wait()  # never stopped

    waiting = asyncio.create_task(wakeups.wait(key, None, stopped))
    await inside.wait()
    return waiting


def _from_another_thread(call: Callable[[Key], None], key: Key) -> list[str]:
    errors: list[str] = []

    def handler() -> None:  # what a sync Kopf handler does, in Kopf's executor
        try:
            call(key)
        except RuntimeError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=handler)
    thread.start()
    thread.join()
    return errors


def test_a_wake_from_another_thread_reaches_the_waiting_loop() -> None:
    async def scenario() -> None:
        wakeups = Wakeups()
        waiting = await _waiting(wakeups, RUN)
        assert _from_another_thread(wakeups.wake, RUN) == []
        assert await waiting is True

    _in_debug_loop(scenario)


def test_a_project_woken_from_another_thread_wakes_its_runs() -> None:
    async def scenario() -> None:
        wakeups = Wakeups()
        wakeups.follow(RUN, PROJECT)
        waiting = await _waiting(wakeups, RUN)
        assert _from_another_thread(wakeups.wake_followers, PROJECT) == []
        assert await waiting is True

    _in_debug_loop(scenario)


def test_a_wake_before_the_wait_is_kept_for_it() -> None:
    async def scenario() -> None:
        wakeups = Wakeups()
        assert _from_another_thread(wakeups.wake, RUN) == []
        assert await wakeups.wait(RUN, None) is True

    _in_debug_loop(scenario)
