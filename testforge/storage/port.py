"""The ArtifactStore port and the operations every store shares (folders, models, retries).

Keys are `/`-separated relative paths (`runs/<ns>/<run>/report/report.html`). An upload that
fails is retried with backoff; a folder upload keeps every file that made it and names the rest,
so a full disk or a broken connection loses the least possible.
"""

from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from testforge.domain.errors import TestForgeError

M = TypeVar("M", bound=BaseModel)
ATTEMPTS = 4


class StoreError(TestForgeError):
    """The store refused or lost an object; `missing` names what could not be stored."""

    def __init__(self, problem: str, fix: str | None = None, missing: Iterable[str] = ()) -> None:
        super().__init__(problem, fix)
        self.missing = tuple(missing)


class ArtifactStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def keys(self, prefix: str) -> list[str]: ...


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts:
        raise StoreError(f"invalid artifact key {key!r}", fix="use a relative path without '..'")
    return key


def _retrying(attempts: int, wait_s: float) -> Retrying:
    return Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=wait_s, max=10 * wait_s),
        retry=retry_if_exception_type(OSError),
        reraise=True,
    )


def put_retried(
    store: ArtifactStore, key: str, data: bytes, attempts: int = ATTEMPTS, wait_s: float = 0.5
) -> None:
    try:
        for attempt in _retrying(attempts, wait_s):
            with attempt:
                store.put(key, data)
    except OSError as exc:
        raise StoreError(
            f"could not store {key} after {attempts} attempts: {exc}",
            fix="check the artifact store's free space and connectivity",
            missing=[key],
        ) from exc


def put_model(store: ArtifactStore, key: str, model: BaseModel) -> str:
    put_retried(store, key, model.model_dump_json(indent=2).encode())
    return key


def get_model(store: ArtifactStore, key: str, model: type[M]) -> M:
    try:
        return model.model_validate_json(store.get(key))
    except (OSError, KeyError) as exc:
        raise StoreError(f"{key} is not in the artifact store: {exc}") from exc
    except ValidationError as exc:
        raise StoreError(f"{key} is not a valid {model.__name__}: {exc}") from exc


def upload_dir(
    store: ArtifactStore, directory: Path, prefix: str, wait_s: float = 0.5
) -> list[str]:
    """Upload every file under `directory`; raise StoreError naming the ones that failed
    after retries, having kept all the others."""
    stored, missing = [], []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(directory).as_posix()}"
        try:
            put_retried(store, key, path.read_bytes(), wait_s=wait_s)
            stored.append(key)
        except StoreError:
            missing.append(key)
    if missing:
        raise StoreError(
            f"{len(missing)} of {len(missing) + len(stored)} files could not be stored under "
            f"{prefix} (kept the other {len(stored)})",
            fix="free space in the artifact store; the run keeps its partial results",
            missing=missing,
        )
    return stored


def download_dir(store: ArtifactStore, prefix: str, directory: Path) -> Path:
    keys = store.keys(prefix)
    if not keys:
        raise StoreError(f"nothing is stored under {prefix}")
    for key in keys:
        target = directory / key[len(prefix) :].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.get(key))
    return directory
