"""Script generation: readable, deterministic, ruff-clean pytest files that use registry keys."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from testforge.artifacts import read_suite, write_suite
from testforge.design.offline import OfflineDesigner
from testforge.domain.suite import Suite
from testforge.scriptgen.render import generate_suite, py_str
from tests.unit.pipeline.builders import shop


@pytest.fixture(scope="module")
def suite() -> Suite:
    model = shop()
    return generate_suite(OfflineDesigner().design(model).plan, model)


def test_every_case_becomes_one_test_function(suite: Suite) -> None:
    functions = {
        f"{file.path}::{node.name}"
        for file in suite.files
        if file.path.startswith("tests/")
        for node in ast.parse(file.content).body
        if isinstance(node, ast.FunctionDef)
    }
    assert functions == {c.nodeid for c in suite.cases}


def test_tests_address_elements_only_through_registry_keys(suite: Suite) -> None:
    code = "\n".join(f.content for f in suite.files if f.path.startswith("tests/"))
    assert "page.locator" not in code and "#" + "login" not in code
    for key in ("login.email", "mug.add_to_cart", "cart.total"):
        assert f'"{key}"' in code
        assert key in suite.registry


def test_credentials_come_from_the_environment_at_run_time(suite: Suite) -> None:
    code = next(f.content for f in suite.files if f.path == "tests/test_login.py")
    assert 'tf.fill("login.password", tf.credential("password"))' in code


def test_generation_is_deterministic_apart_from_timestamps() -> None:
    model = shop()
    plan = OfflineDesigner().design(model).plan
    assert generate_suite(plan, model).files == generate_suite(plan, model).files


def test_generated_code_is_ruff_clean(suite: Suite, tmp_path: Path) -> None:
    write_suite(suite, tmp_path)
    ruff = Path(sys.executable).with_name("ruff")
    completed = subprocess.run(
        [
            str(ruff),
            "check",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP",
            "--line-length",
            "400",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # as in the user's checkout
    )
    assert completed.returncode == 0, completed.stdout


def test_suite_round_trips_through_its_folder(suite: Suite, tmp_path: Path) -> None:
    write_suite(suite, tmp_path)
    assert (tmp_path / "locators.json").is_file() and (tmp_path / "conftest.py").is_file()
    assert read_suite(tmp_path) == suite


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", '"plain"'),
        (r"/orders/[^/?#]+", '"/orders/[^/?#]+"'),
        (r"/a\.b", 'r"/a\\.b"'),
        ('say "hi"', "'say \"hi\"'"),
    ],
)
def test_string_literals_are_readable_and_exact(value: str, literal: str) -> None:
    assert py_str(value) == literal
    assert ast.literal_eval(literal) == value


def test_signed_in_tests_are_marked_and_never_sign_in_themselves(suite: Suite) -> None:
    code = "\n".join(f.content for f in suite.files if f.path.startswith("tests/"))
    tree = [
        node
        for f in suite.files
        if f.path.startswith("tests/")
        for node in ast.parse(f.content).body
        if isinstance(node, ast.FunctionDef)
    ]
    for function in tree:
        marks = {ast.unparse(d) for d in function.decorator_list}
        signs_in = "tf.sign_in()" in ast.unparse(function)
        if "pytest.mark.signed_in" in marks:
            assert not signs_in, function.name
        if signs_in:
            assert "pytest.mark.auth" in marks, function.name
    assert "@pytest.mark.signed_in" in code


def test_a_suite_made_with_writes_gives_writing_tests_their_own_session_and_unique_data() -> None:
    model = shop().model_copy(update={"allow_writes": True})
    checkout = next(f for f in model.forms if f.key == "checkout.form")
    checkout.probes[0].unique = ("checkout.name",)
    suite = generate_suite(OfflineDesigner().design(model).plan, model)
    code = "\n".join(f.content for f in suite.files if f.path.startswith("tests/"))
    assert 'tf.fill("checkout.name", tf.unique("Ada Lovelace"))' in code
    assert 'tf.expect_page_text(tf.unique("Ada Lovelace"))' in code
    assert "@pytest.mark.own_session" in code
    assert suite.allow_writes
