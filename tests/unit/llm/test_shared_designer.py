"""One ClaudeDesigner serves every project's reconcile thread: each design's usage and fallback
come back with that design, whatever the other threads do meanwhile."""

import threading
from concurrent.futures import ThreadPoolExecutor

from testforge.design.claude import ClaudeDesigner, DesignAnswer
from testforge.design.port import Designed
from testforge.domain.app_model import AppModel
from testforge.llm.port import Correction, Prompt, Reply, T
from testforge.llm.usage import Usage
from tests.unit.pipeline.builders import shop

SHOP = shop()
OTHER = SHOP.model_copy(update={"base_url": "http://other.test"})
USAGE = {
    SHOP.base_url: Usage(input_tokens=1000, output_tokens=100),
    OTHER.base_url: Usage(input_tokens=2000, output_tokens=200),
}
TIMEOUT_S = 10  # only bounds a broken test; the barriers never wait for time to pass


class TogetherProvider:
    """Answers only once both projects' questions are in flight, each billed its own usage."""

    name = "claude"

    def __init__(self) -> None:
        self.in_flight = threading.Barrier(2, timeout=TIMEOUT_S)

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]:
        self.in_flight.wait()
        [base_url] = [url for url in USAGE if f'"base_url":"{url}"' in prompt.context]
        value = prompt.schema.model_validate(DesignAnswer(cases=[]).model_dump())
        return Reply(value=value, provider=self.name, model="fake-model", usage=USAGE[base_url])


def test_concurrent_designs_on_one_designer_each_get_their_own_usage() -> None:
    designer = ClaudeDesigner(TogetherProvider())
    # Both designs finish before either caller looks at its result: the interleaving in which
    # state kept on the shared designer is overwritten by the other project's answer.
    finished = threading.Barrier(2, timeout=TIMEOUT_S)

    def generate(model: AppModel) -> Designed:
        designed = designer.design(model)
        finished.wait()
        return designed

    with ThreadPoolExecutor(max_workers=2) as pool:
        shop_design, other_design = pool.map(generate, (SHOP, OTHER))

    assert shop_design.usage == USAGE[SHOP.base_url]
    assert other_design.usage == USAGE[OTHER.base_url]
    assert (shop_design.plan.base_url, other_design.plan.base_url) == (
        SHOP.base_url,
        OTHER.base_url,
    )
    assert shop_design.fallback is None and other_design.fallback is None
