"""The knowledge base: anonymous patterns in Qdrant (local mode), and what they tell healing."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from testforge.application.knowledge import learn
from testforge.domain.fingerprint import BoundingBox, ElementFingerprint
from testforge.domain.healing import (
    HealingCandidate,
    HealingDecision,
    HealingRequest,
    HealingResult,
    HealingStrategy,
)
from testforge.knowledge.anonymise import scrub, structural_tokens
from testforge.knowledge.hints import KnowledgeHints
from testforge.knowledge.patterns import pattern_tokens
from testforge.knowledge.store import PatternStore

# An element from a real-looking customer page, full of personal data.
OLD = ElementFingerprint(
    tag="a",
    id="customer-4711-profile",
    name="profile",
    classes=("nav-link", "user-42"),
    role="link",
    accessible_name="Jane Doe (jane.doe@acme-corp.com)",
    text="Jane Doe (jane.doe@acme-corp.com)",
    href="https://crm.acme-corp.com/customers/4711?ssn=078-05-1120",
    title="Call +44 20 7946 0958",
    xpath="/html[1]/body[1]/nav[1]/a[3]",
    id_xpath='//*[@id="menu"]/a[3]',
    box=BoundingBox(x=10, y=20, width=120, height=24),
    neighbor_texts=("Account of Jane Doe",),
)
NEW = OLD.model_copy(
    update={
        "tag": "button",
        "id": "customer-9981-profile",
        "role": "button",
        "href": None,
        "xpath": "/html[1]/body[1]/div[1]/nav[1]/button[1]",
    }
)
PII = ("jane", "doe", "acme", "4711", "078-05", "7946", "crm.", "ssn", "@")


def request(old: ElementFingerprint = OLD, new: ElementFingerprint = NEW) -> HealingRequest:
    chosen = HealingCandidate(
        fingerprint=new, score=0.9, confidence=0.97, strategy=HealingStrategy.ATTRIBUTE
    )
    return HealingRequest(
        id="heal-1",
        created_at=datetime.now(UTC),
        plan_hash="s",
        key="nav.profile",
        tests=["t"],
        page_url="https://crm.acme-corp.com/",
        broken_ladder=(),
        fingerprint=old,
        result=HealingResult(key="nav.profile", candidates=[chosen], chosen=chosen, reason="ok"),
        decision=HealingDecision.APPROVED,
    )


def test_patterns_describe_the_change_with_structural_tokens_only() -> None:
    tokens = pattern_tokens(OLD, NEW)
    assert {"link_became_button", "moved_container", "id_rehashed", "tag:a>button"} <= set(tokens)
    text = " ".join(tokens).lower()
    assert not any(secret in text for secret in PII), text


def test_stored_payloads_carry_no_personal_data(tmp_path: Path) -> None:
    store = PatternStore.local(tmp_path / "kb")
    try:
        learn(store, request(), tenant="acme-corp.com", approved=True)
        payloads = [p.model_dump_json().lower() for p in store.all()]
    finally:
        store.close()
    assert payloads
    assert not any(secret in payload for payload in payloads for secret in PII), payloads


def test_tokens_outside_the_grammar_are_dropped() -> None:
    assert structural_tokens(
        ["kept:id", "kept:jane.doe@acme.com", "changed:text", "text:Jane Doe", "tag:a>button"]
    ) == [
        "kept:id",
        "changed:text",
        "tag:a>button",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail jane.doe@acme-corp.com now", "Mail <email> now"),
        ("See https://crm.acme-corp.com/x?id=7 for Jane Doe", "See <host> for <name>"),
        ("Order 4711 costs 53.00", "Order <n> costs <n>"),
    ],
)
def test_free_text_is_scrubbed_of_emails_hosts_names_and_numbers(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_patterns_count_successes_and_contributing_tenants_across_restarts(tmp_path: Path) -> None:
    store = PatternStore.local(tmp_path / "kb")
    learn(store, request(), "tenant-a", approved=True)
    learn(store, request(), "tenant-a", approved=True)
    store.close()
    reopened = PatternStore.local(tmp_path / "kb")
    try:
        pattern = learn(reopened, request(), "tenant-b", approved=True)
        stored = reopened.get(pattern or "")
    finally:
        reopened.close()
    assert stored is not None
    assert (stored.success_count, stored.tenant_count) == (3, 2)
    assert stored.tenants and all("tenant" not in t for t in stored.tenants)  # hashed, never named


def test_a_learned_pattern_makes_the_same_change_more_plausible_and_rejections_less() -> None:
    approved = PatternStore.in_memory()
    for _ in range(5):
        approved.record(pattern_tokens(OLD, NEW), "t", approved=True)
    rejected = PatternStore.in_memory()
    for _ in range(5):
        rejected.record(pattern_tokens(OLD, NEW), "t", approved=False)
    assert (KnowledgeHints(approved).plausibility(OLD, NEW) or 0) > 0.8
    assert (KnowledgeHints(rejected).plausibility(OLD, NEW) or 1) < 0.2


def test_unrelated_changes_get_no_opinion() -> None:
    store = PatternStore.in_memory()
    store.record(pattern_tokens(OLD, NEW), "t", approved=True)
    field_old = ElementFingerprint(
        tag="input", name="email", label="Email", xpath="/html/body/form/input[1]"
    )
    field_new = field_old.model_copy(update={"label": "E-mail address"})
    assert KnowledgeHints(store).plausibility(field_old, field_new) is None


def test_snapshots_let_other_processes_read_the_patterns(tmp_path: Path) -> None:
    store = PatternStore.in_memory()
    store.record(pattern_tokens(OLD, NEW), "t", approved=True)
    copy = PatternStore.from_snapshot(store.export(tmp_path / "snapshot.json"))
    assert [p.id for p in copy.all()] == [p.id for p in store.all()]
