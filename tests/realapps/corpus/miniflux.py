"""Miniflux, a minimalist feed reader in Go (server-rendered pages, sign-in form with a CSRF token).

Installed with `go install miniflux.app/v2@VERSION` from the Go module proxy; it needs
PostgreSQL, so every use runs its own throwaway cluster (initdb, 127.0.0.1 on a free port, unix
socket in the cluster's folder; the system cluster is never touched). The PostgreSQL binaries
refuse to run as root: when we are root they run as the `postgres` user (or `nobody`) through
`setpriv`, and when the caller's workdir is not reachable by that user (pytest's tmp_path under
/tmp/pytest-of-root is 0700) the cluster lives in a private temporary folder, linked from
`workdir/pg` and removed when the block ends.

The seed, made once per version by that version's binary: the admin user (its "mark entries as
read when viewed" setting turned off, so that opening an entry is not a write), the categories
All (made by Miniflux), News, Engineering and Hobbies, and three feeds fetched over HTTP from a
feed server on 127.0.0.1 (two RSS, one Atom; 9 entries: "City council approves new bike lanes"
read, "Composting basics" starred; their links point at that server's port, dead later).
Fetching from loopback needs FETCHER_ALLOW_PRIVATE_NETWORKS=1 in v2.3.5 (v2.2.0 has no such
check); it is set while serving too, so that both versions behave alike. The seed is the stopped
cluster's data folder; `running()` copies it, so every use starts from exactly the seed. Nothing
polls feeds while serving: DISABLE_SCHEDULER_SERVICE=1 (no feed scheduler, no cleanup job), and
POLLING_FREQUENCY is a year in case it were not honoured.

`data()` is one digest per table of the `public` schema, rows sorted. Left out, and only these:
- tables `sessions` and `user_sessions` (v2.2.0) and `web_sessions` (v2.3.5): the anonymous
  session made by showing the sign-in page (it holds the CSRF token, flash messages) and the
  signed-in sessions; they change by visiting pages and by signing in;
- column `users.last_login_at`: written at every sign-in;
- column `api_keys.last_used_at`: written at every API call made with a key;
- columns `webauthn_credentials.last_seen_on` and `sign_count`: written at every passkey sign-in.
Nothing else is written by reading pages (checked by browsing every page of the seed, entries
included, over HTTP and in Chromium, in both versions). Beware: in v2.2.0 some *links* are writes
and are not "reading": GET /feeds/refresh, /feed/N/refresh, /category/N/entries/refresh and
/category/N/feeds/refresh fetch feeds (no feed server runs while serving: the fetch error is
recorded in `feeds`), GET /entry/share/N writes a share code into `entries`, and GET /logout
signs out; v2.3.5 made all of them POST forms (GET answers 405).
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from tests.realapps.corpus.base import (
    STOP_TIMEOUT_S,
    AuthKind,
    CorpusError,
    DataSnapshot,
    RealApp,
    RunningApp,
    UiKind,
    digest,
    free_port,
    fresh_copy,
    run,
    serving,
    stop,
    wait_until,
)

SEED_REVISION = "miniflux-seed-1"  # change it to have the seeds made again
DB_NAME = "miniflux"
DB_USER = "miniflux"
DB_PASSWORD = "corpus-pg-secret"
SKIP_TABLES = frozenset({"sessions", "user_sessions", "web_sessions"})
SKIP_COLUMNS = {
    "users": frozenset({"last_login_at"}),
    "api_keys": frozenset({"last_used_at"}),
    "webauthn_credentials": frozenset({"last_seen_on", "sign_count"}),
}
CATEGORIES = ("News", "Engineering", "Hobbies")


class Miniflux(RealApp):
    name = "miniflux"
    versions = ("v2.2.0", "v2.3.5")
    ui = UiKind.SERVER_RENDERED
    auth = AuthKind.FORM

    def binary(self, version: str) -> Path:
        return self.installed(version) / "bin" / "miniflux.app"

    def seed(self, version: str) -> Path:
        return self.installed(version) / "seed"

    def install(self, version: str) -> Path:
        root = self.installed(version)
        root.mkdir(parents=True, exist_ok=True)
        log = root / "install.log"
        binary = self.binary(version)
        if not binary.exists():
            partial = root / ".partial"
            partial.mkdir(exist_ok=True)
            run(["go", "install", f"miniflux.app/v2@{version}"], log=log,
                env={"GOBIN": str(partial)})
            binary.parent.mkdir(exist_ok=True)
            (partial / "miniflux.app").rename(binary)
            shutil.rmtree(partial, ignore_errors=True)
        stamp = root / ".seeded"
        if not (stamp.exists() and stamp.read_text() == SEED_REVISION):
            self._make_seed(version, log)
            stamp.write_text(SEED_REVISION)
        return root

    def _make_seed(self, version: str, log: Path) -> None:
        seed = self.seed(version)
        shutil.rmtree(seed, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="corpus-miniflux-seed-") as tmp, \
                _cluster_folder(Path(tmp)) as folder:
            _initdb(folder, log)
            with _postgres(folder, log) as pg_port, _feed_server() as feeds_url:
                _create_database(pg_port)
                env = {"CREATE_ADMIN": "1", "ADMIN_USERNAME": self.username,
                       "ADMIN_PASSWORD": self.password}
                with self._miniflux(version, pg_port, log, env) as base_url:
                    self._seed_through_api(base_url, feeds_url)
                _sql(pg_port, *(f"DELETE FROM {t}" for t in sorted(SKIP_TABLES)
                                if _has_table(pg_port, t)))
            partial = seed.with_name("seed.partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(folder / "data", partial / "data", symlinks=True)
            partial.rename(seed)

    def _seed_through_api(self, base_url: str, feeds_url: str) -> None:
        api = _Api(base_url, self.username, self.password)
        me = api.call("GET", "/v1/me")
        api.call("PUT", f"/v1/users/{me['id']}", {"mark_read_on_view": False})
        category = {title: api.call("POST", "/v1/categories", {"title": title})["id"]
                    for title in CATEGORIES}
        for path, title in (("news.xml", "News"), ("engineering.atom", "Engineering"),
                            ("gardening.xml", "Hobbies")):
            api.call("POST", "/v1/feeds", {"feed_url": f"{feeds_url}/{path}",
                                           "category_id": category[title]})
        entries = sorted(api.call("GET", "/v1/entries?limit=100")["entries"],
                         key=lambda e: str(e["title"]))
        if len(entries) != 9:
            raise CorpusError(f"the seed feeds gave {len(entries)} entries, not 9")
        api.call("PUT", "/v1/entries", {"entry_ids": [entries[0]["id"]], "status": "read"})
        api.call("PUT", f"/v1/entries/{entries[1]['id']}/bookmark")

    @contextlib.contextmanager
    def _miniflux(self, version: str, pg_port: int, log: Path,
                  extra: dict[str, str] | None = None) -> Iterator[str]:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}/"
        env = {
            "DATABASE_URL": f"postgres://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{pg_port}/{DB_NAME}"
                            "?sslmode=disable",
            "DATABASE_MAX_CONNS": "5",
            "RUN_MIGRATIONS": "1",
            "LISTEN_ADDR": f"127.0.0.1:{port}",
            "BASE_URL": base_url,
            "DISABLE_SCHEDULER_SERVICE": "1",
            "POLLING_FREQUENCY": "525600",
            "CLEANUP_FREQUENCY_HOURS": "8760",
            "WORKER_POOL_SIZE": "1",
            "FETCHER_ALLOW_PRIVATE_NETWORKS": "1",
            **(extra or {}),
        }
        # /healthcheck answers without making a session, unlike /
        with serving([self.binary(version)], url=f"{base_url}healthcheck", log=log, env=env):
            yield base_url

    @contextlib.contextmanager
    def running(self, version: str, workdir: Path) -> Iterator[RunningApp]:
        self.install(version)
        workdir.mkdir(parents=True, exist_ok=True)
        log = workdir / "miniflux.log"
        with _cluster_folder(workdir) as folder:
            fresh_copy(self.seed(version) / "data", folder / "data")
            _give_to_pg_user(folder / "data")
            with _postgres(folder, log) as pg_port, \
                    self._miniflux(version, pg_port, log) as base_url:
                yield RunningApp(
                    app=self.name, version=version, base_url=base_url,
                    username=self.username, password=self.password,
                    data=lambda: _snapshot(pg_port), workdir=workdir, log=log,
                )


# -- the seed's feeds -------------------------------------------------------------------------

def _rss(title: str, slug: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{{base}}/{slug}/{i}.html</link>"
        f"<guid isPermaLink=\"false\">{slug}-{i}</guid><pubDate>{day}</pubDate>"
        f"<description><![CDATA[<p>{body}</p>]]></description></item>"
        for i, (t, day, body) in enumerate(items, 1)
    )
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{title}</title><link>{{base}}/{slug}/</link>"
            f"<description>{title}, a corpus feed</description>{entries}</channel></rss>")


def _atom(title: str, slug: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<entry><title>{t}</title><link href=\"{{base}}/{slug}/{i}.html\"/>"
        f"<id>urn:corpus:{slug}:{i}</id><updated>{day}</updated><published>{day}</published>"
        f"<author><name>Ada Corpus</name></author>"
        f"<content type=\"html\">&lt;p&gt;{body}&lt;/p&gt;</content></entry>"
        for i, (t, day, body) in enumerate(items, 1)
    )
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            f"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{title}</title>"
            f"<link href=\"{{base}}/{slug}/\"/><id>urn:corpus:{slug}</id>"
            f"<updated>2024-05-03T10:00:00Z</updated>{entries}</feed>")


FEEDS = {
    "news.xml": ("application/rss+xml", _rss("Corpus Daily News", "news", [
        ("City council approves new bike lanes", "Mon, 06 May 2024 08:00:00 GMT",
         "The council voted 7 to 2 for twelve kilometres of protected lanes."),
        ("Library extends opening hours", "Tue, 07 May 2024 09:30:00 GMT",
         "The central library now opens until 22:00 on weekdays."),
        ("Heatwave expected this weekend", "Wed, 08 May 2024 07:15:00 GMT",
         "Temperatures may reach 34 degrees on Saturday."),
        ("Local team wins the regional cup", "Thu, 09 May 2024 20:45:00 GMT",
         "A late goal settled the final 2 to 1."),
    ])),
    "engineering.atom": ("application/atom+xml", _atom("Corpus Engineering Blog", "eng", [
        ("Zero-downtime database migrations", "2024-04-02T10:00:00Z",
         "Expand, migrate, contract: three deploys instead of one."),
        ("Why we moved to structured logging", "2024-04-16T10:00:00Z",
         "Key-value logs made our incident reviews twice as fast."),
        ("Flaky tests are bugs", "2024-05-01T10:00:00Z",
         "We quarantine, then fix, every test that fails without a change."),
    ])),
    "gardening.xml": ("application/rss+xml", _rss("Weekend Gardening", "garden", [
        ("Planting tomatoes in May", "Sat, 04 May 2024 06:00:00 GMT",
         "Wait for the last frost, then plant them deep."),
        ("Composting basics", "Sun, 05 May 2024 06:00:00 GMT",
         "Mix greens and browns, keep it moist, turn it weekly."),
    ])),
}


@contextlib.contextmanager
def _feed_server() -> Iterator[str]:
    """Serve FEEDS on 127.0.0.1 until the block ends; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.split("?")[0].lstrip("/")
            if name not in FEEDS:
                self.send_error(404)
                return
            kind, text = FEEDS[name]
            body = text.replace("{base}", base).encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Api:
    """Miniflux's REST API with HTTP Basic (used to seed)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base_url + path, method=method, headers=self.headers,
            data=None if body is None else json.dumps(body).encode(),
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise CorpusError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from error
        return json.loads(text) if text.strip() else None


# -- a throwaway PostgreSQL cluster -----------------------------------------------------------

def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("postgres") or shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise CorpusError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres)")


def _pg_user() -> pwd.struct_passwd | None:
    """The user PostgreSQL runs as when we are root (it refuses root); None: ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise CorpusError("running as root and there is no `postgres` or `nobody` user")


def _as_pg_user() -> list[str]:
    user = _pg_user()
    if user is None:
        return []
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]


def _give_to_pg_user(folder: Path) -> None:
    user = _pg_user()
    if user is None:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


@contextlib.contextmanager
def _cluster_folder(workdir: Path) -> Iterator[Path]:
    """A folder for the cluster's data/ and run/ that the PostgreSQL user can reach:
    `workdir/pg` when it can, otherwise a private temporary folder linked from there."""
    folder = workdir / "pg"
    if folder.is_symlink():
        folder.unlink()
    shutil.rmtree(folder, ignore_errors=True)
    temporary: Path | None = None
    if _as_pg_user() and subprocess.run([*_as_pg_user(), "test", "-x", str(workdir)],
                                        check=False).returncode != 0:
        temporary = Path(tempfile.mkdtemp(prefix="corpus-pg-"))
        folder.symlink_to(temporary, target_is_directory=True)
        target = temporary
    else:
        folder.mkdir()
        target = folder
    (target / "run").mkdir()
    _give_to_pg_user(target)
    try:
        yield target
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                folder.unlink()


def _initdb(folder: Path, log: Path) -> None:
    password_file = folder / "run" / "pw"
    password_file.write_text(DB_PASSWORD)
    _give_to_pg_user(password_file)
    run([*_as_pg_user(), _pg_bin() / "initdb", "-D", folder / "data", "-U", DB_USER,
         "--pwfile", password_file, "--auth-local=trust", "--auth-host=scram-sha-256",
         "-E", "UTF8", "--locale=C", "--no-instructions"], log=log)
    password_file.unlink()


@contextlib.contextmanager
def _postgres(folder: Path, log: Path) -> Iterator[int]:
    """Run the cluster in `folder` on 127.0.0.1 (unix socket in folder/run); yields the port."""
    port = free_port()
    sockets = folder / "run"
    command = [
        *_as_pg_user(), _pg_bin() / "postgres", "-D", folder / "data", "-p", str(port),
        "-c", "listen_addresses=127.0.0.1",
        # a unix socket path is limited to 107 bytes: without one, TCP only
        "-c", f"unix_socket_directories={sockets if len(str(sockets)) < 90 else ''}",
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        "-c", "max_connections=20", "-c", "shared_buffers=16MB",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        process = subprocess.Popen([str(c) for c in command], stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: _accepts(port), process, log)
            yield port
        finally:
            # SIGINT is PostgreSQL's fast shutdown: it ends sessions and checkpoints cleanly
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT_S)
            stop(process)


def _connect(port: int, dbname: str = DB_NAME) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(host="127.0.0.1", port=port, user=DB_USER, password=DB_PASSWORD,
                           dbname=dbname, autocommit=True, connect_timeout=5)


def _accepts(port: int) -> bool:
    try:
        with _connect(port, "postgres"):
            return True
    except psycopg.OperationalError:
        return False


def _create_database(port: int) -> None:
    with _connect(port, "postgres") as db:
        db.execute(f"CREATE DATABASE {DB_NAME}")


def _sql(port: int, *statements: str) -> None:
    with _connect(port) as db:
        for statement in statements:
            db.execute(statement)


def _has_table(port: int, table: str) -> bool:
    with _connect(port) as db:
        return db.execute("SELECT to_regclass(%s) IS NOT NULL",
                          (f"public.{table}",)).fetchone() == (True,)


def _snapshot(port: int) -> DataSnapshot:
    """One digest per table of the `public` schema, rows sorted, bookkeeping left out."""
    found: DataSnapshot = {}
    with _connect(port) as db:
        tables = [r[0] for r in db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
        for table in sorted(set(tables) - SKIP_TABLES):
            columns = [r[0] for r in db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                (table,))]
            kept = [c for c in columns if c not in SKIP_COLUMNS.get(table, frozenset())]
            select = ", ".join(f'"{c}"' for c in kept)
            rows = db.execute(f'SELECT {select} FROM "{table}"')
            found[f"table:{table}"] = digest(sorted(repr(r) for r in rows))
    return found


APP = Miniflux()
