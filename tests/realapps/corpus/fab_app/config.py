# mypy: ignore-errors
# (runs in the app's own virtualenv, where Flask-AppBuilder is installed; the test venv has none)
"""Flask-AppBuilder configuration of the corpus's contacts app (a `flask fab create-app` skeleton).

Everything lives next to this file: the SQLite database is `app.db` in the same folder, so a copy
of the folder is a self-contained instance.
"""

from pathlib import Path

basedir = Path(__file__).resolve().parent

SECRET_KEY = "corpus-fab-not-a-secret"  # fixed: a loopback test instance, sessions are cookies
SQLALCHEMY_DATABASE_URI = f"sqlite:///{basedir / 'app.db'}"
SQLALCHEMY_TRACK_MODIFICATIONS = False
CSRF_ENABLED = True
WTF_CSRF_ENABLED = True

AUTH_TYPE = 1  # flask_appbuilder.const.AUTH_DB: users and passwords in the app's database
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"

APP_NAME = "Corpus Contacts"
APP_THEME = ""
BABEL_DEFAULT_LOCALE = "en"
LANGUAGES = {"en": {"flag": "gb", "name": "English"}}
FAB_API_SWAGGER_UI = False
RATELIMIT_ENABLED = False
