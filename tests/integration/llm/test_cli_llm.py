"""`--llm` on the command line: Claude end to end against the fake API, offline without a key."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testforge.artifacts import read_model, write_model
from testforge.design.offline import OfflineDesigner
from testforge.design.validate import plan_problems
from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan
from tests.fakes.anthropic_server import FakeAnthropic
from tests.unit.pipeline.builders import shop


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("testforge")), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "TESTFORGE_LLM"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    return {**env, "TESTFORGE_LLM_STATE_DIR": str(tmp_path / "state"), **extra}


def claude_env(fake: FakeAnthropic, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        tmp_path,
        ANTHROPIC_API_KEY=fake.api_key,
        ANTHROPIC_BASE_URL=fake.base_url,
        TESTFORGE_LLM_BACKOFF_INITIAL_S="0.01",
    )


def test_design_offline_needs_no_key_and_says_so(tmp_path: Path) -> None:
    model_path = write_model(tmp_path / "app-model.json", shop())
    done = run_cli(
        "design",
        str(model_path),
        "--llm",
        "offline",
        "--out",
        "out",
        env=clean_env(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "designer: offline (--llm offline)" in done.stdout
    plan = read_model(tmp_path / "out" / "plan.json", TestPlan)
    assert plan == OfflineDesigner().design(shop()).plan
    assert not (tmp_path / "out" / "llm-usage.json").exists()


def test_auto_without_a_key_is_offline_and_claude_without_a_key_is_an_error(tmp_path: Path) -> None:
    model_path = write_model(tmp_path / "app-model.json", shop())
    auto = run_cli("design", str(model_path), env=clean_env(tmp_path), cwd=tmp_path)
    assert "designer: offline (no ANTHROPIC_API_KEY)" in auto.stdout
    claude = run_cli(
        "design", str(model_path), "--llm", "claude", env=clean_env(tmp_path), cwd=tmp_path
    )
    assert claude.returncode == 2
    assert "--llm claude needs an Anthropic API key" in claude.stderr


def test_design_with_claude_writes_a_larger_plan_and_the_usage(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    model_path = write_model(tmp_path / "app-model.json", shop())
    done = run_cli(
        "design",
        str(model_path),
        "--llm",
        "claude",
        "--out",
        "out",
        env=claude_env(fake, tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "designer: claude (claude-sonnet-4-6)" in done.stdout
    assert fake.api_key not in done.stdout + done.stderr
    plan = read_model(tmp_path / "out" / "plan.json", TestPlan)
    assert len(plan.cases) > len(OfflineDesigner().design(shop()).plan.cases)
    usage = json.loads((tmp_path / "out" / "llm-usage.json").read_text())
    assert usage["tasks"]["design"]["llm_calls"] == 1
    assert usage["usage"]["input_tokens"] > 0


@pytest.mark.browser
@pytest.mark.slow
def test_run_with_claude_end_to_end_on_the_demo_shop(fake: FakeAnthropic, tmp_path: Path) -> None:
    from demo.server import running
    from demo.versions import DEMO_PASSWORD, DEMO_USER, DemoVersion

    with running(DemoVersion.V1) as url:
        done = run_cli(
            "run",
            url,
            "--llm",
            "claude",
            "--username",
            DEMO_USER,
            "--password",
            DEMO_PASSWORD,
            "--out",
            str(tmp_path / "out"),
            env=claude_env(fake, tmp_path),
            cwd=tmp_path,
        )
    out = tmp_path / "out"
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "designer: claude (claude-sonnet-4-6)" in done.stdout
    model = read_model(out / "app-model.json", AppModel)
    plan = read_model(out / "plan.json", TestPlan)
    offline = OfflineDesigner().design(model).plan
    assert plan.designer == "claude"
    assert len(plan.cases) > len(offline.cases)
    assert plan_problems(plan, model) == [] == plan_problems(offline, model)
    assert all(p.purpose and p.risk for p in model.pages)
    assert len(fake.calls("classify_page")) >= 1 and len(fake.calls("add_test_cases")) == 1
    assert (out / "llm-usage.json").is_file()
