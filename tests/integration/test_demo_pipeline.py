"""The local pipeline end to end on the demo shop, in real Chromium.

One suite is generated on v1 per session; it must pass on v1, fail only where v3 regressed,
break on v2 for locator reasons only, and pass on v2 once healed.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from demo.versions import DEMO_PASSWORD, DEMO_USER
from testforge.application.knowledge import learn
from testforge.artifacts import read_suite
from testforge.cluster.builders.manifests import Owner, SandboxConfig, healing_request
from testforge.cluster.control import services
from testforge.cluster.control.controller import HealingController, Operator
from testforge.contracts.sandbox import (
    RunnerEnv,
    RunnerKind,
    RunnerSpec,
    knowledge_key,
    shard_prefix,
)
from testforge.design.offline import OfflineDesigner
from testforge.discovery.auth import Credentials
from testforge.discovery.service import DiscoveryRequest
from testforge.domain.app_model import CrawlLimits, FlowKind
from testforge.domain.crd import API_VERSION
from testforge.domain.healing import HealingDecision, HealingRequest, HealingResult
from testforge.domain.plan import Tag
from testforge.domain.results import FailureKind, RunResult, TestStatus
from testforge.execution.local import ExecutionRequest, collect
from testforge.healing.review import apply_approved, decide, load_requests
from testforge.knowledge.patterns import HealingPattern
from testforge.knowledge.store import PatternStore
from testforge.pipeline import Generated, generate, run_suite
from testforge.sandbox.main import run_execute
from testforge.settings import BrowserSettings
from testforge.storage.local import LocalStore
from tests.unit.operator.fakes import FakeKube

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CREDENTIALS = Credentials(DEMO_USER, DEMO_PASSWORD)
NS = "shop-team"
DEMO_PAGES = {"/", "/login", "/account", "/products", "/cart", "/checkout", "/contact", "/deals"}


@pytest.fixture(scope="module")
def generated(demo_v1: str, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("demo")
    # The demo shop is disposable: writes are allowed, so the cart and checkout are explored.
    request = DiscoveryRequest(
        base_url=demo_v1, limits=CrawlLimits(), credentials=CREDENTIALS, allow_writes=True
    )
    return generate(request, OfflineDesigner(), out, BrowserSettings())


@pytest.fixture
def suite_copy(generated: Generated, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the suite, so applying heals in one test leaves the others alone."""
    target = tmp_path / "suite"
    shutil.copytree(generated.suite_dir, target)
    yield target


def run(suite: Path, url: str, out: Path, *, heal: bool = True, retries: int = 1) -> RunResult:
    request = ExecutionRequest(
        base_url=url, workers=2, retries=retries, heal=heal, credentials=CREDENTIALS
    )
    result, paths = run_suite(suite, request, out, BrowserSettings())
    assert paths.html.is_file() and paths.junit.is_file() and paths.json.is_file()
    return result


def test_discovery_covers_every_page_form_and_journey(generated: Generated) -> None:
    model = generated.model
    paths = {p.path.split("?")[0] for p in model.pages}
    assert paths >= DEMO_PAGES
    assert sum(p.template == "/products/*" for p in model.pages) >= 6
    purposes = {f.purpose for f in model.forms}
    assert {"sign_in", "search"} <= purposes
    assert {f.kind for f in model.flows} >= {FlowKind.SIGN_IN, FlowKind.SEARCH, FlowKind.PURCHASE}
    checkout = next(p for p in model.pages if p.path == "/checkout")
    assert checkout.setup, "the checkout form is only reachable with items in the cart"


def test_the_plan_covers_every_page_and_form_with_at_least_25_tests(generated: Generated) -> None:
    cases = generated.plan.cases
    assert len(cases) >= 25
    covered_pages = {page.split("?")[0] for c in cases for page in c.pages}
    assert covered_pages >= DEMO_PAGES
    probed = {f.key for f in generated.model.forms if f.probes}
    assert probed <= {c.form for c in cases if c.form}
    assert {Tag.SMOKE, Tag.NAVIGATION, Tag.FORM_VALIDATION, Tag.FLOW, Tag.NEGATIVE} <= {
        t for c in cases for t in c.tags
    }


def test_every_generated_test_passes_on_the_baseline(
    generated: Generated, demo_v1: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v1, tmp_path)
    failures = {
        t.title: t.failure.message if t.failure else ""
        for t in result.tests
        if t.status is TestStatus.FAILED
    }
    assert failures == {}
    assert result.summary.passed == result.summary.total == len(generated.plan.cases)
    assert result.summary.flaky == 0 and result.summary.healed == 0


def test_regressions_in_v3_fail_as_assertions_and_nothing_heals_them(
    generated: Generated, demo_v3: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v3, tmp_path, retries=0)  # failures are expected
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    assert failed, "v3 charges shipping twice and drops the city: tests must notice"
    assert all(t.failure and t.failure.kind is FailureKind.ASSERTION for t in failed)
    assert any("Place order" in t.title for t in failed)
    assert result.summary.healed == 0


def test_v2_breaks_only_for_element_not_found_without_healing(
    generated: Generated, demo_v2: str, tmp_path: Path
) -> None:
    result = run(generated.suite_dir, demo_v2, tmp_path, heal=False, retries=0)
    failed = [t for t in result.tests if t.status is TestStatus.FAILED]
    assert failed
    kinds = {t.failure.kind for t in failed if t.failure}
    assert kinds == {FailureKind.ELEMENT_NOT_FOUND}


def test_v2_passes_healed_and_after_applying_heals_needs_none(
    suite_copy: Path, demo_v2: str, tmp_path: Path
) -> None:
    healed = run(suite_copy, demo_v2, tmp_path / "first")
    failures = {
        t.title: t.failure.message if t.failure else ""
        for t in healed.tests
        if t.status is TestStatus.FAILED
    }
    assert failures == {}
    assert healed.summary.healed > 0
    requests = load_requests(suite_copy)
    assert requests and all(r.tests for r in requests)
    for request in requests:
        if request.decision is HealingDecision.NEEDS_APPROVAL:
            decide(suite_copy, request.id, approve=True, by="test")
    assert apply_approved(suite_copy)
    again = run(suite_copy, demo_v2, tmp_path / "second")
    assert again.summary.failed == 0
    assert again.summary.healed == 0


def _cluster_path(
    suite_dir: Path, url: str, nodeids: tuple[str, ...], work: Path
) -> tuple[RunResult, list[HealingRequest], list[HealingPattern]]:
    """The operator's path without Kubernetes' own parts: the suite in the artifact store, one
    shard run by the sandbox runner, the report and heals finished by the operator's services,
    and each HealingRequest decided by its controller (with FakeKube for the API server)."""
    store = LocalStore(work / "store")
    suite = services.store_suite(store, NS, "shop", read_suite(suite_dir), applied=[])
    spec = RunnerSpec(
        kind=RunnerKind.EXECUTE,
        base_url=url,
        output=shard_prefix(NS, "r", 0),
        suite_ref=suite.ref,
        knowledge_ref=knowledge_key(NS),
        nodeids=nodeids,
        retries=0,
    )
    env = RunnerEnv(username=DEMO_USER, password=SecretStr(DEMO_PASSWORD))
    (work / "shard").mkdir()
    shard = run_execute(spec, store, BrowserSettings(), env, work / "shard")
    assert shard.result_ref is not None
    refs = (shard.result_ref,)
    finish = services.RunToFinish(NS, "r", url, suite.ref, refs, partial=False, record_heals=True)
    stored = services.finish_stored_run(store, finish)
    report, recorded = stored.report, stored.heal_requests
    kube = FakeKube()
    knowledge = PatternStore.in_memory()
    op = Operator(kube, store, SandboxConfig(), designers={}, knowledge=knowledge)
    project = {"apiVersion": API_VERSION, "kind": "TestProject", "spec": {"url": url}}
    kube.add({**project, "metadata": {"name": "shop", "namespace": NS}})
    kube.patch_status("TestProject", NS, "shop", {"suite": suite.wire()})
    run = Owner(kind="TestRun", name="r", uid="uid-r", namespace=NS)
    for request, ref in recorded:  # a reviewer approves every heal, as on the CLI path below
        manifest = healing_request(run, "shop", request, ref)
        manifest["spec"]["approved"] = True
        kube.add(manifest)
        status = HealingController(op).reconcile(NS, manifest["metadata"]["name"])
        assert status is not None and status.decision.value == "Applied", status
        assert status.pattern_id is not None
    op.refresh_snapshot(NS)  # as before the next run's shards start
    exported = PatternStore.from_snapshot(store.root / knowledge_key(NS)).all()
    assert sorted(p.id for p in exported) == sorted(p.id for p in knowledge.all())
    result = RunResult.model_validate_json(store.get(f"{report.ref}/report.json"))
    return result, [r for r, _ in recorded], knowledge.all()


def _cli_path(
    suite_dir: Path, url: str, nodeids: tuple[str, ...], out: Path
) -> tuple[RunResult, list[HealingRequest], list[HealingPattern]]:
    """`testforge run`, then `testforge heal --approve … --apply` for every heal."""
    knowledge = PatternStore.in_memory()
    request = ExecutionRequest(base_url=url, retries=0, nodeids=nodeids, credentials=CREDENTIALS)
    result, _ = run_suite(suite_dir, request, out, BrowserSettings(), knowledge=knowledge)
    recorded = load_requests(suite_dir)

    def learner(request: HealingRequest, approved: bool) -> str | None:
        return learn(knowledge, request, NS, approved=approved)

    for heal in recorded:
        if heal.decision is HealingDecision.NEEDS_APPROVAL:
            decide(suite_dir, heal.id, approve=True, by="reviewer", learner=learner)
    assert len(apply_approved(suite_dir, learner)) == len(recorded)
    return result, recorded, knowledge.all()


Outcome = dict[str, tuple[str, list[tuple[str, str | None, str | None]]]]


def _outcome(result: RunResult) -> Outcome:
    """Each test's status and heals: the key, the element chosen and the request named."""
    return {
        t.nodeid: (t.status.value, [(h.key, _chosen(h.result), h.request) for h in t.heals])
        for t in result.tests
    }


def _chosen(result: HealingResult) -> str | None:
    return result.chosen.fingerprint.xpath if result.chosen else None


def test_the_cluster_and_the_cli_finish_a_run_alike(
    generated: Generated, demo_v2: str, tmp_path: Path
) -> None:
    """One application core: the same suite on v2 gives the same report, heal requests and
    learned patterns whichever driver runs it."""
    every = collect(
        generated.suite_dir, ExecutionRequest(base_url=demo_v2), tmp_path / "c", BrowserSettings()
    )
    nodeids = tuple(every[::3])  # a third of the suite: enough heals, half the time
    cli_suite = tmp_path / "cli-suite"
    shutil.copytree(generated.suite_dir, cli_suite)
    cli = _cli_path(cli_suite, demo_v2, nodeids, tmp_path / "cli")
    cluster = _cluster_path(generated.suite_dir, demo_v2, nodeids, tmp_path / "cluster")
    assert cli[0].summary.healed > 0, "the comparison needs heals"
    assert _outcome(cluster[0]) == _outcome(cli[0])
    assert cluster[0].summary == cli[0].summary
    assert {(r.id, r.key) for r in cluster[1]} == {(r.id, r.key) for r in cli[1]}
    learned = [{(p.id, p.approved, p.rejected) for p in path[2]} for path in (cli, cluster)]
    assert learned[0] == learned[1] and learned[0]
