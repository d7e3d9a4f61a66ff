"""TestPlan: prioritised Given/When/Then test cases whose steps address elements by registry key."""

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from testforge.domain.base import DomainModel


class Priority(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class Tag(StrEnum):
    SMOKE = "smoke"
    NAVIGATION = "navigation"
    FORM_VALIDATION = "form-validation"
    FLOW = "flow"
    NEGATIVE = "negative"
    AUTH = "auth"


class Clause(StrEnum):
    GIVEN = "given"
    WHEN = "when"
    THEN = "then"


class Action(StrEnum):
    """What a step does. Actions with a `target` address an element by registry key."""

    GOTO = "goto"
    SIGN_IN = "sign_in"  # through the sign-in form (or the HTTP challenge): only in auth tests
    CLICK = "click"
    CLICK_NEW_TAB = "click_new_tab"  # a link that opens another tab; the test goes on there
    FILL = "fill"
    SELECT = "select"
    CHECK = "check"
    UPLOAD = "upload"
    EXPECT_URL = "expect_url"
    EXPECT_TITLE = "expect_title"
    EXPECT_TEXT = "expect_text"
    EXPECT_PAGE_TEXT = "expect_page_text"
    EXPECT_VISIBLE = "expect_visible"
    EXPECT_INVALID = "expect_invalid"  # value: the ValidityFlag expected, if known
    EXPECT_FIELD_MESSAGE = "expect_field_message"  # the field's own message says the value
    EXPECT_VALUE = "expect_value"
    EXPECT_SIGN_IN_REFUSED = "expect_sign_in_refused"  # a wrong password is refused
    EXPECT_SIGNED_OUT = "expect_signed_out"  # the session ended


TARGETED_ACTIONS = frozenset(
    {
        Action.CLICK,
        Action.CLICK_NEW_TAB,
        Action.FILL,
        Action.SELECT,
        Action.CHECK,
        Action.UPLOAD,
        Action.EXPECT_TEXT,
        Action.EXPECT_VISIBLE,
        Action.EXPECT_INVALID,
        Action.EXPECT_FIELD_MESSAGE,
        Action.EXPECT_VALUE,
    }
)
VALUED_ACTIONS = frozenset(
    {
        Action.GOTO,
        Action.FILL,
        Action.SELECT,
        Action.UPLOAD,
        Action.EXPECT_URL,
        Action.EXPECT_TITLE,
        Action.EXPECT_TEXT,
        Action.EXPECT_PAGE_TEXT,
        Action.EXPECT_FIELD_MESSAGE,
        Action.EXPECT_VALUE,
    }
)
ASSERTIONS = frozenset(a for a in Action if a.value.startswith("expect_"))


class Step(DomainModel):
    clause: Clause
    action: Action
    target: str | None = None
    value: str | None = None
    unique: bool = False  # the value is made unique per test run (tf.unique), as it was probed
    note: str | None = None


class TestCase(DomainModel):
    __test__: ClassVar[bool] = False  # a domain model, not a pytest test class

    id: str
    slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    priority: Priority
    tags: tuple[Tag, ...]
    given: str
    when: str
    then: str
    steps: list[Step]
    pages: tuple[str, ...] = ()
    form: str | None = None
    # Runs with the test account's session (signed in once per worker); tests about signing
    # in and out sign in themselves.
    needs_auth: bool = False


class TestPlan(DomainModel):
    __test__: ClassVar[bool] = False

    base_url: str
    designer: str
    cases: list[TestCase] = Field(default_factory=list)

    def case(self, case_id: str) -> TestCase:
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)
