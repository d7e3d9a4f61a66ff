"""Custom resources (group testforge.io, v1alpha1): the spec and status models of TestProject,
TestRun and HealingRequest. They are the single source of `crds/` (see testforge/cluster/crdgen.py)
and what the controllers parse CRs into, so the schema and the code can never disagree.

Field names are camelCase on the wire (Kubernetes convention) and snake_case in Python.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from testforge.domain import egress as egress_rules
from testforge.domain.app_model import CrawlLimits
from testforge.domain.base import DomainModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import Locator
from testforge.domain.plan import Priority, Tag

GROUP = "testforge.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

# Kubernetes' own patterns, so a bad value is refused by the API server, not by a crash later.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
QUANTITY = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
    r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
HTTP_URL = r"^https?://[^\s/$.?#][^\s]*$"
CAMEL_REASON = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
# Conditions merge by type under server-side apply, as metav1.Condition lists do.
CONDITIONS_LIST: JsonDict = {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
}
# Five cron fields of digits, `*`, ranges, lists and steps; the controller parses it fully.
CRON = r"^(\S+\s+){4}\S+$"
GIT_SHA = r"^[0-9a-f]{7,40}$"
# The shape only; the models check the values strictly (testforge.domain.egress).
CIDR = r"^[0-9a-fA-F:.]+/[0-9]{1,3}$"
HOST_PATTERN = r"^(\*\.)?[a-z0-9_]([-a-z0-9_.]*[a-z0-9_])?$"

Quantity = Annotated[str, Field(pattern=QUANTITY, max_length=32)]
ObjectName = Annotated[str, Field(pattern=DNS_SUBDOMAIN, min_length=1, max_length=253)]


class CRModel(DomainModel):
    """camelCase on the wire; unknown fields refused (the API server prunes them anyway)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        """The JSON a Kubernetes object carries: camelCase, no nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class StatusModel(CRModel):
    """Status is read back from the API server, where other writers (kubectl, tools) may add
    fields; tolerating them keeps one stray field from wedging a controller."""

    model_config = ConfigDict(extra="ignore")


# --- shared -----------------------------------------------------------------------------------


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Condition(StatusModel):
    """A Kubernetes API convention condition (metav1.Condition)."""

    type: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$", max_length=316)
    status: ConditionStatus
    reason: str = Field(pattern=CAMEL_REASON, min_length=1, max_length=1024)
    message: str = Field(default="", max_length=32768)
    last_transition_time: datetime
    observed_generation: int | None = Field(default=None, ge=0)


class LocalObjectReference(CRModel):
    name: ObjectName


# --- TestProject --------------------------------------------------------------------------------


class SecretReference(CRModel):
    """A Secret in the project's namespace holding the sign-in credentials."""

    name: ObjectName
    username_key: str = Field(default="username", min_length=1, max_length=253)
    password_key: str = Field(default="password", min_length=1, max_length=253)


class ProjectAuth(CRModel):
    secret_ref: SecretReference
    login_path: str | None = Field(
        default=None, pattern=r"^/", max_length=2048, description="Found by discovery if omitted"
    )


class CrawlSpec(CRModel):
    max_pages: int = Field(default=50, ge=1, le=10_000)
    max_depth: int = Field(default=5, ge=0, le=100)
    concurrency: int = Field(default=2, ge=1, le=32)
    page_timeout_seconds: float = Field(default=15.0, ge=1, le=600)
    include: list[Annotated[str, Field(min_length=1, max_length=512)]] = Field(
        default_factory=list, max_length=32, description="Only crawl paths matching these regexes"
    )
    exclude: list[Annotated[str, Field(min_length=1, max_length=512)]] = Field(
        default_factory=list, max_length=32, description="Never crawl paths matching these regexes"
    )
    probe_forms: bool = True
    allow_writes: bool = Field(
        default=False,
        description="Let discovery send forms that change data (only for a disposable "
        "environment); deleting, bulk actions, the account's own settings and signing out are "
        "never explored",
    )

    def limits(self) -> CrawlLimits:
        return CrawlLimits(
            max_pages=self.max_pages,
            max_depth=self.max_depth,
            concurrency=self.concurrency,
            page_timeout_s=self.page_timeout_seconds,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
        )


class Designer(StrEnum):
    OFFLINE = "offline"
    CLAUDE = "claude"


class DesignSpec(CRModel):
    designer: Designer = Designer.OFFLINE


class HealingMode(StrEnum):
    """auto: confident heals are applied at once; review: every heal waits for approval;
    off: tests fail instead of healing."""

    AUTO = "auto"
    REVIEW = "review"
    OFF = "off"


class HealingPolicy(CRModel):
    mode: HealingMode = HealingMode.AUTO
    auto_apply_confidence: float = Field(
        default=0.95, ge=0.0, le=1.0, description="In auto mode, heals below this need approval"
    )


class ResourceAmounts(CRModel):
    cpu: Quantity
    memory: Quantity


class SandboxResources(CRModel):
    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "quantity(self.limits.memory).compareTo("
                    "quantity(self.requests.memory)) >= 0",
                    "message": "limits.memory must be at least requests.memory",
                },
                {
                    "rule": "quantity(self.limits.cpu).compareTo(quantity(self.requests.cpu)) >= 0",
                    "message": "limits.cpu must be at least requests.cpu",
                },
            ]
        }
    )

    requests: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts(cpu="500m", memory="1Gi")
    )
    limits: ResourceAmounts = Field(default_factory=lambda: ResourceAmounts(cpu="2", memory="2Gi"))


class SandboxSpec(CRModel):
    image: str | None = Field(
        default=None, max_length=512, description="Runner image; the operator's default if omitted"
    )
    resources: SandboxResources = Field(default_factory=SandboxResources)
    active_deadline_seconds: int = Field(default=1800, ge=30, le=86_400)
    backoff_limit: int = Field(default=1, ge=0, le=5)
    ttl_seconds_after_finished: int = Field(default=3600, ge=0, le=604_800)


class ScheduleSpec(CRModel):
    cron: str = Field(pattern=CRON, max_length=128, description="Five-field cron, in UTC")
    shards: int = Field(default=1, ge=1, le=32)
    suspend: bool = False


class EgressSpec(CRModel):
    """What the sandbox may reach besides the public internet (absent: the public internet
    only). The API writes its tenant's policy here; cloud metadata endpoints stay closed."""

    allow_cidrs: list[Annotated[str, Field(pattern=CIDR, max_length=43)]] = Field(
        default_factory=list,
        max_length=egress_rules.MAX_ENTRIES,
        description="Non-public networks the sandbox may reach, e.g. 10.20.0.0/16",
    )
    allow_hosts: list[Annotated[str, Field(pattern=HOST_PATTERN, max_length=255)]] = Field(
        default_factory=list,
        max_length=egress_rules.MAX_ENTRIES,
        description="Names the public DNS does not know (shop.corp.internal, *.corp.internal); "
        "their addresses must be allowed too",
    )

    @field_validator("allow_cidrs")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        return [str(egress_rules.network(value)) for value in values]

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, values: list[str]) -> list[str]:
        return [egress_rules.host_pattern(value) for value in values]

    def policy(self) -> egress_rules.EgressPolicy:
        return egress_rules.EgressPolicy(
            allow_cidrs=tuple(self.allow_cidrs), allow_hosts=tuple(self.allow_hosts)
        )

    @classmethod
    def of(cls, policy: egress_rules.EgressPolicy) -> "EgressSpec":
        return cls(allow_cidrs=list(policy.allow_cidrs), allow_hosts=list(policy.allow_hosts))


class TestProjectSpec(CRModel):
    __test__: ClassVar[bool] = False

    url: str = Field(pattern=HTTP_URL, max_length=2048, description="Base URL of the app")
    auth: ProjectAuth | None = None
    crawl: CrawlSpec = Field(default_factory=CrawlSpec)
    design: DesignSpec = Field(default_factory=DesignSpec)
    schedule: ScheduleSpec | None = None
    healing: HealingPolicy = Field(default_factory=HealingPolicy)
    sandbox: SandboxSpec = Field(default_factory=SandboxSpec)
    egress: EgressSpec | None = Field(
        default=None,
        description="Where the sandbox may connect; only the public internet if omitted",
    )


class DiscoverySummary(StatusModel):
    job: str | None = None
    generation: int | None = None
    pages: int = Field(default=0, ge=0)
    forms: int = Field(default=0, ge=0)
    flows: int = Field(default=0, ge=0)
    app_model_ref: str | None = None
    finished_at: datetime | None = None
    # Why designing a suite from this discovery stopped (the designer failed for good): the
    # project stays Stalled until its spec changes, instead of designing again at once.
    design_error: str | None = Field(default=None, max_length=1024)


class SuiteReference(StatusModel):
    ref: str = Field(description="Key of the suite in the artifact store")
    hash: str = Field(description="Content hash of the suite (files and locator registry)")
    cases: int = Field(ge=0)
    generated_at: datetime
    designer: str
    applied_heals: list[str] = Field(default_factory=list)


class TestProjectStatus(StatusModel):
    __test__: ClassVar[bool] = False

    observed_generation: int | None = None
    discovery: DiscoverySummary | None = None
    suite: SuiteReference | None = None
    last_run: str | None = None
    last_schedule_time: datetime | None = None
    tokens: "TokenUsage | None" = None
    conditions: list[Condition] = Field(default_factory=list, json_schema_extra=CONDITIONS_LIST)


# --- TestRun ------------------------------------------------------------------------------------


class RunPhase(StrEnum):
    PENDING = "Pending"
    PREPARING = "Preparing"
    RUNNING = "Running"
    HEALING = "Healing"
    REPORTING = "Reporting"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"
    CANCELLED = "Cancelled"

    @property
    def finished(self) -> bool:
        return self in {RunPhase.SUCCEEDED, RunPhase.FAILED, RunPhase.ERROR, RunPhase.CANCELLED}


class StopCause(StrEnum):
    """Why a run went to Reporting before its tests could decide its outcome. Set with that move
    and read by the final decision: the phase never depends on the text of a reason."""

    CANCELLED = "Cancelled"
    RUN_TIMEOUT = "RunTimeout"
    PROJECT_NOT_FOUND = "ProjectNotFound"
    SUITE_NOT_PINNED = "SuiteNotPinned"
    NO_TESTS_SELECTED = "NoTestsSelected"

    @property
    def final_phase(self) -> RunPhase:
        if self is StopCause.CANCELLED:
            return RunPhase.CANCELLED
        if self is StopCause.NO_TESTS_SELECTED:
            return RunPhase.SUCCEEDED
        return RunPhase.ERROR


class CleanupPolicy(StrEnum):
    """What happens to a finished run's Jobs and spec ConfigMaps (reports are always kept)."""

    ALWAYS = "always"
    ON_SUCCESS = "onSuccess"
    NEVER = "never"


class TriggerSource(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    CI = "ci"
    GITOPS = "gitops"
    API = "api"


class Trigger(CRModel):
    source: TriggerSource = TriggerSource.MANUAL
    git_sha: str | None = Field(default=None, pattern=GIT_SHA)
    pull_request: int | None = Field(default=None, ge=1)
    actor: str | None = Field(default=None, max_length=256)


class Selection(CRModel):
    tags: list[Tag] = Field(default_factory=list, max_length=16)
    priorities: list[Priority] = Field(default_factory=list, max_length=4)
    cases: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=1000, description="Case ids to run (all if empty)"
    )


class TestRunSpec(CRModel):
    __test__: ClassVar[bool] = False
    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "self.projectRef == oldSelf.projectRef",
                    "message": "projectRef is immutable: create a new TestRun instead",
                },
                {
                    "rule": "!oldSelf.cancel || self.cancel",
                    "message": "a cancelled TestRun cannot be resumed: create a new one",
                },
                {
                    "rule": "self.trigger.source != 'ci' || has(self.trigger.gitSha)",
                    "message": "trigger.gitSha is required when trigger.source is ci",
                },
                {
                    "rule": "size(self.selection.cases) == 0 "
                    "|| self.shards <= size(self.selection.cases)",
                    "message": "shards cannot exceed the number of selected cases",
                },
            ]
        }
    )

    project_ref: LocalObjectReference
    url: str | None = Field(
        default=None,
        pattern=HTTP_URL,
        max_length=2048,
        description="Run against this URL instead of the project's (e.g. a preview environment)",
    )
    selection: Selection = Field(default_factory=Selection)
    shards: int = Field(default=1, ge=1, le=32)
    workers: int = Field(default=2, ge=1, le=8, description="Browser contexts per shard")
    retries: int = Field(default=1, ge=0, le=5)
    test_timeout_seconds: float = Field(default=60.0, ge=1, le=3600)
    timeout_seconds: int = Field(
        default=3600, ge=60, le=86_400, description="The whole run, from creation to report"
    )
    heal: bool = True
    trigger: Trigger = Field(default_factory=Trigger)
    cancel: bool = False
    cleanup: CleanupPolicy = CleanupPolicy.ON_SUCCESS
    egress: EgressSpec | None = Field(
        default=None, description="Where the sandbox may connect; the project's if omitted"
    )


class Counts(StatusModel):
    total: int = Field(default=0, ge=0)
    passed: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    healed: int = Field(default=0, ge=0)
    flaky: int = Field(default=0, ge=0)
    skipped: int = Field(default=0, ge=0)


class ShardState(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"

    @property
    def finished(self) -> bool:
        return self in {ShardState.SUCCEEDED, ShardState.FAILED}


class ShardStatus(StatusModel):
    index: int = Field(ge=0)
    job: str
    tests: int = Field(ge=0)
    state: ShardState = ShardState.PENDING
    reason: str | None = Field(default=None, pattern=CAMEL_REASON)
    message: str | None = None
    result_ref: str | None = None
    counts: Counts | None = None
    seconds: int | None = Field(default=None, ge=0, description="How long its Job's pods ran")


class ReportReference(StatusModel):
    ref: str = Field(description="Folder of the reports in the artifact store")
    html: str
    junit: str
    json_: str = Field(alias="json")
    partial: bool = False


class TokenUsage(StatusModel):
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)


class TestRunStatus(StatusModel):
    __test__: ClassVar[bool] = False

    phase: RunPhase = RunPhase.PENDING
    observed_generation: int | None = None
    start_time: datetime | None = None
    completion_time: datetime | None = None
    suite_ref: str | None = None
    suite_hash: str | None = None
    counts: Counts = Field(default_factory=Counts)
    shards: list[ShardStatus] = Field(default_factory=list)
    report: ReportReference | None = None
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    healing_requests: list[str] = Field(default_factory=list)
    stop_cause: StopCause | None = None
    reason: str | None = Field(default=None, pattern=CAMEL_REASON)
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list, json_schema_extra=CONDITIONS_LIST)


# --- HealingRequest -----------------------------------------------------------------------------


class HealDecision(StrEnum):
    """Pending until decided; NeedsApproval waits for spec.approved."""

    PENDING = "Pending"
    APPLIED = "Applied"
    NEEDS_APPROVAL = "NeedsApproval"
    REJECTED = "Rejected"
    NO_MATCH = "NoMatch"


class HealingRequestSpec(CRModel):
    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "!has(oldSelf.approved) || has(self.approved) "
                    "&& self.approved == oldSelf.approved",
                    "message": "approved cannot be changed once set",
                }
            ]
        }
    )

    project_ref: LocalObjectReference
    run_ref: LocalObjectReference
    plan_hash: str = Field(min_length=1, max_length=128, description="Hash of the test plan")
    request_ref: str = Field(description="The domain HealingRequest in the artifact store")
    tests: list[str] = Field(default_factory=list, max_length=1000)
    key: str = Field(min_length=1, max_length=256, description="Locator registry key")
    page_url: str = Field(max_length=4096)
    broken_ladder: list[Locator] = Field(default_factory=list, max_length=16)
    fingerprint: ElementFingerprint
    snapshot_ref: str | None = None
    approved: bool | None = Field(default=None, description="true applies, false rejects")


class RankedCandidate(StatusModel):
    rank: int = Field(ge=1)
    strategy: str
    confidence: float = Field(ge=0.0, le=1.0)
    score: float
    tag: str
    text: str | None = None
    test_id: str | None = None
    xpath: str | None = None


class HealingRequestStatus(StatusModel):
    decision: HealDecision = HealDecision.PENDING
    observed_generation: int | None = None
    candidates: list[RankedCandidate] = Field(default_factory=list, max_length=10)
    new_ladder: list[Locator] = Field(default_factory=list)
    decided_by: str | None = None
    decided_at: datetime | None = None
    applied_suite_hash: str | None = None
    pattern_id: str | None = None
    reason: str | None = Field(default=None, pattern=CAMEL_REASON)
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list, json_schema_extra=CONDITIONS_LIST)


TestProjectStatus.model_rebuild()
