"""Session-wide test isolation: learned patterns go to a temporary store, never the user's."""

from collections.abc import Iterator
from pathlib import Path

import pytest

# One real control plane per session for every directory that needs it (tests/cluster).
from tests.cluster.fixtures import (  # noqa: F401
    admin_api,
    control_plane,
    installed_manifests,
    kubectl_admin,
    namespace,
    operator_api,
)


@pytest.fixture(autouse=True, scope="session")
def isolated_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("knowledge")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TESTFORGE_KNOWLEDGE_PATH", str(path))
        yield path
