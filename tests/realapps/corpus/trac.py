"""Trac: one environment on SQLite, served by `tracd` with HTTP Digest sign-in.

Served at http://127.0.0.1:PORT/ (`tracd -s`: the single environment at the root; its start page
is the wiki's WikiStart). Sign-in is HTTP Digest, realm "Trac", asked for by /login only (every
other page is public); /login then sets Trac's `trac_auth` cookie and redirects back. Form posts
carry the `__FORM_TOKEN` hidden field, equal to the `trac_form_token` cookie.

Trac 1.4.4 runs on Python 2.7 (a virtualenv made with `virtualenv<20.22` for the pyenv 2.7.18),
1.6 on Python 3.

Seed (made once per version with `trac-admin` and Trac's Python API, trac.ticket.model.Ticket and
trac.wiki.model.WikiPage): admin (TRAC_ADMIN) and alice (a plain authenticated user) in
users.htdigest; components "Web UI", "Backend", "Docs" instead of component1/2; milestones
"Release 1.0" .. "Release 1.3" instead of milestone1..4; five tickets (defect/enhancement/task,
different components, milestones, priorities and owners; one closed as fixed, one commented); two
wiki pages, one of them with two versions.

data() reads the environment's SQLite database `db/trac.db` (one digest per table) and its file
store `files/` (attachments). Left out, because they change without any user action on data:
  - table `auth_cookie`: the sign-in cookies (/login inserts one, /logout deletes it);
  - table `session`: one row per session (sid, authenticated, last_visit), inserted at sign-in;
    Trac refreshes `last_visit` on a page view once it is a day old;
  - table `session_attribute`: the sessions' attributes. A user's name and e-mail preferences
    live here, but so does state that page views write: a query remembers `query_constraints`,
    `query_href`, `query_tickets`, `query_time`, the timeline `timeline.lastvisit` and
    `timeline.nextlastvisit`;
  - table `cache`: not data but Trac's cache-invalidation generations (id, generation, key). A
    page view that first needs the list of known users inserts the rows
    `trac.env.Environment._known_users` and `..._known_users_dict`; every change a user makes
    lands in the real tables as well (ticket, milestone, wiki, permission, ...).
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
    cache_root,
    free_port,
    fresh_copy,
    run,
    serving,
    sqlite_snapshot,
    tree_snapshot,
    venv,
)

PYTHON27 = "/root/.pyenv/versions/2.7.18/bin/python"
REALM = "Trac"
SECOND_USER = ("alice", "Alice-Passw0rd!")
SKIP_TABLES = ("auth_cookie", "cache", "session", "session_attribute")
SEED_RECIPE = "trac-seed-1"

# What pip resolved for each version when the corpus was made, pinned (Jinja2 renders every page).
PACKAGES = {
    "1.4.4": ("Trac==1.4.4", "Jinja2==2.11.3", "MarkupSafe==1.1.1"),
    "1.6": ("Trac==1.6", "Jinja2==3.1.6", "MarkupSafe==3.0.4", "setuptools<81"),
}

ADMIN_COMMANDS = (
    ("component", "remove", "component1"),
    ("component", "remove", "component2"),
    ("component", "add", "Web UI", "admin"),
    ("component", "add", "Backend", "alice"),
    ("component", "add", "Docs", "admin"),
    ("milestone", "rename", "milestone1", "Release 1.0"),
    ("milestone", "rename", "milestone2", "Release 1.1"),
    ("milestone", "rename", "milestone3", "Release 1.2"),
    ("milestone", "rename", "milestone4", "Release 1.3"),
)

# Runs on Python 2.7 and 3 alike, with the environment's folder as its argument.
SEED_SCRIPT = r'''
import sys
from trac.env import Environment
from trac.ticket.model import Ticket
from trac.wiki.model import WikiPage

env = Environment(sys.argv[1])
TICKETS = [
    # summary, type, component, milestone, priority, owner, description
    ("Timeline page loads slowly", "defect", "Web UI", "Release 1.0", "critical", "admin",
     "The timeline takes ten seconds with a year of changes."),
    ("Export tickets as CSV", "enhancement", "Backend", "Release 1.1", "major", "alice",
     "A CSV export of custom queries would help the release notes."),
    ("Document the release process", "task", "Docs", "Release 1.1", "minor", "",
     "Write down how a release is cut and announced."),
    ("Login link missing on narrow screens", "defect", "Web UI", "Release 1.2", "major", "alice",
     "Below 600px the metanav wraps and hides Login."),
    ("Typo on the About page", "defect", "Docs", "Release 1.0", "trivial", "admin",
     "'Trak' instead of 'Trac'."),
]
for summary, type_, component, milestone, priority, owner, description in TICKETS:
    ticket = Ticket(env)
    ticket.populate({
        "summary": summary, "type": type_, "component": component, "milestone": milestone,
        "priority": priority, "owner": owner, "reporter": "admin", "description": description,
        "status": "assigned" if owner else "new", "version": "",
    })
    ticket.insert()

ticket = Ticket(env, 5)
ticket["status"] = "closed"
ticket["resolution"] = "fixed"
ticket.save_changes("admin", "Fixed the spelling.")
ticket = Ticket(env, 2)
ticket.save_changes("alice", "Started on the query module.")

page = WikiPage(env, "ReleaseProcess")
page.text = "= Release process =\n\n 1. Close the milestone\n 1. Tag the release\n"
page.save("admin", "First draft")
page = WikiPage(env, "ReleaseProcess")
page.text += " 1. Announce it on the mailing list\n"
page.save("alice", "Announcement step")
page = WikiPage(env, "TeamContacts")
page.text = ("= Team =\n\n||= Name =||= Role =||\n"
             "|| admin || maintainer ||\n|| alice || developer ||\n")
page.save("admin", "Who is who")
env.shutdown()
'''


class Trac(RealApp):
    name = "trac"
    versions = ("1.4.4", "1.6")
    ui = UiKind.SERVER_RENDERED
    auth = AuthKind.HTTP_DIGEST
    control = True  # 1.4.4 -> 1.6 barely differ in the UI: see trac.md for what does

    def install(self, version: str) -> Path:
        root = self.installed(version)
        log = root / "install.log"
        if version.startswith("1.4"):
            bin_dir = virtualenv27(root / "venv", PACKAGES[version], log=log)
        else:
            bin_dir = venv(root / "venv", PACKAGES[version], log=log)
        seed, stamp = root / "seed", root / "seed.stamp"
        if stamp.exists() and stamp.read_text() == SEED_RECIPE and (seed / "env").exists():
            return root
        stamp.unlink(missing_ok=True)
        building = root / "seed.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        self._seed(bin_dir, building, log)
        shutil.rmtree(seed, ignore_errors=True)
        building.rename(seed)
        stamp.write_text(SEED_RECIPE)
        return root

    def _seed(self, bin_dir: Path, building: Path, log: Path) -> None:
        env = building / "env"
        admin = bin_dir / "trac-admin"
        run([admin, env, "initenv", "Corpus Trac", "sqlite:db/trac.db"], log=log)
        run([admin, env, "permission", "add", self.username, "TRAC_ADMIN"], log=log)
        for command in ADMIN_COMMANDS:
            run([admin, env, *command], log=log)
        script = building / "seed_trac.py"
        script.write_text(SEED_SCRIPT)
        run([bin_dir / "python", script, env], log=log)
        script.unlink()
        users = [(self.username, self.password), SECOND_USER]
        (building / "users.htdigest").write_text(
            "".join(htdigest_line(user, password) for user, password in users))

    @contextlib.contextmanager
    def running(self, version: str, workdir: Path) -> Iterator[RunningApp]:
        root = self.install(version)
        folder = fresh_copy(root / "seed", workdir / "trac")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = workdir / "tracd.log"
        command: list[str | Path] = [
            root / "venv" / "bin" / "tracd", "-b", "127.0.0.1", "-p", str(port), "-s",
            f"--auth=*,{folder / 'users.htdigest'},{REALM}", folder / "env",
        ]
        with serving(command, url=url, log=log, env={"PYTHONDONTWRITEBYTECODE": "1"}):
            yield RunningApp(
                app=self.name, version=version, base_url=url, username=self.username,
                password=self.password, data=lambda: env_data(folder / "env"),
                workdir=workdir, log=log,
            )


def env_data(env: Path) -> DataSnapshot:
    return {
        **sqlite_snapshot(env / "db" / "trac.db", skip_tables=SKIP_TABLES),
        **tree_snapshot(env / "files"),
    }


def htdigest_line(user: str, password: str) -> str:
    ha1 = hashlib.md5(f"{user}:{REALM}:{password}".encode()).hexdigest()  # what htdigest writes
    return f"{user}:{REALM}:{ha1}\n"


def virtualenv27(folder: Path, packages: tuple[str, ...], *, log: Path) -> Path:
    """Like base.venv, for Python 2.7: `python -m venv` does not exist there, so the env is made
    by `virtualenv<20.22` (the last to create 2.7 environments), itself in a Python 3 venv."""
    stamp = folder / ".corpus-installed"
    wanted = "\n".join(packages)
    if stamp.exists() and stamp.read_text() == wanted:
        return folder / "bin"
    tools = cache_root() / "trac"
    virtualenv = venv(tools / "virtualenv-tool", ["virtualenv<20.22"], log=log) / "virtualenv"
    shutil.rmtree(folder, ignore_errors=True)
    run([virtualenv, "-p", PYTHON27, folder], log=log,
        env={"VIRTUALENV_OVERRIDE_APP_DATA": str(tools / "virtualenv-app-data")})
    run([folder / "bin" / "python", "-m", "pip", "install", "--quiet", *packages], log=log)
    stamp.write_text(wanted)
    return folder / "bin"


APP = Trac()
