"""The runtime generated tests call: steps by registry key, ladder resolution, in-place healing."""

from testforge.runtime.session import Session

__all__ = ["Session"]
