"""The controllers' orchestration: observe a CR and its children, call the pure reconciler,
carry out its actions, write the status. Synchronous (the Kopf handlers run it in a thread);
no Kopf import, so it is tested with a fake KubeApi and a local store.

The status is written last and only when the actions succeeded, so an interrupted pass leaves
the previous status in place and the next pass repeats the same idempotent actions.
"""

import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from testforge.application.knowledge import learn, snapshot
from testforge.application.runs import Summariser
from testforge.application.suites import Classifier
from testforge.cluster.adapters.kube import KubeApi
from testforge.cluster.builders import names
from testforge.cluster.builders.manifests import Manifest, Owner, SandboxConfig, healing_request
from testforge.cluster.control import services
from testforge.cluster.control.metrics import Metrics
from testforge.cluster.logs import logger
from testforge.cluster.reconcile.actions import CreateChildren, DeleteChildren, Emit
from testforge.cluster.reconcile.healing import ApplyHeal, reconcile_healing
from testforge.cluster.reconcile.observed import JobView, job_view, parse_summary
from testforge.cluster.reconcile.projects import (
    CreateRun,
    GenerateSuite,
    ProjectAction,
    ProjectDecision,
    ProjectState,
    reconcile_project,
)
from testforge.cluster.reconcile.runs import (
    Action,
    Decision,
    FinishRun,
    ProjectSuite,
    RunState,
    reconcile_run,
)
from testforge.contracts.sandbox import (
    SUMMARY_FILE,
    discovery_prefix,
    knowledge_key,
    shard_prefix,
)
from testforge.design.port import TestDesigner
from testforge.domain.crd import (
    HealDecision,
    HealingRequestSpec,
    HealingRequestStatus,
    RankedCandidate,
    RunPhase,
    SuiteReference,
    TestProjectSpec,
    TestProjectStatus,
    TestRunSpec,
    TestRunStatus,
    TokenUsage,
)
from testforge.domain.errors import ConfigurationError, TestForgeError
from testforge.domain.healing import HealingRequest
from testforge.healing.policy import HealThresholds, auto_applicable
from testforge.storage.port import ArtifactStore, StoreError, get_model

if TYPE_CHECKING:
    from testforge.knowledge.store import PatternStore

log = logger()
# Decisions a pattern is learned from: an applied heal counts for its shape, a rejected against.
LEARNED = {HealDecision.APPLIED, HealDecision.REJECTED}
M = TypeVar("M", bound=BaseModel)
MAX_CANDIDATES = 5


class InvalidResourceError(TestForgeError):
    """A CR that passed the API server's schema but cannot be parsed (an older CRD version)."""


@dataclass
class Operator:
    """Everything a controller needs, built once by bootstrap()."""

    kube: KubeApi
    store: ArtifactStore
    sandbox: SandboxConfig
    designers: dict[str, TestDesigner]
    metrics: Metrics = field(default_factory=Metrics)
    # Learns from decided heals; None when learning is off (TESTFORGE_KNOWLEDGE_ENABLED=0).
    knowledge: "PatternStore | None" = None
    # Classifies discovered pages before design and writes a finished run's insights (the LLM
    # stack's, as `testforge run` does); None: neither.
    classify: Classifier | None = None
    summarise: Summariser | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _locks: dict[tuple[str, str], threading.Lock] = field(
        default_factory=lambda: defaultdict(threading.Lock)
    )
    # How many decisions were learned since startup, and how many each namespace's snapshot in
    # the store holds: a snapshot is exported when a run needs it, once per batch of decisions.
    _learned: int = 0
    _exported: dict[str, int] = field(default_factory=dict)
    _knowledge_lock: threading.Lock = field(default_factory=threading.Lock)

    def project_lock(self, namespace: str, name: str) -> threading.Lock:
        return self._locks[(namespace, name)]

    def learn(self, namespace: str, request: HealingRequest, approved: bool) -> str | None:
        """Count a decided heal's change shape; its id for the HealingRequest's status."""
        if self.knowledge is None:
            return None
        with self._knowledge_lock:
            pattern = learn(self.knowledge, request, namespace, approved=approved)
            self._learned += 1
        return pattern

    def refresh_snapshot(self, namespace: str) -> None:
        """Bring the namespace's patterns snapshot (what its sandbox workers load) up to date
        before its shards start; after a restart, the first run of each namespace exports."""
        if self.knowledge is None:
            return
        with self._knowledge_lock:
            if self._exported.get(namespace) == self._learned:
                return
            with tempfile.TemporaryDirectory(prefix="testforge-knowledge-") as tmp:
                exported = snapshot(self.knowledge, Path(tmp) / "patterns.json")
                self.store.put(knowledge_key(namespace), exported.read_bytes())
            self._exported[namespace] = self._learned

    def emit(self, owner: Owner, event: Emit) -> None:
        try:
            self.kube.event(owner, event.type, event.reason, event.message)
        except TestForgeError as exc:  # an event is a courtesy; losing one must not stop work
            log.warning("event_not_posted", reason=event.reason, error=str(exc))


def owner_of(body: dict[str, Any]) -> Owner:
    meta = body["metadata"]
    return Owner(kind=body["kind"], name=meta["name"], uid=meta["uid"], namespace=meta["namespace"])


def _created(body: dict[str, Any]) -> datetime:
    stamp = body["metadata"].get("creationTimestamp")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)


def _parse(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise InvalidResourceError(f"{what} cannot be read: {exc.errors()[0]['msg']}") from exc


def observe_job(op: Operator, namespace: str, job: dict[str, Any], prefix: str | None) -> JobView:
    """A Job with its pods (for the failure cause) and, when no pod is left, the stored summary."""
    name = job["metadata"]["name"]
    finished = any(
        c.get("status") == "True" and c.get("type") in {"Complete", "Failed"}
        for c in job.get("status", {}).get("conditions") or []
    )
    if not finished:
        return job_view(job, [])
    pods = op.kube.list("Pod", namespace, {"job-name": name})
    stored = None
    if prefix is not None:
        try:
            stored = parse_summary(op.store.get(f"{prefix}/{SUMMARY_FILE}").decode())
        except (KeyError, OSError):
            stored = None
    return job_view(job, pods, stored)


class RunController:
    def __init__(self, op: Operator) -> None:
        self.op = op

    def _project(self, namespace: str, name: str, load_cases: bool) -> ProjectSuite | None:
        body = self.op.kube.get("TestProject", namespace, name)
        if body is None:
            return None
        spec = _parse(TestProjectSpec, body.get("spec"), f"TestProject {name}")
        status = _parse(TestProjectStatus, body.get("status"), f"TestProject {name} status")
        suite = status.suite
        cases = services.load_cases(self.op.store, suite.ref) if suite and load_cases else None
        return ProjectSuite(
            spec=spec,
            suite_ref=suite.ref if suite else None,
            suite_hash=suite.hash if suite else None,
            cases=cases,
        )

    def _jobs(self, run: RunState) -> dict[str, JobView]:
        ns, name = run.owner.namespace, run.owner.name
        prefixes = {s.job: shard_prefix(ns, name, s.index) for s in run.status.shards}
        return {
            job["metadata"]["name"]: observe_job(
                self.op, ns, job, prefixes.get(job["metadata"]["name"])
            )
            for job in self.op.kube.list("Job", ns, {names.LABEL_RUN: name})
        }

    def reconcile(self, namespace: str, name: str) -> Decision | None:
        body = self.op.kube.get("TestRun", namespace, name)
        if body is None:
            return None
        current = _parse(TestRunStatus, body.get("status"), f"TestRun {name} status")
        if current.phase.finished:
            return Decision(current)
        phase = current.phase
        # Pending pins the project's current suite; from then on only the pinned one counts.
        pinned = None
        if phase is RunPhase.PREPARING and current.suite_ref is not None:
            pinned = services.load_cases(self.op.store, current.suite_ref)
        run = RunState(
            owner=owner_of(body),
            generation=int(body["metadata"].get("generation") or 1),
            created=_created(body),
            spec=_parse(TestRunSpec, body.get("spec"), f"TestRun {name}"),
            status=current,
            pinned_cases=pinned,
        )
        load = phase is RunPhase.PENDING
        project = self._project(namespace, run.spec.project_ref.name, load_cases=load)
        jobs = {} if phase is RunPhase.PENDING else self._jobs(run)
        with self.op.metrics.reconcile_seconds.labels("TestRun").time():
            decision = reconcile_run(run, project, jobs, self.op.clock(), self.op.sandbox)
        updates: dict[str, Any] = {}
        for action in decision.actions:
            updates |= self._act(run, project, decision.status, action)
        status = decision.status.model_copy(update=updates)
        decision.status = status
        if status != run.status:
            self.op.kube.patch_status("TestRun", namespace, name, status.wire())
        if status.phase.finished and not run.status.phase.finished:
            self.op.metrics.runs_finished.labels(status.phase.value, status.reason or "").inc()
        self.op.metrics.reconciles.labels("TestRun", "ok").inc()
        return decision

    def _act(
        self, run: RunState, project: ProjectSuite | None, status: TestRunStatus, action: Action
    ) -> dict[str, Any]:
        op, ns = self.op, run.owner.namespace
        if isinstance(action, CreateChildren):
            op.refresh_snapshot(ns)  # the shards' workers heal with what was learned so far
            self._create(action.manifests)
        elif isinstance(action, DeleteChildren):
            for job in action.jobs:
                op.kube.delete("Job", ns, job)
                op.kube.delete("ConfigMap", ns, job)
        elif isinstance(action, FinishRun):
            return self._finish(run, project, status, action)
        elif isinstance(action, Emit):
            op.emit(run.owner, action)
        return {}

    def _create(self, manifests: tuple[Manifest, ...]) -> None:
        for manifest in manifests:
            if self.op.kube.create(manifest):
                self.op.metrics.children_created.labels(manifest["kind"]).inc()

    def _finish(
        self,
        run: RunState,
        project: ProjectSuite | None,
        status: TestRunStatus,
        action: FinishRun,
    ) -> dict[str, Any]:
        """The run's report and heal requests, then a HealingRequest object per request (each
        created once by name, so a retried pass adds none)."""
        stored = services.finish_stored_run(
            self.op.store,
            services.RunToFinish(
                namespace=run.owner.namespace,
                run=run.owner.name,
                base_url=run.spec.url or (project.spec.url if project else ""),
                suite_ref=status.suite_ref,
                result_refs=action.result_refs,
                partial=action.partial,
                record_heals=action.record_heals,
            ),
            self.op.summarise,
        )
        manifests = [
            healing_request(run.owner, run.spec.project_ref.name, request, ref)
            for request, ref in stored.heal_requests
        ]
        self._create(tuple(manifests))
        updates: dict[str, Any] = {"report": stored.report}
        if action.record_heals:
            updates["healing_requests"] = [m["metadata"]["name"] for m in manifests]
        return updates


class ProjectController:
    def __init__(self, op: Operator) -> None:
        self.op = op

    def _secret_problem(self, namespace: str, spec: TestProjectSpec) -> str | None:
        if spec.auth is None:
            return None
        ref = spec.auth.secret_ref
        secret = self.op.kube.get("Secret", namespace, ref.name)
        if secret is None:
            return f"Secret {ref.name!r} does not exist in namespace {namespace!r}"
        missing = [
            k for k in (ref.username_key, ref.password_key) if k not in (secret.get("data") or {})
        ]
        if missing:
            return f"Secret {ref.name!r} has no key(s) {', '.join(missing)}"
        return None

    def reconcile(self, namespace: str, name: str) -> ProjectDecision | None:
        body = self.op.kube.get("TestProject", namespace, name)
        if body is None:
            return None
        state = ProjectState(
            owner=owner_of(body),
            generation=int(body["metadata"].get("generation") or 1),
            created=_created(body),
            spec=_parse(TestProjectSpec, body.get("spec"), f"TestProject {name}"),
            status=_parse(TestProjectStatus, body.get("status"), f"TestProject {name} status"),
        )
        discovery = state.status.discovery
        job = None
        if discovery is not None and discovery.job and discovery.generation == state.generation:
            raw = self.op.kube.get("Job", namespace, discovery.job)
            prefix = discovery_prefix(namespace, name, discovery.generation)
            job = observe_job(self.op, namespace, raw, prefix) if raw else None
        decision = reconcile_project(
            state,
            self._secret_problem(namespace, state.spec),
            job,
            self.op.clock(),
            self.op.sandbox,
        )
        status = decision.status
        for action in decision.actions:
            status = self._act(state, status, action)
        if status != state.status:
            self.op.kube.patch_status("TestProject", namespace, name, status.wire())
        self.op.metrics.reconciles.labels("TestProject", "ok").inc()
        decision.status = status
        return decision

    def _act(
        self, state: ProjectState, status: TestProjectStatus, action: ProjectAction
    ) -> TestProjectStatus:
        op = self.op
        if isinstance(action, CreateChildren):
            for manifest in action.manifests:
                if op.kube.create(manifest):
                    op.metrics.children_created.labels(manifest["kind"]).inc()
        elif isinstance(action, CreateRun):
            if op.kube.create(action.manifest):
                op.metrics.children_created.labels("TestRun").inc()
        elif isinstance(action, GenerateSuite):
            return self._generate(state, status, action)
        elif isinstance(action, Emit):
            op.emit(state.owner, action)
        return status

    def _generate(
        self, state: ProjectState, status: TestProjectStatus, action: GenerateSuite
    ) -> TestProjectStatus:
        designer = self.op.designers.get(state.spec.design.designer.value)
        try:
            if designer is None:
                raise ConfigurationError(
                    f"designer {state.spec.design.designer.value!r} is not configured in this "
                    f"operator (available: {', '.join(sorted(self.op.designers))})"
                )
            assert status.discovery is not None
            with self.op.project_lock(state.owner.namespace, state.owner.name):
                suite, discovery, used = services.generate_and_store(
                    self.op.store,
                    state.owner.namespace,
                    state.owner.name,
                    action.app_model_ref,
                    designer,
                    status.discovery,
                    self.op.classify,
                )
        except StoreError:
            raise  # transient: retried with backoff by the handler
        except TestForgeError as exc:
            # The stop cause, not a condition: the next pass (at once) says so in conditions.
            assert status.discovery is not None
            failed = status.discovery.model_copy(update={"design_error": exc.problem[:1024]})
            return status.model_copy(update={"discovery": failed})
        spent = status.tokens or TokenUsage()
        tokens = TokenUsage(
            input_tokens=spent.input_tokens + used.input_tokens,
            output_tokens=spent.output_tokens + used.output_tokens,
        )
        # Conditions are the reconciler's to write: its next pass (at once) sees the suite.
        return status.model_copy(update={"suite": suite, "discovery": discovery, "tokens": tokens})


class HealingController:
    def __init__(self, op: Operator) -> None:
        self.op = op

    def reconcile(self, namespace: str, name: str) -> HealingRequestStatus | None:
        body = self.op.kube.get("HealingRequest", namespace, name)
        if body is None:
            return None
        spec = _parse(HealingRequestSpec, body.get("spec"), f"HealingRequest {name}")
        status = _parse(HealingRequestStatus, body.get("status"), f"HealingRequest {name} status")
        project = self.op.kube.get("TestProject", namespace, spec.project_ref.name)
        policy = (
            _parse(TestProjectSpec, project.get("spec"), "TestProject").healing if project else None
        )
        request = get_model(self.op.store, spec.request_ref, HealingRequest)
        result = request.result
        engine = HealThresholds(
            auto_apply_confidence=policy.auto_apply_confidence if policy else 1.0,
            min_confidence=min(HealThresholds().min_confidence, policy.auto_apply_confidence)
            if policy
            else HealThresholds().min_confidence,
        )
        observed = status.model_copy(
            update={
                "candidates": [
                    RankedCandidate(
                        rank=i + 1,
                        strategy=c.strategy.value,
                        confidence=c.confidence,
                        score=c.score,
                        tag=c.fingerprint.tag,
                        text=c.fingerprint.text,
                        test_id=c.fingerprint.test_id,
                        xpath=c.fingerprint.xpath,
                    )
                    for i, c in enumerate(result.candidates[:MAX_CANDIDATES])
                ],
                "new_ladder": list(result.new_ladder),
            }
        )
        decision = reconcile_healing(
            spec,
            observed,
            int(body["metadata"].get("generation") or 1),
            policy,
            healed=result.chosen is not None,
            auto_applicable=auto_applicable(result, engine),
            now=self.op.clock(),
        )
        updated = decision.status
        owner = owner_of(body)
        for action in decision.actions:
            if isinstance(action, ApplyHeal):
                suite = self._apply(namespace, spec.project_ref.name, action.request_ref)
                updated = updated.model_copy(update={"applied_suite_hash": suite.hash})
            else:
                self.op.emit(owner, action)
        if updated.decision in LEARNED and updated.pattern_id is None:
            approved = updated.decision is HealDecision.APPLIED
            pattern = self.op.learn(namespace, request, approved)
            updated = updated.model_copy(update={"pattern_id": pattern})
        if updated != status:
            self.op.kube.patch_status("HealingRequest", namespace, name, updated.wire())
        return updated

    def _apply(self, namespace: str, project: str, request_ref: str) -> SuiteReference:
        with self.op.project_lock(namespace, project):
            body = self.op.kube.get("TestProject", namespace, project)
            if body is None:
                raise ConfigurationError(f"TestProject {project!r} no longer exists")
            status = _parse(TestProjectStatus, body.get("status"), f"TestProject {project}")
            if status.suite is None:
                raise ConfigurationError(f"TestProject {project!r} has no suite to heal")
            suite = services.apply_heal(
                self.op.store, namespace, project, status.suite, request_ref
            )
            if suite != status.suite:
                self.op.kube.patch_status(
                    "TestProject", namespace, project, {"suite": suite.wire()}
                )
            return suite
