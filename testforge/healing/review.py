"""Healing review: turning run-time heals into HealingRequests, deciding, and applying them.

Requests live next to the suite they would change (`SUITE/healing/<id>.json`). One request per
distinct heal (same key, same new element), however many tests needed it. Applying a request
rewrites the key's ladder and fingerprint in `locators.json` and records the provenance, so the
next run resolves the element directly.
"""

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from testforge.artifacts import REGISTRY, ReviewQueue, read_model, write_model
from testforge.domain.errors import ArtifactError
from testforge.domain.healing import HealingDecision, HealingRequest, HealingResult
from testforge.domain.results import Heal, RunResult
from testforge.domain.suite import LocatorRegistry, Provenance, ProvenanceSource, Suite

AutoApprove = Callable[[HealingResult], bool]
# Counts a decided heal in the knowledge base; returns the pattern id it was filed under.
Learner = Callable[[HealingRequest, bool], str | None]


def request_id(plan_hash: str, heal: Heal) -> str:
    chosen = heal.result.chosen
    anchor = chosen.fingerprint.xpath if chosen else ""
    ladder = "|".join(r.describe() for r in heal.result.new_ladder)
    digest = hashlib.sha256(f"{plan_hash}\n{heal.key}\n{anchor}\n{ladder}".encode()).hexdigest()
    return f"heal-{digest[:12]}"


def requests_from_run(
    result: RunResult, suite: Suite, auto_approve: AutoApprove
) -> list[HealingRequest]:
    """One request per distinct heal in the run, decided by the policy."""
    found: dict[str, HealingRequest] = {}
    now = datetime.now(UTC)
    for test in result.tests:
        for heal in test.heals:
            if heal.result.chosen is None or heal.key not in suite.registry:
                continue
            rid = request_id(suite.plan_hash, heal)
            if rid in found:
                if test.nodeid not in found[rid].tests:
                    found[rid].tests.append(test.nodeid)
                continue
            entry = suite.registry[heal.key]
            approved = auto_approve(heal.result)
            found[rid] = HealingRequest(
                id=rid,
                created_at=now,
                plan_hash=suite.plan_hash,
                key=heal.key,
                tests=[test.nodeid],
                page_url=heal.page_url,
                broken_ladder=entry.ladder,
                fingerprint=entry.fingerprint,
                result=heal.result,
                decision=HealingDecision.APPROVED if approved else HealingDecision.NEEDS_APPROVAL,
                decided_at=now if approved else None,
                decided_by="policy" if approved else None,
                snapshot=heal.snapshot,
            )
    return list(found.values())


def link_requests(result: RunResult, suite: Suite) -> RunResult:
    """The run with each heal naming its request, so reports can point at it."""
    tests = [
        test.model_copy(
            update={
                "heals": [
                    h.model_copy(update={"request": request_id(suite.plan_hash, h)})
                    for h in test.heals
                ]
            }
        )
        for test in result.tests
    ]
    return result.model_copy(update={"tests": tests})


QUEUE = ReviewQueue("healing", HealingRequest, "healing request", "testforge heal")
load_requests = QUEUE.load
save_requests = QUEUE.save
find_request = QUEUE.find


def decide(
    suite_dir: Path, rid: str, *, approve: bool, by: str, learner: Learner | None = None
) -> HealingRequest:
    request = find_request(suite_dir, rid)
    if request.decision is HealingDecision.APPLIED:
        raise ArtifactError(
            f"{request.id} is already applied to the suite",
            fix="regenerate the suite to undo an applied heal",
        )
    decided = request.model_copy(
        update={
            "decision": HealingDecision.APPROVED if approve else HealingDecision.REJECTED,
            "decided_at": datetime.now(UTC),
            "decided_by": by,
        }
    )
    if learner is not None and not approve:  # approvals are learned when applied
        decided = decided.model_copy(update={"pattern_id": learner(decided, False)})
    return QUEUE.write(suite_dir, decided)


def apply_request(registry: LocatorRegistry, request: HealingRequest) -> LocatorRegistry:
    """The registry with the request's key re-pointed at the healed element (pure)."""
    chosen = request.result.chosen
    if chosen is None or not request.result.new_ladder:
        raise ArtifactError(f"{request.id} has no healed element to apply")
    entry = registry.entries.get(request.key)
    if entry is None:
        raise ArtifactError(
            f"{request.id} heals {request.key!r}, which is not in this suite's registry",
            fix="the request belongs to another suite; regenerate or discard it",
        )
    # Old rungs stay as a fallback after the new ones: the old UI may come back (a rollback).
    ladder = tuple(dict.fromkeys((*request.result.new_ladder, *entry.ladder)))
    history = [
        *entry.history,
        Provenance(
            source=ProvenanceSource.HEALING,
            at=datetime.now(UTC),
            healing_request=request.id,
            detail=(
                f"healed by {chosen.strategy.value} (confidence {chosen.confidence:.2f}) on "
                f"{request.page_url}; decided by {request.decided_by or 'policy'}"
            ),
        ),
    ]
    healed = entry.model_copy(
        update={"ladder": ladder, "fingerprint": chosen.fingerprint, "history": history}
    )
    return registry.model_copy(update={"entries": {**registry.entries, request.key: healed}})


def apply_approved(suite_dir: Path, learner: Learner | None = None) -> list[HealingRequest]:
    """Apply every approved request to the suite's registry (and learn from it)."""
    registry = read_model(suite_dir / REGISTRY, LocatorRegistry)
    applied = []
    for request in load_requests(suite_dir):
        if request.decision is not HealingDecision.APPROVED:
            continue
        registry = apply_request(registry, request)
        done = request.model_copy(
            update={
                "decision": HealingDecision.APPLIED,
                "decided_at": datetime.now(UTC),
                "pattern_id": learner(request, True) if learner else request.pattern_id,
            }
        )
        applied.append(done)
    write_model(suite_dir / REGISTRY, registry)
    for request in applied:
        QUEUE.write(suite_dir, request)
    return applied
