"""`testforge heal`: review, approve, reject and apply the heals recorded against a suite."""

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from testforge.artefacts import SUITE_DIR
from testforge.cli import console
from testforge.cli.app import app, handles_errors
from testforge.domain.healing import HealingDecision, HealingRequest
from testforge.healing.review import apply_approved, decide, find_request, load_requests

DEFAULT_SUITE = Path("testforge-out") / SUITE_DIR


def _table(requests: list[HealingRequest]) -> Table:
    table = Table(title="healing requests", show_edge=False)
    for column in ("id", "key", "decision", "strategy", "confidence", "tests", "now located by"):
        table.add_column(column)
    for r in requests:
        chosen = r.result.chosen
        table.add_row(
            r.id, r.key, r.decision.value,
            chosen.strategy.value if chosen else "-",
            f"{chosen.confidence:.2f}" if chosen else "-",
            str(len(r.tests)),
            r.result.new_ladder[0].describe() if r.result.new_ladder else "-",
        )
    return table


def _show(request: HealingRequest) -> None:
    console.out.print_json(request.model_dump_json(exclude={"result": {"candidates"}}))
    for n, candidate in enumerate(request.result.candidates[:5], 1):
        fp = candidate.fingerprint
        console.out.print(
            f"{n}. <{fp.tag}> {fp.text or fp.accessible_name or fp.id or ''} "
            f"score={candidate.score:.3f} confidence={candidate.confidence:.2f} ({candidate.strategy.value})"
        )


@app.command()
@handles_errors
def heal(
    suite: Annotated[Path, typer.Option(help="Suite folder whose heals to review")] = DEFAULT_SUITE,
    show: Annotated[str | None, typer.Option(help="Show one request in full")] = None,
    approve: Annotated[list[str] | None, typer.Option(help="Approve a request (repeatable)")] = None,
    reject: Annotated[list[str] | None, typer.Option(help="Reject a request (repeatable)")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Apply every approved heal to the suite")] = False,
) -> None:
    """List heals recorded by runs; approve, reject or apply them (approved heals change the suite)."""
    who = getpass.getuser()
    for rid in approve or []:
        console.out.print(f"approved {decide(suite, rid, approve=True, by=who).id}")
    for rid in reject or []:
        console.out.print(f"rejected {decide(suite, rid, approve=False, by=who).id}")
    if show:
        _show(find_request(suite, show))
        return
    if apply:
        applied = apply_approved(suite)
        console.out.print(f"applied {len(applied)} heal(s) to {suite / 'locators.json'}")
        for request in applied:
            console.out.print(f"  {request.key} → {request.result.new_ladder[0].describe()}")
    requests = load_requests(suite)
    if not requests:
        console.out.print(f"no healing requests in {suite}")
        return
    console.out.print(_table(requests))
    waiting = sum(r.decision is HealingDecision.NEEDS_APPROVAL for r in requests)
    if waiting:
        console.out.print(f"{waiting} heal(s) need approval: testforge heal --approve ID")
