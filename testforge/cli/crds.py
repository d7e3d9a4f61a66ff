"""`testforge crds`: write (or check) the CustomResourceDefinitions generated from the CR models."""

from pathlib import Path
from typing import Annotated

import typer

from testforge.cli.app import EXIT_ERROR, app
from testforge.cluster.builders.crdgen import rendered_files


def stale_files(directory: Path) -> list[str]:
    """CRD files in `directory` that are missing or differ from what the models generate."""
    return sorted(
        name
        for name, content in rendered_files().items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != content
    )


@app.command()
def crds(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the CRD YAML files")] = Path(
        "crds"
    ),
    check: Annotated[
        bool, typer.Option(help="Only report whether the files are up to date (exit 2 if not)")
    ] = False,
) -> None:
    """Generate the TestProject, TestRun and HealingRequest CRDs from testforge/domain/crd.py."""
    if check:
        stale = stale_files(out)
        if stale:
            typer.echo(f"out of date in {out}: {', '.join(stale)}; run `testforge crds`", err=True)
            raise typer.Exit(EXIT_ERROR)
        typer.echo(f"{out}: up to date")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, content in rendered_files().items():
        (out / name).write_text(content, encoding="utf-8")
        typer.echo(f"wrote {out / name}")
