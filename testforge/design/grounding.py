"""Grounding: every expectation in an LLM-designed case must be something discovery observed.

The offline designer asserts only observations, so its tests pass on the app they were designed
from. An LLM can invent plausible texts, URLs or validation rules; this check finds them so they
are sent back for correction instead of becoming tests that fail on a healthy app.
"""

import re

from testforge.domain.app_model import AppModel
from testforge.domain.locators import path_regex
from testforge.domain.plan import Action, TestCase


class _Facts:
    def __init__(self, model: AppModel) -> None:
        self.titles = {p.title for p in model.pages}
        self.paths = {p.path for p in model.pages}
        self.url_patterns = {path_regex(p) for p in self.paths}
        self.invalid_fields: set[str] = set()
        self.invalid_reasons: set[tuple[str, str]] = set()
        self.field_messages: set[tuple[str, str]] = set()
        self.values: set[str] = set()
        texts: list[str] = []
        for page in model.pages:
            texts += [page.title, page.heading or "", *page.async_texts, *page.observed.values()]
            for element in page.elements:
                fp = element.fingerprint
                texts += [fp.text or "", fp.label or "", fp.accessible_name or "", fp.value or ""]
            for form in page.forms:
                for field in form.fields:
                    self.values.update(field.constraints.options)
                for probe in form.probes:
                    outcome = probe.outcome
                    self.paths.add(outcome.url_path.split("?")[0])
                    self.url_patterns.add(outcome.url_pattern)
                    self.invalid_fields.update(outcome.invalid_fields)
                    self.invalid_reasons.update(outcome.invalid_reasons.items())
                    self.field_messages.update(outcome.field_messages.items())
                    self.values.update(probe.inputs.values())
                    texts += [*outcome.new_texts, outcome.heading or ""]
        self.texts = [t for t in texts if t] + sorted(self.values)

    def seen_text(self, value: str) -> bool:
        return any(value in text for text in self.texts)

    def known_url(self, pattern: str) -> bool:
        if pattern in self.url_patterns:
            return True
        try:
            return any(re.fullmatch(pattern, path) for path in self.paths)
        except re.error:
            return False


def grounding_problems(cases: list[TestCase], model: AppModel) -> list[str]:
    facts = _Facts(model)
    problems = []
    for case in cases:
        filled: dict[str | None, str] = {}
        for n, step in enumerate(case.steps, 1):
            where = f"{case.id} ({case.slug}) step {n}"
            value = step.value or ""
            if step.action in {Action.FILL, Action.SELECT}:
                filled[step.target] = value
            elif step.action is Action.GOTO and value.split("?")[0] not in facts.paths:
                problems.append(f"{where}: goto {value!r} is not a discovered page")
            elif step.action is Action.EXPECT_TITLE and value not in facts.titles:
                problems.append(f"{where}: title {value!r} was never observed")
            elif step.action is Action.EXPECT_URL and not facts.known_url(value):
                problems.append(f"{where}: URL pattern {value!r} matches no observed URL")
            elif step.action in {Action.EXPECT_TEXT, Action.EXPECT_PAGE_TEXT}:
                if not facts.seen_text(value) and value not in filled.values():
                    problems.append(f"{where}: text {value!r} was never observed")
            elif step.action is Action.EXPECT_VALUE and filled.get(step.target) != value:
                problems.append(f"{where}: expects value {value!r} that the case did not enter")
            elif step.action is Action.EXPECT_INVALID and step.target not in facts.invalid_fields:
                problems.append(f"{where}: {step.target!r} was never observed being refused")
            elif (
                step.action is Action.EXPECT_INVALID
                and step.value is not None
                and (step.target, step.value) not in facts.invalid_reasons
            ):
                problems.append(
                    f"{where}: {step.target!r} was never observed refused for {step.value!r}"
                )
            elif step.action is Action.EXPECT_FIELD_MESSAGE and not any(
                key == step.target and value and value in message
                for key, message in facts.field_messages
            ):
                problems.append(
                    f"{where}: {step.target!r} was never observed saying {value!r} "
                    "(its own messages are in the probe outcomes' field_messages)"
                )
    return problems
