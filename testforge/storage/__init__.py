"""The artifact store: where suites, results and reports live between the operator and its Jobs."""

from testforge.storage.local import LocalStore
from testforge.storage.port import ArtifactStore, StoreError

__all__ = ["ArtifactStore", "LocalStore", "StoreError"]
