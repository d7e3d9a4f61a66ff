"""The corpus: every application, by name. See base.py for what an application provides.

Each module named in APP_MODULES defines one `RealApp` subclass instance called `APP`.
"""

import importlib
from functools import cache

from tests.realapps.corpus.base import RealApp

APP_MODULES = ("roundup", "trac", "fab", "miniflux", "mlflow")


@cache
def corpus() -> dict[str, RealApp]:
    apps = [importlib.import_module(f"tests.realapps.corpus.{m}").APP for m in APP_MODULES]
    return {app.name: app for app in apps}
