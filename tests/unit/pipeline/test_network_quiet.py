"""Settling: a page counts as quiet only after no request was in flight for a while."""

from testforge.browser.network import QUIET_S, InFlight, QuietWindow


class FakePage:
    def __init__(self) -> None:
        self.handlers: dict[str, object] = {}

    def on(self, event: str, handler: object) -> None:
        self.handlers[event] = handler


def test_quiet_is_reached_only_after_the_window_without_requests() -> None:
    counter = InFlight(FakePage())
    window = QuietWindow(counter)
    assert not window.reached(0.0)
    assert not window.reached(QUIET_S / 2)
    assert window.reached(QUIET_S)


def test_a_request_in_flight_restarts_the_window() -> None:
    counter = InFlight(FakePage())
    window = QuietWindow(counter)
    window.reached(0.0)
    counter.count = 1
    assert not window.reached(QUIET_S)
    counter.count = 0
    assert not window.reached(QUIET_S * 1.5)
    assert window.reached(QUIET_S * 3)
