"""The `testforge` command line: the pipeline end to end, each stage alone, the demo, healing."""

from testforge.cli import demo, heal, stages  # noqa: F401  (command modules register on import)
from testforge.cli import crds  # noqa: F401  (registers `testforge crds`)
from testforge.cli.app import app

__all__ = ["app"]
