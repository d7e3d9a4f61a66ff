"""Artifacts: a stage given a missing or malformed file says which and how to get a good one."""

from pathlib import Path

import pytest

from testforge.artifacts import read_model, read_suite, write_model
from testforge.domain.app_model import AppModel
from testforge.domain.errors import ArtifactError
from testforge.domain.plan import TestPlan
from tests.unit.pipeline.builders import shop


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    model = shop()
    assert read_model(write_model(tmp_path / "app-model.json", model), AppModel) == model


def test_missing_file_names_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as caught:
        read_model(tmp_path / "plan.json", TestPlan)
    assert "does not exist" in caught.value.problem
    assert caught.value.fix and "testforge design" in caught.value.fix


def test_wrong_kind_of_artifact_is_refused_with_its_problems(tmp_path: Path) -> None:
    path = write_model(tmp_path / "plan.json", shop())
    with pytest.raises(ArtifactError, match=r"not a valid TestPlan \(\d+ problem"):
        read_model(path, TestPlan)


def test_truncated_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app-model.json"
    path.write_text('{"base_url": "http://x", "pages": [')
    with pytest.raises(ArtifactError, match="not a valid AppModel"):
        read_model(path, AppModel)


def test_folder_without_suite_json_is_not_a_suite(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="is not a TestForge suite"):
        read_suite(tmp_path)
