"""Terminal output for the CLI: progress, summaries and errors, all through rich."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from testforge.domain.app_model import AppModel
from testforge.domain.errors import TestForgeError
from testforge.domain.results import RunResult, TestStatus

console = Console(stderr=True)
out = Console()


def error(exc: TestForgeError) -> None:
    # soft_wrap: messages are copied into issues and searched for; never break them mid-line
    console.print(f"[bold red]error:[/] {exc.problem}", soft_wrap=True, highlight=False)
    if exc.fix:
        console.print(f"[yellow]fix:[/] {exc.fix}", soft_wrap=True, highlight=False)


def crashed(exc: BaseException) -> None:
    """An unexpected error: the traceback goes to a file, the terminal gets one line and where
    to find it (and where to report it)."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile(
        "w", prefix="testforge-crash-", suffix=".txt", delete=False, encoding="utf-8"
    ) as sink:
        traceback.print_exception(exc, file=sink)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    console.print(
        f"[bold red]internal error:[/] {type(exc).__name__}: {first}",
        soft_wrap=True,
        highlight=False,
    )
    console.print(
        f"[yellow]fix:[/] this is a TestForge bug; the traceback is in {sink.name}: please "
        "report it with that file",
        soft_wrap=True,
        highlight=False,
    )


def discovery_report(model: AppModel) -> None:
    """What discovery did not do and why, then what went wrong: never silent about either."""
    for skipped in model.skipped:
        example = f" (e.g. {skipped.examples[0]})" if skipped.examples else ""
        console.print(
            f"[dim]skipped {skipped.count}:[/] {skipped.detail}{example}",
            soft_wrap=True,
            highlight=False,
        )
    for issue in model.issues:
        console.print(
            f"[yellow]{issue.kind.value}[/] {issue.url}: {issue.message}",
            soft_wrap=True,
            highlight=False,
        )
    if not model.allow_writes:
        console.print(
            "[dim]read-only discovery: forms that write were only checked for the browser's own "
            "validation (--allow-writes explores them, on a disposable environment)[/]",
            highlight=False,
        )


class DiscoveryBar:
    """Shows discovery's phase and the pages found so far."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("discovering", total=None)
        self._pages = 0
        self._phase = "starting"

    def phase(self, name: str) -> None:
        self._phase = name
        self._refresh()

    def page(self, path: str) -> None:
        self._pages += 1
        self._refresh(path)

    def _refresh(self, path: str = "") -> None:
        self._progress.update(
            self._task, description=f"{self._phase} · {self._pages} pages {path}".rstrip()
        )


@contextmanager
def discovery_progress() -> Iterator[DiscoveryBar]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield DiscoveryBar(progress)


@contextmanager
def execution_progress() -> Iterator["ExecutionBar"]:
    with Progress(
        TextColumn("running tests"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield ExecutionBar(progress)


class ExecutionBar:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("tests", total=None)

    def __call__(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)


def summary(result: RunResult, report: Path | None = None) -> None:
    s = result.summary
    table = Table(title=f"TestForge · {result.base_url}", show_edge=False)
    for column in ("total", "passed", "failed", "healed", "flaky", "skipped", "duration"):
        table.add_column(column, justify="right")
    table.add_row(
        str(s.total),
        f"[green]{s.passed}",
        f"[red]{s.failed}" if s.failed else "0",
        f"[yellow]{s.healed}" if s.healed else "0",
        str(s.flaky),
        str(s.skipped),
        f"{result.duration_s:.1f} s",
    )
    out.print(table)
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    if failed:
        details = Table(show_edge=False, title="failures")
        details.add_column("test")
        details.add_column("kind")
        details.add_column("message", overflow="fold")
        for test in failed:
            kind = test.failure.kind.value if test.failure else "?"
            message = (
                (test.failure.message if test.failure else "").splitlines()[0][:160]
                if test.failure and test.failure.message
                else ""
            )
            details.add_row(test.title, kind, message)
        out.print(details)
    for note in result.notes:
        out.print(f"[dim]note:[/] {note}")
    if report:
        out.print(f"report: [bold]{report}[/]")
