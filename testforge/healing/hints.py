"""ChangeHints: the port through which learned change patterns (knowledge base) inform healing."""

from typing import Protocol

from testforge.domain.fingerprint import ElementFingerprint


class ChangeHints(Protocol):
    """How plausible it is that `target` turned into `candidate`, from approved past heals.

    Returns a probability in [0, 1] (0.5 = no opinion either way), or None when nothing learned
    applies to this pair. The engine asks only about its shortlist, so an implementation may be
    a vector-store lookup on the pair's `ChangeSignature`.
    """

    def plausibility(
        self, target: ElementFingerprint, candidate: ElementFingerprint
    ) -> float | None: ...
