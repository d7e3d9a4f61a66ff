"""L3: the semantic cache. A prompt marked reusable may be answered by the stored answer of a
near-identical prompt (cosine similarity >= 0.95 of local hashed embeddings) in the same scope.

Backed by qdrant-client: local mode (a path or ":memory:") embedded, a server URL in a cluster.
"""

import time
import uuid
from typing import Any

from pydantic import ValidationError
from qdrant_client import QdrantClient, models

from testforge.embedding import DIMENSIONS, embed
from testforge.llm.cache.entry import CacheEntry, CacheKey, CacheUnavailableError

COLLECTION = "testforge_llm_cache"


def open_client(location: str) -> QdrantClient:
    """":memory:", a local directory, or an http(s) URL of a Qdrant server."""
    try:
        if location == ":memory:":
            return QdrantClient(location=":memory:")
        if location.startswith(("http://", "https://")):
            return QdrantClient(url=location, timeout=5)
        return QdrantClient(path=location)
    except Exception as exc:  # qdrant-client raises RuntimeError, OSError, portalocker errors...
        raise CacheUnavailableError(f"cannot open the semantic cache at {location}: {exc}") from exc


class SemanticCache:
    name = "l3"
    reusable_only = True

    def __init__(
        self, client: QdrantClient, threshold: float = 0.95, ttl_s: int = 7 * 86_400
    ) -> None:
        self._client = client
        self._threshold = threshold
        self._ttl_s = ttl_s
        try:
            if not client.collection_exists(COLLECTION):
                client.create_collection(
                    COLLECTION,
                    vectors_config=models.VectorParams(
                        size=DIMENSIONS, distance=models.Distance.COSINE
                    ),
                )
        except Exception as exc:
            raise CacheUnavailableError(f"cannot prepare the semantic cache: {exc}") from exc

    def get(self, key: CacheKey) -> CacheEntry | None:
        vector = embed(key.text)
        if not any(vector):
            return None  # a question without words has no meaningful neighbours
        scope = models.Filter(
            must=[
                models.FieldCondition(key="scope", match=models.MatchValue(value=key.scope)),
                models.FieldCondition(
                    key="created_at", range=models.Range(gte=time.time() - self._ttl_s)
                ),
            ]
        )
        try:
            found = self._client.query_points(
                COLLECTION, query=vector, query_filter=scope, limit=1,
                score_threshold=self._threshold, with_payload=True,
            ).points
        except Exception as exc:
            raise CacheUnavailableError(f"semantic cache query failed: {exc}") from exc
        if not found or found[0].payload is None:
            return None
        payload: dict[str, Any] = found[0].payload
        try:
            return CacheEntry.model_validate(payload["entry"])
        except (KeyError, ValidationError):
            return None

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        vector = embed(key.text)
        if not any(vector):
            return
        point = models.PointStruct(
            # One point per exact prompt: storing the same prompt again replaces it.
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, key.digest)),
            vector=vector,
            payload={
                "scope": key.scope,
                "created_at": entry.created_at,
                "entry": entry.model_dump(mode="json"),
            },
        )
        try:
            self._client.upsert(COLLECTION, points=[point])
        except Exception as exc:
            raise CacheUnavailableError(f"semantic cache write failed: {exc}") from exc
