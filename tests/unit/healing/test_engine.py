"""HealingEngine: ranking, refusing to guess, missing properties, evidence and the semantic port."""

import subprocess
import sys

from testforge.domain.fingerprint import BoundingBox, ElementFingerprint
from testforge.domain.healing import HealingStrategy
from testforge.healing.engine import NO_MATCH, HealingEngine
from testforge.healing.page import CandidatePage
from testforge.healing.policy import HealThresholds


def fp(tag: str = "button", **fields: object) -> ElementFingerprint:
    return ElementFingerprint(tag=tag, **fields)


def filler(count: int) -> list[ElementFingerprint]:
    """Unrelated elements, so rarity on the page means something."""
    return [
        fp(
            "a",
            text=f"Article {n}",
            href=f"/news/{n}",
            xpath=f"/html[1]/body[1]/ul[1]/li[{n}]/a[1]",
        )
        for n in range(1, count + 1)
    ]


def test_prefers_unique_test_id_over_shared_class() -> None:
    target = fp(test_id="checkout-submit", classes=("btn",))
    unique = fp(test_id="checkout-submit", classes=("cta",))
    shared = [fp(classes=("btn",), text=f"Action {n}") for n in range(8)]
    result = HealingEngine().heal("checkout", target, [*shared, unique])
    assert result.candidates[0].index == len(shared)
    assert result.chosen is not None


def test_heals_a_button_whose_id_and_classes_were_regenerated() -> None:
    target = fp(
        id="ember1234",
        classes=("css-1x2y3z",),
        text="Add to cart",
        xpath="/html[1]/body[1]/main[1]/form[1]/button[1]",
    )
    page = [
        *filler(20),
        fp(
            id="ember98",
            classes=("css-9q8w",),
            text="Add to cart",
            xpath="/html[1]/body[1]/main[1]/div[1]/form[1]/button[1]",
        ),
        fp(id="ember99", text="Add to wishlist", xpath="/html[1]/body[1]/main[1]/div[1]/button[2]"),
    ]
    result = HealingEngine().heal("add", target, page)
    assert result.chosen is not None
    assert result.chosen.index == 20
    assert result.chosen.strategy is HealingStrategy.TEXT


def test_refuses_to_guess_between_two_equally_good_candidates() -> None:
    target = fp(text="Delete", xpath="/html[1]/body[1]/div[1]/button[1]")
    twin = fp(text="Delete", xpath="/html[1]/body[1]/div[2]/button[1]")
    result = HealingEngine().heal("delete", target, [*filler(10), twin, twin.model_copy()])
    assert result.chosen is None
    assert result.reason == NO_MATCH
    assert {c.index for c in result.candidates[:2]} == {10, 11}
    assert result.candidates[0].score == result.candidates[1].score


def test_refuses_a_weak_match_even_when_it_is_the_best() -> None:
    target = fp(text="Export to PDF", id="export")
    result = HealingEngine().heal("export", target, filler(15))
    assert result.candidates
    assert result.chosen is None
    assert result.candidates[0].confidence < HealThresholds().min_confidence


def test_empty_page_gives_no_match() -> None:
    result = HealingEngine().heal("k", fp(text="Save"), [])
    assert result.candidates == []
    assert result.chosen is None
    assert result.reason == NO_MATCH


def test_a_property_missing_on_the_candidate_is_no_evidence_either_way() -> None:
    box = BoundingBox(x=10, y=10, width=80, height=30)
    candidate = fp(text="Save", xpath="/html[1]/body[1]/button[1]")
    page = CandidatePage.of([*filler(5), candidate])
    engine = HealingEngine()
    with_box = engine.scores(fp(text="Save", xpath="/html[1]/body[1]/button[1]", box=box), page)
    without = engine.scores(fp(text="Save", xpath="/html[1]/body[1]/button[1]"), page)
    assert with_box[5] == without[5]


def test_geometry_counts_only_when_both_sides_have_it() -> None:
    box = BoundingBox(x=10, y=10, width=80, height=30)
    target = fp(text="Save", box=box)
    near = fp(text="Save", box=BoundingBox(x=12, y=11, width=80, height=30))
    unplaced = fp(text="Save")
    scores = HealingEngine().scores(target, CandidatePage.of([near, unplaced]))
    assert scores[0] > scores[1]


def test_visible_text_outweighs_a_nearby_position() -> None:
    box = BoundingBox(x=10, y=10, width=80, height=30)
    target = fp(text="Sign in", box=box)
    impostor = fp(text="Register", box=BoundingBox(x=11, y=10, width=80, height=30))
    moved = fp(text="Sign in", box=BoundingBox(x=900, y=10, width=80, height=30))
    result = HealingEngine().heal("signin", target, [impostor, moved, *filler(10)])
    assert result.candidates[0].index == 1


def test_shortlist_is_sorted_capped_and_confidences_are_probabilities() -> None:
    engine = HealingEngine(policy=HealThresholds(shortlist=3))
    result = engine.heal("k", fp("a", text="Article 3", href="/news/3"), filler(12))
    assert len(result.candidates) == 3
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= c.confidence <= 1.0 for c in result.candidates)
    assert result.candidates[0].confidence > result.candidates[1].confidence


def test_evidence_reports_matching_properties_with_both_values() -> None:
    target = fp("a", text="Article 3", href="https://x.org/news/3")
    result = HealingEngine().heal("k", target, filler(12))
    evidence = {e.property: e for e in result.candidates[0].evidence}
    assert evidence["text"].similarity == 1.0
    assert evidence["text"].expected == "Article 3"
    assert evidence["text"].found == "Article 3"
    assert evidence["text"].strategy is HealingStrategy.TEXT
    assert evidence["href"].strategy is HealingStrategy.ATTRIBUTE
    assert "position" not in evidence


class FavourOne:
    """A fake knowledge base that has learned the change into one candidate only."""

    def __init__(self, favoured: ElementFingerprint) -> None:
        self.favoured = favoured
        self.asked = 0

    def plausibility(
        self, target: ElementFingerprint, candidate: ElementFingerprint
    ) -> float | None:
        self.asked += 1
        return 0.95 if candidate is self.favoured else None


def test_learned_change_patterns_break_a_tie() -> None:
    target = fp(text="Save", xpath="/html[1]/body[1]/div[1]/button[1]")
    first = fp(text="Save", xpath="/html[1]/body[1]/div[2]/button[1]")
    second = first.model_copy()
    hints = FavourOne(second)
    result = HealingEngine(hints=hints).heal("save", target, [first, second, *filler(20)])
    assert result.chosen is not None
    assert result.chosen.index == 1
    semantic = [e for e in result.chosen.evidence if e.strategy is HealingStrategy.SEMANTIC]
    assert semantic and semantic[0].similarity > 0.9
    assert 0 < hints.asked <= 10


def test_reuses_the_prepared_page_while_the_same_elements_are_passed() -> None:
    engine = HealingEngine()
    elements = filler(5)
    assert engine.page(elements) is engine.page(elements)
    assert engine.page(elements) is not engine.page(list(filler(5)))
    prepared = CandidatePage.of(elements)
    assert engine.page(prepared) is prepared


def test_heal_is_deterministic() -> None:
    target = fp("a", text="Article 7", href="/news/7")
    first = HealingEngine().heal("k", target, filler(30))
    second = HealingEngine().heal("k", target, filler(30))
    assert [c.index for c in first.candidates] == [c.index for c in second.candidates]
    assert [c.score for c in first.candidates] == [c.score for c in second.candidates]


def test_engine_imports_no_browser_or_io_library() -> None:
    code = (
        "import sys, testforge.healing.engine\n"
        "bad = {'playwright', 'httpx', 'requests', 'testforge.healing.similo'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
