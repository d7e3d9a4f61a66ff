"""The committed CRDs match the CR models, and the generated schemas are structural."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from testforge.cli import app
from testforge.cli.crds import stale_files
from testforge.cluster.builders.crdgen import RESOURCES, crd, openapi_schema, rendered_files
from testforge.domain.crd import TestRunSpec

CRDS = Path(__file__).resolve().parents[3] / "crds"


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.get("properties", {}).items():
            found += _walk(value, f"{path}.{key}")
        if isinstance(node.get("items"), dict):
            found += _walk(node["items"], f"{path}[]")
    return found


def test_committed_crds_are_what_the_models_generate() -> None:
    assert stale_files(CRDS) == [], "run `testforge crds` and commit crds/"


def test_the_check_command_fails_on_a_stale_folder(tmp_path: Path) -> None:
    (tmp_path / "testruns.testforge.io.yaml").write_text("stale", encoding="utf-8")
    result = CliRunner().invoke(app, ["crds", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "testruns.testforge.io.yaml" in result.output


def test_the_command_writes_one_file_per_resource(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["crds", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(rendered_files())
    assert stale_files(tmp_path) == []


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.kind)
def test_every_schema_node_is_structural(resource: Any) -> None:
    schema = crd(resource)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        assert "$ref" not in node and "anyOf" not in node and "title" not in node, path
        assert not ("properties" in node and "additionalProperties" in node), path
        assert "type" in node or node.get("x-kubernetes-preserve-unknown-fields"), path


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.kind)
def test_every_resource_has_status_short_names_and_the_category(resource: Any) -> None:
    manifest = crd(resource)
    version = manifest["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert manifest["spec"]["names"]["shortNames"]
    assert manifest["spec"]["names"]["categories"] == ["testforge"]


def test_testrun_prints_phase_and_counts() -> None:
    run = next(r for r in RESOURCES if r.kind == "TestRun")
    columns = {c["name"] for c in crd(run)["spec"]["versions"][0]["additionalPrinterColumns"]}
    assert {"Phase", "Passed", "Failed", "Healed", "Age"} <= columns


def test_optional_fields_become_nullable_and_defaults_are_spelled_out() -> None:
    schema = openapi_schema(TestRunSpec)
    assert schema["properties"]["trigger"]["properties"]["gitSha"]["nullable"] is True
    assert schema["properties"]["trigger"]["default"] == {"source": "manual"}
    assert schema["properties"]["cleanup"]["enum"] == ["always", "onSuccess", "never"]
    assert schema["required"] == ["projectRef"]


def test_cross_field_rules_are_cel_validations() -> None:
    rules = [v["rule"] for v in openapi_schema(TestRunSpec)["x-kubernetes-validations"]]
    assert "self.projectRef == oldSelf.projectRef" in rules
    assert any("gitSha" in rule for rule in rules)


def test_yaml_quotes_field_names_go_would_read_as_booleans() -> None:
    text = rendered_files()["healingrequests.testforge.io.yaml"]
    assert "- 'y'" in text
    assert yaml.safe_load(text)["kind"] == "CustomResourceDefinition"
