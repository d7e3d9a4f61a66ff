"""The egress policy on the operator's side: the Job builders hand every sandbox a policy (the
run's, else the project's, else public-only), and the runner checks its base URL against it
after its own DNS lookup, before any browser work."""

from pathlib import Path

import pytest

from testforge.cluster.builders.manifests import Owner
from testforge.cluster.reconcile.projects import ProjectState, discovery_children
from testforge.cluster.reconcile.runs import shard_children
from testforge.contracts.sandbox import (
    SPEC_FILE,
    ExitCode,
    RunnerKind,
    RunnerSpec,
    RunnerSummary,
)
from testforge.domain.app_model import CrawlLimits
from testforge.domain.crd import ShardStatus, TestProjectSpec, TestProjectStatus
from testforge.domain.egress import EgressPolicy, Resolver
from testforge.sandbox.main import main
from tests.fakes.resolver import FakeResolver

from .builders import CONFIG, T0, project, run

Egress = dict[str, list[str]]
OPENED: Egress = {"allowCidrs": ["10.20.0.0/16"], "allowHosts": ["*.corp.internal"]}


def _spec(manifests: tuple[dict[str, object], ...]) -> RunnerSpec:
    config_map = next(m for m in manifests if m["kind"] == "ConfigMap")
    data = config_map["data"]
    assert isinstance(data, dict)
    return RunnerSpec.model_validate_json(data[SPEC_FILE])


def _discovery(**spec: object) -> RunnerSpec:
    state = ProjectState(
        owner=Owner(kind="TestProject", name="shop", uid="u", namespace="ns"),
        generation=1,
        created=T0,
        spec=TestProjectSpec.model_validate({"url": "http://shop.test", **spec}),
        status=TestProjectStatus(),
    )
    return _spec(discovery_children(state, CONFIG))


def _shard(project_egress: Egress | None, run_egress: Egress | None) -> RunnerSpec:
    shard = ShardStatus(index=0, job="nightly-shard-0", tests=1)
    of_run = run(egress=run_egress) if run_egress is not None else run()
    of_project = project(egress=project_egress) if project_egress is not None else project()
    return _spec(shard_children(of_run, of_project, "s", shard, ("t::a",), CONFIG))


def test_every_sandbox_gets_a_policy_and_without_one_in_the_spec_it_is_public_only() -> None:
    assert _discovery().egress == EgressPolicy()
    assert _shard(None, None).egress == EgressPolicy()


def test_a_sandbox_gets_the_runs_policy_else_the_projects() -> None:
    opened = EgressPolicy(allow_cidrs=("10.20.0.0/16",), allow_hosts=("*.corp.internal",))
    assert _discovery(egress=OPENED).egress == opened
    assert _shard(OPENED, None).egress == opened
    narrowed: Egress = {"allowCidrs": [], "allowHosts": []}
    assert _shard(OPENED, narrowed).egress == EgressPolicy()


def _run_main(
    tmp_path: Path, spec: RunnerSpec, resolver: Resolver | None
) -> tuple[int, RunnerSummary]:
    (tmp_path / "spec.json").write_text(spec.model_dump_json())
    log = tmp_path / "termination-log"
    argv = [spec.kind.value, "--spec", str(tmp_path / "spec.json")]
    argv += ["--store", str(tmp_path / "store"), "--termination-log", str(log)]
    code = main(argv, resolver=resolver)
    return code, RunnerSummary.model_validate_json(log.read_text())


def _discover(url: str, egress: EgressPolicy | None) -> RunnerSpec:
    return RunnerSpec(
        kind=RunnerKind.DISCOVER,
        base_url=url,
        output="projects/ns/shop/discovery/g1",
        limits=CrawlLimits(),
        egress=egress,
    )


def _execute(url: str, egress: EgressPolicy | None) -> RunnerSpec:
    """No suite: a spec that passed the egress check fails next, without a browser."""
    output = "runs/ns/r/shards/0"
    return RunnerSpec(kind=RunnerKind.EXECUTE, base_url=url, output=output, egress=egress)


def test_a_host_that_resolves_to_a_refused_address_fails_the_job_for_good(tmp_path: Path) -> None:
    """The API saw a public address; the sandbox's DNS answers a private one (a rebinding, or
    split-horizon DNS): the runner refuses before the browser starts, and says how to fix it."""
    resolver = FakeResolver({"shop.example": ["10.1.2.3"]})
    spec = _discover("https://shop.example/", EgressPolicy())
    code, summary = _run_main(tmp_path, spec, resolver)
    assert (code, summary.ok, summary.reason) == (ExitCode.PERMANENT, False, "EgressRefused")
    assert "resolves shop.example to 10.1.2.3, a private address" in summary.message
    assert "allow 10.0.0.0/8" in summary.message
    stored = tmp_path / "store" / spec.output / "summary.json"
    assert RunnerSummary.model_validate_json(stored.read_text()).reason == "EgressRefused"


def test_an_allowed_address_passes_and_the_work_goes_on(tmp_path: Path) -> None:
    resolver = FakeResolver({"shop.example": ["10.1.2.3"]})
    spec = _execute("https://shop.example/", EgressPolicy(allow_cidrs=("10.0.0.0/8",)))
    code, summary = _run_main(tmp_path, spec, resolver)
    assert (code, summary.reason) == (ExitCode.PERMANENT, "InvalidConfiguration")
    assert "suite_ref" in summary.message and resolver.asked == ["shop.example"]


@pytest.mark.parametrize(
    ("answers", "down", "code", "reason"),
    [
        ({"shop.example": []}, False, ExitCode.PERMANENT, "TargetUnreachable"),
        ({}, True, ExitCode.RETRY, "DnsUnavailable"),
    ],
)
def test_dns_without_an_answer_fails_the_job_and_says_whether_a_retry_helps(
    tmp_path: Path, answers: dict[str, list[str]], down: bool, code: ExitCode, reason: str
) -> None:
    resolver = FakeResolver(answers)
    resolver.down = down
    done = _run_main(tmp_path, _discover("https://shop.example/", EgressPolicy()), resolver)
    assert (done[0], done[1].reason) == (code, reason)


def test_the_systems_dns_decides_when_no_resolver_is_given(tmp_path: Path) -> None:
    """`localhost` resolves from the hosts file, no network needed: refused by name unless the
    policy opens it and its address; then the system's answer (127.0.0.1) passes."""
    refused = _run_main(tmp_path, _discover("http://localhost:9/", EgressPolicy()), None)
    assert refused[1].reason == "EgressRefused" and "loopback" in refused[1].message
    opened = EgressPolicy(allow_cidrs=("127.0.0.0/8", "::1/128"), allow_hosts=("localhost",))
    code, summary = _run_main(tmp_path, _execute("http://localhost:9/", opened), None)
    assert (code, summary.reason) == (ExitCode.PERMANENT, "InvalidConfiguration")


def test_a_runner_without_a_policy_checks_nothing(tmp_path: Path) -> None:
    """A runner started by hand (or the CLI's local path, which never uses one) on loopback."""
    resolver = FakeResolver()
    summary = _run_main(tmp_path, _execute("http://127.0.0.1:9/", None), resolver)[1]
    assert summary.reason == "InvalidConfiguration" and resolver.asked == []
