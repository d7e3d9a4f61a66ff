"""The operator's work that is not Kubernetes: suites, reports and heals in the artifact store.

Called by the controllers for the actions the reconcilers decide (GenerateSuite, FinishRun,
ApplyHeal). Every write goes to a key derived from its inputs, so doing an action
twice after a crash overwrites the same objects instead of adding new ones.
"""

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from testforge.application.runs import Summariser, finish_run
from testforge.application.suites import Classifier, design_suite
from testforge.artifacts import SUITE_META, read_suite, write_suite
from testforge.contracts.sandbox import (
    RESULT_FILE,
    copy_change_key,
    healing_key,
    report_prefix,
    suite_prefix,
)
from testforge.design.port import TestDesigner
from testforge.domain.app_model import AppModel
from testforge.domain.crd import DiscoverySummary, ReportReference, SuiteReference, TokenUsage
from testforge.domain.healing import HealingRequest
from testforge.domain.results import RunResult
from testforge.domain.suite import Suite, SuiteCase
from testforge.healing import review
from testforge.llm.usage import Usage
from testforge.reporting.service import HTML, JUNIT, write_reports
from testforge.storage.port import (
    ArtifactStore,
    StoreError,
    download_dir,
    get_model,
    put_model,
    upload_dir,
)


def suite_hash(suite: Suite) -> str:
    """Content hash of what a run executes: files, cases and locators (not timestamps)."""
    content = {
        "files": sorted((f.path, f.content) for f in suite.files),
        "cases": [c.model_dump(mode="json") for c in suite.cases],
        "registry": {
            key: entry.model_dump(mode="json", exclude={"history"})
            for key, entry in sorted(suite.registry.entries.items())
        },
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def store_suite(
    store: ArtifactStore, namespace: str, project: str, suite: Suite, applied: list[str]
) -> SuiteReference:
    digest = suite_hash(suite)
    prefix = suite_prefix(namespace, project, digest)
    with tempfile.TemporaryDirectory(prefix="testforge-suite-") as tmp:
        upload_dir(store, write_suite(suite, Path(tmp)), prefix)
    return SuiteReference(
        ref=prefix,
        hash=digest,
        cases=len(suite.cases),
        generated_at=suite.generated_at,
        designer=suite.designer,
        applied_heals=applied,
    )


def design_tokens(usage: Usage) -> TokenUsage:
    """A design's billed tokens as the project's status counts them (every kind of input)."""
    return TokenUsage(input_tokens=usage.billed_input_tokens, output_tokens=usage.output_tokens)


def generate_and_store(
    store: ArtifactStore,
    namespace: str,
    project: str,
    app_model_ref: str,
    designer: TestDesigner,
    discovery: DiscoverySummary,
    classify: Classifier | None = None,
) -> tuple[SuiteReference, DiscoverySummary, TokenUsage]:
    """The suite designed and stored, the discovery summary completed, and what this design
    billed (returned, not read back from the designer, which other projects share)."""
    built = design_suite(get_model(store, app_model_ref, AppModel), designer, classify)
    model, designed = built.model, built.designed
    reference = store_suite(store, namespace, project, built.suite, applied=[])
    summary = discovery.model_copy(
        update={
            "pages": len(model.pages),
            "forms": len(model.forms),
            "flows": len(model.flows),
            "app_model_ref": app_model_ref,
            "finished_at": datetime.now(UTC),
        }
    )
    return reference, summary, design_tokens(designed.usage)


def load_cases(store: ArtifactStore, suite_ref: str) -> list[SuiteCase]:
    try:
        meta = json.loads(store.get(f"{suite_ref}/{SUITE_META}"))
        return [SuiteCase.model_validate(case) for case in meta["cases"]]
    except (KeyError, OSError, ValueError) as exc:
        raise StoreError(f"the suite at {suite_ref} cannot be read: {exc}") from exc


def load_suite(store: ArtifactStore, suite_ref: str, work: Path) -> Suite:
    return read_suite(download_dir(store, suite_ref, work))


def merge_results(results: list[RunResult], base_url: str, plan_hash: str) -> RunResult:
    now = datetime.now(UTC)
    if not results:
        return RunResult(
            base_url=base_url,
            plan_hash=plan_hash,
            started_at=now,
            finished_at=now,
            workers=0,
            notes=["no shard produced results"],
        )
    return RunResult(
        base_url=results[0].base_url,
        plan_hash=results[0].plan_hash,
        started_at=min(r.started_at for r in results),
        finished_at=max(r.finished_at for r in results),
        workers=sum(r.workers for r in results),
        tests=[t for r in results for t in r.tests],
        notes=[n for r in results for n in r.notes],
    )


def read_results(store: ArtifactStore, refs: tuple[str, ...]) -> tuple[list[RunResult], list[str]]:
    """The shards' results that can be read, and the refs that could not."""
    found, lost = [], []
    for ref in refs:
        try:
            found.append(get_model(store, ref, RunResult))
        except StoreError:
            lost.append(ref)
    return found, lost


@dataclass(frozen=True)
class StoredRun:
    """A finished run in the artifact store: its report, and its heal requests with their keys."""

    report: ReportReference
    heal_requests: list[tuple[HealingRequest, str]]


@dataclass(frozen=True)
class RunToFinish:
    namespace: str
    run: str
    base_url: str
    suite_ref: str | None  # the suite the run pinned; None when it never got that far
    result_refs: tuple[str, ...]
    partial: bool
    record_heals: bool


def finish_stored_run(
    store: ArtifactStore, run: RunToFinish, summarise: Summariser | None = None
) -> StoredRun:
    """The shards' results finished as on one machine (`finish_run`: heals decided and linked
    to their requests, copy changes, insights), stored under the run's keys, and reported. Every
    key derives from the run and the requests' ids, so finishing twice overwrites."""
    results, lost = read_results(store, run.result_refs)
    with tempfile.TemporaryDirectory(prefix="testforge-finish-") as tmp:
        suite = load_suite(store, run.suite_ref, Path(tmp)) if run.suite_ref else None
        merged = merge_results(results, run.base_url, suite.plan_hash if suite else "")
        recorded: list[tuple[HealingRequest, str]] = []
        if results and suite is not None:
            # The HealingRequest controller applies the project's policy: nothing auto-approves.
            finished = finish_run(merged, suite, lambda _: False, summarise)
            merged = finished.result
            if run.record_heals:
                recorded = [
                    (r, put_model(store, healing_key(run.namespace, run.run, r.id), r))
                    for r in finished.heal_requests
                ]
            for change in finished.copy_changes:
                put_model(store, copy_change_key(run.namespace, run.run, change.id), change)
    if run.partial or lost:
        note = "partial report: some shards did not finish or their results were lost"
        merged = merged.model_copy(update={"notes": [*merged.notes, note, *lost]})
    report = report_prefix(run.namespace, run.run)
    with tempfile.TemporaryDirectory(prefix="testforge-report-") as tmp:
        write_reports(merged, Path(tmp))
        upload_dir(store, Path(tmp), report)
    reference = ReportReference.model_validate(
        {
            "ref": report,
            "html": f"{report}/{HTML}",
            "junit": f"{report}/{JUNIT}",
            "json": f"{report}/{RESULT_FILE}",
            "partial": run.partial or bool(lost),
        }
    )
    return StoredRun(reference, recorded)


def apply_heal(
    store: ArtifactStore,
    namespace: str,
    project: str,
    current: SuiteReference,
    request_ref: str,
) -> SuiteReference:
    """Store the project's suite with the heal applied; the old suite stays for running runs."""
    request = get_model(store, request_ref, HealingRequest)
    if request.id in current.applied_heals:
        return current
    with tempfile.TemporaryDirectory(prefix="testforge-heal-") as tmp:
        suite = load_suite(store, current.ref, Path(tmp))
    healed = suite.model_copy(update={"registry": review.apply_request(suite.registry, request)})
    return store_suite(store, namespace, project, healed, [*current.applied_heals, request.id])
