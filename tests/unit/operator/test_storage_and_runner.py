"""The local artifact store, retried uploads that keep partial results, and the runner's
failure handling (no browser needed)."""

import json
from pathlib import Path

import pytest

from testforge.contracts.sandbox import ExitCode, RunnerKind, RunnerSpec, RunnerSummary
from testforge.sandbox.main import main
from testforge.storage.local import LocalStore
from testforge.storage.port import StoreError, download_dir, put_retried, upload_dir


class FlakyStore(LocalStore):
    """Fails the first `failures` puts of every key, and always fails keys containing 'big'."""

    def __init__(self, root: Path, failures: int) -> None:
        super().__init__(root)
        self.failures = failures
        self.calls: dict[str, int] = {}

    def put(self, key: str, data: bytes) -> None:
        self.calls[key] = self.calls.get(key, 0) + 1
        if "big" in key or self.calls[key] <= self.failures:
            raise OSError(28, "No space left on device")
        super().put(key, data)


def test_a_folder_round_trips_through_the_store(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "a").mkdir(parents=True)
    (source / "a" / "b.txt").write_text("hello")
    store = LocalStore(tmp_path / "store")
    assert upload_dir(store, source, "runs/x") == ["runs/x/a/b.txt"]
    copied = download_dir(store, "runs/x", tmp_path / "copy")
    assert (copied / "a" / "b.txt").read_text() == "hello"


def test_keys_cannot_escape_the_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="invalid artifact key"):
        LocalStore(tmp_path).put("../etc/passwd", b"x")


def test_a_transient_failure_is_retried(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path, failures=2)
    put_retried(store, "k", b"v", wait_s=0.001)
    assert store.get("k") == b"v" and store.calls["k"] == 3


def test_a_failing_upload_keeps_the_files_that_made_it_and_names_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "report.json").write_text("{}")
    (source / "big-trace.zip").write_bytes(b"0" * 10)
    store = FlakyStore(tmp_path / "store", failures=0)
    with pytest.raises(StoreError) as raised:
        upload_dir(store, source, "p", wait_s=0.001)
    assert raised.value.missing == ("p/big-trace.zip",)
    assert store.get("p/report.json") == b"{}"


def test_an_unreadable_spec_is_a_permanent_failure_with_a_summary(tmp_path: Path) -> None:
    log = tmp_path / "termination-log"
    code = main(
        [
            "execute",
            "--spec",
            str(tmp_path / "nope.json"),
            "--store",
            str(tmp_path),
            "--termination-log",
            str(log),
        ]
    )
    assert code == ExitCode.PERMANENT
    assert RunnerSummary.model_validate_json(log.read_text()).reason == "InvalidSpec"


def test_a_missing_suite_is_reported_in_the_summary_and_the_store(tmp_path: Path) -> None:
    spec = RunnerSpec(
        kind=RunnerKind.EXECUTE,
        base_url="http://x",
        output="runs/ns/r/shards/0",
        suite_ref="nowhere",
    )
    (tmp_path / "spec.json").write_text(spec.model_dump_json())
    log = tmp_path / "log"
    code = main(
        [
            "execute",
            "--spec",
            str(tmp_path / "spec.json"),
            "--store",
            str(tmp_path / "store"),
            "--termination-log",
            str(log),
        ]
    )
    summary = RunnerSummary.model_validate_json(log.read_text())
    assert (code, summary.ok, summary.reason) == (1, False, "StoreUnavailable")
    stored = json.loads((tmp_path / "store/runs/ns/r/shards/0/summary.json").read_text())
    assert stored["reason"] == "StoreUnavailable"


def test_a_summary_always_fits_a_termination_message() -> None:
    summary = RunnerSummary(
        ok=False, reason="RunnerCrashed", message="x" * 10_000, missing=("k",) * 500
    )
    assert len(summary.encode()) <= 4096
    assert RunnerSummary.model_validate_json(summary.encode()).reason == "RunnerCrashed"
