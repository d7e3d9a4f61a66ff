"""Load on the API's hot reads over loopback: requests per second and latency, and whether
requests that crash hold up the others.

    .venv/bin/python benchmarks/api.py [--seconds 7] [--concurrency 16] [--database auto]

The real app (`api.main.create_app`) is served by uvicorn in a child process on 127.0.0.1, the
way `testforge api serve` runs it (uvicorn's own logging and access log, then the app's JSON
logs from `testforge.logs.configure_logging`), with everything it logs sent to a file. It runs
on PostgreSQL, in a scratch database dropped afterwards, when TESTFORGE_TEST_POSTGRES_URL is set
(`scripts/start-services`, then `. .testforge/services.env`), else on a SQLite file; with the
fake identity provider and Stripe of tests/fakes and the in-memory cluster of tests/api/fakes.py.
The child signs a person in through the real OIDC flow and seeds a tenant, a project, 20
finished runs, a share link and a CI key. Production settings (and rate counters in Redis) when
TESTFORGE_TEST_REDIS_URL is set too, development settings otherwise; either way with rate
limits far above this load, so that what is measured is the reads (counting included), not
429s. This process then drives each hot read for --seconds with --concurrency connections
(httpx), and prints requests per second, p50/p95/p99 latency and errors for each.

Crash isolation: the benchmark's app (only it) has a route that raises, so the app's real
recovery path answers and logs it. The run read CI polls is measured alone and with a paced
stream of those crashes (--crash-rate a second), alternating twice, --seconds in all for each.

Exit 1 when a hot read answers anything but 200, a crash is not answered as the 500 problem
document, or the crashes raise the read's p95 more than --max-slowdown times. The last line is
one JSON object: {"backend": ..., "concurrency": N, "seconds": F, "reads": {ROUTE: {"requests",
"rps", "p50_ms", "p95_ms", "p99_ms", "errors"}}, "crash_isolation": {"p95_alone_ms",
"p95_with_crashes_ms", "ratio", "max_ratio", "crashes", ...}, "ok": bool}.
"""

# ruff: noqa: E402, PTH100, PTH120
# Run as a script, Python puts this folder first on the path, where this very file is `api`
# (hiding the app's package) and operator.py hides the standard library's `operator`: swap the
# folder for the checkout's root, with os.path only (pathlib imports `operator`).
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, ROOT)

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from api.billing.plans import QUOTAS
from api.bootstrap import Adapters
from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.deps import SessionDep
from api.main import create_app
from testforge.logs import configure_logging
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, STRIPE_KEY, make_settings
from tests.api.fakes import FakeCluster
from tests.api.live import scratch_database, sign_in_over_http
from tests.fakes.oidc_provider import FakeOidcProvider, running_fake_oidc
from tests.fakes.resolver import FakeResolver
from tests.fakes.stripe_server import running_fake_stripe

POSTGRES_ENV, REDIS_ENV = "TESTFORGE_TEST_POSTGRES_URL", "TESTFORGE_TEST_REDIS_URL"
# How the child is told its stores: the app's own variables, not argv (URLs may hold passwords).
DATABASE_ENV, RATE_STORE_ENV = "TESTFORGE_API_DATABASE_URL", "TESTFORGE_API_RATE_LIMIT_STORAGE"
# Limits far above this load: the benchmark measures the reads, not the throttle's refusals;
# the counting itself still runs on every request. (Settings ignores fields it does not have.)
GENEROUS_RATE = "100000000/minute"
GENEROUS_SETTINGS = {"anonymous_rate": GENEROUS_RATE, "person_rate": GENEROUS_RATE}
CRASH_PATH = "/_bench/crash"
TENANT, PROJECT, OWNER = "acme", "shop", "owner@example.com"
SEEDED_RUNS = 20
WARMUP_REQUESTS = 16  # a route's first requests import, compile, fill caches and pools
REQUEST_TIMEOUT_S = 30.0  # the app's own deadline (request_timeout_s) answers 504 before this
START_TIMEOUT_S = 90.0  # the child's imports, start-up and seeding, on a loaded machine
STOP_TIMEOUT_S = 15.0


# --- the server (child process) ---------------------------------------------------------


def serve_child(ready: Path, environment: str, lifetime_s: float) -> None:
    """Serve the app until SIGTERM, the parent's death or `lifetime_s`; report to `ready`.

    uvicorn runs in this process's main thread, as in production, so its signal handling and
    graceful shutdown (the app's lifespan closes the container) are the real ones.
    """
    parent = os.getppid()
    with (
        running_fake_oidc(CLIENT_ID, CLIENT_SECRET) as oidc,
        running_fake_stripe(STRIPE_KEY) as stripe_fake,
    ):
        # Bound here, not by uvicorn: the port must be known before the settings (the OIDC
        # redirect URI and share links are built from the public URL).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        cluster = FakeCluster()
        settings = make_settings(
            oidc,
            stripe_fake,
            environment=environment,
            public_url=url,
            database_url=os.environ[DATABASE_ENV],
            rate_limit_storage=os.environ[RATE_STORE_ENV],
            auto_migrate=False,  # the parent migrated: a deploy step, as in production
            **GENEROUS_SETTINGS,
        )
        raise_plan_rates()
        # The engine is the real one, built from the settings; only the cluster is faked.
        app = create_app(
            settings, Adapters(resources=cluster, namespaces=cluster, resolver=FakeResolver())
        )
        install_crash_route(app)
        # uvicorn.Config sets up uvicorn's loggers; `api.main.serve` then configures the
        # process's JSON logging, in this order. Both write to stderr, the parent's log file.
        config = uvicorn.Config(app, proxy_headers=True, timeout_graceful_shutdown=5)
        configure_logging()
        server = uvicorn.Server(config)

        def seed_then_report() -> None:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.01)
            try:
                report: dict[str, Any] = {"url": url, **seed(url, oidc, cluster)}
            except Exception:  # the parent prints it and stops; this process must stop too
                report = {"error": traceback.format_exc()}
                server.should_exit = True
            written = ready.with_suffix(".tmp")
            written.write_text(json.dumps(report))
            written.replace(ready)  # atomic: the parent never reads half a report

        def watchdog() -> None:
            # Bounded even when nobody stops it: an orphan must not serve forever.
            end = time.monotonic() + lifetime_s
            while os.getppid() == parent and time.monotonic() < end:
                time.sleep(0.5)
            server.should_exit = True

        threading.Thread(target=seed_then_report, name="seed", daemon=True).start()
        threading.Thread(target=watchdog, name="watchdog", daemon=True).start()
        server.run(sockets=[sock])


def raise_plan_rates() -> None:
    """The plan sets each tenant's and API key's request rate, and no setting overrides it:
    raise those rates in this process only (every `*requests_per_minute` of each plan)."""
    for plan, quota in QUOTAS.items():
        fields = dataclasses.fields(quota)
        rates = {f.name: 10**8 for f in fields if f.name.endswith("requests_per_minute")}
        QUOTAS[plan] = dataclasses.replace(quota, **rates)


def install_crash_route(app: FastAPI) -> None:
    """A route that fails as a bug does, mid-request after using the database, with an error
    the app does not know: what answers and logs it is the app's own recovery path."""

    def crash(session: SessionDep) -> None:
        session.execute(text("SELECT 1"))
        raise RuntimeError("benchmark: a route that crashes")

    app.add_api_route(CRASH_PATH, crash, methods=["GET"], include_in_schema=False)


def seed(url: str, oidc: FakeOidcProvider, cluster: FakeCluster) -> dict[str, Any]:
    """Through the API as a person would: sign in, a tenant, a project, runs, a share, a key."""
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as http:

        def made(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            answer = http.post(path, json=body, headers=headers)
            if answer.status_code != 201:
                raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text}")
            return answer.json()

        token = sign_in_over_http(http, oidc, OWNER)
        owner = {"Authorization": f"Bearer {token}"}

        made("/v1/tenants", {"slug": TENANT, "name": "Acme"}, owner)
        # An address, not a name: the API resolves a project's URL before it accepts it (the
        # egress policy), and there is no DNS here. A public one; nothing ever fetches it.
        project = {"name": PROJECT, "url": "https://93.184.215.14/"}
        made(f"/v1/tenants/{TENANT}/projects", project, owner)
        runs: list[str] = []
        for n in range(SEEDED_RUNS):
            run = made(
                f"/v1/tenants/{TENANT}/projects/{PROJECT}/runs",
                {"git_sha": f"{n + 1:040x}", "pull_request": n + 1},
                owner,
            )["name"]
            # What the operator would write; finished, since the free plan runs one at a time.
            cluster.set_status(
                "testruns",
                f"tf-{TENANT}",
                run,
                {
                    "phase": "Succeeded",
                    "counts": {"total": 42, "passed": 40, "healed": 2},
                    "startTime": "2026-12-01T10:00:00Z",
                    "completionTime": "2026-12-01T10:04:12Z",
                },
            )
            runs.append(run)
        share = made(f"/v1/tenants/{TENANT}/runs/{runs[-1]}/shares", {"expires_in_days": 7}, owner)
        key = made(f"/v1/tenants/{TENANT}/api-keys", {"name": "ci", "role": "developer"}, owner)
    return {
        "session": token,
        "api_key": key["key"],
        "run": runs[-1],
        "share_path": urlsplit(share["url"]).path,
        "pid": os.getpid(),
    }


# --- the database -----------------------------------------------------------------------


@contextlib.contextmanager
def database(choice: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """(backend name, URL) of a migrated, empty database that is gone afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if choice == "postgresql" and not server:
        raise SystemExit(f"--database postgresql needs {POSTGRES_ENV} (scripts/start-services)")
    if choice == "sqlite" or not server:
        url = f"sqlite:///{workdir / 'api.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield "sqlite", url
        return
    with scratch_database(server, "testforge_bench") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield "postgresql", url


@contextlib.contextmanager
def running_server(
    environment: str, stores: dict[str, str], workdir: Path, log: Path, lifetime_s: float
) -> Iterator[dict[str, Any]]:
    """The child serving the app; yields what it seeded (its URL and credentials)."""
    ready = workdir / "ready.json"
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", str(ready), environment, str(lifetime_s)],
            cwd=ROOT,
            env={**os.environ, **stores},
            stdin=subprocess.DEVNULL,
            stdout=sink,  # uvicorn's access log: the production cost, not our screen
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"the API server did not start; its log ends:\n{tail}")
            time.sleep(0.05)
        report: dict[str, Any] = json.loads(ready.read_text())
        if "error" in report:
            raise SystemExit(f"seeding the API failed:\n{report['error']}")
        yield report
    finally:
        child.send_signal(signal.SIGTERM)  # as Kubernetes stops a pod: uvicorn shuts down
        try:
            child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# --- load -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    route: str  # the route template, as the table and the JSON name it
    path: str
    credential: str
    headers: dict[str, str]


@dataclass
class Sample:
    """What one stretch of load answered: latency of every answer, statuses, transport errors."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + sum(
            self.failures.values()
        )

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def add(self, other: "Sample") -> None:
        self.latencies_ms += other.latencies_ms
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)
        self.seconds += other.seconds

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99),
            "errors": self.errors,
        }

    def what_failed(self) -> str:
        found = [f"{n}x {s}" for s, n in sorted(self.statuses.items()) if s != 200]
        found += [f"{n}x {name}" for name, n in sorted(self.failures.items())]
        return ", ".join(found)


def percentile(values: Sequence[float], q: int) -> float:
    if len(values) < 2:
        return round(values[0], 2) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 2)


def client(base_url: str, connections: int, keepalive: bool = True) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections if keepalive else 0
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S)


async def hammer(http: httpx.AsyncClient, read: Read, concurrency: int, seconds: float) -> Sample:
    """`concurrency` requests in flight, back to back, until `seconds` have passed."""
    sample = Sample()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                answer = await http.get(read.path, headers=read.headers)
            except httpx.HTTPError as exc:
                sample.failures[type(exc).__name__] += 1
                continue
            sample.latencies_ms.append((time.perf_counter() - started) * 1000)
            sample.statuses[answer.status_code] += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    sample.seconds = time.perf_counter() - began
    return sample


@dataclass
class Crashes:
    sent: int = 0
    answered_as_problem: int = 0  # 500 with the problem document of api/problems.py
    other: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0


async def crash_once(http: httpx.AsyncClient, into: Crashes) -> None:
    started = time.perf_counter()
    into.sent += 1
    try:
        answer = await http.get(CRASH_PATH)
    except httpx.HTTPError as exc:
        into.other[type(exc).__name__] += 1
        return
    into.latencies_ms.append((time.perf_counter() - started) * 1000)
    problem = answer.headers.get("content-type", "").startswith(
        "application/problem+json"
    ) and answer.json().get("type") == "urn:testforge:problem:internal"
    if answer.status_code == 500 and problem:
        into.answered_as_problem += 1
    else:
        into.other[f"status {answer.status_code}"] += 1


async def crash_stream(base_url: str, rate: float, stop: asyncio.Event, into: Crashes) -> None:
    """About `rate` crashing requests a second until `stop`; paced, not a flood, so what is
    measured is their effect on the others rather than the CPU they take."""
    workers = max(1, min(8, round(rate / 5)))  # each paced worker sends about 5 a second
    interval = workers / rate

    async def worker(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await crash_once(http, into)
            wait = interval - (time.perf_counter() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, wait))

    began = time.perf_counter()
    # A new connection for each: uvicorn answers the 500 (Starlette's ServerErrorMiddleware
    # re-raises after it) and then closes the connection without `Connection: close`, so a
    # client that reuses it gets a ReadError on its next request. That is the crashing
    # client's own loss; what this measures is everyone else.
    async with client(base_url, workers, keepalive=False) as http:
        await asyncio.gather(*(worker(http) for _ in range(workers)))
    into.seconds += time.perf_counter() - began


async def measure(
    base_url: str, reads: list[Read], probe: Read, args: argparse.Namespace
) -> tuple[dict[str, Sample], Sample, Sample, Crashes]:
    crashes = Crashes()
    async with client(base_url, args.concurrency) as http:
        for read in reads:  # warm-up, not counted; at once, to keep the whole run short
            await asyncio.gather(
                *(http.get(read.path, headers=read.headers) for _ in range(WARMUP_REQUESTS))
            )
        async with client(base_url, 1, keepalive=False) as once:
            await crash_once(once, crashes)  # the first traceback reads the source files
        results = {r.route: await hammer(http, r, args.concurrency, args.seconds) for r in reads}

        # Alone, with crashes, alone, with crashes: alternating, so the machine's drift (other
        # jobs share these 2 cores) falls on both sides alike.
        alone, with_crashes = Sample(), Sample()
        stretch = args.seconds / 2
        for _ in range(2):
            alone.add(await hammer(http, probe, args.concurrency, stretch))
            stop = asyncio.Event()
            stream = asyncio.create_task(crash_stream(base_url, args.crash_rate, stop, crashes))
            await asyncio.sleep(0.2)  # the stream under way before the clock starts
            with_crashes.add(await hammer(http, probe, args.concurrency, stretch))
            stop.set()
            await stream
    return results, alone, with_crashes, crashes


# --- report -----------------------------------------------------------------------------


def log_figures(log: Path) -> dict[str, int]:
    """How the crashes reached the log: the app's JSON record, and uvicorn's own traceback
    (it logs what the app re-raised after answering)."""
    written = log.read_text(errors="replace")
    records = [line for line in written.splitlines() if '"event": "request.crashed"' in line]
    return {
        "bytes": len(written.encode()),
        "app_records": len(records),
        "app_record_bytes": sum(len(r.encode()) for r in records) // max(1, len(records)),
        "uvicorn_records": written.count("Exception in ASGI application"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=7.0, help="load per hot read (s)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--crash-rate", type=float, default=20.0, help="crashes a second")
    parser.add_argument("--max-slowdown", type=float, default=3.0,
                        help="fail when crashes raise the read's p95 more than this many times")
    parser.add_argument("--database", choices=["auto", "sqlite", "postgresql"], default="auto")
    parser.add_argument("--log", type=Path, help="keep the server's log here (default: dropped)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve_child(Path(args.child[0]), args.child[1], float(args.child[2]))
        return 0
    if not (0 < args.seconds <= 120 and 1 <= args.concurrency <= 256 and args.crash_rate > 0):
        parser.error("--seconds in (0, 120], --concurrency in [1, 256], --crash-rate > 0")

    # SIGTERM (`timeout`, a CI runner) unwinds like Ctrl-C: the server is stopped and the
    # scratch database dropped, instead of both being left behind.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    # Not a terminal (a pipe, CI's log): wide enough for the table instead of rich's 80.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="testforge-bench-api-") as tmp:
        workdir = Path(tmp)
        log = args.log or workdir / "server.log"
        lifetime = 10 * args.seconds + 120  # a bound on the child, well past the planned load
        with contextlib.ExitStack() as stack:
            backend, url = stack.enter_context(database(args.database, workdir))
            # As deployed where it can be: production settings need PostgreSQL and counters
            # shared by replicas (Redis; keys of random ids, and of 127.0.0.1 for addresses).
            redis = os.environ.get(REDIS_ENV) if backend == "postgresql" else None
            environment = "production" if redis else "development"
            counters = redis or "memory://"
            stores = {DATABASE_ENV: url, RATE_STORE_ENV: counters}
            seeded = stack.enter_context(
                running_server(environment, stores, workdir, log, lifetime)
            )
            session = {"Authorization": f"Bearer {seeded['session']}"}
            key = {"Authorization": f"Bearer {seeded['api_key']}"}
            tenant, run = f"/v1/tenants/{TENANT}", seeded["run"]
            reads = [
                Read("GET /v1/me", "/v1/me", "session", session),
                Read("GET /v1/tenants", "/v1/tenants", "session", session),
                Read("GET /v1/tenants/{t}/projects", f"{tenant}/projects", "session", session),
                Read("GET /v1/tenants/{t}/runs", f"{tenant}/runs", "session", session),
                Read("GET /v1/tenants/{t}/runs/{run}", f"{tenant}/runs/{run}", "API key", key),
                Read("GET /v1/shared/{token}", seeded["share_path"], "none", {}),
            ]
            probe = reads[4]  # what CI polls while a run goes on: the read crashes must not stall
            store = counters.split(":", 1)[0]
            ready_s = time.perf_counter() - began
            console.print(
                f"[bold]API load[/]: {environment} settings on {backend}, rate counters in "
                f"{store}; uvicorn pid {seeded['pid']} on {seeded['url']}; "
                f"{args.concurrency} in flight, {args.seconds:g} s a read, "
                f"{SEEDED_RUNS} runs seeded in {ready_s:.0f} s, {os.cpu_count()} cores"
            )
            results, alone, with_crashes, crashes = asyncio.run(
                measure(seeded["url"], reads, probe, args)
            )
        logged = log_figures(log)
    elapsed = time.perf_counter() - began

    table = Table(title="Hot reads (latency in ms)")
    for column in ("route", "credential", "requests", "req/s", "p50", "p95", "p99", "errors"):
        table.add_column(column, justify="left" if column in {"route", "credential"} else "right")
    for read in reads:
        f = results[read.route].figures()
        table.add_row(
            read.route, read.credential, str(f["requests"]), f"{f['rps']:.0f}",
            f"{f['p50_ms']:.1f}", f"{f['p95_ms']:.1f}", f"{f['p99_ms']:.1f}", str(f["errors"]),
        )
    console.print(table)

    p95_alone = percentile(alone.latencies_ms, 95)
    p95_crashes = percentile(with_crashes.latencies_ms, 95)
    ratio = round(p95_crashes / p95_alone, 2) if p95_alone > 0 else 0.0
    crash_rate = crashes.sent / crashes.seconds if crashes.seconds else 0.0
    console.print(
        f"[bold]Crash isolation[/] on {probe.route}: p95 {p95_alone:.1f} ms alone "
        f"({alone.rps:.0f} req/s), {p95_crashes:.1f} ms with {crash_rate:.0f} crashes/s "
        f"({with_crashes.rps:.0f} req/s): x{ratio:.2f} (limit x{args.max_slowdown:g})"
    )
    console.print(
        f"crashes: {crashes.sent} sent, {crashes.answered_as_problem} answered 500 "
        f"problem+json, p95 {percentile(crashes.latencies_ms, 95):.1f} ms; logged as "
        f"{logged['app_records']} request.crashed records (~{logged['app_record_bytes']} B "
        f"each) and {logged['uvicorn_records']} uvicorn tracebacks; whole log "
        f"{logged['bytes'] / 1e6:.1f} MB"
    )

    failed: list[str] = []
    for read in reads:
        if results[read.route].errors:
            failed.append(f"{read.route}: {results[read.route].what_failed()}")
    for name, sample in (("alone", alone), ("with crashes", with_crashes)):
        if sample.errors:
            failed.append(f"{probe.route} {name}: {sample.what_failed()}")
    if crashes.other:
        wrong = ", ".join(f"{n}x {what}" for what, n in crashes.other.items())
        failed.append(f"crashes not answered as the 500 problem: {wrong}")
    if ratio > args.max_slowdown:
        failed.append(f"crashes raised the p95 x{ratio:.2f}, over x{args.max_slowdown:g}")
    if any("429" in line for line in failed):
        failed.append("429s: the API's rate limits are below this load; raise them for it")
    for line in failed:
        console.print(f"[red]FAIL[/] {line}")
    console.print(f"{elapsed:.0f} s in all")

    print(
        json.dumps(
            {
                "backend": backend,
                "environment": environment,
                "rate_limit_store": store,
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "reads": {r.route: results[r.route].figures() for r in reads},
                "crash_isolation": {
                    "read": probe.route,
                    "p95_alone_ms": p95_alone,
                    "p95_with_crashes_ms": p95_crashes,
                    "ratio": ratio,
                    "max_ratio": args.max_slowdown,
                    "rps_alone": round(alone.rps, 1),
                    "rps_with_crashes": round(with_crashes.rps, 1),
                    "crashes": crashes.sent,
                    "crashes_per_second": round(crash_rate, 1),
                    "crashes_answered_as_problem": crashes.answered_as_problem,
                    "crash_p95_ms": percentile(crashes.latencies_ms, 95),
                    "crashes_logged": logged["app_records"],
                    "crash_record_bytes": logged["app_record_bytes"],
                },
                "ok": not failed,
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
