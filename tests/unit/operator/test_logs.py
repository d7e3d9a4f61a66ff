"""The operator's log records: JSON, each naming the object it is about."""

import io
import json
import logging

import pytest

from testforge.cluster.logs import about, configure_logging, logger


@pytest.fixture
def stream(restored_logging: None) -> io.StringIO:
    out = io.StringIO()
    configure_logging(stream=out)
    return out


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_our_records_name_the_object_bound_for_the_pass(stream: io.StringIO) -> None:
    with about("TestRun", "team-a", "nightly"):
        logger().warning("reconcile_failed", reason="KubernetesApi503", retry_in_s=5.0)
    logger().info("outside")
    inside, outside = _records(stream)
    assert inside["event"] == "reconcile_failed" and inside["level"] == "warning"
    assert (inside["kind"], inside["namespace"], inside["name"]) == ("TestRun", "team-a", "nightly")
    assert inside["reason"] == "KubernetesApi503" and inside["retry_in_s"] == 5.0
    assert "kind" not in outside  # the binding ends with the pass


def test_kopfs_records_are_json_with_their_object(stream: io.StringIO) -> None:
    ref = {"kind": "TestProject", "namespace": "team-b", "name": "shop", "uid": "u"}
    logging.getLogger("kopf.objects").warning("Handler failed", extra={"k8s_ref": ref})
    (record,) = _records(stream)
    assert record["event"] == "Handler failed" and record["logger"] == "kopf.objects"
    named = (record["kind"], record["namespace"], record["name"])
    assert named == ("TestProject", "team-b", "shop")
