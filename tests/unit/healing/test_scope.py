"""A global link does not heal into a same-named link scoped to the page's resource (MLflow 3:
the registry's "Prompts" against experiment 0's "Prompts"), and every other href change heals."""

import pytest

from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.scope import in_scope, rescoped, route

EXPERIMENT = "http://127.0.0.1:5000/#/experiments/0/overview/usage?startTime=ALL"


def test_routes_come_from_hash_routes_or_paths() -> None:
    assert route("/#/experiments/0/prompts?startTime=ALL") == ("experiments", "0", "prompts")
    assert route("http://shop.test/projects/5/issues?state=open") == ("projects", "5", "issues")
    assert route("/#section-2") == ()
    assert route("/") == ()


@pytest.mark.parametrize(
    ("target", "candidate", "page", "expected"),
    [
        ("/#/prompts", "/#/experiments/0/prompts?startTime=ALL", EXPERIMENT, True),
        ("/issues", "/projects/5/issues", "http://git.test/projects/5/merge_requests", True),
        # The list moved: `#/` became Home and the experiments list `#/experiments`.
        ("/#/", "/#/experiments", EXPERIMENT, False),
        # Both scoped to the same resource: a renamed sub-view heals.
        ("/projects/5/settings", "/projects/5/edit", "http://git.test/projects/5/issues", False),
        ("/#/prompts", "/#/prompts/list", EXPERIMENT, False),
        ("/#/prompts", None, EXPERIMENT, False),
    ],
)
def test_only_a_global_link_turned_resource_scoped_is_out_of_scope(
    target: str, candidate: str | None, page: str, expected: bool
) -> None:
    assert rescoped(target, candidate, page) is expected


def test_out_of_scope_candidates_are_left_out() -> None:
    lost = ElementFingerprint(tag="a", text="Prompts", href="/#/prompts")
    scoped = ElementFingerprint(tag="a", text="Prompts", href="/#/experiments/0/prompts")
    home = ElementFingerprint(tag="a", text="Home", href="/#/")
    assert in_scope(lost, [scoped, home], EXPERIMENT) == [home]
