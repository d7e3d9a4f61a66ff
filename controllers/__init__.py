"""The Kopf handlers of the TestForge operator (`kopf run -m controllers`).

Thin entry points: each parses nothing itself, calls the reconcile service in
testforge/cluster/controller.py in a worker thread, and turns its errors into Kopf's retry
policy. Importing this package registers every handler.
"""

from controllers import healingrequest, runtime, testproject, testrun

__all__ = ["healingrequest", "runtime", "testproject", "testrun"]
