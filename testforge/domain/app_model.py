"""AppModel: what discovery learned about a web application (pages, elements, forms, flows)."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from testforge.domain.base import DomainModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.locators import LocatorLadder


class ElementKind(StrEnum):
    LINK = "link"
    BUTTON = "button"
    TEXT_INPUT = "text_input"
    CHECKBOX = "checkbox"
    RADIO = "radio"
    SELECT = "select"
    TEXTAREA = "textarea"
    OTHER = "other"


class Element(DomainModel):
    """An interactive element; `key` is unique across the app and becomes a registry key."""

    key: str
    kind: ElementKind
    page: str
    fingerprint: ElementFingerprint
    ladder: LocatorLadder
    in_navigation: bool = False


class FlowStepAction(StrEnum):
    GOTO = "goto"
    CLICK = "click"
    FILL = "fill"
    SELECT = "select"
    CHECK = "check"
    SUBMIT = "submit"


class FlowStep(DomainModel):
    action: FlowStepAction
    page: str
    element: str | None = None
    value: str | None = None


class FieldConstraints(DomainModel):
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    pattern: str | None = None
    options: tuple[str, ...] = ()


class FormField(DomainModel):
    element: str
    name: str
    input_type: str
    label: str | None = None
    constraints: FieldConstraints = Field(default_factory=FieldConstraints)


class ProbeKind(StrEnum):
    VALID = "valid"
    EMPTY = "empty"
    INVALID_FIELD = "invalid_field"


class ProbeOutcome(DomainModel):
    """What the page did after a form was submitted during discovery: the oracle for tests.

    Observations of a valid submission are kept only when two independent runs agree, so
    per-run values (order numbers, timestamps) never become expectations.
    """

    url_path: str
    url_pattern: str
    navigated: bool
    blocked_by_browser: bool = False
    invalid_fields: tuple[str, ...] = ()
    new_texts: tuple[str, ...] = ()
    echoed_fields: tuple[str, ...] = ()
    heading: str | None = None


class FormProbe(DomainModel):
    kind: ProbeKind
    inputs: dict[str, str]
    field: str | None = None
    outcome: ProbeOutcome


class Form(DomainModel):
    key: str
    page: str
    action: str
    method: str
    novalidate: bool = False
    fields: list[FormField] = Field(default_factory=list)
    submit: str | None = None
    purpose: str = "generic"
    setup: list[FlowStep] = Field(default_factory=list)
    probes: list[FormProbe] = Field(default_factory=list)

    def probe(self, kind: ProbeKind) -> FormProbe | None:
        return next((p for p in self.probes if p.kind is kind), None)

    @property
    def fillable_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.input_type not in {"hidden", "submit", "button"}]


class Link(DomainModel):
    element: str
    target: str
    text: str


class Risk(StrEnum):
    """How much a defect on a page would hurt the business (set by classification)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Page(DomainModel):
    path: str
    url: str
    title: str
    heading: str | None = None
    depth: int
    status: int
    requires_auth: bool = False
    state: str | None = None
    setup: list[FlowStep] = Field(default_factory=list)
    observed: dict[str, str] = Field(default_factory=dict)
    template: str | None = None
    screenshot: str | None = None
    landmarks: tuple[str, ...] = ()
    async_texts: tuple[str, ...] = ()
    elements: list[Element] = Field(default_factory=list)
    forms: list[Form] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    # Classification (testforge.discovery.classify): what the page is for and what is at stake.
    purpose: str | None = None
    business_flow: str | None = None
    risk: Risk | None = None
    element_purposes: dict[str, str] = Field(default_factory=dict)


class FlowKind(StrEnum):
    SIGN_IN = "sign_in"
    SEARCH = "search"
    PURCHASE = "purchase"
    MULTI_STEP = "multi_step"


class Flow(DomainModel):
    """A multi-step journey; its forms' probes and its pages' observations are the oracle."""

    kind: FlowKind
    name: str
    steps: list[FlowStep]
    form: str | None = None
    pages: tuple[str, ...] = ()


class AuthConfig(DomainModel):
    """How to sign in; credentials themselves are never stored in artefacts."""

    login_path: str
    username_field: str
    password_field: str
    submit: str
    landing_path: str | None = None


class CrawlIssueKind(StrEnum):
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    NOT_HTML = "not_html"
    CRASH = "crash"
    LIMIT = "limit"
    PROBE_FAILED = "probe_failed"


class CrawlIssue(DomainModel):
    kind: CrawlIssueKind
    url: str
    message: str


class CrawlLimits(DomainModel):
    max_pages: int = Field(default=50, ge=1, le=10_000)
    max_depth: int = Field(default=5, ge=0, le=100)
    concurrency: int = Field(default=2, ge=1, le=32)
    page_timeout_s: float = Field(default=15.0, gt=0, le=600)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class AppModel(DomainModel):
    base_url: str
    discovered_at: datetime
    limits: CrawlLimits
    auth: AuthConfig | None = None
    pages: list[Page] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    issues: list[CrawlIssue] = Field(default_factory=list)
    skipped_urls: int = 0

    def page(self, path: str) -> Page:
        for page in self.pages:
            if page.path == path:
                return page
        raise KeyError(path)

    def form(self, key: str) -> Form:
        for form in self.forms:
            if form.key == key:
                return form
        raise KeyError(key)

    def element(self, key: str) -> Element:
        for page in self.pages:
            for element in page.elements:
                if element.key == key:
                    return element
        raise KeyError(key)

    @property
    def forms(self) -> list[Form]:
        return [form for page in self.pages for form in page.forms]
