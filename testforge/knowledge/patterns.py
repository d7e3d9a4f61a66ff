"""HealingPattern: how an element changed, as anonymous structural tokens with evidence counts."""

import hashlib
from datetime import datetime

from pydantic import Field

from testforge.domain.base import DomainModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.signature import change_signature
from testforge.knowledge.anonymise import structural_tokens


class HealingPattern(DomainModel):
    id: str
    tokens: list[str]
    approved: int = 0
    rejected: int = 0
    tenants: list[str] = Field(default_factory=list)
    updated_at: datetime

    @property
    def success_count(self) -> int:
        return self.approved

    @property
    def tenant_count(self) -> int:
        return len(self.tenants)

    @property
    def confidence(self) -> float:
        """Laplace-smoothed share of approvals: one approval alone is 0.67, not certainty."""
        return (self.approved + 1) / (self.approved + self.rejected + 2)


def pattern_tokens(old: ElementFingerprint, new: ElementFingerprint) -> list[str]:
    """The anonymous description of `old` becoming `new` (what the element was, how it moved)."""
    tokens = change_signature(old, new).tokens()
    tokens += [f"from:{old.tag.lower()}", f"to:{new.tag.lower()}"]
    if new.role:
        tokens.append(f"role:{new.role.lower()}")
    return structural_tokens(tokens)


def pattern_id(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(sorted(tokens)).encode()).hexdigest()[:32]


def tenant_hash(tenant: str) -> str:
    """Tenants are counted, never named: a salted one-way hash."""
    return hashlib.sha256(f"testforge-tenant:{tenant}".encode()).hexdigest()[:16]
