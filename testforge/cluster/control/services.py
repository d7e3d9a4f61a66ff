"""The operator's work that is not Kubernetes: suites, reports and heals in the artifact store.

Called by the controllers for the actions the reconcilers decide (GenerateSuite, PublishReport,
RecordHeals, ApplyHeal). Every write goes to a key derived from its inputs, so doing an action
twice after a crash overwrites the same objects instead of adding new ones.
"""

import hashlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from testforge.application.runs import FinishedRun, finish_run
from testforge.artefacts import SUITE_META, read_suite, write_suite
from testforge.contracts.sandbox import RESULT_FILE, report_prefix, run_prefix, suite_prefix
from testforge.design.port import TestDesigner
from testforge.domain.app_model import AppModel
from testforge.domain.crd import DiscoverySummary, ReportReference, SuiteReference, TokenUsage
from testforge.domain.healing import HealingRequest
from testforge.domain.results import RunResult
from testforge.domain.suite import Suite, SuiteCase
from testforge.healing import review
from testforge.healing.review import AutoApprove
from testforge.llm.usage import Usage
from testforge.reporting.service import HTML, JUNIT, write_reports
from testforge.scriptgen.render import generate_suite
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
) -> tuple[SuiteReference, DiscoverySummary, TokenUsage]:
    """The suite designed and stored, the discovery summary completed, and what this design
    billed (returned, not read back from the designer, which other projects share)."""
    model = get_model(store, app_model_ref, AppModel)
    designed = designer.design(model)
    suite = generate_suite(designed.plan, model)
    reference = store_suite(store, namespace, project, suite, applied=[])
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


def merge_results(results: list[RunResult], base_url: str, suite_hash: str) -> RunResult:
    now = datetime.now(UTC)
    if not results:
        return RunResult(
            base_url=base_url,
            suite_hash=suite_hash,
            started_at=now,
            finished_at=now,
            workers=0,
            notes=["no shard produced results"],
        )
    return RunResult(
        base_url=results[0].base_url,
        suite_hash=results[0].suite_hash,
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


def _finished(
    store: ArtifactStore, suite_ref: str, merged: RunResult, auto_approve: AutoApprove
) -> FinishedRun:
    with tempfile.TemporaryDirectory(prefix="testforge-suite-") as tmp:
        suite = load_suite(store, suite_ref, Path(tmp))
    return finish_run(merged, suite, auto_approve)


def publish_report(
    store: ArtifactStore,
    namespace: str,
    run: str,
    refs: tuple[str, ...],
    partial: bool,
    base_url: str,
    suite_hash: str,
    suite_ref: str | None,
) -> ReportReference:
    """The merged shards' report, finished as on one machine (heals name their requests)."""
    results, lost = read_results(store, refs)
    merged = merge_results(results, base_url, suite_hash)
    if results and suite_ref is not None:
        merged = _finished(store, suite_ref, merged, auto_approve=lambda _: False).result
    if partial or lost:
        note = "partial report: some shards did not finish or their results were lost"
        merged = merged.model_copy(update={"notes": [*merged.notes, note, *lost]})
    prefix = report_prefix(namespace, run)
    with tempfile.TemporaryDirectory(prefix="testforge-report-") as tmp:
        write_reports(merged, Path(tmp))
        upload_dir(store, Path(tmp), prefix)
    return ReportReference.model_validate(
        {
            "ref": prefix,
            "html": f"{prefix}/{HTML}",
            "junit": f"{prefix}/{JUNIT}",
            "json": f"{prefix}/{RESULT_FILE}",
            "partial": partial or bool(lost),
        }
    )


def record_heals(
    store: ArtifactStore,
    namespace: str,
    run: str,
    suite_ref: str,
    refs: tuple[str, ...],
    auto_approve: AutoApprove,
) -> list[tuple[HealingRequest, str]]:
    """One stored HealingRequest per distinct heal in the run, with its store key."""
    results, _ = read_results(store, refs)
    if not results:
        return []
    merged = merge_results(results, results[0].base_url, results[0].suite_hash)
    requests = _finished(store, suite_ref, merged, auto_approve).heal_requests
    prefix = f"{run_prefix(namespace, run)}/healing"
    return [(r, put_model(store, f"{prefix}/{r.id}.json", r)) for r in requests]


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
