"""Reading and writing the pipeline's artefacts (JSON files and the suite directory).

Every stage reads the previous stage's artefact through here, so a missing, malformed or
mismatched file always fails the same way: which file, what is wrong, how to get a good one.
"""

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from testforge.domain.errors import ArtefactError
from testforge.domain.suite import LocatorRegistry, Suite, SuiteFile

APP_MODEL = "app-model.json"
PLAN = "plan.json"
SUITE_DIR = "suite"
SUITE_META = "suite.json"
REGISTRY = "locators.json"
RESULTS = "report.json"

M = TypeVar("M", bound=BaseModel)
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
        raise ArtefactError(f"{path} does not exist", fix=fix)
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ArtefactError(
            f"{path} is not a valid {model.__name__} ({exc.error_count()} problem(s): {problems})",
            fix=fix,
        ) from exc


def write_model(path: Path, model: BaseModel) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(model.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half an artefact behind
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
        raise ArtefactError(f"{directory} is not a TestForge suite (no {SUITE_META})", fix=fix)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        paths = [entry["path"] for entry in meta.pop("files")]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ArtefactError(f"{meta_path} is malformed: {exc}", fix=fix) from exc
    files = []
    for relative in paths:
        file = directory / relative
        if not file.is_file():
            raise ArtefactError(f"{file} is listed in {SUITE_META} but missing", fix=fix)
        files.append(SuiteFile(path=relative, content=file.read_text(encoding="utf-8")))
    registry = read_model(directory / REGISTRY, LocatorRegistry)
    try:
        return Suite.model_validate({**meta, "files": files, "registry": registry})
    except ValidationError as exc:
        raise ArtefactError(
            f"{meta_path} is not a valid suite description: {exc}", fix=fix
        ) from exc
