"""The offline designer: cases derived only from what discovery observed."""

import pytest

from testforge.design.offline import OfflineDesigner
from testforge.design.validate import plan_problems
from testforge.domain.errors import ArtifactError
from testforge.domain.plan import Action, Clause, Priority, Step, Tag, TestCase, TestPlan
from tests.unit.pipeline.builders import shop


@pytest.fixture(scope="module")
def plan() -> TestPlan:
    return OfflineDesigner().design(shop()).plan


def case(plan: TestPlan, words: str) -> TestCase:
    matches = [c for c in plan.cases if words in c.title]
    assert len(matches) == 1, [c.title for c in plan.cases]
    return matches[0]


def test_every_stateless_page_gets_a_smoke_test(plan: TestPlan) -> None:
    smoke = {c.pages[0] for c in plan.cases if Tag.SMOKE in c.tags and c.title.endswith("loads")}
    assert smoke == {"/", "/login", "/products/mug"}


def test_the_home_page_and_critical_journeys_are_p0(plan: TestPlan) -> None:
    p0 = {c.title for c in plan.cases if c.priority is Priority.P0}
    assert "/ loads" in p0
    assert "Add to cart → Checkout → Place order" in p0
    assert "sign in with valid data succeeds" in p0


def test_cases_are_numbered_in_priority_order(plan: TestPlan) -> None:
    priorities = [c.priority.value for c in plan.cases]
    assert priorities == sorted(priorities)
    assert [c.id for c in plan.cases] == [f"TC-{n:03d}" for n in range(1, len(plan.cases) + 1)]


def test_sign_in_uses_credential_placeholders_never_values(plan: TestPlan) -> None:
    steps = case(plan, "sign in with valid data").steps
    fills = {s.target: s.value for s in steps if s.action is Action.FILL}
    assert fills == {"login.email": "$username", "login.password": "$password"}
    assert Step(clause=Clause.THEN, action=Action.EXPECT_URL, value="/account") in steps


def test_browser_blocked_submissions_assert_invalid_fields_and_no_navigation(
    plan: TestPlan,
) -> None:
    steps = case(plan, "sign in with required fields empty").steps
    assert [s.target for s in steps if s.action is Action.EXPECT_INVALID] == [
        "login.email",
        "login.password",
    ]
    assert steps[-1].action is Action.EXPECT_URL and steps[-1].value == "/login"


def test_server_side_refusals_assert_the_message_seen_at_discovery(plan: TestPlan) -> None:
    refused = case(plan, "wrong password")
    assert refused.priority is Priority.P1
    assert {Tag.NEGATIVE, Tag.FORM_VALIDATION} <= set(refused.tags)
    assert (
        Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value="Invalid email or password.")
        in refused.steps
    )


def test_a_journey_checks_every_amount_on_the_way_and_the_echoed_input(plan: TestPlan) -> None:
    journey = case(plan, "Place order")
    checks = [(s.action, s.target, s.value) for s in journey.steps if s.clause is Clause.THEN]
    assert (Action.EXPECT_TEXT, "cart.total", "$16.00") in checks
    assert (Action.EXPECT_URL, None, "/orders/[^/?#]+") in checks
    assert (Action.EXPECT_PAGE_TEXT, None, "Ada Lovelace") in checks
    # the total is checked right after the step that reached the cart, before checkout
    actions = [s.action for s in journey.steps]
    assert actions.index(Action.EXPECT_TEXT) < journey.steps.index(
        next(s for s in journey.steps if s.target == "cart.checkout")
    )


def test_a_journeys_final_form_also_gets_its_own_valid_case(plan: TestPlan) -> None:
    # so a dropped field is reported on its own even when a total earlier in the journey is wrong
    alone = case(plan, "place order with valid data succeeds")
    checks = [s.value for s in alone.steps if s.action is Action.EXPECT_PAGE_TEXT]
    assert "Ada Lovelace" in checks
    assert not any(s.action is Action.EXPECT_TEXT for s in alone.steps)


def test_tests_of_a_signed_in_app_use_the_session_and_only_auth_tests_sign_in(
    plan: TestPlan,
) -> None:
    add = case(plan, "add to cart with valid data")
    assert add.needs_auth and Action.SIGN_IN not in {s.action for s in add.steps}
    signing_in = [c for c in plan.cases if any(s.action is Action.SIGN_IN for s in c.steps)]
    assert signing_in and all(Tag.AUTH in c.tags and not c.needs_auth for c in signing_in)


def test_tests_on_the_sign_in_page_run_signed_out(plan: TestPlan) -> None:
    assert not case(plan, "/login loads").needs_auth
    assert not case(plan, "sign in with valid data").needs_auth


def test_signing_out_is_tested_in_a_session_of_its_own(plan: TestPlan) -> None:
    out = case(plan, "Sign out ends the session")
    assert [s.action for s in out.steps] == [
        Action.SIGN_IN,
        Action.GOTO,
        Action.CLICK,
        Action.EXPECT_SIGNED_OUT,
    ]
    assert out.steps[2].target == "nav.sign_out" and not out.needs_auth


def test_pages_are_identified_by_url_and_stable_heading_never_by_title(plan: TestPlan) -> None:
    mug = case(plan, "/products/mug loads")
    assert [(s.action, s.value) for s in mug.steps[1:]] == [
        (Action.EXPECT_URL, "/products/mug"),
        (Action.EXPECT_TEXT, "Mug"),
    ]
    assert not any(s.action is Action.EXPECT_TITLE for c in plan.cases for s in c.steps)


def test_a_heading_seen_on_one_load_only_is_not_asserted() -> None:
    model = shop()
    model.pages[2].stable_texts = ()
    plan = OfflineDesigner().design(model).plan
    assert [s.action for s in case(plan, "/products/mug loads").steps[1:]] == [Action.EXPECT_URL]


def test_late_content_is_asserted_so_tests_wait_for_it(plan: TestPlan) -> None:
    late = case(plan, "content loaded after the page")
    assert (
        Step(
            clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value="Free shipping on every order"
        )
        in late.steps
    )


def test_navigation_cases_follow_shared_links(plan: TestPlan) -> None:
    nav = case(plan, "Products link")
    assert Tag.NAVIGATION in nav.tags
    assert [s.action for s in nav.steps][-2:] == [Action.EXPECT_URL, Action.EXPECT_TEXT]


def test_plans_are_deterministic() -> None:
    first, second = OfflineDesigner().design(shop()).plan, OfflineDesigner().design(shop()).plan
    assert first == second


def test_validation_rejects_steps_on_unknown_elements(plan: TestPlan) -> None:
    broken = plan.model_copy(deep=True)
    broken.cases[0].steps.append(
        Step(clause=Clause.WHEN, action=Action.CLICK, target="nowhere.button")
    )
    problems = plan_problems(broken, shop())
    case_ = broken.cases[0]
    assert problems == [
        f"{case_.id} ({case_.slug}) step {len(case_.steps)}: "
        "click targets unknown element 'nowhere.button'"
    ]


def test_validation_refuses_cases_that_assert_nothing() -> None:
    from testforge.design.validate import ensure_valid

    plan = TestPlan(
        base_url="http://shop.test/",
        designer="test",
        cases=[
            TestCase(
                id="TC-001",
                slug="x",
                title="x",
                priority=Priority.P1,
                tags=(Tag.SMOKE,),
                given="g",
                when="w",
                then="t",
                steps=[Step(clause=Clause.WHEN, action=Action.GOTO, value="/")],
            )
        ],
    )
    with pytest.raises(ArtifactError, match="asserts nothing"):
        ensure_valid(plan, shop())
