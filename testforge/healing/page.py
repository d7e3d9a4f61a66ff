"""CandidatePage: the elements of one page, preprocessed once so every heal on it is cheap.

Holds per-element derived forms (tokens, XPath steps, URL keys) and per-page statistics: how many
elements share each token. Rarity on the page is what turns a match into evidence: a unique id
token is decisive, a class worn by fifty elements is not.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from testforge.domain.fingerprint import BoundingBox, ElementFingerprint
from testforge.healing import similarity as sim

# Attributes that name an element to a person besides its text (the inputs of the accessible
# name); a redesign often moves a name between them, so they are compared across sources too.
DESCRIPTIVE = ("accessible_name", "aria_label", "label", "title", "alt", "placeholder")


@dataclass(frozen=True, slots=True)
class ElementView:
    """Derived, comparison-ready forms of one fingerprint (computed once per element)."""

    fingerprint: ElementFingerprint
    tag: str
    family: str
    identity: tuple[tuple[str, str], ...]
    identity_tokens: frozenset[str]
    classes: frozenset[str]
    text: str | None
    text_words: frozenset[str]
    text_bigrams: frozenset[str]
    descriptive: tuple[tuple[str, str], ...]
    names: frozenset[str]
    href: str | None
    href_tokens: frozenset[str]
    identifiers: frozenset[str]
    xpath: tuple[str, ...]
    xpath_loose: tuple[str, ...]
    id_xpath: tuple[str, ...]
    id_xpath_loose: tuple[str, ...]
    region: frozenset[str]
    neighbor_words: frozenset[str]
    box: BoundingBox | None


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    return sim.normalize_text(value) or None


def view_of(fp: ElementFingerprint) -> ElementView:
    """Precompute every derived form the comparators need."""
    identity = tuple(
        (prop, value.strip())
        for prop, value in (("test_id", fp.test_id), ("id", fp.id), ("name", fp.name))
        if value and value.strip()
    )
    identity_tokens = frozenset(t for _, value in identity for t in sim.identifier_tokens(value))
    class_tokens = frozenset(t for c in fp.classes for t in sim.identifier_tokens(c))
    href_tokens = frozenset(sim.url_tokens(fp.href)) if fp.href else frozenset()
    family = sim.tag_family(fp.tag.lower(), fp.type)
    descriptive = tuple(
        (prop, norm) for prop in DESCRIPTIVE if (norm := _norm(getattr(fp, prop))) is not None
    )
    if family == "clickable" and fp.tag.lower() == "input" and (value := _norm(fp.value)):
        # The value of a submit input is its caption; elsewhere `value` is data, not a name.
        descriptive += (("value", value),)
    text = fp.text or fp.accessible_name
    names = frozenset(n for n in (_norm(text), *(v for _, v in descriptive)) if n)
    human = " ".join(v for v in (text, *(value for _, value in descriptive)) if v)
    # One bag of every token a developer or a user would recognise the element by: lets
    # `id="menu"` meet the text "Open menu", or `type=submit` meet a `search-submit` class.
    identifiers = (
        identity_tokens
        | class_tokens
        | href_tokens
        | frozenset(sim.identifier_tokens(fp.type or ""))
        | frozenset(sim.words(human))
    )
    xpath = sim.xpath_steps(fp.xpath) if fp.xpath else ()
    id_xpath = sim.xpath_steps(fp.id_xpath) if fp.id_xpath else ()
    neighbours = [*fp.neighbor_texts, fp.label or ""]
    region = sim.landmarks(xpath, id_xpath)
    if fp.form:
        region |= {f"form:{sim.normalize_text(fp.form)}"}
    return ElementView(
        fingerprint=fp,
        tag=fp.tag.lower(),
        family=family,
        identity=identity,
        identity_tokens=identity_tokens,
        classes=frozenset(fp.classes),
        text=_norm(text),
        text_words=frozenset(sim.words(text or "")),
        text_bigrams=sim.char_bigrams(text or ""),
        descriptive=descriptive,
        names=names,
        href=sim.url_key(fp.href) if fp.href else None,
        href_tokens=href_tokens,
        identifiers=identifiers,
        xpath=xpath,
        xpath_loose=sim.loose_steps(xpath, family),
        id_xpath=id_xpath,
        id_xpath_loose=sim.loose_steps(id_xpath, family),
        region=region,
        neighbor_words=frozenset(w for t in neighbours for w in sim.words(t)),
        box=fp.box,
    )


@dataclass(frozen=True, slots=True)
class TokenField:
    """One token-set property over the page: IDF weights and an inverted index."""

    idf: dict[str, float]
    index: dict[str, tuple[int, ...]]
    unseen_idf: float

    @classmethod
    def build(cls, sets: Sequence[frozenset[str]]) -> "TokenField":
        counts: Counter[str] = Counter()
        index: dict[str, list[int]] = defaultdict(list)
        for i, tokens in enumerate(sets):
            counts.update(tokens)
            for token in tokens:
                index[token].append(i)
        size = len(sets)
        # Smoothed IDF: a token on every element still weighs a little; an unseen one the most.
        idf = {token: math.log((size + 1) / (df + 0.5)) for token, df in counts.items()}
        return cls(
            idf=idf,
            index={token: tuple(ids) for token, ids in index.items()},
            unseen_idf=math.log((size + 1) / 0.5),
        )

    def recall(self, tokens: frozenset[str]) -> dict[int, float]:
        """Share of the rarity-weighted mass of `tokens` that each element also carries.

        One-sided on purpose: extra tokens on the candidate (often build hashes) cost nothing,
        while the target's own rare tokens dominate.
        """
        if not tokens:
            return {}
        shared: dict[int, float] = defaultdict(float)
        own = 0.0
        for token in tokens:
            weight = self.idf.get(token)
            if weight is None:
                own += self.unseen_idf
                continue
            own += weight
            for i in self.index[token]:
                shared[i] += weight
        return {i: w / own for i, w in shared.items()}


@dataclass(frozen=True, slots=True)
class CandidatePage:
    """Candidates of one page plus the statistics every heal on that page shares.

    Build it once per page (`CandidatePage.of(fingerprints)`) and pass it to `HealingEngine.heal`
    for each broken element; the engine also caches the last page it built from a plain sequence.
    """

    fingerprints: tuple[ElementFingerprint, ...]
    views: tuple[ElementView, ...]
    classes: TokenField
    text_words: TokenField
    neighbor_words: TokenField
    identifiers: TokenField
    href_tokens: TokenField
    identity_tokens: TokenField
    by_text: dict[str, tuple[int, ...]]
    by_name: dict[str, tuple[int, ...]]
    by_href: dict[str, tuple[int, ...]]
    by_identity: dict[tuple[str, str], tuple[int, ...]]
    with_text: tuple[int, ...]
    with_descriptive: tuple[int, ...]
    with_box: tuple[int, ...]

    @classmethod
    def of(cls, fingerprints: Sequence[ElementFingerprint]) -> "CandidatePage":
        views = tuple(view_of(fp) for fp in fingerprints)
        by_text: dict[str, list[int]] = defaultdict(list)
        by_name: dict[str, list[int]] = defaultdict(list)
        by_href: dict[str, list[int]] = defaultdict(list)
        by_identity: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, view in enumerate(views):
            if view.text is not None:
                by_text[view.text].append(i)
            for name in view.names:
                by_name[name].append(i)
            if view.href is not None:
                by_href[view.href].append(i)
            for pair in view.identity:
                by_identity[pair].append(i)
        return cls(
            fingerprints=tuple(fingerprints),
            views=views,
            classes=TokenField.build([v.classes for v in views]),
            text_words=TokenField.build([v.text_words for v in views]),
            neighbor_words=TokenField.build([v.neighbor_words for v in views]),
            identifiers=TokenField.build([v.identifiers for v in views]),
            href_tokens=TokenField.build([v.href_tokens for v in views]),
            identity_tokens=TokenField.build([v.identity_tokens for v in views]),
            by_text={k: tuple(v) for k, v in by_text.items()},
            by_name={k: tuple(v) for k, v in by_name.items()},
            by_href={k: tuple(v) for k, v in by_href.items()},
            by_identity={k: tuple(v) for k, v in by_identity.items()},
            with_text=tuple(i for i, v in enumerate(views) if v.text is not None),
            with_descriptive=tuple(i for i, v in enumerate(views) if v.descriptive),
            with_box=tuple(i for i, v in enumerate(views) if v.box is not None),
        )

    def __len__(self) -> int:
        return len(self.views)
