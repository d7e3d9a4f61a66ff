"""Learning from decided heals, and handing what was learned to the test workers.

One machine keeps the patterns in a local Qdrant folder, the cluster in the operator's Qdrant
(a folder on its volume, or a server); either way a decision is learned once, by `learn`, and
the workers get a JSON snapshot, never a connection to the store (a local folder admits one
process, and a sandbox pod holds no Qdrant credentials).
"""

from pathlib import Path
from typing import TYPE_CHECKING

from testforge.domain.healing import HealingRequest
from testforge.knowledge.patterns import pattern_tokens

if TYPE_CHECKING:  # the drivers open the store; Qdrant's client loads only then
    from testforge.knowledge.store import PatternStore


def learn(
    store: "PatternStore", request: HealingRequest, tenant: str, *, approved: bool
) -> str | None:
    """Count the request's change shape as approved or rejected; returns the pattern id."""
    chosen = request.result.chosen
    if chosen is None:
        return None
    tokens = pattern_tokens(request.fingerprint, chosen.fingerprint)
    return store.record(tokens, tenant, approved=approved).id


def snapshot(store: "PatternStore", target: Path) -> Path:
    """The patterns as a JSON file the suite's workers load into memory."""
    return store.export(target)
