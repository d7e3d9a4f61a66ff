"""The `testforge` command line: the pipeline end to end, each stage alone, the demo, healing."""

from testforge.cli import demo, stages  # noqa: F401  (command modules register on import)
from testforge.cli.app import app

__all__ = ["app"]
