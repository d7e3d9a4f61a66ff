"""Options shared by several commands, declared once."""

from pathlib import Path
from typing import Annotated

import typer

from testforge.discovery.auth import Credentials
from testforge.domain.app_model import CrawlLimits
from testforge.domain.errors import ConfigurationError

Out = Annotated[Path, typer.Option("--out", "-o", help="Folder for every artifact and report")]
Username = Annotated[str | None, typer.Option(envvar="TESTFORGE_USERNAME", help="Sign-in username")]
Password = Annotated[
    str | None,
    typer.Option(envvar="TESTFORGE_PASSWORD", help="Sign-in password", show_default=False),
]
LoginPath = Annotated[str | None, typer.Option(help="Path of the sign-in page (found if omitted)")]
MaxPages = Annotated[
    int, typer.Option(min=1, max=10_000, help="Stop crawling after this many pages")
]
MaxDepth = Annotated[int, typer.Option(min=0, max=100, help="Follow links this many clicks deep")]
Concurrency = Annotated[
    int, typer.Option(min=1, max=32, help="Browser contexts crawling in parallel")
]
Include = Annotated[
    list[str] | None, typer.Option(help="Only crawl paths matching this regex (repeatable)")
]
Exclude = Annotated[
    list[str] | None, typer.Option(help="Never crawl paths matching this regex (repeatable)")
]
PageTimeout = Annotated[float, typer.Option(min=1, help="Seconds a page may take to load")]
Probe = Annotated[
    bool, typer.Option(help="Submit forms during discovery to observe validation and results")
]
AllowWrites = Annotated[
    bool,
    typer.Option(
        help="Let discovery send forms that change data, and the tests it generates too: only "
        "for a disposable environment (deleting, bulk actions, your own account and signing out "
        "are never explored)"
    ),
]
BeforeEach = Annotated[
    str | None,
    typer.Option(
        envvar="TESTFORGE_BEFORE_EACH",
        help="A shell command that resets the application before every test (runs the tests "
        "one at a time)",
    ),
]
Workers = Annotated[
    int, typer.Option(min=1, max=64, help="Browser contexts running tests in parallel")
]
Retries = Annotated[
    int, typer.Option(min=0, max=5, help="Re-run failed tests this many times (flaky if they pass)")
]
Timeout = Annotated[float, typer.Option(min=1, help="Seconds a test may take")]
Heal = Annotated[bool, typer.Option(help="Heal broken locators at run time")]
Select = Annotated[
    str | None, typer.Option("--select", "-m", help="pytest marker expression, e.g. 'p0 or smoke'")
]


def credentials(username: str | None, password: str | None) -> Credentials | None:
    if bool(username) != bool(password):
        raise ConfigurationError(
            "sign-in needs both a username and a password; only one was given",
            fix="pass both --username and --password "
            "(or TESTFORGE_USERNAME and TESTFORGE_PASSWORD)",
        )
    return Credentials(username, password) if username and password else None


def limits(
    max_pages: int,
    max_depth: int,
    concurrency: int,
    page_timeout: float,
    include: list[str] | None,
    exclude: list[str] | None,
) -> CrawlLimits:
    import re

    for pattern in [*(include or []), *(exclude or [])]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigurationError(
                f"--include/--exclude pattern {pattern!r} is not a valid regex: {exc}",
                fix="use a Python regular expression, e.g. '^/admin'",
            ) from exc
    return CrawlLimits(
        max_pages=max_pages,
        max_depth=max_depth,
        concurrency=concurrency,
        page_timeout_s=page_timeout,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
    )
