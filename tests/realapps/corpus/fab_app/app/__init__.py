# mypy: ignore-errors
# (runs in the app's own virtualenv, where Flask-AppBuilder is installed; the test venv has none)
"""The app object: Flask + SQLAlchemy + AppBuilder, as `flask fab create-app` lays it out.

FAB 5 moved `SQLA` out of the package's top level (4.x: `from flask_appbuilder import SQLA`).
"""

import logging

import flask_appbuilder
from flask import Flask
from flask_appbuilder import AppBuilder

if int(flask_appbuilder.__version__.split(".")[0]) >= 5:
    from flask_appbuilder.models.sqla.base import SQLA
else:
    from flask_appbuilder import SQLA

logging.basicConfig(format="%(asctime)s:%(levelname)s:%(name)s:%(message)s")
logging.getLogger().setLevel(logging.INFO)

app = Flask(__name__)
app.config.from_object("config")
db = SQLA(app)

with app.app_context():
    from . import models  # noqa: F401  (tables are known before AppBuilder creates them)

    appbuilder = AppBuilder(app, db.session)
    from . import views  # noqa: F401
