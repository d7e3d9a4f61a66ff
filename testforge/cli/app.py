"""The typer application and what every command shares: settings, errors, exit codes."""

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from testforge.bootstrap import Services, Settings
from testforge.cli.console import crashed, error
from testforge.domain.errors import TestForgeError

EXIT_OK, EXIT_TESTS_FAILED, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="testforge",
    help="AI-assisted end-to-end web testing: discover, design, generate, execute, heal, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

P = ParamSpec("P")
R = TypeVar("R")


def services(ctx: typer.Context) -> Services:
    """This invocation's services, built once by the callback below (the CLI's composition
    root) and carried by typer's context to every command."""
    found = ctx.find_object(Services)
    if found is None:  # a command invoked without the application's callback
        raise RuntimeError("the testforge callback did not build the services")
    return found


@app.callback()
def main(
    ctx: typer.Context,
    chromium: Annotated[
        Path | None,
        typer.Option(
            help="Chromium executable [env: TESTFORGE_CHROMIUM; default /usr/bin/chromium]"
        ),
    ] = None,
    headed: Annotated[bool, typer.Option(help="Show the browser windows")] = False,
) -> None:
    settings = Settings.from_env()
    updates: dict[str, object] = {"headless": not headed}
    if chromium:
        updates["chromium"] = chromium
    browser = settings.browser.model_copy(update=updates)
    ctx.obj = Services(replace(settings, browser=browser))


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn TestForge errors into a readable message and exit code 2 (usage/infrastructure)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TestForgeError as exc:
            error(exc)
            raise typer.Exit(EXIT_ERROR) from exc
        except KeyboardInterrupt as exc:
            raise typer.Exit(EXIT_ERROR) from exc
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a crash is never "tests failed" (exit 1): say so, exit 2
            crashed(exc)
            raise typer.Exit(EXIT_ERROR) from exc

    return wrapper
