"""Refusals asserted where they happen: the browser's reason for refusing a field (a validity
flag, the same in every language) and the message the app put next to the refused field."""

from testforge.design.grounding import grounding_problems
from testforge.design.offline import OfflineDesigner
from testforge.discovery.probes import stable
from testforge.domain.app_model import AppModel, ProbeKind, ProbeOutcome, ValidityFlag
from testforge.domain.plan import Action, Clause, Priority, Step, Tag, TestCase, TestPlan
from testforge.scriptgen.render import render_case
from tests.unit.pipeline.builders import outcome, shop

WRONG_PASSWORD = "Invalid email or password."


def with_reasons_and_messages() -> AppModel:
    """shop(), with the browser's reasons for its refusals and the sign-in form's message shown
    under the password field."""
    model = shop()
    login = model.form("login.form")
    empty = login.probe(ProbeKind.EMPTY)
    wrong = login.probe(ProbeKind.INVALID_FIELD)
    mug = model.form("mug.form").probe(ProbeKind.INVALID_FIELD)
    assert empty and wrong and mug
    empty.outcome.invalid_reasons = {
        "login.email": ValidityFlag.VALUE_MISSING,
        "login.password": ValidityFlag.VALUE_MISSING,
    }
    mug.outcome.invalid_reasons = {"mug.quantity": ValidityFlag.RANGE_UNDERFLOW}
    wrong.outcome.new_texts = ("There was a problem", WRONG_PASSWORD)
    wrong.outcome.field_messages = {"login.email": "Check it", "login.password": WRONG_PASSWORD}
    return model


def design(model: AppModel) -> TestPlan:
    return OfflineDesigner().design(model).plan


def case(plan: TestPlan, words: str) -> TestCase:
    matches = [c for c in plan.cases if words in c.title]
    assert len(matches) == 1, [c.title for c in plan.cases]
    return matches[0]


def checks(case: TestCase) -> list[tuple[Action, str | None, str | None]]:
    return [(s.action, s.target, s.value) for s in case.steps if s.clause is Clause.THEN]


def test_a_browser_refusal_asserts_each_fields_validity_flag() -> None:
    plan = design(with_reasons_and_messages())
    empty = case(plan, "sign in with required fields empty")
    assert checks(empty) == [
        (Action.EXPECT_INVALID, "login.email", "valueMissing"),
        (Action.EXPECT_INVALID, "login.password", "valueMissing"),
        (Action.EXPECT_URL, None, "/login"),
    ]
    assert "Email is flagged invalid (it is required)" in empty.then
    quantity = case(plan, "add to cart with '0'")
    assert (Action.EXPECT_INVALID, "mug.quantity", "rangeUnderflow") in checks(quantity)
    assert "below its minimum" in quantity.then


def test_without_a_recorded_reason_only_the_refusal_is_asserted() -> None:
    # An app model from before reasons were recorded.
    empty = case(design(shop()), "sign in with required fields empty")
    invalid = [s for s in empty.steps if s.action is Action.EXPECT_INVALID]
    assert [s.value for s in invalid] == [None, None]


def test_an_app_refusal_asserts_the_message_on_its_field_and_not_again_page_wide() -> None:
    wrong = case(design(with_reasons_and_messages()), "wrong password")
    assert checks(wrong) == [
        # the refused field's message first, then the others'
        (Action.EXPECT_FIELD_MESSAGE, "login.password", WRONG_PASSWORD),
        (Action.EXPECT_FIELD_MESSAGE, "login.email", "Check it"),
        (Action.EXPECT_PAGE_TEXT, None, "There was a problem"),
    ]
    assert f"says {WRONG_PASSWORD!r}" in wrong.then


def test_a_field_message_repeating_an_entered_value_is_not_asserted() -> None:
    model = with_reasons_and_messages()
    checkout = model.form("checkout.form")
    valid = checkout.probe(ProbeKind.VALID)
    assert valid is not None
    valid.outcome.field_messages = {"checkout.name": "Ada Lovelace, thank you"}
    alone = case(design(model), "place order with valid data succeeds")
    assert not any(s.action is Action.EXPECT_FIELD_MESSAGE for s in alone.steps)


def test_the_renderer_passes_reasons_and_field_messages_to_the_runtime() -> None:
    plan = design(with_reasons_and_messages())
    empty = render_case(case(plan, "sign in with required fields empty"))
    assert 'tf.expect_invalid("login.email", "valueMissing")' in empty
    wrong = render_case(case(plan, "wrong password"))
    assert f'tf.expect_field_message("login.password", "{WRONG_PASSWORD}")' in wrong
    assert "expect_page_text" in wrong and f'expect_page_text("{WRONG_PASSWORD}")' not in wrong
    old = render_case(case(design(shop()), "sign in with required fields empty"))
    assert 'tf.expect_invalid("login.email")\n' in old


def test_old_outcomes_load_and_new_ones_round_trip_through_json() -> None:
    old = ProbeOutcome.model_validate_json(
        '{"url_path": "/login", "url_pattern": "/login", "navigated": false,'
        ' "blocked_by_browser": true, "invalid_fields": ["login.email"]}'
    )
    assert old.invalid_reasons == {} and old.field_messages == {}
    new = outcome(
        "/login",
        navigated=False,
        invalid_reasons={"login.email": ValidityFlag.TYPE_MISMATCH},
        field_messages={"login.password": WRONG_PASSWORD},
    )
    assert ProbeOutcome.model_validate_json(new.model_dump_json()) == new
    assert '"typeMismatch"' in new.model_dump_json()


def test_two_valid_submissions_keep_only_the_field_messages_both_showed() -> None:
    first = outcome("/", navigated=True, field_messages={"a": "Saved", "b": "Looks good"})
    second = outcome("/", navigated=True, field_messages={"a": "Saved", "b": "Nice"})
    assert stable(first, second).field_messages == {"a": "Saved"}


def llm_case(*steps: Step) -> TestCase:
    return TestCase(
        id="new-1",
        slug="refused",
        title="refused",
        priority=Priority.P2,
        tags=(Tag.NEGATIVE,),
        given="a visitor",
        when="they sign in wrongly",
        then="it is refused",
        steps=list(steps),
    )


def test_grounding_accepts_only_observed_reasons_and_field_messages() -> None:
    model = with_reasons_and_messages()
    then = Clause.THEN
    observed = llm_case(
        Step(clause=then, action=Action.EXPECT_INVALID, target="login.email", value="valueMissing"),
        Step(clause=then, action=Action.EXPECT_FIELD_MESSAGE, target="login.password",
             value="Invalid email"),
    )  # fmt: skip
    assert grounding_problems([observed], model) == []
    invented = llm_case(
        Step(clause=then, action=Action.EXPECT_INVALID, target="login.email", value="tooShort"),
        Step(clause=then, action=Action.EXPECT_FIELD_MESSAGE, target="login.email",
             value=WRONG_PASSWORD),
    )  # fmt: skip
    assert [p.split(": ", 1)[1] for p in grounding_problems([invented], model)] == [
        "'login.email' was never observed refused for 'tooShort'",
        f"'login.email' was never observed saying {WRONG_PASSWORD!r} (its own messages are in "
        "the probe outcomes' field_messages)",
    ]
