"""Choosing the provider from settings, and what the run's output says about it."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from testforge.design.claude import ClaudeDesigner
from testforge.design.offline import OfflineDesigner
from testforge.domain.errors import ConfigurationError
from testforge.llm.bootstrap import LLMStack, build
from testforge.llm.port import ProviderUnavailableError
from testforge.llm.rerank import Reranker
from testforge.llm.settings import LLMMode, LLMSettings
from tests.fakes.llm import ScriptedProvider
from tests.unit.llm.helpers import gateway, prompt
from tests.unit.pipeline.builders import shop


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LLMSettings:
    for name in ("ANTHROPIC_API_KEY", "TESTFORGE_LLM_API_KEY", "TESTFORGE_LLM_MODE"):
        monkeypatch.delenv(name, raising=False)
    return LLMSettings(state_dir=tmp_path)


def test_auto_mode_without_a_key_designs_offline_and_says_why(no_key: LLMSettings) -> None:
    stack = build(no_key, LLMMode.AUTO)
    assert isinstance(stack.designer, OfflineDesigner)
    assert stack.describe() == "designer: offline (no ANTHROPIC_API_KEY)"


def test_auto_mode_with_a_key_designs_with_claude(no_key: LLMSettings) -> None:
    stack = build(no_key.model_copy(update={"api_key": SecretStr("sk-ant-x")}), LLMMode.AUTO)
    assert isinstance(stack.designer, ClaudeDesigner)
    assert stack.gateway.model == "claude-sonnet-4-6"


def test_asking_for_claude_without_a_key_is_a_configuration_error(no_key: LLMSettings) -> None:
    with pytest.raises(ConfigurationError, match="--llm claude needs an Anthropic API key"):
        build(no_key, LLMMode.CLAUDE)


def test_offline_mode_ignores_a_configured_key(no_key: LLMSettings) -> None:
    stack = build(no_key.model_copy(update={"api_key": SecretStr("k")}), LLMMode.OFFLINE)
    assert stack.describe() == "designer: offline (--llm offline)"


def test_the_design_line_names_the_fallback_reason() -> None:
    gw = gateway(ScriptedProvider(ProviderUnavailableError("Claude API answered 529")))
    stack = LLMStack(gw, ClaudeDesigner(gw), Reranker(gw))
    designed = stack.designer.design(shop())
    assert (
        stack.describe(designed)
        == "designer: offline (fell back from claude: Claude API answered 529)"
    )


def test_each_note_is_shown_once() -> None:
    gw = gateway(ScriptedProvider(*(ProviderUnavailableError("down") for _ in range(3))))
    stack = LLMStack(gw, ClaudeDesigner(gw), Reranker(gw))
    gw.ask(prompt("a"))
    assert stack.new_notes() == ["test: answered offline (down)"]
    assert stack.new_notes() == []
    gw.ask(prompt("b"))
    assert "circuit breaker opened: down" in stack.new_notes()
