"""`testforge bench`: measure components on public datasets with the production code."""

import json
from pathlib import Path
from typing import Annotated

import typer

from testforge.cli import console
from testforge.cli.app import app, handles_errors
from testforge.domain.errors import ConfigurationError

bench = typer.Typer(help="Benchmarks of TestForge components.", no_args_is_help=True)
app.add_typer(bench, name="bench")


@bench.command("healing")
@handles_errors
def healing(
    dataset: Annotated[Path, typer.Option(help="Folder of apps in the Similo format")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only the JSON result")] = False,
) -> None:
    """Relocate every target element of every app with the production healing engine."""
    from testforge.healing.benchmark import run_benchmark

    if not dataset.is_dir() or not any(dataset.glob("*/target_widgets")):
        raise ConfigurationError(
            f"{dataset} is not a Similo-format dataset (no <App>/target_widgets folders)",
            fix="pass a folder such as ../shared/datasets/similo-dev",
        )
    result = run_benchmark(dataset)
    if as_json:
        print(json.dumps(result))
        return
    overall = result["overall"]
    accuracy = overall["accuracy"]
    console.out.print(
        f"{overall['targets']} targets · top-1 accuracy "
        f"{'n/a (no answer key)' if accuracy is None else f'{accuracy:.1%}'} · "
        f"auto-applied {overall['auto_applied']} · median {overall['ms_median']:.2f} ms · "
        f"p95 {overall['ms_p95']:.2f} ms"
    )
    print(json.dumps(result["overall"]))
