"""The contract between the operator and its sandbox Jobs: what a Job is asked to do (the spec,
mounted from a ConfigMap), its environment, its exit codes, where its outputs go in the artifact
store, and the short summary it leaves in the container's termination message."""

from enum import IntEnum, StrEnum
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from testforge.contracts.env import EnvContract
from testforge.domain.app_model import CrawlLimits
from testforge.domain.base import DomainModel
from testforge.domain.crd import Counts
from testforge.domain.egress import EgressPolicy

# Where the Job mounts what the runner reads and writes.
SPEC_DIR = Path("/etc/testforge")
STORE_DIR = Path("/store")
TERMINATION_LOG = Path("/dev/termination-log")
# Files and folders under a runner's output prefix.
SPEC_FILE = "spec.json"
SUMMARY_FILE = "summary.json"  # the termination message again, for when the pod is gone
RESULT_FILE = "report.json"
APP_MODEL_FILE = "app-model.json"
OUTPUT_FOLDERS = ("artifacts", "logs")
SUMMARY_LIMIT = 4096  # the kubelet keeps at most 4 KiB of a termination message


class ExitCode(IntEnum):
    """0 when the work was done, whatever the tests said; the Job's podFailurePolicy fails at
    once on PERMANENT (a retry cannot fix it) and retries RETRY up to its backoffLimit."""

    OK = 0
    RETRY = 1
    PERMANENT = 2


class RunnerEnv(EnvContract):
    """The runner's environment: set by the Job (credentials from the project's Secret)."""

    model_config = SettingsConfigDict(env_prefix="TESTFORGE_", extra="ignore")

    store_root: Path = STORE_DIR
    termination_log: Path = TERMINATION_LOG
    username: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)


class RunnerKind(StrEnum):
    DISCOVER = "discover"
    EXECUTE = "execute"


class RunnerSpec(DomainModel):
    """`output` is the store prefix the runner writes under; nothing else is written."""

    kind: RunnerKind
    base_url: str
    output: str
    # Checked against base_url after the runner's own DNS lookup, before any browser work. The
    # operator always sends one; None (a runner started by hand) checks nothing.
    egress: EgressPolicy | None = None
    # discover
    limits: CrawlLimits | None = None
    login_path: str | None = None
    probe_forms: bool = True
    allow_writes: bool = False
    # execute
    suite_ref: str | None = None
    # The learned healing patterns (a JSON snapshot the operator keeps); absent until one is.
    knowledge_ref: str | None = None
    nodeids: tuple[str, ...] = ()
    workers: int = Field(default=2, ge=1)
    retries: int = Field(default=1, ge=0)
    test_timeout_s: float = Field(default=60.0, gt=0)
    heal: bool = True


class RunnerSummary(DomainModel):
    """The termination message: enough for the operator to act without reading the store."""

    __test__: ClassVar[bool] = False

    ok: bool
    reason: str
    message: str = ""
    result_ref: str | None = None
    counts: Counts | None = None
    heals: int = 0
    missing: tuple[str, ...] = ()

    def encode(self) -> str:
        text = self.model_dump_json(by_alias=True, exclude_none=True)
        if len(text) <= SUMMARY_LIMIT:
            return text
        short = self.model_copy(update={"message": self.message[:512], "missing": ()})
        return short.model_dump_json(by_alias=True, exclude_none=True)[:SUMMARY_LIMIT]


def project_prefix(namespace: str, project: str) -> str:
    return f"projects/{namespace}/{project}"


def discovery_prefix(namespace: str, project: str, generation: int) -> str:
    return f"{project_prefix(namespace, project)}/discovery/g{generation}"


def suite_prefix(namespace: str, project: str, suite_hash: str) -> str:
    return f"{project_prefix(namespace, project)}/suites/{suite_hash}"


def knowledge_key(namespace: str) -> str:
    """The snapshot of the patterns learned from the namespace's decided heals."""
    return f"knowledge/{namespace}/patterns.json"


def run_prefix(namespace: str, run: str) -> str:
    return f"runs/{namespace}/{run}"


def shard_prefix(namespace: str, run: str, index: int) -> str:
    return f"{run_prefix(namespace, run)}/shards/{index}"


def report_prefix(namespace: str, run: str) -> str:
    return f"{run_prefix(namespace, run)}/report"


def healing_key(namespace: str, run: str, request_id: str) -> str:
    """A run's HealingRequest (the domain object its HealingRequest CR refers to)."""
    return f"{run_prefix(namespace, run)}/healing/{request_id}.json"


def copy_change_key(namespace: str, run: str, request_id: str) -> str:
    return f"{run_prefix(namespace, run)}/copy-changes/{request_id}.json"
