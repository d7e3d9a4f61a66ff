"""The corpus in CI: every app's own tests, except the heavy ones (MLflow: ~850 MB a version,
15-50 s a start), which run with TESTFORGE_REALAPPS=all and in benchmarks/realapps.py."""

import os

import pytest

HEAVY = ("test_corpus_mlflow.py",)
ALL = os.environ.get("TESTFORGE_REALAPPS") == "all"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ALL:
        return
    skip = pytest.mark.skip(
        reason="a heavy corpus app: run with TESTFORGE_REALAPPS=all, or benchmarks/realapps.py"
    )
    for item in items:
        if item.path.name in HEAVY:
            item.add_marker(skip)
