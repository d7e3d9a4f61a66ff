"""HealingEngine: ranks the candidates of a page for a lost element and decides whether to proceed.

Deterministic and pure (no browser, no I/O): the browser runtime and the benchmark call the same
`heal`. All strategies feed one log-linear score (see `model.py`), so evidence adds up across
strategies instead of one strategy vetoing another.
"""

import math
import time
from collections.abc import Sequence

from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.healing import Evidence, HealingCandidate, HealingResult, HealingStrategy
from testforge.healing.features import FEATURES, Column, compare
from testforge.healing.hints import ChangeHints
from testforge.healing.model import DEFAULT_MODEL, ScoringModel, logit
from testforge.healing.page import CandidatePage, ElementView, view_of
from testforge.healing.policy import HealThresholds, may_proceed

NO_MATCH = "no confident match"
# How many top candidates the semantic port is asked about: it re-ranks, it does not search.
_SEMANTIC_POOL = 10
_PLAUSIBILITY_CLAMP = 0.01


def _render(feature: str, view: ElementView) -> str | None:
    """The value a reviewer should see for a feature, on one side of the comparison."""
    fp = view.fingerprint
    box = fp.box
    match feature:
        case "identity":
            return " ".join(f"{prop}={value}" for prop, value in view.identity) or None
        case "classes":
            return " ".join(fp.classes) or None
        case "href":
            return fp.href
        case "identifiers":
            return " ".join(sorted(view.identifiers)[:12]) or None
        case "text" | "text_shape" | "text_presence":
            return fp.text or fp.accessible_name or next((v for _, v in view.descriptive), None)
        case "neighbors":
            return " | ".join(fp.neighbor_texts[:3]) or None
        case "xpath":
            return fp.xpath or fp.tag or None
        case "id_xpath":
            return fp.id_xpath
        case "region":
            return " ".join(sorted(view.region)) or None
        case "position" if box is not None:
            return f"{box.x:g},{box.y:g}"
        case "size" | "overlap" if box is not None:
            return f"{box.width:g}x{box.height:g}"
        case "shape" if box is not None:
            return f"{box.width / box.height:.2f}" if box.height else None
    return None


class HealingEngine:
    """Relocates lost elements; one instance serves many heals and caches the last page it saw."""

    def __init__(
        self,
        policy: HealThresholds | None = None,
        hints: ChangeHints | None = None,
        model: ScoringModel | None = None,
    ) -> None:
        self.policy = policy or HealThresholds()
        self.hints = hints
        self.model = model or DEFAULT_MODEL
        self._weights = [(f, self.model.weights.get(f.name, 0.0)) for f in FEATURES]
        self._cached: CandidatePage | None = None

    def page(self, candidates: Sequence[ElementFingerprint] | CandidatePage) -> CandidatePage:
        """The preprocessed page for `candidates`, reused while the same elements are passed.

        The cache checks element identity, not equality: cheap, and a re-captured page (new
        objects) is always reprocessed.
        """
        if isinstance(candidates, CandidatePage):
            return candidates
        cached = self._cached
        if (
            cached is not None
            and len(cached.fingerprints) == len(candidates)
            and all(a is b for a, b in zip(cached.fingerprints, candidates, strict=True))
        ):
            return cached
        self._cached = CandidatePage.of(candidates)
        return self._cached

    def scores(self, target: ElementFingerprint, page: CandidatePage) -> list[float]:
        """Log-linear score of every candidate (without the semantic re-ranking)."""
        return self._score(view_of(target), page)[0]

    def _score(
        self, target: ElementView, page: CandidatePage
    ) -> tuple[list[float], dict[str, Column]]:
        columns = compare(target, page)
        scores = [0.0] * len(page)
        for feature, weight in self._weights:
            if weight:
                for i, value in columns[feature.name].items():
                    scores[i] += weight * value
        return scores, columns

    def _semantic(
        self, target: ElementFingerprint, page: CandidatePage, scores: list[float]
    ) -> dict[int, float]:
        """Log-odds from learned change patterns for the current front-runners."""
        if self.hints is None or not self.model.semantic_weight:
            return {}
        pool = sorted(range(len(scores)), key=lambda i: -scores[i])[:_SEMANTIC_POOL]
        bonus: dict[int, float] = {}
        for i in pool:
            p = self.hints.plausibility(target, page.fingerprints[i])
            if p is not None:
                p = min(max(p, _PLAUSIBILITY_CLAMP), 1.0 - _PLAUSIBILITY_CLAMP)
                bonus[i] = self.model.semantic_weight * logit(p)
        return bonus

    def _candidate(
        self,
        target: ElementView,
        page: CandidatePage,
        index: int,
        columns: dict[str, Column],
        score: float,
        confidence: float,
        semantic: float | None,
    ) -> HealingCandidate:
        view = page.views[index]
        evidence: list[Evidence] = []
        by_strategy: dict[HealingStrategy, float] = {}
        for feature, weight in self._weights:
            similarity = columns[feature.name].get(index, 0.0)
            expected, found = _render(feature.name, target), _render(feature.name, view)
            if not similarity and expected is None and found is None:
                continue
            evidence.append(
                Evidence(
                    property=feature.name,
                    strategy=feature.strategy,
                    similarity=min(similarity, 1.0),
                    weight=weight,
                    expected=expected,
                    found=found,
                )
            )
            by_strategy[feature.strategy] = (
                by_strategy.get(feature.strategy, 0.0) + weight * similarity
            )
        if semantic is not None:
            evidence.append(
                Evidence(
                    property="change_plausibility",
                    strategy=HealingStrategy.SEMANTIC,
                    similarity=1.0 / (1.0 + math.exp(-semantic / self.model.semantic_weight)),
                    weight=self.model.semantic_weight,
                )
            )
            by_strategy[HealingStrategy.SEMANTIC] = semantic
        strategy = max(by_strategy, key=lambda s: by_strategy[s], default=HealingStrategy.ATTRIBUTE)
        return HealingCandidate(
            fingerprint=view.fingerprint,
            score=score,
            confidence=confidence,
            strategy=strategy,
            evidence=evidence,
            index=index,
        )

    def heal(
        self,
        key: str,
        target: ElementFingerprint,
        candidates: Sequence[ElementFingerprint] | CandidatePage,
    ) -> HealingResult:
        """Rank `candidates` for the lost element `target`; choose one only when confident.

        `candidates` may be a prepared `CandidatePage` (best when healing several elements of one
        page) or the page's fingerprints. `HealingCandidate.index` is the position in that list.
        """
        started = time.perf_counter()
        page = self.page(candidates)
        if not len(page):
            return HealingResult(
                key=key,
                candidates=[],
                reason=NO_MATCH,
                elapsed_ms=(time.perf_counter() - started) * 1000.0,
            )
        view = view_of(target)
        scores, columns = self._score(view, page)
        semantic = self._semantic(target, page, scores)
        for i, bonus in semantic.items():
            scores[i] += bonus
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        top = scores[order[0]]
        total = sum(math.exp(s - top) for s in scores)
        calibration = self.model.calibration
        shortlist = [
            self._candidate(
                view,
                page,
                i,
                columns,
                scores[i],
                calibration.confidence(math.exp(scores[i] - top) / total),
                semantic.get(i),
            )
            for i in order[: self.policy.shortlist]
        ]
        best = shortlist[0]
        gap = best.score - shortlist[1].score if len(shortlist) > 1 else math.inf
        chosen = best if may_proceed(best.confidence, gap, self.policy) else None
        reason = f"confident match by {best.strategy.value}" if chosen else NO_MATCH
        return HealingResult(
            key=key,
            candidates=shortlist,
            chosen=chosen,
            reason=reason,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )
