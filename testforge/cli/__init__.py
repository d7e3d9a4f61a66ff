"""The `testforge` command line: the pipeline end to end, each stage alone, the demo, healing."""

# Command modules register their commands on `app` when imported.
from testforge.cli import bench, crds, demo, heal, review, serve_api, stages  # noqa: F401
from testforge.cli.app import app

__all__ = ["app"]
