"""Schemathesis against the API as it is served: every operation of the served OpenAPI
document, fuzzed as each kind of caller, must answer without a server error and as the
document says (status codes, content types, headers, bodies).

    .venv/bin/python -m tests.api.conformance [--examples 6] [--seed 1]

The real app runs under uvicorn on 127.0.0.1 (PostgreSQL in a scratch database when
TESTFORGE_TEST_POSTGRES_URL is set, else a SQLite file) with the fake identity provider and
Stripe of tests/fakes and the in-memory cluster. It seeds a tenant on the business plan with
an owner, an admin, a developer and a viewer signed in through the real sign-in flow, a CI
key, a project, a run and a share link, then runs `schemathesis run` once per caller:
anonymous, each role and the key. Rate limits and lockouts are raised far above the run
(they have tests of their own); signing out is left out, as
it would end the caller's own session mid-run. `.ci/run` calls this; it prints
the figures of each run and exits 1 on any failure.
"""

import argparse
import contextlib
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
import uvicorn
from sqlalchemy import text

from api.billing.plans import Plan
from api.bootstrap import Adapters
from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.main import create_app
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, STRIPE_KEY, make_settings
from tests.api.fakes import FakeCluster
from tests.api.live import scratch_database, sign_in_over_http
from tests.fakes.oidc_provider import FakeOidcProvider, running_fake_oidc
from tests.fakes.resolver import FakeResolver
from tests.fakes.stripe_server import FakeStripe, running_fake_stripe

POSTGRES_ENV = "TESTFORGE_TEST_POSTGRES_URL"
UNLIMITED = "100000000/minute"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Would end the caller's own session part-way through its run.
LEFT_OUT = ("/auth/logout",)
ROLES = ("owner", "admin", "developer", "viewer")


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]


@contextlib.contextmanager
def database(workdir: Path) -> Iterator[str]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        yield f"sqlite:///{workdir / 'api.db'}"
        return
    with scratch_database(url, "testforge_conformance") as scratch:
        yield scratch


@contextlib.contextmanager
def served(database_url: str, oidc: FakeOidcProvider, stripe: FakeStripe) -> Iterator[str]:
    """The app under uvicorn on a free loopback port; its base URL."""
    engine = make_engine(database_url)
    upgrade(engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(
        oidc,
        stripe,
        public_url=f"http://127.0.0.1:{port}",
        anonymous_rate=UNLIMITED,
        person_rate=UNLIMITED,
        failed_credentials_lockout=UNLIMITED,
        abuse_audit_rate=UNLIMITED,
        public_docs=True,
    )
    cluster = FakeCluster()
    app = create_app(
        settings,
        Adapters(engine=engine, resources=cluster, namespaces=cluster, resolver=FakeResolver()),
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, thread)
        yield base
    finally:
        server.should_exit = True
        thread.join()
        engine.dispose()


def _wait_until_serving(base: str, thread: threading.Thread) -> None:
    # uvicorn sets `started` after binding; polling /healthz also proves the app answers.
    with httpx.Client(base_url=base, timeout=5) as http:
        for _ in range(600):
            if not thread.is_alive():
                raise RuntimeError("the API server stopped while starting")
            with contextlib.suppress(httpx.TransportError):
                if http.get("/healthz").status_code == 200:
                    return
            threading.Event().wait(0.05)
    raise RuntimeError("the API server did not start")


@dataclass(frozen=True)
class Seeded:
    callers: list[Caller]
    tenant: str
    project: str
    run: str


def seed(base: str, oidc: FakeOidcProvider, database_url: str) -> Seeded:
    with httpx.Client(base_url=base, timeout=30) as http:
        tokens = {role: sign_in_over_http(http, oidc, f"{role}@example.com") for role in ROLES}
        headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
        owner = headers["owner"]
        _ok(http.post("/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=owner))
        for role in ("admin", "developer", "viewer"):
            member = {"email": f"{role}@example.com", "role": role}
            _ok(http.post("/v1/tenants/acme/members", json=member, headers=owner))
        key = _ok(
            http.post(
                "/v1/tenants/acme/api-keys", json={"name": "ci", "role": "developer"}, headers=owner
            )
        )["key"]
        project = {"name": "shop", "url": "https://shop.example"}
        _ok(http.post("/v1/tenants/acme/projects", json=project, headers=owner))
        run = _ok(http.post("/v1/tenants/acme/projects/shop/runs", json={}, headers=owner))
        _ok(http.post(f"/v1/tenants/acme/runs/{run['name']}/shares", json={}, headers=owner))
    engine = make_engine(database_url)
    with engine.begin() as connection:  # far above the run's rate on the business plan
        connection.execute(text("UPDATE tenants SET plan = :plan"), {"plan": Plan.BUSINESS.value})
    engine.dispose()
    # Least powerful first: the stateful phase follows links (list the members, then delete
    # one), so an admin's run may remove the people the runs before it signed in as.
    callers = [Caller("anonymous", {})]
    callers += [Caller(role, headers[role]) for role in ("viewer", "developer")]
    callers.append(Caller("api key", {"Authorization": f"Bearer {key}"}))
    callers += [Caller(role, headers[role]) for role in ("admin", "owner")]
    return Seeded(callers, "acme", "shop", run["name"])


def _ok(answer: httpx.Response) -> Any:
    if answer.status_code >= 300:
        raise RuntimeError(f"seeding: {answer.request.url} {answer.status_code} {answer.text}")
    return answer.json()


def fuzz(
    base: str, caller: Caller, seeded: Seeded, examples: int, seed: int, scratch: Path
) -> dict[str, Any]:
    # The seeded tenant, project and run in every path, so each operation reaches the
    # authorization and the handler behind it, not only the 404 of a tenant nobody has.
    config = scratch / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.tenant" = "{seeded.tenant}"\n'
        f'"path.project" = "{seeded.project}"\n'
        f'"path.run" = "{seeded.run}"\n'
    )
    report = scratch / "report.json"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    for path in LEFT_OUT:
        command += ["--exclude-path", path]
    for name, value in caller.headers.items():
        command += ["--header", f"{name}: {value}"]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    return {"exit": finished.returncode, "output": finished.stdout + finished.stderr}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=6, help="cases per operation and caller")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # The app's own records (a line per request, audit, failed credentials) would bury the
    # figures: warnings and errors only.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    failed = False
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_fake_oidc(CLIENT_ID, CLIENT_SECRET) as oidc,
        running_fake_stripe(STRIPE_KEY) as stripe,
        database(Path(scratch)) as database_url,
        served(database_url, oidc, stripe) as base,
    ):
        seeded = seed(base, oidc, database_url)
        figures: dict[str, dict[str, Any]] = {}
        for caller in seeded.callers:
            outcome = fuzz(base, caller, seeded, args.examples, args.seed, Path(scratch))
            print(f"--- schemathesis as {caller.name}: exit {outcome['exit']}")
            print(_summary(outcome["output"]))
            figures[caller.name] = _figures(outcome["output"], outcome["exit"])
            failed = failed or outcome["exit"] != 0
    server_errors = sum(  # ST101, ST102
        count
        for f in figures.values()
        for name, count in f["failures"].items()
        if name.startswith("Server error")
    )
    print(
        json.dumps(
            {
                "cases": sum(f["cases"] for f in figures.values()),
                "server_errors": server_errors,
                "conformance_failures": sum(
                    sum(f["failures"].values()) for f in figures.values()
                ) - server_errors,
                "callers": figures,
                "ok": not failed,
            }
        )
    )
    return 1 if failed else 0


def _figures(output: str, exit_code: int) -> dict[str, Any]:
    generated = re.search(r"(\d+) generated", output)
    failures = {
        name.strip(): int(count)
        for name, count in re.findall(r"❌ ST\d+ ([^:\n]+): (\d+)", output)
    }
    return {"cases": int(generated[1]) if generated else 0, "failures": failures, "exit": exit_code}


def _summary(output: str) -> str:
    """The run's own summary (its last section), not the progress lines before it."""
    lines = output.rstrip().splitlines()
    for marker in ("FAILURES", "SUMMARY"):
        starts = [i for i, line in enumerate(lines) if marker in line]
        if starts:
            return "\n".join(lines[starts[0] :])
    return "\n".join(lines[-40:])


if __name__ == "__main__":
    sys.exit(main())
