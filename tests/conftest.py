"""Session-wide test isolation: learned patterns go to a temporary store, never the user's;
logging configured by a test is put back."""

import logging
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


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Leave the root logger as it was: for tests that configure the process's logging."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
