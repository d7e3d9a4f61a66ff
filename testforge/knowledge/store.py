"""The pattern store: healing patterns in Qdrant (local on-disk mode by default, or a server).

Vectors come from the local featuriser over the pattern's structural tokens, so similar changes
(an id re-hashed and moved into a container, on a button) land close together.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter
from qdrant_client import QdrantClient, models

from testforge.embedding import DIMENSIONS, embed
from testforge.knowledge.anonymise import structural_tokens
from testforge.knowledge.patterns import HealingPattern, pattern_id, tenant_hash

COLLECTION = "testforge_healing_patterns"
_PATTERNS = TypeAdapter(list[HealingPattern])


@dataclass(frozen=True)
class Match:
    pattern: HealingPattern
    similarity: float


def _point_id(pid: str) -> str:
    return str(uuid.UUID(pid))


def _vector(tokens: list[str]) -> list[float]:
    return embed(" ".join(tokens))


class PatternStore:
    def __init__(self, client: QdrantClient, collection: str = COLLECTION) -> None:
        self.client = client
        self.collection = collection
        if not client.collection_exists(collection):
            client.create_collection(
                collection,
                vectors_config=models.VectorParams(
                    size=DIMENSIONS, distance=models.Distance.COSINE
                ),
            )

    @classmethod
    def local(cls, path: Path) -> "PatternStore":
        path.mkdir(parents=True, exist_ok=True)
        return cls(QdrantClient(path=str(path)))

    @classmethod
    def server(cls, url: str, api_key: str | None = None) -> "PatternStore":
        return cls(QdrantClient(url=url, api_key=api_key))

    @classmethod
    def in_memory(cls, patterns: list[HealingPattern] = ()) -> "PatternStore":  # type: ignore[assignment]
        store = cls(QdrantClient(location=":memory:"))
        for pattern in patterns:
            store._put(pattern)
        return store

    def close(self) -> None:
        self.client.close()

    def get(self, pid: str) -> HealingPattern | None:
        found = self.client.retrieve(self.collection, ids=[_point_id(pid)], with_payload=True)
        return HealingPattern.model_validate(found[0].payload) if found else None

    def _put(self, pattern: HealingPattern) -> None:
        self.client.upsert(
            self.collection,
            points=[
                models.PointStruct(
                    id=_point_id(pattern.id),
                    vector=_vector(pattern.tokens),
                    payload=pattern.model_dump(mode="json"),
                )
            ],
        )

    def record(self, tokens: list[str], tenant: str, *, approved: bool) -> HealingPattern:
        """Count one approved (or rejected) heal of this shape; returns the updated pattern."""
        tokens = structural_tokens(tokens)
        pid = pattern_id(tokens)
        pattern = self.get(pid) or HealingPattern(
            id=pid, tokens=tokens, updated_at=datetime.now(UTC)
        )
        tenants = sorted({*pattern.tenants, tenant_hash(tenant)})
        pattern = pattern.model_copy(
            update={
                "approved": pattern.approved + approved,
                "rejected": pattern.rejected + (not approved),
                "tenants": tenants,
                "updated_at": datetime.now(UTC),
            }
        )
        self._put(pattern)
        return pattern

    def similar(self, tokens: list[str], limit: int = 5) -> list[Match]:
        response = self.client.query_points(
            self.collection,
            query=_vector(structural_tokens(tokens)),
            limit=limit,
            with_payload=True,
        )
        return [
            Match(HealingPattern.model_validate(point.payload), float(point.score))
            for point in response.points
            if point.payload is not None
        ]

    def all(self) -> list[HealingPattern]:
        patterns, offset = [], None
        while True:
            points, offset = self.client.scroll(
                self.collection, limit=256, offset=offset, with_payload=True
            )
            patterns += [HealingPattern.model_validate(p.payload) for p in points if p.payload]
            if offset is None:
                return patterns

    def export(self, path: Path) -> Path:
        """A snapshot for processes that cannot share the on-disk store (test workers)."""
        path.write_bytes(_PATTERNS.dump_json(self.all()))
        return path

    @classmethod
    def from_snapshot(cls, path: Path) -> "PatternStore":
        return cls.in_memory(_PATTERNS.validate_json(path.read_bytes()))
