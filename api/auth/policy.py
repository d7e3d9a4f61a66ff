"""Who may do what in a tenant: the API's one authorization policy (docs/api.md,
"Authorization"). Pure rules, no FastAPI and no database: api.services.access gathers the facts
(a person's role; a key's role, scopes, projects and its creator's current role), asks `check`,
and turns a `Denial` into a 403 problem. Each route names the permission it needs
(`api.deps.require`), and tests/api/security/test_policy.py holds every route to it.

- Permissions are `resource:action`; the system roles nest (viewer < developer < admin <
  owner), each holding everything the role below it holds.
- Some permissions need a person (`PERSON_ONLY`): no API key ever holds them, so a leaked CI
  key cannot add people, mint keys, open private networks, change the MFA policy or buy a plan.
- An API key holds its scopes, intersected with its own role's permissions and with its
  creator's *current* role's permissions, less the person-only ones: it can only narrow what
  its creator may do, and narrows further when they are demoted.
- A key may also be limited to named projects: it then sees, and acts on, only those
  (`Subject.sees_project`); the services filter lists and answer 404 for the others.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from api.auth.roles import Role


class Permission(StrEnum):
    TENANT_READ = "tenant:read"
    TENANT_UPDATE = "tenant:update"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"  # add, change the role of, remove; below owner
    OWNERS_MANAGE = "owners:manage"  # grant, change or remove the owner role
    API_KEYS_READ = "api_keys:read"
    API_KEYS_MANAGE = "api_keys:manage"
    PROJECTS_READ = "projects:read"
    PROJECTS_CREATE = "projects:create"
    RUNS_READ = "runs:read"
    RUNS_TRIGGER = "runs:trigger"
    SHARES_READ = "shares:read"
    SHARES_CREATE = "shares:create"
    SHARES_REVOKE = "shares:revoke"
    BILLING_READ = "billing:read"
    BILLING_MANAGE = "billing:manage"
    AUDIT_READ = "audit:read"
    EGRESS_READ = "egress:read"
    EGRESS_MANAGE = "egress:manage"
    MFA_POLICY_MANAGE = "mfa_policy:manage"


P = Permission
_VIEWER = frozenset(
    {
        P.TENANT_READ,
        P.MEMBERS_READ,
        P.PROJECTS_READ,
        P.RUNS_READ,
        P.SHARES_READ,
        P.BILLING_READ,
        P.EGRESS_READ,
    }
)
_DEVELOPER = _VIEWER | {P.PROJECTS_CREATE, P.RUNS_TRIGGER, P.SHARES_CREATE}
_ADMIN = _DEVELOPER | {
    P.TENANT_UPDATE,
    P.MEMBERS_MANAGE,
    P.API_KEYS_READ,
    P.API_KEYS_MANAGE,
    P.SHARES_REVOKE,
    P.AUDIT_READ,
    P.EGRESS_MANAGE,
}
# What owners alone may do: make and unmake owners, buy a plan, require a second factor.
_OWNER = _ADMIN | {P.OWNERS_MANAGE, P.BILLING_MANAGE, P.MFA_POLICY_MANAGE}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {Role.VIEWER: _VIEWER, Role.DEVELOPER: _DEVELOPER, Role.ADMIN: _ADMIN, Role.OWNER: _OWNER}
)
ROLES_ASCENDING: tuple[Role, ...] = (Role.VIEWER, Role.DEVELOPER, Role.ADMIN, Role.OWNER)

# Never held by an API key, whatever its role or scopes.
PERSON_ONLY: frozenset[Permission] = frozenset(
    {
        P.MEMBERS_MANAGE,
        P.OWNERS_MANAGE,
        P.API_KEYS_MANAGE,
        P.EGRESS_MANAGE,
        P.MFA_POLICY_MANAGE,
        P.BILLING_MANAGE,
    }
)
KEY_ROLES: tuple[Role, ...] = (Role.VIEWER, Role.DEVELOPER, Role.ADMIN)  # never owner


def key_permissions(role: Role) -> frozenset[Permission]:
    """All a key of `role` can hold: its scopes when none are asked for."""
    return ROLE_PERMISSIONS[role] - PERSON_ONLY


def roles_with(permission: Permission) -> tuple[Role, ...]:
    return tuple(r for r in ROLES_ASCENDING if permission in ROLE_PERMISSIONS[r])


def lower(a: Role, b: Role) -> Role:
    return min(a, b, key=ROLES_ASCENDING.index)


def known(names: Iterable[str]) -> frozenset[Permission]:
    """Stored scope names as permissions; a name no longer known grants nothing."""
    values = {p.value for p in Permission}
    return frozenset(Permission(n) for n in names if n in values)


def ordered(permissions: Iterable[Permission]) -> list[Permission]:
    """In declaration order, for answers and storage that read the same every time."""
    held = set(permissions)
    return [p for p in Permission if p in held]


@dataclass(frozen=True)
class KeyLimits:
    """What narrows an API key: its own role and scopes, its creator's current role, and the
    projects it is limited to (None: every project)."""

    role: Role
    scopes: frozenset[Permission]
    creator_role: Role
    projects: frozenset[str] | None = None


@dataclass(frozen=True)
class Subject:
    """Whoever acts in a tenant: a person with their membership's role, or an API key."""

    role: Role  # a key's: the lower of its own and its creator's
    key: KeyLimits | None = None

    @classmethod
    def person(cls, role: Role) -> "Subject":
        return cls(role)

    @classmethod
    def api_key(
        cls,
        role: Role,
        scopes: Iterable[Permission],
        creator_role: Role,
        projects: Iterable[str] | None = None,
    ) -> "Subject":
        limits = KeyLimits(
            role, frozenset(scopes), creator_role, None if projects is None else frozenset(projects)
        )
        return cls(lower(role, creator_role), limits)

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.key is None:
            return ROLE_PERMISSIONS[self.role]
        return (
            self.key.scopes
            & key_permissions(self.key.role)
            & ROLE_PERMISSIONS[self.key.creator_role]
        )

    @property
    def projects(self) -> frozenset[str] | None:
        """The projects this subject is limited to; None: all of the tenant's."""
        return self.key.projects if self.key is not None else None

    def sees_project(self, name: str) -> bool:
        return self.projects is None or name in self.projects


class Reason(StrEnum):
    ROLE = "role"  # a person's role lacks it
    PERSON_ONLY = "person-only"  # keys never hold it
    CREATOR = "creator"  # the key's creator's current role lacks it
    KEY_ROLE = "key-role"  # the key's own role lacks it
    SCOPES = "scopes"  # the key's scopes leave it out


@dataclass(frozen=True)
class Denial:
    """Why `permission` is refused, what to tell the caller and how they can get it."""

    permission: Permission
    reason: Reason
    detail: str
    fix: str


def check(subject: Subject, permission: Permission, tenant: str = "") -> Denial | None:
    """None if `subject` may do `permission` (in `tenant`, named in the messages), else why
    not. Resource-level limits (`sees_project`) are the services' to apply to what they read."""
    if permission in subject.permissions:
        return None
    need = f"This needs the {permission} permission" + (f" in {tenant!r}" if tenant else "")
    holders = ", ".join(roles_with(permission))
    key = subject.key
    if key is None:
        # Admins grant roles up to admin; only an owner makes owners.
        granters = "an owner" if roles_with(permission) == (Role.OWNER,) else "an owner or admin"
        return Denial(
            permission,
            Reason.ROLE,
            f"{need}; your role, {subject.role}, does not have it.",
            f"Ask {granters} of the tenant for a role that has it ({holders}).",
        )
    if permission in PERSON_ONLY:
        return Denial(
            permission,
            Reason.PERSON_ONLY,
            f"API keys cannot use {permission}: it needs a person signed in.",
            "Sign in at /auth/login and do it from a browser session.",
        )
    keys_url = f"POST /v1/tenants/{tenant or '{tenant}'}/api-keys"
    if permission not in ROLE_PERMISSIONS[key.creator_role]:
        return Denial(
            permission,
            Reason.CREATOR,
            f"{need}; this API key acts for its creator, whose current role, "
            f"{key.creator_role}, does not have it (a key never exceeds its creator's rights).",
            f"Ask an owner or admin to give the key's creator a role that has it ({holders}), "
            "or use a key created by someone who has it.",
        )
    if permission not in ROLE_PERMISSIONS[key.role]:
        return Denial(
            permission,
            Reason.KEY_ROLE,
            f"{need}; this API key has the {key.role} role, which does not have it.",
            f"Have an admin create a key with a role that has it ({keys_url}) and revoke "
            "this one.",
        )
    return Denial(
        permission,
        Reason.SCOPES,
        f"{need}; this API key's scopes leave it out.",
        f"Have an admin create a key whose scopes include {permission} ({keys_url}) and "
        "revoke this one.",
    )


@dataclass(frozen=True)
class KeyRefusal:
    """Why a person may not create the key they asked for. `invalid`: no one could (422);
    otherwise it asks for more than its creator holds (403)."""

    detail: str
    fix: str
    invalid: bool = False


def refuse_key(creator: Role, role: Role, scopes: frozenset[Permission]) -> KeyRefusal | None:
    """None if a person of role `creator` may create a key of `role` with `scopes`."""
    if role not in KEY_ROLES:
        return KeyRefusal(
            f"An API key cannot have the {role} role.",
            "Choose viewer, developer or admin, and no more than your own role.",
        )
    if not key_permissions(role) <= ROLE_PERMISSIONS[creator]:
        return KeyRefusal(
            f"An API key cannot have the {role} role here: yours is {creator}.",
            "Choose a role no higher than your own.",
        )
    if beyond := scopes - ROLE_PERMISSIONS[creator]:
        return KeyRefusal(
            f"Your role, {creator}, does not have {_listed(beyond)}: a key can only narrow "
            "its creator's rights.",
            "Leave those scopes out, or ask an owner for a role that has them.",
        )
    if person_only := scopes & PERSON_ONLY:
        return KeyRefusal(
            f"API keys never hold {_listed(person_only)}: it needs a person signed in.",
            "Leave those scopes out; do that signed in instead.",
            invalid=True,
        )
    if beyond_role := scopes - ROLE_PERMISSIONS[role]:
        return KeyRefusal(
            f"A key with the {role} role cannot hold {_listed(beyond_role)}.",
            "Give the key a role that has them, or leave them out.",
            invalid=True,
        )
    return None


def _listed(permissions: Iterable[Permission]) -> str:
    return ", ".join(ordered(permissions))
