"""The offline adapter of the LLMProvider port: every prompt's deterministic answer, no network.

It is the provider when no key is configured and the fallback whenever Claude cannot answer
(circuit open, budget spent, invalid output twice), so a run always finishes.
"""

from testforge.llm.port import Correction, Prompt, Reply, T


class OfflineProvider:
    name = "offline"

    def ask(self, prompt: Prompt[T], correction: Correction | None = None) -> Reply[T]:
        return Reply(value=prompt.offline(), provider=self.name)
