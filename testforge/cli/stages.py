"""`testforge run` and the stage commands (discover, design, generate, execute, report)."""

from pathlib import Path
from typing import Annotated

import typer

from testforge.artifacts import (
    APP_MODEL,
    PLAN,
    SUITE_DIR,
    read_model,
    read_suite,
    write_model,
    write_suite,
)
from testforge.cli import console
from testforge.cli.app import EXIT_OK, EXIT_TESTS_FAILED, app, handles_errors, services
from testforge.cli.llm import LLM, llm_stack, show_designer, write_llm_report
from testforge.cli.options import (
    AllowWrites,
    BeforeEach,
    Concurrency,
    Exclude,
    Heal,
    Include,
    LoginPath,
    MaxDepth,
    MaxPages,
    Out,
    PageTimeout,
    Password,
    Probe,
    Retries,
    Select,
    Timeout,
    Username,
    Workers,
    credentials,
    limits,
)
from testforge.discovery.preflight import validate_url
from testforge.discovery.service import DiscoveryRequest, discover
from testforge.domain.app_model import AppModel
from testforge.domain.plan import TestPlan
from testforge.domain.results import RunResult
from testforge.execution.local import ExecutionRequest
from testforge.llm.settings import LLMMode
from testforge.pipeline import generate as generate_pipeline
from testforge.pipeline import run_suite
from testforge.reporting.service import HTML, write_reports
from testforge.scriptgen.render import generate_suite

DEFAULT_OUT = Path("testforge-out")


def _exit_for(result: RunResult) -> None:
    raise typer.Exit(EXIT_TESTS_FAILED if result.summary.failed else EXIT_OK)


def _finish(result: RunResult, out: Path) -> None:
    console.summary(result, out / HTML)
    _exit_for(result)


@app.command()
@handles_errors
def run(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Start page of the application under test")],
    out: Out = DEFAULT_OUT,
    username: Username = None,
    password: Password = None,
    login_path: LoginPath = None,
    max_pages: MaxPages = 50,
    max_depth: MaxDepth = 5,
    concurrency: Concurrency = 2,
    page_timeout: PageTimeout = 15.0,
    include: Include = None,
    exclude: Exclude = None,
    probe: Probe = True,
    allow_writes: AllowWrites = False,
    workers: Workers = 2,
    retries: Retries = 1,
    timeout: Timeout = 60.0,
    heal: Heal = True,
    before_each: BeforeEach = None,
    llm: LLM = LLMMode.AUTO,
) -> None:
    """Run the whole pipeline on URL: discover, design, generate, execute, report."""
    creds = credentials(username, password)
    stack = llm_stack(services(ctx), llm)
    request = DiscoveryRequest(
        base_url=validate_url(url),
        limits=limits(max_pages, max_depth, concurrency, page_timeout, include, exclude),
        credentials=creds,
        login_path=login_path,
        probe_forms=probe,
        screenshots=out / "screenshots",
        allow_writes=allow_writes,
    )
    with console.discovery_progress() as bar:
        generated = generate_pipeline(
            request, stack.designer, out, services(ctx).browser, bar, enrich=stack.classify
        )
    console.out.print(
        f"discovered {len(generated.model.pages)} pages, {len(generated.model.forms)} forms, "
        f"{len(generated.model.flows)} flows → {len(generated.plan.cases)} tests"
    )
    console.discovery_report(generated.model)
    show_designer(stack, generated.designed)
    execution = ExecutionRequest(
        base_url=generated.model.base_url,
        workers=workers,
        retries=retries,
        test_timeout_s=timeout,
        heal=heal,
        credentials=creds,
        before_each=before_each,
    )
    with console.execution_progress() as bar_, services(ctx).knowledge() as knowledge:
        result, _ = run_suite(
            generated.suite_dir,
            execution,
            out,
            services(ctx).browser,
            bar_,
            summarise=stack.insights,
            knowledge=knowledge,
        )
    write_llm_report(stack, out)
    _finish(result, out)


@app.command("discover")
@handles_errors
def discover_command(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Start page of the application")],
    out: Out = DEFAULT_OUT,
    username: Username = None,
    password: Password = None,
    login_path: LoginPath = None,
    max_pages: MaxPages = 50,
    max_depth: MaxDepth = 5,
    concurrency: Concurrency = 2,
    page_timeout: PageTimeout = 15.0,
    include: Include = None,
    exclude: Exclude = None,
    probe: Probe = True,
    allow_writes: AllowWrites = False,
) -> None:
    """Crawl URL in a real browser and write OUT/app-model.json."""
    request = DiscoveryRequest(
        base_url=validate_url(url),
        limits=limits(max_pages, max_depth, concurrency, page_timeout, include, exclude),
        credentials=credentials(username, password),
        login_path=login_path,
        probe_forms=probe,
        screenshots=out / "screenshots",
        allow_writes=allow_writes,
    )
    with console.discovery_progress() as bar:
        model = discover(request, services(ctx).browser, bar)
    path = write_model(out / APP_MODEL, model)
    console.out.print(
        f"{len(model.pages)} pages, {sum(len(p.elements) for p in model.pages)} elements, "
        f"{len(model.forms)} forms, {len(model.flows)} flows → {path}"
    )
    console.discovery_report(model)


@app.command()
@handles_errors
def design(
    ctx: typer.Context,
    app_model: Annotated[Path, typer.Argument(help="app-model.json written by `discover`")],
    out: Out = DEFAULT_OUT,
    llm: LLM = LLMMode.AUTO,
) -> None:
    """Design a prioritised test plan from an app model; writes OUT/plan.json."""
    stack = llm_stack(services(ctx), llm)
    model = stack.classify(read_model(app_model, AppModel))
    designed = stack.designer.design(model)
    plan = designed.plan
    path = write_model(out / PLAN, plan)
    by_priority = {
        p: sum(c.priority.value == p for c in plan.cases) for p in ("P0", "P1", "P2", "P3")
    }
    console.out.print(f"{len(plan.cases)} test cases {by_priority} → {path}")
    show_designer(stack, designed)
    write_llm_report(stack, out)


@app.command()
@handles_errors
def generate(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN", help="plan.json written by `design`")
    ],
    app_model: Annotated[
        Path | None, typer.Option(help="app-model.json (default: next to the plan)")
    ] = None,
    out: Out = DEFAULT_OUT,
) -> None:
    """Render a plan into pytest + Playwright files and a locator registry (OUT/suite/)."""
    plan = read_model(plan_file, TestPlan)
    model = read_model(app_model or plan_file.with_name(APP_MODEL), AppModel)
    suite = generate_suite(plan, model)
    path = write_suite(suite, out / SUITE_DIR)
    console.out.print(
        f"{len(suite.cases)} tests in {len(suite.files) - 2} files, "
        f"{len(suite.registry.entries)} registry keys → {path}"
    )


@app.command()
@handles_errors
def execute(
    ctx: typer.Context,
    suite_dir: Annotated[
        Path, typer.Argument(metavar="SUITE", help="Suite folder from `generate`")
    ],
    base_url: Annotated[
        str | None,
        typer.Option(help="Application URL (default: the one the suite was generated on)"),
    ] = None,
    out: Out = DEFAULT_OUT,
    username: Username = None,
    password: Password = None,
    workers: Workers = 2,
    retries: Retries = 1,
    timeout: Timeout = 60.0,
    heal: Heal = True,
    select: Select = None,
    before_each: BeforeEach = None,
) -> None:
    """Run a generated suite and write report.html, junit.xml and report.json to OUT."""
    suite = read_suite(suite_dir)
    request = ExecutionRequest(
        base_url=validate_url(base_url or suite.base_url),
        workers=workers,
        retries=retries,
        test_timeout_s=timeout,
        heal=heal,
        select=select,
        credentials=credentials(username, password),
        before_each=before_each,
    )
    with console.execution_progress() as bar, services(ctx).knowledge() as knowledge:
        browser = services(ctx).browser
        result, _ = run_suite(suite_dir, request, out, browser, bar, knowledge=knowledge)
    _finish(result, out)


@app.command()
@handles_errors
def report(
    results: Annotated[Path, typer.Argument(help="report.json written by `execute`")],
    out: Out = DEFAULT_OUT,
) -> None:
    """Re-render report.html, junit.xml and the badge from a report.json."""
    result = read_model(results, RunResult)
    paths = write_reports(result, out)
    console.summary(result, paths.html)
    _exit_for(result)
