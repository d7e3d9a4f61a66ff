"""The operator process's entry: Kopf's command line with the TestForge handlers loaded.

`python operator/main.py run --standalone --namespace=NS -m controllers` is `kopf run ...`; this
file exists so the image has one obvious entry point, and is deliberately not a package (a
top-level `operator` package would shadow Python's standard `operator` module).
"""

import sys

from kopf.cli import main  # the `kopf` console script

if __name__ == "__main__":
    sys.exit(main())
