"""Prices from configuration and settings that keep the key secret."""

from pathlib import Path

import pytest

from testforge.domain.errors import ConfigurationError
from testforge.llm.pricing import DEFAULT_PRICES, Price, cost_usd, price_for
from testforge.llm.settings import LLMSettings
from testforge.llm.usage import Usage


def test_cost_prices_every_kind_of_token_at_its_own_rate() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_read_tokens=1_000_000,
        cache_write_tokens=1_000_000,
    )
    assert Price(input=3, output=15).cost(usage) == pytest.approx(3 + 1.5 + 0.3 + 3.75)


def test_dated_model_snapshots_use_their_familys_price() -> None:
    assert (
        price_for("claude-sonnet-4-5-20250929", DEFAULT_PRICES)
        == DEFAULT_PRICES["claude-sonnet-4-5"]
    )


def test_an_unknown_model_has_an_unknown_cost_not_a_zero_one() -> None:
    assert cost_usd(Usage(input_tokens=10), "mystery-model", DEFAULT_PRICES) is None


def test_the_price_table_can_be_configured_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESTFORGE_LLM_PRICES", '{"my-model": {"input": 1, "output": 2}}')
    assert LLMSettings().prices == {"my-model": Price(input=1, output=2)}


def test_the_api_key_never_shows_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret")
    settings = LLMSettings()
    assert "sk-ant-very-secret" not in repr(settings)
    assert "sk-ant-very-secret" not in str(settings.model_dump())
    assert settings.resolved_api_key() is not None


def test_the_key_can_come_from_a_mounted_secret_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    secret = tmp_path / "key"
    secret.write_text("sk-ant-from-file\n")
    key = LLMSettings(api_key_file=secret).resolved_api_key()
    assert key is not None and key.get_secret_value() == "sk-ant-from-file"


def test_an_unreadable_key_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="cannot read the Anthropic API key file"):
        LLMSettings(api_key_file=tmp_path / "missing").resolved_api_key()


def test_a_blank_key_counts_as_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "  ")
    assert LLMSettings().resolved_api_key() is None
