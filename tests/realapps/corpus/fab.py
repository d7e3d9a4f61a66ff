"""Flask-AppBuilder: the contacts example app (fab_app/, the skeleton `flask fab create-app` would
fetch from GitHub, written here), on SQLite, served by `flask run`.

Served at http://127.0.0.1:PORT/ (FAB's index page; the menu "Contacts" holds List Groups, List
Contacts and List Gender; "Security" the users and roles). Sign-in is the form at /login/: POST
`username`, `password` and the form's hidden `csrf_token` (Flask-WTF), with the session cookie
the GET set.

Seed (made once per version): `flask fab create-db`, `flask fab create-admin` (admin /
`RealApp.password`), then fab_app/seed.py through the app's own models: three contact groups,
three genders and six contacts (with and without birthdays, in different groups).

data() reads the SQLite database `app.db`, one digest per table. Sessions are signed cookies, not
rows, so there is no session table to leave out. Left out are only the sign-in bookkeeping columns
of `ab_user`, which a sign-in (right or wrong password) updates:
  - `last_login`, `login_count` (a successful sign-in) and `fail_login_count` (a refused one).
FAB's permission tables (ab_permission, ab_view_menu, ab_permission_view, ...) are synchronised
at every start (FAB_UPDATE_PERMS); the seed was made by the same app, so a start writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from tests.realapps.corpus.base import (
    AuthKind,
    DataSnapshot,
    RealApp,
    RunningApp,
    UiKind,
    free_port,
    fresh_copy,
    run,
    serving,
    sqlite_snapshot,
    venv,
)

SKELETON = Path(__file__).with_name("fab_app")
SEED_RECIPE = "fab-seed-1"
SKIP_COLUMNS = {"ab_user": ("last_login", "login_count", "fail_login_count")}

# What pip resolved for each version when the corpus was made, pinned: the form markup comes from
# WTForms and Flask-WTF as much as from FAB's templates, so they must not drift between installs.
PACKAGES = {
    "4.5.4": ("Flask-AppBuilder==4.5.4", "Flask==2.3.3", "Werkzeug==3.1.9", "Jinja2==3.1.6",
              "WTForms==3.3.2", "Flask-WTF==1.3.0", "SQLAlchemy==1.4.54",
              "Flask-SQLAlchemy==2.5.1", "Flask-Babel==2.0.0", "Flask-Login==0.6.3"),
    "5.0.2": ("Flask-AppBuilder==5.0.2", "Flask==3.1.3", "Werkzeug==3.1.9", "Jinja2==3.1.6",
              "WTForms==3.3.2", "Flask-WTF==1.3.0", "SQLAlchemy==2.1.9",
              "Flask-SQLAlchemy==3.1.1", "Flask-Babel==4.0.0", "Flask-Login==0.6.3"),
}
ENV = {"FLASK_APP": "app", "PYTHONDONTWRITEBYTECODE": "1"}


class FlaskAppBuilder(RealApp):
    name = "fab"
    versions = ("4.5.4", "5.0.2")
    ui = UiKind.SERVER_RENDERED
    auth = AuthKind.FORM

    def install(self, version: str) -> Path:
        root = self.installed(version)
        log = root / "install.log"
        bin_dir = venv(root / "venv", PACKAGES[version], log=log)
        seed, stamp = root / "seed", root / "seed.stamp"
        recipe = f"{SEED_RECIPE} {skeleton_digest()}"
        if stamp.exists() and stamp.read_text() == recipe and (seed / "app.db").exists():
            return root
        stamp.unlink(missing_ok=True)
        building = root / "seed.building"
        shutil.rmtree(building, ignore_errors=True)
        shutil.copytree(SKELETON, building, ignore=shutil.ignore_patterns("__pycache__"))
        flask = bin_dir / "flask"
        run([flask, "fab", "create-db"], log=log, env=ENV, cwd=building)
        run([flask, "fab", "create-admin", "--username", self.username, "--firstname", "Ada",
             "--lastname", "Admin", "--email", "admin@example.com", "--password", self.password],
            log=log, env=ENV, cwd=building)
        run([bin_dir / "python", "seed.py"], log=log, env=ENV, cwd=building)
        shutil.rmtree(seed, ignore_errors=True)
        building.rename(seed)
        stamp.write_text(recipe)
        return root

    @contextlib.contextmanager
    def running(self, version: str, workdir: Path) -> Iterator[RunningApp]:
        root = self.install(version)
        folder = fresh_copy(root / "seed", workdir / "app")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = workdir / "flask.log"
        command: list[str | Path] = [root / "venv" / "bin" / "flask", "run", "--host", "127.0.0.1",
                   "--port", str(port), "--no-reload", "--no-debugger"]
        with serving(command, url=url, log=log, env=ENV, cwd=folder):
            yield RunningApp(
                app=self.name, version=version, base_url=url, username=self.username,
                password=self.password, data=lambda: app_data(folder), workdir=workdir,
                log=log,
            )


def app_data(folder: Path) -> DataSnapshot:
    return sqlite_snapshot(folder / "app.db", skip_columns=SKIP_COLUMNS)


def skeleton_digest() -> str:
    """The skeleton's files: editing it makes the next install seed again."""
    sha = hashlib.sha256()
    for path in sorted(SKELETON.rglob("*.py")):
        sha.update(f"{path.relative_to(SKELETON)}\n".encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


APP = FlaskAppBuilder()
