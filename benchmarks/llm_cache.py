"""LLM cost benchmark: run the same project twice and compare billed input tokens.

python benchmarks/llm_cache.py [--app-model PATH] [--redis-url URL]

Each run is a separate process (a fresh L1), as a second `testforge run` would be; both talk to
the local fake Anthropic API (no key, no network) and share Redis (L2) and an on-disk semantic
cache (L3). A run classifies every page, designs the plan, re-ranks healing candidates (two tests
hitting the same broken element) and summarises failures. Without --app-model the demo shop is
discovered first (needs Chromium). The Redis database given is flushed: use a spare one.

The last line is one JSON object: {"cold_input_tokens": N, "warm_input_tokens": N,
"ratio": F, "hit_rate": {"l1": F, "l2": F, "l3": F}}.
hit_rate is per layer over both runs: hits / lookups that reached the layer. Exit code 1 when the
warm run costs more than 10% of the cold run's billed input tokens.
"""

import os
import sys

# Run as `python benchmarks/llm_cache.py`, Python would import from this folder first, where
# sibling scripts (operator.py) shadow the standard library; and the fake API lives with the
# tests. So import from the checkout's root instead.
# (os.path, not pathlib: importing pathlib would already import the shadowed module.)
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # noqa: PTH100, PTH120

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from testforge.artifacts import read_model, write_model  # noqa: E402
from testforge.domain.app_model import AppModel, ElementKind  # noqa: E402
from testforge.domain.healing import HealingCandidate, HealingStrategy  # noqa: E402
from testforge.domain.results import (  # noqa: E402
    Failure,
    FailureKind,
    RunResult,
    TestResult,
    TestStatus,
)
from testforge.llm.bootstrap import LLMStack, build  # noqa: E402
from testforge.llm.gateway import LLMReport  # noqa: E402
from testforge.llm.settings import LLMMode, LLMSettings  # noqa: E402

MAX_RATIO = 0.10
DEFAULT_REDIS = os.environ.get("TESTFORGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _heal_twice(stack: LLMStack, model: AppModel) -> None:
    """Two tests lose the same element on each of four pages; the re-ranker is asked each time."""
    pages = [p for p in model.pages if sum(e.kind is not ElementKind.OTHER for e in p.elements) > 3]
    for page in pages[:4]:
        target, *others = [e for e in page.elements if e.kind is not ElementKind.OTHER]
        candidates = [
            HealingCandidate(
                fingerprint=e.fingerprint, score=confidence, confidence=confidence,
                strategy=HealingStrategy.ATTRIBUTE,
            )
            for e, confidence in zip(others[:3], (0.62, 0.6, 0.55), strict=False)
        ]
        for _ in range(2):
            stack.reranker.choose(target.fingerprint, candidates, k=3)


def _failed_run(model: AppModel, titles: list[str]) -> RunResult:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    tests = [
        TestResult(
            nodeid=f"test_{n}", title=title, status=TestStatus.FAILED,
            failure=Failure(kind=FailureKind.ASSERTION, message=f"expected text missing: {title}"),
        )
        for n, title in enumerate(titles)
    ]
    return RunResult(
        base_url=model.base_url, plan_hash="bench", started_at=now, finished_at=now, workers=2,
        tests=tests,
    )


def child(app_model: Path) -> None:
    """One run of the project, in its own process; prints its LLM report as JSON."""
    stack = build(LLMSettings(), LLMMode.CLAUDE)
    model = stack.classify(read_model(app_model, AppModel))
    plan = stack.designer.design(model).plan
    _heal_twice(stack, model)
    stack.insights(_failed_run(model, [c.title for c in plan.cases[:3]]))
    print(stack.report().model_dump_json())


def _discover_demo(directory: Path) -> Path:
    from demo.server import running
    from demo.versions import DEMO_PASSWORD, DEMO_USER, DemoVersion
    from testforge.discovery.auth import Credentials
    from testforge.discovery.service import DiscoveryRequest, discover
    from testforge.domain.app_model import CrawlLimits
    from testforge.settings import BrowserSettings

    print("discovering the demo shop (about a minute)...", file=sys.stderr)
    with running(DemoVersion.V1) as url:
        request = DiscoveryRequest(
            base_url=url, limits=CrawlLimits(), credentials=Credentials(DEMO_USER, DEMO_PASSWORD)
        )
        model = discover(request, BrowserSettings())
    return write_model(directory / "app-model.json", model)


def _run(label: str, app_model: Path, env: dict[str, str]) -> LLMReport:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(app_model)],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode:
        sys.exit(f"{label} run failed:\n{done.stderr[-3000:]}")
    return LLMReport.model_validate_json(done.stdout.strip().splitlines()[-1])


def _row(label: str, report: LLMReport) -> str:
    calls = sum(t.llm_calls for t in report.tasks.values())
    cached = " ".join(f"{name}={s.hits}/{s.lookups}" for name, s in report.cache.items())
    u = report.usage
    return (
        f"{label:<5} LLM calls {calls:>3}  cache hits/lookups {cached}  billed input "
        f"{u.billed_input_tokens:>7,} (plain {u.input_tokens:,}, cache write "
        f"{u.cache_write_tokens:,}, cache read {u.cache_read_tokens:,})  output "
        f"{u.output_tokens:>6,}  ${report.cost_usd or 0:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app-model", type=Path, help="app-model.json (default: the demo's)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a spare Redis database")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    import redis

    from tests.fakes.anthropic_answers import testforge_responders
    from tests.fakes.anthropic_server import running_fake_anthropic

    client = redis.Redis.from_url(args.redis_url)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        sys.exit(f"Redis at {args.redis_url} is needed for L2: {exc} (scripts/start-services)")
    responders = testforge_responders()
    with tempfile.TemporaryDirectory() as tmp, running_fake_anthropic(responders) as api:
        work = Path(tmp)
        app_model = args.app_model or _discover_demo(work)
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": api.api_key,
            "TESTFORGE_LLM_BASE_URL": api.base_url,
            "TESTFORGE_LLM_REDIS_URL": args.redis_url,
            "TESTFORGE_LLM_SEMANTIC_PATH": str(work / "semantic-cache"),
            "TESTFORGE_LLM_STATE_DIR": str(work / "state"),
            "TESTFORGE_LLM_CONCURRENCY": "1",  # one page at a time: the same numbers every time
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
        }
        cold = _run("cold", app_model, env)
        warm = _run("warm", app_model, env)
    print(_row("cold", cold))
    print(_row("warm", warm))
    cold_in, warm_in = cold.usage.billed_input_tokens, warm.usage.billed_input_tokens
    ratio = warm_in / cold_in if cold_in else 0.0
    hit_rate = {}
    for layer in ("l1", "l2", "l3"):
        lookups = sum(r.cache[layer].lookups for r in (cold, warm) if layer in r.cache)
        hits = sum(r.cache[layer].hits for r in (cold, warm) if layer in r.cache)
        hit_rate[layer] = round(hits / lookups, 3) if lookups else 0.0
    print(f"warm/cold billed input tokens: {ratio:.1%} (limit {MAX_RATIO:.0%})")
    print(
        json.dumps(
            {"cold_input_tokens": cold_in, "warm_input_tokens": warm_in,
             "ratio": round(ratio, 4), "hit_rate": hit_rate}
        )
    )
    if ratio > MAX_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
