"""`testforge demo` (the pipeline on the bundled demo shop) and `testforge demo-app`."""

from pathlib import Path
from typing import Annotated

import typer

from demo.server import running, serve
from demo.versions import DEMO_PASSWORD, DEMO_USER, DemoVersion
from testforge.artifacts import SUITE_DIR, SUITE_META
from testforge.cli import console
from testforge.cli.app import EXIT_OK, EXIT_TESTS_FAILED, app, handles_errors, services
from testforge.cli.options import Out, Retries, Workers
from testforge.design.offline import OfflineDesigner
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest
from testforge.domain.app_model import CrawlLimits
from testforge.execution.local import ExecutionRequest
from testforge.pipeline import generate, run_suite
from testforge.reporting.service import HTML

DEMO_OUT = Path("testforge-out")
Version = Annotated[DemoVersion, typer.Option("--version", "-v", help="Demo app version")]


@app.command("demo-app")
def demo_app(
    version: Version = DemoVersion.V1,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
) -> None:
    """Serve the demo shop (v1 baseline, v2 changed UI, v3 with regressions)."""
    console.console.print(
        f"demo shop {version.value} on http://{host}:{port} "
        f"(sign in as {DEMO_USER} / {DEMO_PASSWORD})"
    )
    serve(version, host=host, port=port)


@app.command("demo")
@handles_errors
def demo_command(
    ctx: typer.Context,
    version: Version = DemoVersion.V1,
    out: Out = DEMO_OUT,
    workers: Workers = 2,
    retries: Retries = 1,
    regenerate: Annotated[
        bool, typer.Option(help="Generate the suite on v1 even if one exists")
    ] = False,
) -> None:
    """Run the pipeline on the demo shop: generate on v1, then run against VERSION."""
    credentials = Credentials(DEMO_USER, DEMO_PASSWORD)
    suite_dir = out / SUITE_DIR
    if version is DemoVersion.V1 or regenerate or not (suite_dir / SUITE_META).is_file():
        with running(DemoVersion.V1) as url:
            request = DiscoveryRequest(
                base_url=url,
                limits=CrawlLimits(),
                credentials=credentials,
                screenshots=out / "screenshots",
                allow_writes=True,  # the demo shop is disposable: explore the cart and checkout
            )
            with console.discovery_progress() as bar:
                generated = generate(request, OfflineDesigner(), out, services(ctx).browser, bar)
        console.out.print(
            f"generated on v1: {len(generated.model.pages)} pages, {len(generated.model.forms)} "
            f"forms, {len(generated.model.flows)} flows → {len(generated.plan.cases)} tests "
            f"in {suite_dir}"
        )
    else:
        console.out.print(f"reusing the suite generated on v1 in {suite_dir}")
    run_out = out / f"demo-{version.value}"
    with running(version) as url:
        request_ = ExecutionRequest(
            base_url=url, workers=workers, retries=retries, credentials=credentials
        )
        with console.execution_progress() as bar_, services(ctx).knowledge() as knowledge:
            result, _ = run_suite(
                suite_dir, request_, run_out, services(ctx).browser, bar_, knowledge=knowledge
            )
    console.summary(result, run_out / HTML)
    raise typer.Exit(EXIT_TESTS_FAILED if result.summary.failed else EXIT_OK)
