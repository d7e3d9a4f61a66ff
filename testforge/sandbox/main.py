"""The sandbox runner's entry: `python -m testforge.sandbox discover|execute --spec FILE`.

Runs one piece of browser work for the operator, inside a Job: discovery of a project, or one
shard of a suite. Its outputs go to the artifact store under the spec's `output` prefix (results
first, then artifacts, each upload retried); a short JSON summary goes to the termination message
(and to the store, for when the pod is gone). Exit codes, env and names: `contracts.sandbox`.
Before any browser work, the base URL is checked against the spec's egress policy after this
sandbox's own DNS lookup (`domain.egress`): a refused address fails the Job for good.
"""

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from testforge.bootstrap import Settings
from testforge.contracts.sandbox import (
    APP_MODEL_FILE,
    OUTPUT_FOLDERS,
    RESULT_FILE,
    SUMMARY_FILE,
    ExitCode,
    RunnerEnv,
    RunnerKind,
    RunnerSpec,
    RunnerSummary,
)
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest, discover
from testforge.domain import egress
from testforge.domain.crd import Counts
from testforge.domain.errors import (
    ArtifactError,
    BrowserUnavailableError,
    ConfigurationError,
    EgressRefusedError,
    ExecutionError,
    ResolverUnavailableError,
    SignInError,
    TargetUnreachableError,
    TestForgeError,
)
from testforge.execution.local import ExecutionRequest, execute
from testforge.resolver import SocketResolver
from testforge.settings import BrowserSettings
from testforge.storage.local import LocalStore
from testforge.storage.port import (
    ArtifactStore,
    StoreError,
    download_dir,
    put_model,
    put_retried,
    upload_dir,
)

# Error class -> (reason for status, whether a retry could help).
_REASONS: dict[type[TestForgeError], tuple[str, bool]] = {
    EgressRefusedError: ("EgressRefused", False),
    ResolverUnavailableError: ("DnsUnavailable", True),
    TargetUnreachableError: ("TargetUnreachable", False),
    SignInError: ("SignInFailed", False),
    BrowserUnavailableError: ("BrowserUnavailable", False),
    ConfigurationError: ("InvalidConfiguration", False),
    ArtifactError: ("InvalidArtifact", False),
    StoreError: ("StoreUnavailable", True),
    ExecutionError: ("RunnerFailed", True),
}


def _credentials(env: RunnerEnv) -> Credentials | None:
    if env.username and env.password:
        return Credentials(env.username, env.password.get_secret_value())
    return None


def run_discover(
    spec: RunnerSpec, store: ArtifactStore, browser: BrowserSettings, env: RunnerEnv
) -> RunnerSummary:
    if spec.limits is None:
        raise ConfigurationError("a discover spec needs crawl limits")
    request = DiscoveryRequest(
        base_url=spec.base_url,
        limits=spec.limits,
        credentials=_credentials(env),
        login_path=spec.login_path,
        probe_forms=spec.probe_forms,
        allow_writes=spec.allow_writes,
    )
    model = discover(request, browser)
    ref = put_model(store, f"{spec.output}/{APP_MODEL_FILE}", model)
    return RunnerSummary(
        ok=True,
        reason="Discovered",
        message=f"{len(model.pages)} pages, {len(model.forms)} forms, {len(model.flows)} flows",
        result_ref=ref,
    )


def _knowledge_snapshot(store: ArtifactStore, ref: str | None, target: Path) -> Path | None:
    """The learned patterns for the workers, when the operator has kept some."""
    if ref is None:
        return None
    try:
        target.write_bytes(store.get(ref))
    except KeyError:  # nothing learned in this namespace yet
        return None
    return target


def run_execute(
    spec: RunnerSpec, store: ArtifactStore, browser: BrowserSettings, env: RunnerEnv, work: Path
) -> RunnerSummary:
    if spec.suite_ref is None:
        raise ConfigurationError("an execute spec needs a suite_ref")
    suite_dir = download_dir(store, spec.suite_ref, work / "suite")
    out = work / "out"
    knowledge = _knowledge_snapshot(store, spec.knowledge_ref, work / "knowledge-snapshot.json")
    request = ExecutionRequest(
        base_url=spec.base_url,
        workers=spec.workers,
        retries=spec.retries,
        test_timeout_s=spec.test_timeout_s,
        heal=spec.heal,
        nodeids=spec.nodeids,
        credentials=_credentials(env),
        knowledge_snapshot=knowledge,
    )
    result = execute(suite_dir, out, request, browser)
    # The result first: it is what the run's status and report are made of.
    ref = put_model(store, f"{spec.output}/{RESULT_FILE}", result)
    missing: tuple[str, ...] = ()
    for folder in OUTPUT_FOLDERS:
        if (out / folder).is_dir():
            try:
                upload_dir(store, out / folder, f"{spec.output}/{folder}")
            except StoreError as exc:
                missing += exc.missing
    counts = Counts.model_validate(result.summary.model_dump())
    message = f"{counts.passed} passed, {counts.failed} failed of {counts.total}"
    if missing:
        message += f"; {len(missing)} artifact file(s) could not be stored"
    return RunnerSummary(
        ok=True,
        reason="Executed",
        message=message,
        result_ref=ref,
        counts=counts,
        heals=sum(len(t.heals) for t in result.tests),
        missing=missing,
    )


def _failure(exc: Exception) -> tuple[RunnerSummary, ExitCode]:
    for kind, (reason, retryable) in _REASONS.items():
        if isinstance(exc, kind):
            code = ExitCode.RETRY if retryable else ExitCode.PERMANENT
            return RunnerSummary(ok=False, reason=reason, message=str(exc)), code
    return RunnerSummary(ok=False, reason="RunnerCrashed", message=repr(exc)), ExitCode.RETRY


def _report(
    summary: RunnerSummary, termination_log: Path, store: ArtifactStore, output: str
) -> None:
    try:
        termination_log.write_text(summary.encode(), encoding="utf-8")
    except OSError as exc:
        print(
            f"could not write the termination message to {termination_log}: {exc}", file=sys.stderr
        )
    try:
        put_retried(store, f"{output}/{SUMMARY_FILE}", summary.encode().encode())
    except StoreError as exc:
        print(f"could not store the summary: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None, resolver: egress.Resolver | None = None) -> int:
    """`resolver` replaces the system's DNS (tests)."""
    parser = argparse.ArgumentParser(prog="python -m testforge.sandbox", description=__doc__)
    parser.add_argument("kind", choices=[k.value for k in RunnerKind])
    parser.add_argument("--spec", type=Path, required=True, help="the RunnerSpec JSON file")
    env = RunnerEnv.from_env()
    parser.add_argument("--store", type=Path, default=env.store_root)
    parser.add_argument("--termination-log", type=Path, default=env.termination_log)
    args = parser.parse_args(argv)
    store = LocalStore(args.store)
    try:
        spec = RunnerSpec.model_validate_json(args.spec.read_bytes())
    except (OSError, ValueError) as exc:
        summary = RunnerSummary(ok=False, reason="InvalidSpec", message=f"{args.spec}: {exc}")
        args.termination_log.write_text(summary.encode(), encoding="utf-8")
        return ExitCode.PERMANENT
    try:
        if spec.kind.value != args.kind:
            raise ConfigurationError(f"the spec is for {spec.kind.value}, not {args.kind}")
        if spec.egress is not None:
            # Again here, after this sandbox's own DNS lookup: the API's answer may be stale or
            # differ. What the browser looks up later is the NetworkPolicy's to stop.
            egress.vet(spec.base_url, spec.egress, resolver or SocketResolver())
        # The runner's composition root: settings read and validated once, before any work
        # (inside the try: a bad setting reaches the operator as a summary like any failure).
        browser = Settings.from_env().browser
        with tempfile.TemporaryDirectory(prefix="testforge-sandbox-") as work:
            if spec.kind is RunnerKind.DISCOVER:
                summary = run_discover(spec, store, browser, env)
            else:
                summary = run_execute(spec, store, browser, env, Path(work))
        code = ExitCode.OK
    except Exception as exc:  # every failure must reach the operator as a summary
        summary, code = _failure(exc)
    _report(summary, args.termination_log, store, spec.output)
    print(summary.encode())
    return code
