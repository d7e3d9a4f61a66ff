"""Reading and writing the pipeline's artifacts (JSON files and the suite directory).

Every stage reads the previous stage's artifact through here, so a missing, malformed or
mismatched file always fails the same way: which file, what is wrong, how to get a good one.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from testforge.domain.errors import ArtifactError
from testforge.domain.review import ReviewRequest
from testforge.domain.suite import LocatorRegistry, Suite, SuiteFile

APP_MODEL = "app-model.json"
PLAN = "plan.json"
SUITE_DIR = "suite"
SUITE_META = "suite.json"
REGISTRY = "locators.json"
RESULTS = "report.json"

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=ReviewRequest)
_PRODUCERS = {
    "AppModel": "testforge discover URL --out DIR",
    "TestPlan": "testforge design DIR/app-model.json --out DIR",
    "RunResult": "testforge execute DIR/suite --out DIR",
    "Suite": "testforge generate DIR/plan.json --out DIR",
    "LocatorRegistry": "testforge generate DIR/plan.json --out DIR",
}


def read_model(path: Path, model: type[M]) -> M:
    fix = f"produce it with `{_PRODUCERS.get(model.__name__, 'the previous stage')}`"
    if not path.is_file():
        raise ArtifactError(f"{path} does not exist", fix=fix)
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ArtifactError(
            f"{path} is not a valid {model.__name__} ({exc.error_count()} problem(s): {problems})",
            fix=fix,
        ) from exc


def write_model(path: Path, model: BaseModel) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(model.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half an artifact behind
    return path


def write_suite(suite: Suite, directory: Path) -> Path:
    for file in suite.files:
        target = directory / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")
    write_model(directory / REGISTRY, suite.registry)
    meta = suite.model_dump(mode="json", exclude={"files", "registry"})
    meta["files"] = [{"path": f.path} for f in suite.files]
    (directory / SUITE_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return directory


def read_suite(directory: Path) -> Suite:
    meta_path = directory / SUITE_META
    fix = f"produce it with `{_PRODUCERS['Suite']}`"
    if not meta_path.is_file():
        raise ArtifactError(f"{directory} is not a TestForge suite (no {SUITE_META})", fix=fix)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        paths = [entry["path"] for entry in meta.pop("files")]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{meta_path} is malformed: {exc}", fix=fix) from exc
    files = []
    for relative in paths:
        file = directory / relative
        if not file.is_file():
            raise ArtifactError(f"{file} is listed in {SUITE_META} but missing", fix=fix)
        files.append(SuiteFile(path=relative, content=file.read_text(encoding="utf-8")))
    registry = read_model(directory / REGISTRY, LocatorRegistry)
    try:
        return Suite.model_validate({**meta, "files": files, "registry": registry})
    except ValidationError as exc:
        raise ArtifactError(
            f"{meta_path} is not a valid suite description: {exc}", fix=fix
        ) from exc


@dataclass(frozen=True)
class ReviewQueue(Generic[R]):
    """Requests awaiting a person's decision, one JSON file each in a folder of the suite
    (`SUITE/<folder>/<id>.json`)."""

    folder: str
    model: type[R]
    noun: str  # what one request is called in messages
    listing: str  # the command that lists them

    def path(self, suite_dir: Path, request: R) -> Path:
        return suite_dir / self.folder / f"{request.id}.json"

    def load(self, suite_dir: Path) -> list[R]:
        folder = suite_dir / self.folder
        if not folder.is_dir():
            return []
        return sorted(
            (read_model(path, self.model) for path in folder.glob("*.json")),
            key=lambda r: (r.created_at, r.id),
        )

    def write(self, suite_dir: Path, request: R) -> R:
        write_model(self.path(suite_dir, request), request)
        return request

    def save(self, suite_dir: Path, requests: Iterable[R]) -> list[R]:
        """Store new requests; one seen before keeps its decision and gains the new tests."""
        existing = {r.id: r for r in self.load(suite_dir)}
        saved = []
        for request in requests:
            old = existing.get(request.id)
            kept = (
                request
                if old is None
                else old.model_copy(update={"tests": sorted({*old.tests, *request.tests})})
            )
            saved.append(self.write(suite_dir, kept))
        return saved

    def find(self, suite_dir: Path, rid: str) -> R:
        """The request whose id is `rid` or starts with it."""
        requests = self.load(suite_dir)
        matches = [r for r in requests if r.id == rid or r.id.startswith(rid)]
        if len(matches) != 1:
            known = ", ".join(r.id for r in requests) or "none"
            raise ArtifactError(
                f"{'no' if not matches else 'more than one'} {self.noun} matches {rid!r} in "
                f"{suite_dir / self.folder} (known: {known})",
                fix=f"list them with `{self.listing}` and use a full id",
            )
        return matches[0]
