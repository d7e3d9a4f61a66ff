"""Schema-invalid CRs are refused by the real API server with a readable message (marker
`cluster`: the kube-apiserver of tests/cluster, with the generated crds/ installed)."""

from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.cluster

RUN = {"apiVersion": "testforge.io/v1alpha1", "kind": "TestRun"}
PROJECT = {"apiVersion": "testforge.io/v1alpha1", "kind": "TestProject"}


def _apply(kubectl: Any, document: dict[str, Any]) -> str:
    result = kubectl.run(["apply", "-f", "-"], stdin=yaml.safe_dump(document), check=False)
    return str(result.stderr) if result.returncode else ""


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {**RUN, "metadata": {"name": "a"}, "spec": {"projectRef": {"name": "p"}, "shards": 99}},
            "spec.shards in body should be less than or equal to 32",
        ),
        (
            {
                **RUN,
                "metadata": {"name": "b"},
                "spec": {"projectRef": {"name": "p"}, "cleanup": "sometimes"},
            },
            'spec.cleanup: Unsupported value: "sometimes"',
        ),
        (
            {
                **RUN,
                "metadata": {"name": "c"},
                "spec": {"projectRef": {"name": "p"}, "trigger": {"source": "ci"}},
            },
            "trigger.gitSha is required when trigger.source is ci",
        ),
        ({**RUN, "metadata": {"name": "d"}, "spec": {}}, "spec.projectRef: Required value"),
        (
            {**PROJECT, "metadata": {"name": "e"}, "spec": {"url": "ftp://x"}},
            "spec.url in body should match",
        ),
        (
            {
                **PROJECT,
                "metadata": {"name": "f"},
                "spec": {
                    "url": "http://x",
                    "sandbox": {
                        "resources": {
                            "requests": {"cpu": "1", "memory": "2Gi"},
                            "limits": {"cpu": "1", "memory": "1Gi"},
                        }
                    },
                },
            },
            "limits.memory must be at least requests.memory",
        ),
    ],
)
def test_an_invalid_resource_is_refused_with_a_readable_message(
    installed_manifests: Any, kubectl_admin: Any, document: dict[str, Any], message: str
) -> None:
    assert installed_manifests.crds, installed_manifests.absent
    document["metadata"]["namespace"] = "default"
    assert message in _apply(kubectl_admin, document)


def test_a_runs_project_cannot_be_changed_and_a_cancel_cannot_be_undone(
    installed_manifests: Any, kubectl_admin: Any
) -> None:
    assert installed_manifests.crds, installed_manifests.absent
    run = {
        **RUN,
        "metadata": {"name": "immutable", "namespace": "default"},
        "spec": {"projectRef": {"name": "p"}, "cancel": True},
    }
    assert _apply(kubectl_admin, run) == ""
    moved = {**run, "spec": {"projectRef": {"name": "other"}, "cancel": True}}
    assert "projectRef is immutable" in _apply(kubectl_admin, moved)
    resumed = {**run, "spec": {"projectRef": {"name": "p"}, "cancel": False}}
    assert "a cancelled TestRun cannot be resumed" in _apply(kubectl_admin, resumed)
