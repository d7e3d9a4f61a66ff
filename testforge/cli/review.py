"""`testforge review`: the copy changes runs recorded; accept the new text into the suite or not.

Heals (which element) are reviewed with `testforge heal`; copy changes (what an element says)
here. Neither is ever accepted without a person.
"""

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from testforge.artifacts import SUITE_DIR
from testforge.cli import console
from testforge.cli.app import app, handles_errors
from testforge.domain.copyedit import CopyDecision
from testforge.scriptgen.copyedits import decide, load_requests

DEFAULT_SUITE = Path("testforge-out") / SUITE_DIR


@app.command()
@handles_errors
def review(
    suite: Annotated[Path, typer.Option(help="Suite folder whose copy changes to review")] = (
        DEFAULT_SUITE
    ),
    accept: Annotated[
        list[str] | None, typer.Option(help="Accept a copy change into the suite (repeatable)")
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option(help="Reject a copy change (repeatable)")
    ] = None,
) -> None:
    """List the copy changes runs recorded (asserted texts that were edited); accept or reject."""
    who = getpass.getuser()
    for rid in accept or []:
        decided, count = decide(suite, rid, accept=True, by=who)
        console.out.print(
            f"accepted {decided.id}: {count} assertion(s) of {decided.key} now expect "
            f"{decided.actual!r}"
        )
    for rid in reject or []:
        console.out.print(f"rejected {decide(suite, rid, accept=False, by=who)[0].id}")
    requests = load_requests(suite)
    if not requests:
        console.out.print(f"no copy changes in {suite}")
        return
    table = Table(title="copy changes", show_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("key", no_wrap=True)
    table.add_column("expected")
    table.add_column("found")
    table.add_column("decision", no_wrap=True)
    table.add_column("tests", justify="right")
    for r in requests:
        table.add_row(r.id, r.key, r.expected, r.actual, r.decision.value, str(len(r.tests)))
    console.out.print(table)
    waiting = sum(r.decision is CopyDecision.PENDING for r in requests)
    if waiting:
        console.out.print(f"{waiting} copy change(s) wait: testforge review --accept ID")
