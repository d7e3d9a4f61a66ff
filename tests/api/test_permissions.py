"""The authorization policy as pure rules (api.auth.policy): the role table, what a key may
hold, the denials' explanations and the checks on creating a key. No app, no database."""

import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.auth import policy
from api.auth.policy import PERSON_ONLY, ROLE_PERMISSIONS, Permission, Reason, Subject
from api.auth.roles import Role, canonical

P = Permission
VIEWER, DEVELOPER, ADMIN, OWNER = Role.VIEWER, Role.DEVELOPER, Role.ADMIN, Role.OWNER
ORDER = [VIEWER, DEVELOPER, ADMIN, OWNER]

# The documented table (docs/api.md, "Endpoints"): the lowest role holding each permission,
# and whether a person must be signed in for it. Written out, so that a change to the policy
# is a change to this table too.
TABLE: dict[Permission, tuple[Role, bool]] = {
    P.TENANT_READ: (VIEWER, False),
    P.MEMBERS_READ: (VIEWER, False),
    P.PROJECTS_READ: (VIEWER, False),
    P.RUNS_READ: (VIEWER, False),
    P.SHARES_READ: (VIEWER, False),
    P.BILLING_READ: (VIEWER, False),
    P.EGRESS_READ: (VIEWER, False),
    P.PROJECTS_CREATE: (DEVELOPER, False),
    P.RUNS_TRIGGER: (DEVELOPER, False),
    P.SHARES_CREATE: (DEVELOPER, False),
    P.TENANT_UPDATE: (ADMIN, False),
    P.API_KEYS_READ: (ADMIN, False),
    P.SHARES_REVOKE: (ADMIN, False),
    P.AUDIT_READ: (ADMIN, False),
    P.MEMBERS_MANAGE: (ADMIN, True),
    P.API_KEYS_MANAGE: (ADMIN, True),
    P.EGRESS_MANAGE: (ADMIN, True),
    P.OWNERS_MANAGE: (OWNER, True),
    P.BILLING_MANAGE: (OWNER, True),
    P.MFA_POLICY_MANAGE: (OWNER, True),
}
roles = st.sampled_from(ORDER)
key_roles = st.sampled_from(policy.KEY_ROLES)
scope_sets = st.frozensets(st.sampled_from(list(Permission)))


def test_the_role_table_is_the_documented_one() -> None:
    assert set(TABLE) == set(Permission)
    for permission, (lowest, person_only) in TABLE.items():
        for role in ORDER:
            held = ORDER.index(role) >= ORDER.index(lowest)
            assert (permission in ROLE_PERMISSIONS[role]) is held, (permission, role)
        assert (permission in PERSON_ONLY) is person_only, permission


def test_each_role_holds_everything_the_role_below_it_holds() -> None:
    for lower, higher in pairwise(ORDER):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]
    assert tuple(ORDER) == policy.ROLES_ASCENDING and set(ORDER) == set(Role)


def test_permissions_are_named_resource_colon_action() -> None:
    for permission in Permission:
        assert re.fullmatch(r"[a-z_]+:[a-z_]+", permission.value), permission
        assert permission.name == permission.value.replace(":", "_").upper()


def test_owners_alone_make_owners_buy_plans_and_require_a_second_factor() -> None:
    only_owners = ROLE_PERMISSIONS[OWNER] - ROLE_PERMISSIONS[ADMIN]
    assert only_owners == {P.OWNERS_MANAGE, P.BILLING_MANAGE, P.MFA_POLICY_MANAGE}


def test_member_is_read_as_developer_and_nothing_else_is_rewritten() -> None:
    assert canonical("member") is DEVELOPER
    assert canonical("admin") == "admin" and canonical("boss") == "boss"


def test_a_person_holds_their_roles_permissions() -> None:
    assert Subject.person(DEVELOPER).permissions == ROLE_PERMISSIONS[DEVELOPER]
    assert Subject.person(OWNER).sees_project("anything")


@given(role=key_roles, creator=roles, scopes=scope_sets)
def test_a_key_never_exceeds_its_scopes_its_role_or_its_creators_current_role(
    role: Role, creator: Role, scopes: frozenset[Permission]
) -> None:
    held = Subject.api_key(role, scopes, creator).permissions
    assert held <= scopes & ROLE_PERMISSIONS[role] & ROLE_PERMISSIONS[creator]
    assert not held & PERSON_ONLY


def test_a_key_with_its_roles_full_scopes_holds_all_but_the_person_only_permissions() -> None:
    for role in policy.KEY_ROLES:
        full = policy.key_permissions(role)
        assert Subject.api_key(role, full, OWNER).permissions == full
        assert full == ROLE_PERMISSIONS[role] - PERSON_ONLY
    # A demoted creator takes the key down with them.
    demoted = Subject.api_key(ADMIN, policy.key_permissions(ADMIN), VIEWER)
    assert demoted.permissions == ROLE_PERMISSIONS[VIEWER] and demoted.role is VIEWER


def test_a_person_is_told_which_permission_they_lack_and_who_has_it() -> None:
    denial = policy.check(Subject.person(VIEWER), P.RUNS_TRIGGER, "acme")
    assert denial is not None and denial.reason is Reason.ROLE
    assert "runs:trigger" in denial.detail and "'acme'" in denial.detail
    assert "viewer" in denial.detail and "developer, admin, owner" in denial.fix
    assert policy.check(Subject.person(DEVELOPER), P.RUNS_TRIGGER) is None


EVERYTHING = frozenset(Permission)
BOUNDS = [
    (Subject.api_key(ADMIN, EVERYTHING, OWNER), P.MEMBERS_MANAGE, Reason.PERSON_ONLY, "a person"),
    (Subject.api_key(ADMIN, EVERYTHING, DEVELOPER), P.AUDIT_READ, Reason.CREATOR, "developer"),
    (Subject.api_key(VIEWER, EVERYTHING, OWNER), P.RUNS_TRIGGER, Reason.KEY_ROLE, "viewer role"),
    (Subject.api_key(DEVELOPER, {P.RUNS_TRIGGER}, OWNER), P.RUNS_READ, Reason.SCOPES, "scopes"),
]


@pytest.mark.parametrize(("subject", "permission", "reason", "says"), BOUNDS)
def test_a_key_is_told_which_of_its_bounds_refused(
    subject: Subject, permission: Permission, reason: Reason, says: str
) -> None:
    denial = policy.check(subject, permission, "acme")
    assert denial is not None and denial.permission is permission
    assert denial.reason is reason and says in denial.detail
    assert permission.value in denial.detail + denial.fix


def test_a_project_limited_key_sees_only_its_projects() -> None:
    key = Subject.api_key(DEVELOPER, policy.key_permissions(DEVELOPER), ADMIN, ["shop"])
    assert key.sees_project("shop") and not key.sees_project("lab")
    assert key.projects == frozenset({"shop"})
    unlimited = Subject.api_key(DEVELOPER, policy.key_permissions(DEVELOPER), ADMIN)
    assert unlimited.projects is None and unlimited.sees_project("lab")


KEY_REQUESTS = [
    (OWNER, OWNER, set(), False, "cannot have the owner role"),
    (ADMIN, ADMIN, {P.BILLING_MANAGE}, False, "Your role, admin, does not have billing:manage"),
    (ADMIN, ADMIN, {P.OWNERS_MANAGE, P.AUDIT_READ}, False, "does not have owners:manage"),
    (DEVELOPER, ADMIN, set(), False, "cannot have the admin role here"),
    (OWNER, ADMIN, {P.MEMBERS_MANAGE}, True, "API keys never hold members:manage"),
    (OWNER, VIEWER, {P.RUNS_TRIGGER}, True, "the viewer role cannot hold runs:trigger"),
]


@pytest.mark.parametrize(("creator", "role", "scopes", "invalid", "says"), KEY_REQUESTS)
def test_a_key_can_only_narrow_its_creators_rights(
    creator: Role, role: Role, scopes: set[Permission], invalid: bool, says: str
) -> None:
    refusal = policy.refuse_key(creator, role, frozenset(scopes))
    assert refusal is not None and refusal.invalid is invalid
    assert says in refusal.detail


def test_a_key_within_its_creators_rights_is_accepted() -> None:
    for creator in (ADMIN, OWNER):
        for role in policy.KEY_ROLES:
            assert policy.refuse_key(creator, role, policy.key_permissions(role)) is None
    assert policy.refuse_key(ADMIN, DEVELOPER, frozenset({P.RUNS_TRIGGER})) is None


def test_stored_scopes_no_longer_known_grant_nothing() -> None:
    assert policy.known(["runs:read", "runs:delete", ""]) == {P.RUNS_READ}
    assert policy.ordered({P.RUNS_READ, P.TENANT_READ}) == [P.TENANT_READ, P.RUNS_READ]


def test_only_owners_are_sent_to_for_what_only_owners_hold() -> None:
    denial = policy.check(Subject.person(ADMIN), P.BILLING_MANAGE)
    assert denial is not None and denial.fix.startswith("Ask an owner of the tenant")
    denial = policy.check(Subject.person(VIEWER), P.AUDIT_READ)
    assert denial is not None and denial.fix.startswith("Ask an owner or admin")
