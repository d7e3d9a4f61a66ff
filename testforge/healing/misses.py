"""Miss analysis for the benchmark: why the engine's pick differs from the labelled answer.

Categories, checked in this order:
- label granularity: the answer is a wrapper or a child of the pick, or they overlap on screen,
  and they carry the same text (the labeller chose the `li`, the engine its `a`);
- type change: the answer's tag family differs from the target's (a `button` became a `span`);
- no shared evidence: the answer matches the target on nothing identifying (text, ids, classes,
  link, neighbours), only on position or structure;
- wrong pick: the evidence was there and the engine weighed it wrongly.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from enum import StrEnum

from testforge.domain.base import FrozenModel
from testforge.healing import similarity as sim
from testforge.healing.features import compare
from testforge.healing.page import CandidatePage, ElementView, view_of
from testforge.healing.similo import SimiloApp

_IDENTIFYING = ("identity", "classes", "href", "identifiers", "text", "neighbors")
# Boxes this similar are one thing on screen (VON Similo's "visually overlapping nodes").
_SAME_SPOT_IOU = 0.5


class MissCategory(StrEnum):
    LABEL_GRANULARITY = "label granularity"
    TYPE_CHANGE = "type change"
    NO_SHARED_EVIDENCE = "no shared evidence"
    WRONG_PICK = "wrong pick"


class Miss(FrozenModel):
    app: str
    target: str
    pick: str
    answer: str
    category: MissCategory


def _nested_or_overlapping(a: ElementView, b: ElementView) -> bool:
    if sim.xpath_contains(a.xpath, b.xpath) or sim.xpath_contains(b.xpath, a.xpath):
        return True
    return a.box is not None and b.box is not None and sim.overlap(a.box, b.box) >= _SAME_SPOT_IOU


def _same_text(a: ElementView, b: ElementView) -> bool:
    if a.text is None or b.text is None:
        return a.text == b.text
    return a.text == b.text or a.text in b.text or b.text in a.text


def categorise(
    target: ElementView,
    pick: ElementView,
    answer: ElementView,
    page: CandidatePage,
    answer_index: int,
) -> MissCategory:
    if _nested_or_overlapping(pick, answer) and _same_text(pick, answer):
        return MissCategory.LABEL_GRANULARITY
    if target.family != answer.family:
        return MissCategory.TYPE_CHANGE
    columns = compare(target, page)
    if not any(columns[name].get(answer_index, 0.0) for name in _IDENTIFYING):
        return MissCategory.NO_SHARED_EVIDENCE
    return MissCategory.WRONG_PICK


def classify_misses(
    apps: Sequence[SimiloApp], choices: Mapping[str, Mapping[str, str | None]]
) -> list[Miss]:
    """Every labelled target whose chosen candidate file is not its answer, with a category."""
    misses: list[Miss] = []
    for app in apps:
        page = CandidatePage.of([c.fingerprint for c in app.candidates])
        index = {c.file: i for i, c in enumerate(app.candidates)}
        for target in app.targets:
            pick = choices.get(app.name, {}).get(target.file)
            answers = [
                i
                for i, c in enumerate(app.candidates)
                if target.widget_id is not None and c.widget_id == target.widget_id
            ]
            if pick is None or not answers or index.get(pick) in answers:
                continue
            answer = answers[0]
            category = categorise(
                view_of(target.fingerprint),
                page.views[index[pick]],
                page.views[answer],
                page,
                answer,
            )
            misses.append(
                Miss(
                    app=app.name,
                    target=target.file,
                    pick=pick,
                    answer=app.candidates[answer].file,
                    category=category,
                )
            )
    return misses


def tally(misses: Sequence[Miss]) -> dict[MissCategory, int]:
    counts = Counter(m.category for m in misses)
    return {category: counts.get(category, 0) for category in MissCategory}
