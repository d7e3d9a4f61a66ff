"""Tenant roles: the names memberships and API keys store. What each role may do is not here
but in the policy (api.auth.policy, `ROLE_PERMISSIONS`), the one place that decides access.

`developer` was called `member` until migration 0005; the API still reads `member` as an
input alias (`canonical`) and always answers `developer`.
"""

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    DEVELOPER = "developer"
    ADMIN = "admin"
    OWNER = "owner"


# Old names still accepted in requests, so scripts written against them keep working.
LEGACY_NAMES: dict[str, Role] = {"member": Role.DEVELOPER}


def canonical(value: object) -> object:
    """A role as sent, with a legacy name replaced by its current one (a pydantic
    BeforeValidator: anything else is left for the enum to validate)."""
    if isinstance(value, str) and value in LEGACY_NAMES:
        return LEGACY_NAMES[value]
    return value
