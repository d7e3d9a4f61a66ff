"""The Kopf handlers of the TestForge operator (`kopf run -m controllers`).

Thin entry points: each parses nothing itself, calls the reconcile service in
testforge/cluster/control/controller.py in a worker thread, and turns its errors into Kopf's
retry policy. `process` is the operator process around them (startup, login, probes, the
daemons' loop). Importing this package registers every handler.
"""

from controllers import healingrequest, process, testproject, testrun

__all__ = ["healingrequest", "process", "testproject", "testrun"]
