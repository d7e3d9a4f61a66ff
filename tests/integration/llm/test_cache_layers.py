"""The L2 (Redis) and L3 (Qdrant local mode) cache adapters, alone and behind the gateway."""

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import redis
from pydantic import BaseModel, SecretStr

from testforge.discovery.classify import classify_prompt, overview
from testforge.llm.bootstrap import build
from testforge.llm.cache.entry import CacheEntry, cache_key
from testforge.llm.cache.semantic import SemanticCache, open_client
from testforge.llm.cache.tiered import TokenCache
from testforge.llm.port import Prompt
from testforge.llm.redis_store import RedisCache, RedisLedger, connect
from testforge.llm.settings import LLMMode, LLMSettings
from testforge.llm.usage import Usage
from tests.fakes.anthropic_server import FakeAnthropic
from tests.unit.pipeline.builders import shop

REDIS_URL = os.environ.get("TESTFORGE_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="TESTFORGE_TEST_REDIS_URL is not set (start Redis: scripts/start-services)",
)
ENTRY = CacheEntry(answer={"text": "stored"}, model="m", usage=Usage(input_tokens=900))


class Answer(BaseModel):
    text: str


def prompt(question: str, reusable: bool = True, system: str = "Classify.") -> Prompt[Answer]:
    return Prompt(
        task="t",
        system=system,
        context="",
        question=question,
        schema=Answer,
        tool="t",
        tool_description="t",
        offline=lambda: Answer(text="offline"),
        reusable=reusable,
    )


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    assert REDIS_URL
    client = connect(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.mark.redis
@needs_redis
def test_redis_keeps_entries_for_the_configured_ttl(redis_client: redis.Redis) -> None:
    key = cache_key(prompt(f"q-{uuid.uuid4()}"), "m")
    l2 = RedisCache(redis_client, ttl_s=120)
    assert l2.get(key) is None
    l2.put(key, ENTRY)
    assert l2.get(key) == ENTRY
    assert 0 < redis_client.ttl(f"testforge:llm:cache:{key.digest}") <= 120


@pytest.mark.redis
@needs_redis
def test_a_second_run_in_a_new_process_is_served_from_redis(
    redis_client: redis.Redis, fake: FakeAnthropic, settings: LLMSettings
) -> None:
    with_redis = settings.model_copy(update={"redis_url": SecretStr(REDIS_URL or "")})
    first = build(with_redis, LLMMode.CLAUDE)
    first.designer.design(shop())
    second = build(with_redis, LLMMode.CLAUDE)  # a fresh L1, as in a new process
    plan = second.designer.design(shop()).plan
    assert plan.designer == "claude"
    assert len(fake.calls("add_test_cases")) == 1
    report = second.report()
    assert (report.cache["l1"].hits, report.cache["l2"].hits) == (0, 1)
    assert report.usage.total_tokens == 0
    assert report.cache["l2"].saved.total_tokens > 0


@pytest.mark.redis
@needs_redis
def test_the_daily_ledger_in_redis_is_shared_by_every_run(redis_client: redis.Redis) -> None:
    day = date(2026, 5, 1)
    RedisLedger(redis_client).add(day, 40)
    assert RedisLedger(redis_client).add(day, 2) == 42
    assert RedisLedger(redis_client).spent(day) == 42


def test_an_unreachable_redis_costs_a_cache_miss_never_the_run(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    down = settings.model_copy(update={"redis_url": SecretStr("redis://127.0.0.1:1/0")})
    stack = build(down, LLMMode.CLAUDE)
    assert stack.designer.design(shop()).plan.designer == "claude"
    assert stack.report().cache["l2"].errors >= 1


PRODUCT_PAGE = (
    'Classify this page: {"path": "/products/*", "title": "%s · Forge & Field", "elements": '
    '[{"name": "quantity", "kind": "text_input", "label": "Quantity"}, {"name": "add_to_cart", '
    '"kind": "button", "label": "Add to cart"}, {"name": "all_products", "kind": "link", '
    '"label": "All products"}], "forms": [{"purpose": "generic", "fields": ["Quantity"]}]}'
)


def test_a_near_identical_reusable_prompt_is_answered_by_the_semantic_layer() -> None:
    l3 = SemanticCache(open_client(":memory:"), threshold=0.95)
    l3.put(cache_key(prompt(PRODUCT_PAGE % "Canvas Apron"), "m"), ENTRY)
    near = prompt(PRODUCT_PAGE % "Canvas Tote")
    far = prompt('Classify this page: {"path": "/contact", "title": "Contact us", "elements": '
                 '[{"name": "email", "kind": "text_input"}, {"name": "send", "kind": "button"}]}')
    assert l3.get(cache_key(near, "m")) == ENTRY
    assert l3.get(cache_key(far, "m")) is None
    assert l3.get(cache_key(near, "other-model")) is None  # another scope
    other_rules = prompt(near.question, system="Different instructions.")
    assert l3.get(cache_key(other_rules, "m")) is None


def test_the_semantic_layer_is_skipped_for_prompts_not_marked_reusable() -> None:
    cache = TokenCache([SemanticCache(open_client(":memory:"))])
    cache.put(cache_key(prompt("q", reusable=False), "m"), ENTRY)
    assert cache.get(cache_key(prompt("q", reusable=True), "m"), lambda e: True) is None


def test_the_on_disk_semantic_cache_survives_a_new_client(tmp_path: Path) -> None:
    key = cache_key(prompt("classify the cart page"), "m")
    client = open_client(str(tmp_path / "l3"))
    SemanticCache(client).put(key, ENTRY)
    client.close()
    assert SemanticCache(open_client(str(tmp_path / "l3"))).get(key) == ENTRY


def test_classification_of_a_templated_sibling_page_comes_from_the_semantic_layer(
    fake: FakeAnthropic, settings: LLMSettings
) -> None:
    stack = build(settings.model_copy(update={"semantic_path": ":memory:"}), LLMMode.CLAUDE)
    model = shop()
    mug = model.page("/products/mug")
    tea = mug.model_copy(
        update={
            "path": "/products/tea",
            "url": "http://shop.test/products/tea",
            "title": "Tea",
            "heading": "Tea",
            "template": "/products/*",
        }
    )
    mug = mug.model_copy(update={"template": "/products/*"})
    context = overview(model)
    first = stack.gateway.ask(classify_prompt(mug, model, context))
    second = stack.gateway.ask(classify_prompt(tea, model, context))
    assert (first.cache, second.cache) == (None, "l3")
    assert second.value == first.value
    assert len(fake.calls("classify_page")) == 1
