"""Evidence features: how each candidate of a page compares with the lost element, per property.

`compare` returns one sparse column per feature (candidate index -> similarity in [0, 1], except
`identity` which counts each of test_id, id and name that matches exactly). An absent entry means
no evidence: the property is missing on a side, or nothing matched. Missing properties thus
contribute nothing instead of counting as a mismatch, which is what renormalising over shared
properties achieves in a weighted average, without favouring candidates that carry little.
"""

from dataclasses import dataclass

from testforge.domain.healing import HealingStrategy
from testforge.healing import similarity as sim
from testforge.healing.page import CandidatePage, ElementView

Column = dict[int, float]

# Fuzzy matches of exact-valued properties are capped below an exact match, so "same id" always
# outranks "id with the same words"; reworded text stays just below identical text.
_FUZZY_CAP = 0.8
_REWORDED_CAP = 0.95
# Distance at which position similarity halves: about one button width.
_POSITION_SCALE_PX = 100.0


@dataclass(frozen=True, slots=True)
class Feature:
    """A named piece of evidence (the `Evidence.property`) and the strategy it belongs to."""

    name: str
    strategy: HealingStrategy


FEATURES: tuple[Feature, ...] = (
    Feature("identity", HealingStrategy.ATTRIBUTE),
    Feature("classes", HealingStrategy.ATTRIBUTE),
    Feature("href", HealingStrategy.ATTRIBUTE),
    Feature("identifiers", HealingStrategy.ATTRIBUTE),
    Feature("text", HealingStrategy.TEXT),
    Feature("text_shape", HealingStrategy.TEXT),
    Feature("text_presence", HealingStrategy.TEXT),
    Feature("neighbors", HealingStrategy.RELATIVE),
    Feature("xpath", HealingStrategy.RELATIVE),
    Feature("id_xpath", HealingStrategy.RELATIVE),
    Feature("region", HealingStrategy.RELATIVE),
    Feature("position", HealingStrategy.VISUAL),
    Feature("size", HealingStrategy.VISUAL),
    Feature("shape", HealingStrategy.VISUAL),
    Feature("overlap", HealingStrategy.VISUAL),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def _identity(target: ElementView, page: CandidatePage) -> Column:
    """test_id, id and name: an exact match per property, else shared words of any of them."""
    if not target.identity:
        return {}
    column: Column = {}
    for pair in target.identity:
        for i in page.by_identity.get(pair, ()):
            column[i] = column.get(i, 0.0) + 1.0
    for i, share in page.identity_tokens.recall(target.identity_tokens).items():
        if i not in column:
            column[i] = _FUZZY_CAP * share
    return column


def _descriptive(target: ElementView, page: CandidatePage, column: Column) -> None:
    """Raise `column` where a name matches across sources or a descriptive attribute is similar."""
    for name in target.names:
        for i in page.by_name.get(name, ()):
            column[i] = 1.0
    if not target.descriptive:
        return
    for i in page.with_descriptive:
        found = dict(page.views[i].descriptive)
        for prop, expected in target.descriptive:
            other = found.get(prop)
            if other is None or column.get(i, 0.0) >= 1.0:
                continue
            value = _FUZZY_CAP * sim.dice(
                frozenset(sim.words(expected)), frozenset(sim.words(other))
            )
            if value > column.get(i, 0.0):
                column[i] = value


def _href(target: ElementView, page: CandidatePage) -> Column:
    if target.href is None:
        return {}
    column = {
        i: _FUZZY_CAP * share for i, share in page.href_tokens.recall(target.href_tokens).items()
    }
    for i in page.by_href.get(target.href, ()):
        column[i] = 1.0
    return column


def _text(target: ElementView, page: CandidatePage) -> Column:
    """The element's name: visible text, else accessible name, else a descriptive attribute."""
    column: Column = {}
    if target.text is not None:
        words = page.text_words
        own = sum(words.idf.get(w, words.unseen_idf) for w in target.text_words)
        if own > 0:
            # Rarity-weighted Dice: both sides' words count, so "Sign in" != "Sign in to Office".
            for i, recall in words.recall(target.text_words).items():
                other = sum(words.idf[w] for w in page.views[i].text_words)
                column[i] = _REWORDED_CAP * 2.0 * recall * own / (own + other)
        for i in page.by_text.get(target.text, ()):
            column[i] = 1.0
    _descriptive(target, page, column)
    return column


def _text_shape(target: ElementView, page: CandidatePage) -> Column:
    """Character bigrams: catches "Log in" vs "Login" and small rewordings that words miss."""
    if not target.text_bigrams:
        return {}
    column: Column = {}
    mine = target.text_bigrams
    for i in page.with_text:
        value = sim.dice(mine, page.views[i].text_bigrams)
        if value:
            column[i] = value
    return column


def _text_presence(target: ElementView, page: CandidatePage) -> Column:
    """A text-less target (an icon) tends to stay text-less, a labelled one to stay labelled."""
    has_text = target.text is not None
    return {i: 1.0 for i, view in enumerate(page.views) if (view.text is not None) == has_text}


def _xpath(target: ElementView, page: CandidatePage) -> Column:
    """Absolute path similarity; without a path on one side, the tag alone (a one-step path)."""
    mine, loose = target.xpath, target.xpath_loose
    column: Column = {}
    for i, view in enumerate(page.views):
        if mine and view.xpath:
            value = sim.xpath_similarity(mine, view.xpath, loose, view.xpath_loose)
        elif target.tag and view.tag:
            value = sim.tag_similarity(target.tag, target.family, view.tag, view.family)
        else:
            continue
        if value:
            column[i] = value
    return column


def _id_xpath(target: ElementView, page: CandidatePage) -> Column:
    if not target.id_xpath:
        return {}
    mine, loose = target.id_xpath, target.id_xpath_loose
    column: Column = {}
    for i, view in enumerate(page.views):
        if view.id_xpath:
            column[i] = sim.xpath_similarity(mine, view.id_xpath, loose, view.id_xpath_loose)
    return column


def _region(target: ElementView, page: CandidatePage) -> Column:
    mine = target.region
    if not mine:
        return {}
    column: Column = {}
    for i, view in enumerate(page.views):
        if view.region:
            shared = len(mine & view.region)
            if shared:
                column[i] = shared / len(mine | view.region)
    return column


def _visual(target: ElementView, page: CandidatePage) -> dict[str, Column]:
    box = target.box
    columns: dict[str, Column] = {"position": {}, "size": {}, "shape": {}, "overlap": {}}
    if box is None:
        return columns
    position, size, shape, overlap = (columns[k] for k in ("position", "size", "shape", "overlap"))
    for i in page.with_box:
        other = page.views[i].box
        if other is None:
            continue
        position[i] = 1.0 / (1.0 + sim.center_distance(box, other) / _POSITION_SCALE_PX)
        size[i] = sim.size_similarity(box, other)
        shape[i] = sim.shape_similarity(box, other)
        iou = sim.overlap(box, other)
        if iou:
            overlap[i] = iou
    return columns


def compare(target: ElementView, page: CandidatePage) -> dict[str, Column]:
    """Every feature column for `target` against all candidates of `page`."""
    columns: dict[str, Column] = {
        "identity": _identity(target, page),
        "classes": page.classes.recall(target.classes),
        "href": _href(target, page),
        "identifiers": page.identifiers.recall(target.identifiers),
        "text": _text(target, page),
        "text_shape": _text_shape(target, page),
        "text_presence": _text_presence(target, page),
        "neighbors": page.neighbor_words.recall(target.neighbor_words),
        "xpath": _xpath(target, page),
        "id_xpath": _id_xpath(target, page),
        "region": _region(target, page),
    }
    columns.update(_visual(target, page))
    return columns
