"""A local text featuriser: deterministic hashed embeddings that need no model and no network.

Used by the knowledge base (healing patterns) and the semantic LLM cache. Feature hashing of
word unigrams, word bigrams and character trigrams gives cosine similarity close to 1 for
near-identical texts and low similarity for unrelated ones, which is what both callers need.
"""

import hashlib
import itertools
import math
import re
from collections.abc import Iterable

DIMENSIONS = 512
_WORD = re.compile(r"[a-z0-9]+")


def _features(text: str) -> Iterable[tuple[str, float]]:
    words = _WORD.findall(text.lower())
    for word in words:
        yield f"w:{word}", 1.0
    for first, second in itertools.pairwise(words):
        yield f"b:{first} {second}", 0.7
    squashed = " ".join(words)
    for i in range(max(0, len(squashed) - 2)):
        yield f"c:{squashed[i : i + 3]}", 0.3


def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimensions, (1.0 if (value >> 63) & 1 else -1.0)


def embed(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """An L2-normalised vector; the zero vector for text without words."""
    vector = [0.0] * dimensions
    for feature, weight in _features(text):
        index, sign = _slot(feature, dimensions)
        vector[index] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
