"""Bad input and faults: a clear message naming the problem and the fix, exit code 2."""

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demo.versions import DEMO_USER
from testforge.cli import app

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_url_that_is_not_a_web_address_is_a_usage_error(tmp_path: Path) -> None:
    code, output = invoke("discover", "localhost:8000", "--out", str(tmp_path))
    assert code == 2
    assert "is not a web address" in output and "http://localhost:8000" in output


def test_an_unreachable_application_says_to_start_it(tmp_path: Path) -> None:
    code, output = invoke("run", f"http://127.0.0.1:{free_port()}/", "--out", str(tmp_path))
    assert code == 2
    assert "cannot connect" in output and "start the application" in output


def test_a_non_html_response_is_refused(demo_v1: str, tmp_path: Path) -> None:
    code, output = invoke("discover", f"{demo_v1}/api/deals", "--out", str(tmp_path))
    assert code == 2
    assert "not an HTML page" in output


def test_half_given_credentials_are_refused_before_anything_runs(tmp_path: Path) -> None:
    code, output = invoke(
        "discover", "http://127.0.0.1:1/", "--username", "x", "--out", str(tmp_path)
    )
    assert code == 2
    assert "both a username and a password" in output


def test_an_invalid_include_pattern_names_the_pattern(tmp_path: Path) -> None:
    code, output = invoke(
        "discover", "http://127.0.0.1:1/", "--include", "([", "--out", str(tmp_path)
    )
    assert code == 2 and "'([' is not a valid regex" in output


def test_a_malformed_artifact_names_the_file_and_the_command_that_makes_it(tmp_path: Path) -> None:
    broken = tmp_path / "app-model.json"
    broken.write_text('{"pages": 3}')
    code, output = invoke("design", str(broken), "--out", str(tmp_path))
    assert code == 2
    assert "is not a valid AppModel" in output and "testforge discover" in output


def test_a_missing_browser_says_how_to_install_one(demo_v1: str, tmp_path: Path) -> None:
    code, output = invoke(
        "--chromium", "/nonexistent/chromium", "discover", demo_v1, "--out", str(tmp_path)
    )
    assert code == 2
    assert "Chromium not found" in output and "apt-get install" in output


@pytest.mark.browser
def test_failed_sign_in_quotes_the_page(demo_v1: str, tmp_path: Path) -> None:
    code, output = invoke(
        "discover",
        demo_v1,
        "--username",
        DEMO_USER,
        "--password",
        "not-the-password",
        "--out",
        str(tmp_path),
    )
    assert code == 2
    assert "failed" in output and "Invalid email or password." in output
    assert "not-the-password" not in output  # secrets never echo back


def test_an_internal_error_exits_2_with_where_the_traceback_is_never_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from testforge.cli import stages

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug in discovery")

    monkeypatch.setattr(stages, "discover", broken)
    code, output = invoke("discover", "http://127.0.0.1:1/", "--out", str(tmp_path))
    assert code == 2  # exit 1 means "tests failed", which a crash never is
    assert "internal error: RuntimeError: a bug in discovery" in output
    assert "testforge-crash-" in output and "report it" in output
