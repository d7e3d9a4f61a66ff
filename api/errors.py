"""The API's error family: services raise `ApiError` subclasses (what was wrong, how to fix
it, which HTTP status), and adapters translate their foreign errors into them at the boundary.
No web framework here, so services stay free of FastAPI; `api.problems` renders them.
"""

from typing import Any, ClassVar

from testforge.domain.errors import TestForgeError


class ApiError(TestForgeError):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        problem: str,
        fix: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        forged: bool = False,
    ) -> None:
        super().__init__(problem, fix)
        self.headers = headers or {}
        self.extra = extra or {}
        # A credential that was never ours (a guessed key, a bad signature), unlike an expired
        # or revoked one: these count towards the sender's lockout (api.services.abuse).
        self.forged = forged


class BadRequestError(ApiError):
    pass


class UnauthorizedError(ApiError):
    status, slug, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, problem: str, fix: str | None = None, *, forged: bool = False) -> None:
        super().__init__(
            problem, fix, headers={"WWW-Authenticate": 'Bearer realm="testforge"'}, forged=forged
        )


class ForbiddenError(ApiError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFoundError(ApiError):
    status, slug, title = 404, "not-found", "Not found"


class ConflictError(ApiError):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidRequestError(ApiError):
    """A well-formed request the rules refuse for what it asks, whoever asks (422)."""

    status, slug, title = 422, "invalid-request", "The request is not valid"


class QuotaExceededError(ApiError):
    status, slug, title = 402, "quota-exceeded", "Plan quota reached"


class TooManyRequestsError(ApiError):
    status, slug, title = 429, "too-many-requests", "Limit reached, try again later"


class UpstreamUnavailableError(ApiError):
    """A dependency (the Kubernetes API, Stripe, the identity provider) failed or is away."""

    status, slug, title = 503, "upstream-unavailable", "A dependency is unavailable"


class EgressRefusedError(ApiError):
    """A project or run URL the tenant's egress policy refuses, or one that cannot be vetted
    (its host does not resolve)."""

    status, slug, title = 422, "egress-refused", "The URL is not allowed for sandboxes"
