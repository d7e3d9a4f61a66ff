"""Integration fixtures: the demo shop served on a free port, per version."""

from collections.abc import Iterator

import pytest

from demo.server import running
from demo.versions import DemoVersion


@pytest.fixture(scope="session")
def demo_v1() -> Iterator[str]:
    with running(DemoVersion.V1) as url:
        yield url


@pytest.fixture(scope="session")
def demo_v2() -> Iterator[str]:
    with running(DemoVersion.V2) as url:
        yield url


@pytest.fixture(scope="session")
def demo_v3() -> Iterator[str]:
    with running(DemoVersion.V3) as url:
        yield url
