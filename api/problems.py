"""RFC 9457 problem documents: the one JSON shape of every error the API answers, for
`ApiError`s, FastAPI's validation errors, unknown routes and unexpected crashes:

    {"type": "urn:testforge:problem:quota-exceeded", "title": "...", "status": 402,
     "detail": "what was wrong", "instance": "/v1/...", "fix": "how to fix it",
     "errors": [{"where": "body.git_sha", "problem": "..."}]}
"""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ApiError

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
MAX_ERRORS, MAX_WHERE, MAX_PROBLEM = 20, 200, 300

# What any operation may answer besides its own successes: malformed or invalid requests,
# missing or insufficient credentials, an absent resource (or tenant), the edge's body limit,
# rate limits, crashes, dependencies away, deadlines.
COMMON_PROBLEMS = {
    400: "The request is malformed",
    401: "No valid credentials",
    403: "Not allowed",
    404: "Not found (including tenants the caller does not belong to)",
    405: "Method not allowed",
    413: "The body is too large",
    422: "The request is not valid",
    429: "A rate limit or lockout: see Retry-After",
    500: "Internal error",
    503: "A dependency is unavailable",
    504: "The request took too long",
}


class ProblemField(BaseModel):
    where: str
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error is answered."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:testforge:problem:not-found"])
    title: str
    status: int
    detail: str = Field(description="What was wrong")
    instance: str = Field(description="The path that answered")
    fix: str | None = Field(default=None, description="How to fix it")
    request_id: str | None = Field(default=None, description="Quote it when reporting")
    errors: list[ProblemField] | None = Field(
        default=None, description="Per-field problems of an invalid request"
    )


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    fix: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:testforge:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if fix:
        body["fix"] = fix
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id is not None:
        body["request_id"] = request_id  # what to quote when reporting the problem
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _where(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return problem_response(
            exc.status,
            exc.slug,
            exc.title,
            exc.problem,
            request.url.path,
            exc.fix,
            exc.headers,
            **exc.extra,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        found = exc.errors()
        # A body of thousands of unknown fields must not echo back thousands of errors.
        errors = [
            {
                "where": _where(error.get("loc", ()))[:MAX_WHERE],
                "problem": str(error.get("msg", "invalid"))[:MAX_PROBLEM],
            }
            for error in found[:MAX_ERRORS]
        ]
        listed = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        more = f" (and {len(found) - len(errors)} more)" if len(found) > len(errors) else ""
        return problem_response(
            422,
            "invalid-request",
            "The request is not valid",
            f"{len(found)} invalid field(s): {listed}{more}",
            request.url.path,
            "Correct the fields listed in `errors` (see /docs for the schema) and send it again.",
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        fixes = {
            404: "Check the path against /docs.",
            405: "Check the method against /docs.",
        }
        return problem_response(
            exc.status_code,
            "http-" + str(exc.status_code),
            str(exc.detail),
            f"{request.method} {request.url.path}: {exc.detail}",
            request.url.path,
            fixes.get(exc.status_code),
            dict(exc.headers or {}),
        )

    def on_crash(request: Request, exc: Exception) -> JSONResponse:
        # Only what escapes api.middleware.RequestContext (which answers crashes itself)
        # lands here. A plain function, so Starlette runs it in its thread pool.
        log_crash(request.method, request.url.path, exc)
        return crash_response(request.url.path)

    app.openapi = lambda: _openapi_with_problems(app)  # type: ignore[method-assign]
    app.add_exception_handler(ApiError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


def log_crash(method: str, path: str, exc: Exception) -> None:
    """One JSON record with a plain traceback: the details go to the log only (a stack trace
    may hold secrets or tenant data), never the frames' locals. Formatting a traceback takes
    a while: call it off the event loop, or every other request waits."""
    log.error(
        "request.crashed",
        path=path,
        method=method,
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def crash_response(path: str, **extra: Any) -> JSONResponse:
    return problem_response(
        500,
        "internal",
        "Internal error",
        "The server failed to handle the request.",
        path,
        "Try again; if it persists, report it with the time of the request.",
        **extra,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can also answer these problems (402, 409, 410, ...)."""
    return {
        status: {"description": "A problem", "content": _problem_content()} for status in statuses
    }


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answered as the problem+json it really is: the
    common problems on every operation, FastAPI's own 422 schema replaced."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_PROBLEMS.items():
                if str(status) not in responses or status == 422:
                    responses[str(status)] = {
                        "description": description,
                        "content": _problem_content(),
                    }
    app.openapi_schema = document
    return document
