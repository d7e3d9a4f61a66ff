"""AppModel: what discovery learned about a web application (pages, elements, forms, flows)."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from testforge.domain.base import DomainModel
from testforge.domain.effects import Classification, Effect
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
    UPLOAD = "upload"  # a file input: the value names a sample file (testdata.sample_file)
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
    accept: str | None = None  # a file input's accepted types ("image/*", ".pdf")


class FormField(DomainModel):
    element: str
    name: str
    input_type: str
    label: str | None = None
    placeholder: str | None = None
    constraints: FieldConstraints = Field(default_factory=FieldConstraints)


class ProbeKind(StrEnum):
    VALID = "valid"
    EMPTY = "empty"
    INVALID_FIELD = "invalid_field"


class ValidityFlag(StrEnum):
    """Why the browser's constraint validation refuses a field: the ValidityState flag that is
    true. Unlike the field's validationMessage, it does not depend on the browser's language.
    In the order the HTML standard lists them (the first true one is the reason recorded)."""

    VALUE_MISSING = "valueMissing"
    TYPE_MISMATCH = "typeMismatch"
    PATTERN_MISMATCH = "patternMismatch"
    TOO_LONG = "tooLong"
    TOO_SHORT = "tooShort"
    RANGE_UNDERFLOW = "rangeUnderflow"
    RANGE_OVERFLOW = "rangeOverflow"
    STEP_MISMATCH = "stepMismatch"
    BAD_INPUT = "badInput"
    CUSTOM_ERROR = "customError"


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
    # Why the browser refused each invalid field (app models from before lack it).
    invalid_reasons: dict[str, ValidityFlag] = Field(default_factory=dict)
    # Each field's own message after a submission the app refused (testforge.browser.fields
    # FIELD_MESSAGE_JS): a text that appeared in it, and only then.
    field_messages: dict[str, str] = Field(default_factory=dict)
    new_texts: tuple[str, ...] = ()
    echoed_fields: tuple[str, ...] = ()
    heading: str | None = None
    # The list page the new record then appeared on, and the fields its entry showed.
    listed_on: str | None = None
    listed_fields: tuple[str, ...] = ()


class FormProbe(DomainModel):
    kind: ProbeKind
    inputs: dict[str, str]
    field: str | None = None
    # Keys whose value is made unique on every submission (testdata.unique_value): a form that
    # writes never collides with an earlier record, and its test can find the one it made.
    unique: tuple[str, ...] = ()
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
    # What sending it would do, and whether discovery was allowed to (testforge.domain.effects).
    effect: Classification = Field(
        default_factory=lambda: Classification(effect=Effect.WRITE, reason="not classified")
    )
    setup: list[FlowStep] = Field(default_factory=list)
    probes: list[FormProbe] = Field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.effect.effect not in {Effect.READ, Effect.NAVIGATE}

    def probe(self, kind: ProbeKind) -> FormProbe | None:
        return next((p for p in self.probes if p.kind is kind), None)

    @property
    def fillable_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.input_type not in {"hidden", "submit", "button"}]


class Link(DomainModel):
    element: str
    target: str
    text: str
    effect: Classification = Field(
        default_factory=lambda: Classification(effect=Effect.NAVIGATE, reason="a link to a page")
    )
    new_tab: bool = False  # target=_blank: following it opens another tab


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
    requires_auth: bool = False  # an anonymous visitor is sent to sign in
    signed_in: bool = False  # captured with the test account's session (its tests use one too)
    state: str | None = None
    setup: list[FlowStep] = Field(default_factory=list)
    observed: dict[str, str] = Field(default_factory=dict)
    template: str | None = None
    # Texts present on two separate loads of the page: the only page texts fit to assert.
    stable_texts: tuple[str, ...] = ()
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


class AuthScheme(StrEnum):
    FORM = "form"  # a sign-in form (with its CSRF token, if any)
    HTTP = "http"  # HTTP Basic or Digest: the browser answers the server's challenge


class AuthConfig(DomainModel):
    """How to sign in, and how to tell whether a session is signed in.

    `login_path` is a path without its query (a redirect's `?next=` is not part of the page).
    Credentials themselves are never stored in artifacts.
    """

    scheme: AuthScheme = AuthScheme.FORM
    login_path: str
    username_field: str | None = None
    password_field: str | None = None
    submit: str | None = None
    landing_path: str | None = None
    # Evidence: the sign-out control (visible only when signed in), the page it was seen on,
    # and a page that sends visitors to the sign-in page.
    sign_out: str | None = None
    sign_out_page: str | None = None
    sign_out_menu: str | None = None  # the control that opens the menu holding sign-out
    protected_path: str | None = None

    @property
    def form_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.username_field, self.password_field, self.submit) if k)


class CrawlIssueKind(StrEnum):
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    NOT_HTML = "not_html"
    CRASH = "crash"
    LIMIT = "limit"
    PROBE_FAILED = "probe_failed"
    UNREADABLE = "unreadable"  # elements (or frames) the scanner skipped; the page was kept


class CrawlIssue(DomainModel):
    kind: CrawlIssueKind
    url: str
    message: str


class SkipReason(StrEnum):
    MAX_PAGES = "max_pages"
    MAX_DEPTH = "max_depth"
    TEMPLATE_VARIANT = "template_variant"  # another URL of the same template was explored
    EFFECT = "effect"  # following or sending it would act (sign out, delete, write)
    DOWNLOAD = "download"  # the link downloads a file, or is an image or data: not a page


class Skipped(DomainModel):
    """What discovery chose not to visit or send, and why (for the report)."""

    reason: SkipReason
    detail: str
    count: int
    examples: tuple[str, ...] = ()


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
    skipped: list[Skipped] = Field(default_factory=list)
    allow_writes: bool = False  # discovery was allowed to change the application's data

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
