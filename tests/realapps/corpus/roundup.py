"""Roundup, the issue tracker: its "classic" template on SQLite, served by `roundup-server`.

Served at http://127.0.0.1:PORT/demo/ (the tracker is called `demo`). Sign-in is the form in the
sidebar of every page: POST `__login_name`, `__login_password`, `@action=Login` and the page's
`@csrf` token, with a Referer/Origin on the tracker's own URL (Roundup checks both).

Seed (made once per version with `roundup-admin`): the admin (`admin` / `RealApp.password`), a
second user `alice` (role User), and five issues with different statuses, priorities, assignees
and nosy lists, four of them with a first message (message bodies are files under db/files).

data() reads the tracker's SQLite database `db/db` (one digest per table) and the file store
`db/files` (message and file contents). Left out, because they change without any user action on
data:
  - the session store `db/db-session` (a separate SQLite file, table `sessions`): the signed-in
    sessions, written at sign-in;
  - the one-time-key store `db/db-otk` (a separate SQLite file, table `otks`). Every rendered form
    gets a fresh `@csrf` nonce stored there, so merely viewing a page writes to it; the login
    rate limiter's counters and password-reset/registration keys live there too;
  - the tables `sessions` and `otks` of `db/db`: the same stores' tables in the main database,
    which this (default) configuration leaves empty. They are skipped anyway, so a tracker
    configured to keep sessions in the main database would not change the reading.
Nothing else is left out: Roundup keeps no last-login time or login counter (`_user` has none),
and page views do not journal (the `*__journal` tables change only when a record does).

Roundup refuses to run as root unless `-u` names a user. The notes' recipe (`-u nobody -g
nogroup`, tracker chowned) cannot work when the cache is under /root (mode 0700): after dropping
privileges the server can no longer import its own lazily loaded modules (ModuleNotFoundError for
roundup.backends.indexer_rdbms on the first request). So the server is told to stay the user that
runs it (`-u <own uid> -g <own gid>`): a no-op that satisfies the check, and simply ignored (with
a warning) when that user is not root.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from tests.realapps.corpus.base import (
    AuthKind,
    CorpusError,
    DataSnapshot,
    RealApp,
    RunningApp,
    UiKind,
    free_port,
    fresh_copy,
    run,
    serving,
    sqlite_snapshot,
    tree_snapshot,
    venv,
)

TRACKER = "demo"
SEED_PORT = 9  # a placeholder in the seed's config.ini; each start writes its own port there
SECOND_USER = ("alice", "Alice-Passw0rd!", "alice@example.com", "Alice Example")

# (title, status, priority, assignedto, nosy, first message or "")
ISSUES = (
    ("Login page crashes on empty password", "chatting", "critical", "alice", "admin,alice",
     "Submitting the login form with an empty password shows a traceback."),
    ("Add CSV export to the issue index", "unread", "feature", "", "admin",
     "It would help to export the current index as CSV."),
    ("Typo in the footer", "resolved", "wish", "admin", "admin",
     "The footer says 'Roudnup'."),
    ("Search ignores the keyword field", "in-progress", "bug", "alice", "alice",
     "Searching by keyword returns every issue."),
    ("Slow issue list with 10k issues", "deferred", "urgent", "", "admin,alice", ""),
)

# Bump when the seed recipe changes: the stamp then no longer matches and the seed is remade.
SEED_RECIPE = "roundup-seed-1"


class Roundup(RealApp):
    name = "roundup"
    versions = ("2.4.0", "2.6.0")
    ui = UiKind.SERVER_RENDERED
    auth = AuthKind.FORM

    def install(self, version: str) -> Path:
        root = self.installed(version)
        log = root / "install.log"
        bin_dir = venv(root / "venv", [f"roundup=={version}"], log=log)
        seed, stamp = root / "seed", root / "seed.stamp"
        if stamp.exists() and stamp.read_text() == SEED_RECIPE and (seed / "config.ini").exists():
            return root
        stamp.unlink(missing_ok=True)
        building = root / "seed.building"
        shutil.rmtree(building, ignore_errors=True)
        self._seed(bin_dir, building, log)
        shutil.rmtree(seed, ignore_errors=True)
        building.rename(seed)
        stamp.write_text(SEED_RECIPE)
        return root

    def _seed(self, bin_dir: Path, tracker: Path, log: Path) -> None:
        admin = bin_dir / "roundup-admin"
        settings = ",".join([
            f"tracker_web={tracker_url(SEED_PORT)}",
            "mail_domain=localhost",
            "mail_host=localhost",
            "mail_debug=mail.log",  # relative to the tracker: mail goes to a file, never SMTP
        ])
        run([admin, "-i", tracker, "install", "classic", "sqlite", settings], log=log)
        run([admin, "-i", tracker, "initialise", self.password], log=log)
        user, password, address, realname = SECOND_USER
        commands = [
            ["create", "user", f"username={user}", f"password={password}", f"address={address}",
             f"realname={realname}", "roles=User"],
        ]
        messages = 0
        for title, status, priority, assignee, nosy, body in ISSUES:
            props = [f"title={title}", f"status={status}", f"priority={priority}", f"nosy={nosy}"]
            if assignee:
                props.append(f"assignedto={assignee}")
            if body:
                commands.append(["create", "msg", f"content={body}", "author=admin"])
                messages += 1
                props.append(f"messages={messages}")
            commands.append(["create", "issue", *props])
        for command in commands:
            run([admin, "-i", tracker, *command], log=log)
        # what the first start compiled is not part of the seed
        for cache in tracker.rglob("__pycache__"):
            shutil.rmtree(cache)
        (tracker / "mail.log").unlink(missing_ok=True)

    @contextlib.contextmanager
    def running(self, version: str, workdir: Path) -> Iterator[RunningApp]:
        root = self.install(version)
        tracker = fresh_copy(root / "seed", workdir / "tracker")
        port = free_port()
        set_tracker_web(tracker / "config.ini", tracker_url(port))
        log = workdir / "roundup-server.log"
        command: list[str | Path] = [
            root / "venv" / "bin" / "roundup-server",
            "-u", str(os.getuid()), "-g", str(os.getgid()),  # see the module's docstring
            "-n", "127.0.0.1", "-p", str(port), f"{TRACKER}={tracker}",
        ]
        with serving(command, url=tracker_url(port), log=log, cwd=workdir):
            yield RunningApp(
                app=self.name, version=version, base_url=tracker_url(port),
                username=self.username, password=self.password,
                data=lambda: tracker_data(tracker), workdir=workdir, log=log,
            )


def tracker_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/{TRACKER}/"


def set_tracker_web(config: Path, url: str) -> None:
    """Point `[tracker] web` at this start's port: Roundup builds its links from it and checks
    the Referer/Origin of every form post against it."""
    text, count = re.subn(r"(?m)^web = .*$", f"web = {url}", config.read_text())
    if count != 1:
        raise CorpusError(f"{config}: expected one 'web = ' setting, found {count}")
    config.write_text(text)


def tracker_data(tracker: Path) -> DataSnapshot:
    db = tracker / "db"
    return {
        **sqlite_snapshot(db / "db", skip_tables=("sessions", "otks")),
        **tree_snapshot(db / "files"),
    }


APP = Roundup()
