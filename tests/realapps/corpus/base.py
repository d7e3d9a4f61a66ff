"""What every application of the corpus provides, and the plumbing they share.

An application is installed once per version from the package registries into a cache folder
(`~/.cache/testforge/realapps/<app>/<version>`, or `$TESTFORGE_CACHE/realapps/...`), seeded once
(records, a signed-in user) into a pristine data folder, and started on loopback from a fresh
copy of that seed every time, so each use begins from exactly the same data.

`RunningApp.data()` reads the application's data as it is now: one digest per table (or file
tree), with sessions and sign-in bookkeeping (last-login times, login counters) left out, so
comparing two readings says whether anything a user would call data changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

START_TIMEOUT_S = 180.0  # Label Studio / MLflow run migrations at start on a busy 2-core machine
STOP_TIMEOUT_S = 15.0
POLL_S = 0.2

DataSnapshot = dict[str, str]  # table or file tree -> digest of its content


class UiKind(StrEnum):
    SERVER_RENDERED = "server-rendered"
    SPA = "spa"


class AuthKind(StrEnum):
    FORM = "form"
    HTTP_BASIC = "http-basic"
    HTTP_DIGEST = "http-digest"


class CorpusError(RuntimeError):
    """An application could not be installed, seeded or started; the message says why."""


@dataclass
class RunningApp:
    app: str
    version: str
    base_url: str
    username: str
    password: str = field(repr=False)
    data: Callable[[], DataSnapshot]
    workdir: Path
    log: Path


class RealApp(ABC):
    """One application of the corpus. Subclasses set the class attributes and implement both."""

    name: str
    versions: tuple[str, str]  # (old, new): the suite is generated on old and run on new
    ui: UiKind
    auth: AuthKind
    control: bool = False  # True when the two versions have no UI difference
    username = "admin"
    password = "Corpus-Passw0rd!"
    # Seconds a page may take to load here: a single-page app whose every request checks an
    # HTTP password hash (MLflow) loads in tens of seconds on a busy 2-core machine.
    page_timeout_s = 15.0

    def installed(self, version: str) -> Path:
        return cache_root() / self.name / version

    @abstractmethod
    def install(self, version: str) -> Path:
        """Install (idempotent; seconds when cached) and seed; returns the install folder."""

    @abstractmethod
    def running(self, version: str, workdir: Path) -> contextlib.AbstractContextManager[RunningApp]:
        """Serve `version` on 127.0.0.1 from a fresh copy of its seed, until the block ends."""


# -- shared plumbing ----------------------------------------------------------------------------


def cache_root() -> Path:
    """The cache the kube-apiserver build uses too: `$TESTFORGE_CACHE`, else
    `${XDG_CACHE_HOME:-~/.cache}/testforge`."""
    explicit = os.environ.get("TESTFORGE_CACHE")
    xdg = Path(os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser())
    return (Path(explicit) if explicit else xdg / "testforge") / "realapps"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: Sequence[str | Path], *, log: Path, env: Mapping[str, str] | None = None,
        cwd: Path | None = None) -> None:
    """Run a set-up command to completion; its output goes to `log`, quoted on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        sink.write(f"$ {' '.join(map(str, command))}\n".encode())
        sink.flush()
        done = subprocess.run(
            [str(c) for c in command], stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
            env={**os.environ, **(env or {})}, check=False,
        )
    if done.returncode != 0:
        raise CorpusError(f"{command[0]} exited {done.returncode}:\n{tail(log)}")


def tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


def venv(folder: Path, packages: Sequence[str], *, python: str = "python3", log: Path) -> Path:
    """A virtualenv at `folder` with `packages` (pip specs); returns its bin folder. Idempotent:
    a stamp file records what was installed."""
    stamp = folder / ".corpus-installed"
    wanted = "\n".join(packages)
    if stamp.exists() and stamp.read_text() == wanted:
        return folder / "bin"
    shutil.rmtree(folder, ignore_errors=True)
    run([python, "-m", "venv", folder], log=log)
    run([folder / "bin" / "python", "-m", "pip", "install", "--quiet", *packages], log=log)
    stamp.write_text(wanted)
    return folder / "bin"


@contextlib.contextmanager
def serving(command: Sequence[str | Path], *, url: str, log: Path,
            env: Mapping[str, str] | None = None, cwd: Path | None = None,
            ready: Callable[[], bool] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group; yield once `url` answers (or `ready()` holds);
    stop the whole group afterwards."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sink = log.open("ab")
    process = subprocess.Popen(
        [str(c) for c in command], stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
        env={**os.environ, **(env or {})}, start_new_session=True,
    )
    try:
        wait_until(lambda: answers(url) and (ready is None or ready()), process, log)
        yield process
    finally:
        stop(process)
        sink.close()


def answers(url: str) -> bool:
    """True once the server answers HTTP at all (any status, 401 included)."""
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path,
               timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if process.poll() is not None:
            raise CorpusError(f"the server exited with {process.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise CorpusError(f"the server did not answer within {timeout_s:.0f} s:\n{tail(log)}")
        time.sleep(POLL_S)  # polling a process we do not control: there is no event to await


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT_S)


def fresh_copy(seed: Path, target: Path) -> Path:
    """`target` becomes an exact copy of the pristine `seed` folder."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(seed, target, symlinks=True)
    return target


def sqlite_snapshot(path: Path, *, skip_tables: Sequence[str] = (),
                    skip_columns: Mapping[str, Sequence[str]] | None = None) -> DataSnapshot:
    """One digest per table of a SQLite database, rows sorted; bookkeeping left out."""
    skip_columns = skip_columns or {}
    found: DataSnapshot = {}
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        for table in sorted(set(tables) - set(skip_tables)):
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in set(skip_columns.get(table, ()))]
            if not kept:
                continue
            select = ", ".join(f'"{c}"' for c in kept)
            rows = sorted(repr(r) for r in db.execute(f'SELECT {select} FROM "{table}"'))
            found[f"table:{table}"] = digest(rows)
    return found


def tree_snapshot(root: Path, *, skip: Callable[[Path], bool] = lambda _: False) -> DataSnapshot:
    """One digest for the files under `root` (names and contents)."""
    entries = []
    for path in sorted(root.rglob("*")) if root.exists() else []:
        if path.is_file() and not skip(path.relative_to(root)):
            entries.append(f"{path.relative_to(root)}:{hashlib.sha256(path.read_bytes()).hexdigest()}")
    return {f"files:{root.name}": digest(entries)}


def digest(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def changed(before: DataSnapshot, after: DataSnapshot) -> list[str]:
    """The tables and trees whose content differs between two readings."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
