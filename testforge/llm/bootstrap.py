"""The composition root of the LLM layer: from settings to the designer, classifier, re-ranker
and insights a run uses, all sharing one gateway (one cache, one budget, one breaker).

Claude is chosen when asked for (`--llm claude`, which then requires a key) or, in auto mode,
when a key is configured; otherwise everything runs on the offline provider. `describe()` says
which, and why, in one line for the run's output.
"""

from dataclasses import dataclass, field

import anthropic
import structlog
from pydantic import SecretStr

from testforge.design.claude import ClaudeDesigner
from testforge.design.offline import OfflineDesigner
from testforge.design.port import Designed, TestDesigner
from testforge.discovery.classify import classify
from testforge.domain.app_model import AppModel
from testforge.domain.errors import ConfigurationError
from testforge.domain.results import RunResult
from testforge.llm.breaker import CircuitBreaker
from testforge.llm.budget import FileLedger, TokenBudget, UsageLedger
from testforge.llm.cache.entry import CacheLayer, CacheUnavailableError
from testforge.llm.cache.memory import MemoryCache
from testforge.llm.cache.tiered import TokenCache
from testforge.llm.claude import ClaudeProvider, RetryPolicy
from testforge.llm.gateway import Gateway, LLMReport
from testforge.llm.rerank import Reranker
from testforge.llm.settings import LLMMode, LLMSettings
from testforge.reporting.insights import insights

log = structlog.get_logger(__name__)
NO_KEY = "no ANTHROPIC_API_KEY"


@dataclass
class LLMStack:
    gateway: Gateway
    designer: TestDesigner
    reranker: Reranker
    concurrency: int = 4
    setup_notes: list[str] = field(default_factory=list)
    _shown: int = 0

    def classify(self, model: AppModel) -> AppModel:
        return classify(model, self.gateway, self.concurrency)

    def insights(self, result: RunResult) -> str | None:
        return insights(result, self.gateway)

    def new_notes(self) -> list[str]:
        """Fallbacks and budget alerts not yet shown to the user."""
        notes = self.report().notes
        fresh, self._shown = notes[self._shown :], len(notes)
        return fresh

    def report(self) -> LLMReport:
        report = self.gateway.report()
        return report.model_copy(update={"notes": [*self.setup_notes, *report.notes]})

    def describe(self, designed: Designed | None = None) -> str:
        """"designer: claude (model) ...", "designer: offline (why)"; `designed` is the design
        the line is about, when there was one (its fallback is named)."""
        gateway = self.gateway
        if gateway.primary is None:
            return f"designer: offline ({gateway.offline_reason})"
        if designed is not None and designed.fallback is not None:
            return f"designer: offline (fell back from claude: {designed.fallback})"
        report = self.report()
        cost = f"${report.cost_usd:.4f}" if report.cost_usd is not None else "cost unknown"
        hits = sum(s.hits for s in report.cache.values())
        asked = sum(t.llm_calls + t.cached for t in report.tasks.values())
        cached = f", {hits} cached" if hits else ""
        return (
            f"designer: claude ({gateway.model}) · {asked} LLM answers{cached} · "
            f"{report.usage.total_tokens:,} tokens · {cost}"
        )


def resolve_mode(settings: LLMSettings, mode: LLMMode | None) -> tuple[SecretStr | None, str]:
    """The key to call Claude with, or None and why not (for the output line)."""
    mode = mode or settings.mode
    if mode is LLMMode.OFFLINE:
        return None, "--llm offline"
    key = settings.resolved_api_key()
    if mode is LLMMode.CLAUDE and key is None:
        raise ConfigurationError(
            "--llm claude needs an Anthropic API key, and none is configured",
            fix="set ANTHROPIC_API_KEY (or TESTFORGE_LLM_API_KEY_FILE), or use --llm offline",
        )
    return key, NO_KEY


def _layers(settings: LLMSettings, notes: list[str]) -> list[CacheLayer]:
    layers: list[CacheLayer] = []
    if settings.l1_size:
        layers.append(MemoryCache(settings.l1_size, settings.l1_ttl_s))
    if settings.redis_url is not None:
        from testforge.llm.redis_store import RedisCache, connect

        client = connect(settings.redis_url.get_secret_value())
        layers.append(RedisCache(client, settings.l2_ttl_s))
    if settings.semantic_path:
        from testforge.llm.cache.semantic import SemanticCache, open_client

        try:
            layers.append(
                SemanticCache(
                    open_client(settings.semantic_path), settings.semantic_threshold,
                    settings.semantic_ttl_s,
                )
            )
        except CacheUnavailableError as exc:
            notes.append(f"semantic cache disabled: {exc.problem}")
            log.warning("llm.semantic_cache_disabled", error=exc.problem)
    return layers


def _ledger(settings: LLMSettings) -> UsageLedger:
    if settings.redis_url is not None:
        from testforge.llm.redis_store import RedisLedger, connect

        return RedisLedger(connect(settings.redis_url.get_secret_value()))
    return FileLedger(settings.state_dir / "llm-usage.json")


def build(settings: LLMSettings, mode: LLMMode | None = None) -> LLMStack:
    key, reason = resolve_mode(settings, mode)
    budget = TokenBudget(
        settings.run_token_budget, settings.daily_token_budget, _ledger(settings),
        settings.budget_alert_ratio,
    )
    breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown_s)
    notes: list[str] = []
    if key is None:
        gateway = Gateway(None, None, budget=budget, breaker=breaker, offline_reason=reason)
        return LLMStack(gateway, OfflineDesigner(), Reranker(gateway), settings.concurrency)
    client = anthropic.Anthropic(
        api_key=key.get_secret_value(), base_url=settings.base_url,
        max_retries=0,  # retries are ClaudeProvider's (tenacity), never stacked on the SDK's
        timeout=settings.timeout_s,
    )
    provider = ClaudeProvider(
        client, settings.model,
        RetryPolicy(settings.max_attempts, settings.backoff_initial_s, settings.backoff_max_s),
    )
    gateway = Gateway(
        provider, settings.model, budget=budget, breaker=breaker,
        cache=TokenCache(_layers(settings, notes)), prices=settings.prices,
    )
    return LLMStack(
        gateway, ClaudeDesigner(gateway), Reranker(gateway), settings.concurrency, notes
    )


def build_designer(settings: LLMSettings, mode: LLMMode | None = None) -> TestDesigner:
    return build(settings, mode).designer
