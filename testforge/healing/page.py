"""CandidatePage: the elements of one page, preprocessed once so every heal on it is cheap.

Holds per-element derived forms (tokens, XPath steps, URL keys) and per-page statistics: how many
elements share each value or token. Rarity on the page is what turns a match into evidence: a
unique id is decisive, a class worn by fifty elements is not.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from testforge.domain.fingerprint import BoundingBox, ElementFingerprint
from testforge.healing import similarity as sim


@dataclass(frozen=True, slots=True)
class ElementView:
    """Derived, comparison-ready forms of one fingerprint (computed once per element)."""

    fingerprint: ElementFingerprint
    tag: str
    group: str
    test_id: str | None
    id: str | None
    id_tokens: frozenset[str]
    name: str | None
    name_tokens: frozenset[str]
    classes: frozenset[str]
    type: str | None
    text: str | None
    text_words: frozenset[str]
    text_bigrams: frozenset[str]
    accessible_name: str | None
    aria_label: str | None
    label: str | None
    placeholder: str | None
    title: str | None
    value: str | None
    alt: str | None
    href: str | None
    href_tokens: frozenset[str]
    identifiers: frozenset[str]
    xpath: tuple[str, ...]
    id_xpath: tuple[str, ...]
    neighbor_words: frozenset[str]
    box: BoundingBox | None
    form: str | None


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    return sim.normalize_text(value) or None


def view_of(fp: ElementFingerprint) -> ElementView:
    """Precompute every derived form the comparators need."""
    id_tokens = frozenset(sim.identifier_tokens(fp.id or ""))
    name_tokens = frozenset(sim.identifier_tokens(fp.name or ""))
    test_id_tokens = frozenset(sim.identifier_tokens(fp.test_id or ""))
    class_tokens = frozenset(t for c in fp.classes for t in sim.identifier_tokens(c))
    href_tokens = frozenset(sim.url_tokens(fp.href)) if fp.href else frozenset()
    human = " ".join(
        v
        for v in (fp.text, fp.accessible_name, fp.aria_label, fp.label, fp.placeholder, fp.title)
        if v
    )
    identifiers = (
        id_tokens
        | name_tokens
        | test_id_tokens
        | class_tokens
        | href_tokens
        | frozenset(sim.identifier_tokens(" ".join(v for v in (fp.alt, fp.value) if v)))
        | frozenset(sim.words(human))
    )
    text = fp.text or fp.accessible_name
    neighbours = frozenset(w for t in fp.neighbor_texts for w in sim.words(t))
    return ElementView(
        fingerprint=fp,
        tag=fp.tag.lower(),
        group=sim.tag_group(fp.tag.lower(), fp.type),
        test_id=_norm(fp.test_id),
        id=fp.id.strip() if fp.id else None,
        id_tokens=id_tokens,
        name=fp.name.strip() if fp.name else None,
        name_tokens=name_tokens,
        classes=frozenset(fp.classes),
        type=_norm(fp.type),
        text=_norm(text),
        text_words=frozenset(sim.words(text or "")),
        text_bigrams=sim.char_bigrams(text or ""),
        accessible_name=_norm(fp.accessible_name),
        aria_label=_norm(fp.aria_label),
        label=_norm(fp.label),
        placeholder=_norm(fp.placeholder),
        title=_norm(fp.title),
        value=_norm(fp.value),
        alt=_norm(fp.alt),
        href=sim.url_key(fp.href) if fp.href else None,
        href_tokens=href_tokens,
        identifiers=identifiers,
        xpath=sim.xpath_steps(fp.xpath) if fp.xpath else (),
        id_xpath=sim.xpath_steps(fp.id_xpath) if fp.id_xpath else (),
        neighbor_words=neighbours,
        box=fp.box,
        form=_norm(fp.form),
    )


def _idf(counts: Counter[str], size: int) -> dict[str, float]:
    # Smoothed inverse document frequency; a token on every element still weighs a little.
    return {token: math.log((size + 1) / (df + 0.5)) for token, df in counts.items()}


def _document_frequency(sets: Iterable[frozenset[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for tokens in sets:
        counts.update(tokens)
    return counts


def _index(sets: Sequence[frozenset[str]]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, tokens in enumerate(sets):
        for token in tokens:
            index[token].append(i)
    return dict(index)


@dataclass(slots=True)
class TokenField:
    """One token-set property over the page: IDF weights, an inverted index and per-element mass."""

    idf: dict[str, float]
    index: dict[str, list[int]]
    mass: list[float]
    unseen_idf: float

    @classmethod
    def build(cls, sets: Sequence[frozenset[str]]) -> "TokenField":
        size = len(sets)
        idf = _idf(_document_frequency(sets), size)
        unseen = math.log((size + 1) / 0.5)
        mass = [sum(idf[t] for t in tokens) for tokens in sets]
        return cls(idf=idf, index=_index(sets), mass=mass, unseen_idf=unseen)

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.unseen_idf)

    def overlap(self, tokens: frozenset[str]) -> dict[int, float]:
        """Weighted Dice of `tokens` against every element sharing at least one of them."""
        if not tokens:
            return {}
        shared: dict[int, float] = defaultdict(float)
        for token in tokens:
            weight = self.idf.get(token)
            if weight is None:
                continue
            for i in self.index[token]:
                shared[i] += weight
        own = sum(self.weight(t) for t in tokens)
        return {i: 2.0 * w / (own + self.mass[i]) for i, w in shared.items()}


def _value_index(values: Sequence[str | None]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, value in enumerate(values):
        if value is not None:
            index[value].append(i)
    return dict(index)


@dataclass(slots=True)
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
    id_tokens: TokenField
    exact: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    has_box: bool = False

    @classmethod
    def of(cls, fingerprints: Sequence[ElementFingerprint]) -> "CandidatePage":
        views = tuple(view_of(fp) for fp in fingerprints)
        exact = {
            "test_id": _value_index([v.test_id for v in views]),
            "id": _value_index([v.id for v in views]),
            "name": _value_index([v.name for v in views]),
            "href": _value_index([v.href for v in views]),
            "text": _value_index([v.text for v in views]),
            "type": _value_index([v.type for v in views]),
        }
        return cls(
            fingerprints=tuple(fingerprints),
            views=views,
            classes=TokenField.build([v.classes for v in views]),
            text_words=TokenField.build([v.text_words for v in views]),
            neighbor_words=TokenField.build([v.neighbor_words for v in views]),
            identifiers=TokenField.build([v.identifiers for v in views]),
            href_tokens=TokenField.build([v.href_tokens for v in views]),
            id_tokens=TokenField.build([v.id_tokens | v.name_tokens for v in views]),
            exact=exact,
            has_box=any(v.box is not None for v in views),
        )

    def __len__(self) -> int:
        return len(self.views)
