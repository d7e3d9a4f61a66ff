"""Tenant roles, ordered: each role can do everything the roles below it can.

| role   | can                                                                 |
|--------|---------------------------------------------------------------------|
| viewer | read projects, runs, members, share links, billing state            |
| member | + create projects, trigger runs, create share links                 |
| admin  | + manage members below owner, API keys, revoke shares, read audit   |
| owner  | + billing (checkout), grant or remove owner                         |
"""

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank
