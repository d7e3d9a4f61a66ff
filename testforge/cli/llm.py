"""The `--llm` option and the LLM lines of the run's output, shared by `run` and `design`."""

from pathlib import Path
from typing import Annotated

import typer

from testforge.artifacts import write_model
from testforge.bootstrap import Services
from testforge.cli import console
from testforge.design.port import Designed
from testforge.llm.bootstrap import LLMStack
from testforge.llm.settings import LLMMode

LLM_REPORT = "llm-usage.json"

LLM = Annotated[
    LLMMode,
    typer.Option(
        "--llm", envvar="TESTFORGE_LLM_MODE", case_sensitive=False,
        help="Who classifies pages and designs tests: claude (needs ANTHROPIC_API_KEY), "
        "offline, or auto (claude when a key is configured)",
    ),
]


def llm_stack(services: Services, mode: LLMMode) -> LLMStack:
    return services.llm(mode)


def _show_notes(stack: LLMStack) -> None:
    for note in stack.new_notes():
        console.console.print(f"[yellow]llm:[/] {note}")


def show_designer(stack: LLMStack, designed: Designed) -> None:
    console.out.print(stack.describe(designed))
    _show_notes(stack)


def write_llm_report(stack: LLMStack, out: Path) -> None:
    """Token usage, cost and cache hits of the run, next to its other artifacts."""
    _show_notes(stack)  # what happened after design: insights' fallbacks, late budget alerts
    if stack.gateway.primary is not None:
        write_model(out / LLM_REPORT, stack.report())
