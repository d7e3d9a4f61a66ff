"""Fixtures for the LLM integration tests: the fake Anthropic server and settings pointing at it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from testforge.llm.settings import LLMSettings
from tests.fakes.anthropic_answers import testforge_responders
from tests.fakes.anthropic_server import FakeAnthropic, running_fake_anthropic


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with running_fake_anthropic(testforge_responders()) as server:
        yield server


@pytest.fixture
def settings(fake: FakeAnthropic, tmp_path: Path) -> LLMSettings:
    """Fast retries and timeouts; no Redis, no semantic cache, state in a temporary folder."""
    return LLMSettings(
        api_key=SecretStr(fake.api_key),
        base_url=fake.base_url,
        timeout_s=1.0,
        max_attempts=3,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        breaker_threshold=2,
        concurrency=1,
        redis_url=None,
        semantic_path=None,
        state_dir=tmp_path,
    )
