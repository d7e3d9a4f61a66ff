"""`testforge heal`: review, approve, reject and apply the heals recorded against a suite."""

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from testforge.application.knowledge import learn
from testforge.artifacts import SUITE_DIR
from testforge.bootstrap import Services
from testforge.cli import console
from testforge.cli.app import app, handles_errors, services
from testforge.domain.healing import HealingDecision, HealingRequest
from testforge.healing.review import Learner, apply_approved, decide, find_request, load_requests

DEFAULT_SUITE = Path("testforge-out") / SUITE_DIR


@contextmanager
def knowledge_learner(found: Services) -> Iterator[Learner | None]:
    """Decided heals teach the knowledge base (off with TESTFORGE_KNOWLEDGE_ENABLED=0)."""
    tenant = found.settings.knowledge.tenant
    with found.knowledge() as store:
        if store is None:
            yield None
        else:
            yield lambda request, approved: learn(store, request, tenant, approved=approved)


def _table(requests: list[HealingRequest]) -> Table:
    table = Table(title="healing requests", show_edge=False)
    # Ids and keys are what people copy into --approve/--reject: never wrap or cut them.
    table.add_column("id", no_wrap=True)
    table.add_column("key", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("found by", no_wrap=True)
    table.add_column("tests", justify="right")
    for r in requests:
        chosen = r.result.chosen
        found = f"{chosen.strategy.value} {chosen.confidence:.2f}" if chosen else "-"
        table.add_row(r.id, r.key, r.decision.value, found, str(len(r.tests)))
    return table


def _show(request: HealingRequest) -> None:
    console.out.print_json(request.model_dump_json(exclude={"result": {"candidates"}}))
    for n, candidate in enumerate(request.result.candidates[:5], 1):
        fp = candidate.fingerprint
        console.out.print(
            f"{n}. <{fp.tag}> {fp.text or fp.accessible_name or fp.id or ''} "
            f"score={candidate.score:.3f} confidence={candidate.confidence:.2f} "
            f"({candidate.strategy.value})"
        )


@app.command()
@handles_errors
def heal(
    ctx: typer.Context,
    suite: Annotated[Path, typer.Option(help="Suite folder whose heals to review")] = DEFAULT_SUITE,
    show: Annotated[str | None, typer.Option(help="Show one request in full")] = None,
    approve: Annotated[
        list[str] | None, typer.Option(help="Approve a request (repeatable)")
    ] = None,
    reject: Annotated[list[str] | None, typer.Option(help="Reject a request (repeatable)")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Apply every approved heal to the suite")
    ] = False,
) -> None:
    """List the heals runs recorded; approve, reject, or apply them to the suite."""
    who = getpass.getuser()
    with knowledge_learner(services(ctx)) as learner:
        for rid in approve or []:
            console.out.print(f"approved {decide(suite, rid, approve=True, by=who).id}")
        for rid in reject or []:
            rejected = decide(suite, rid, approve=False, by=who, learner=learner)
            console.out.print(f"rejected {rejected.id}")
        applied = apply_approved(suite, learner) if apply else []
    if show:
        _show(find_request(suite, show))
        return
    if apply:
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
