"""`python -m testforge.cli` runs the command line (what the `testforge` script does)."""

from testforge.cli import app

app()
