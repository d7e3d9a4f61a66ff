"""In-memory visitor state, keyed by the session id in the signed cookie; thread-safe."""

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from demo.domain import Order

FIRST_ORDER_NUMBER = 1001


@dataclass
class VisitorState:
    email: str | None = None
    cart: dict[str, int] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)

    def next_order_number(self) -> int:
        return max(self.orders, default=FIRST_ORDER_NUMBER - 1) + 1


class SessionStore:
    """Holds each visitor's state; only `edit` hands out the live object, under the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, VisitorState] = {}

    def open(self, email: str) -> str:
        """A fresh session id for a visitor who has just signed in."""
        session_id = secrets.token_urlsafe(18)
        with self._lock:
            self._states[session_id] = VisitorState(email=email)
        return session_id

    def close(self, session_id: str) -> None:
        with self._lock:
            self._states.pop(session_id, None)

    def email(self, session_id: str | None) -> str | None:
        with self._lock:
            state = self._states.get(session_id or "")
            return state.email if state else None

    @contextmanager
    def edit(self, session_id: str) -> Iterator[VisitorState]:
        """The visitor's live state; raises `KeyError` for an unknown or closed session."""
        with self._lock:
            yield self._states[session_id]
