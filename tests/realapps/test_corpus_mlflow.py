"""The MLflow entry of the corpus: installs, serves from its seed behind HTTP Basic, and `data()`
tells reading from writing. Starts each version once for the module, plus once more for the
seed test (15-50 s a start on a busy 2-core machine; an install is ~850 MB).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.realapps.corpus.base import DataSnapshot, RunningApp, changed
from tests.realapps.corpus.mlflow import APP

pytestmark = pytest.mark.realapps

# every authenticated request checks the password hash (pbkdf2) on a shared 2-core machine
TIMEOUT = httpx.Timeout(15.0)
EXPERIMENTS = {"Default", "corpus-classifier", "corpus-regression", "corpus-forecasting"}


@pytest.fixture(scope="module", params=APP.versions)
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, DataSnapshot]]:
    """A running version and its data as it was when it started (the seed)."""
    version: str = request.param
    APP.install(version)
    with APP.running(version, tmp_path_factory.mktemp(f"mlflow-{version}")) as app:
        yield app, app.data()


def signed_in(app: RunningApp) -> httpx.Client:
    return httpx.Client(base_url=app.base_url, auth=(app.username, app.password),
                        timeout=TIMEOUT)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, f"{answer.request.url}: {answer.status_code} {answer.text}"
    return answer.json()


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in line:
            found.append(line)
    return found


def test_install_is_cached(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    started = time.monotonic()
    folder = APP.install(app.version)
    assert time.monotonic() - started < 5
    assert (folder / "venv" / "bin" / "mlflow").is_file()
    assert {p.name for p in (folder / "seed").iterdir()} == {"mlflow.db", "basic_auth.db",
                                                            "artifacts"}


def test_the_ui_and_the_api_ask_for_http_basic(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    for path in ("", "api/2.0/mlflow/experiments/search?max_results=10"):
        answer = httpx.get(app.base_url + path, timeout=TIMEOUT)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].lower().startswith("basic")


def test_sign_in_with_http_basic(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    with signed_in(app) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert '<div id="root"' in page.text  # the React app's mount point
        found = ok(http.get("/api/2.0/mlflow/experiments/search", params={"max_results": 100}))
        assert {e["name"] for e in found["experiments"]} == EXPERIMENTS
        me = ok(http.get("/api/2.0/mlflow/users/get", params={"username": app.username}))
        assert me["user"]["is_admin"] is True


def test_a_wrong_password_is_refused(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    with httpx.Client(base_url=app.base_url, auth=(app.username, "not-the-password"),
                      timeout=TIMEOUT) as http:
        assert http.get("/").status_code == 401
        assert http.get("/api/2.0/mlflow/experiments/search",
                        params={"max_results": 10}).status_code == 401


def test_reading_is_stable_and_browsing_changes_nothing(
        served: tuple[RunningApp, DataSnapshot]) -> None:
    """The reads that the UI makes on the experiment, run, artifact and model pages."""
    app, _ = served
    before = app.data()
    assert app.data() == before
    with signed_in(app) as http:
        assert http.get("/").status_code == 200
        experiments = ok(http.get("/ajax-api/2.0/mlflow/experiments/search",
                                  params={"max_results": 25}))["experiments"]
        ids = [e["experiment_id"] for e in experiments]
        for experiment_id in ids:
            ok(http.get("/ajax-api/2.0/mlflow/experiments/get",
                        params={"experiment_id": experiment_id}))
        runs = ok(http.post("/ajax-api/2.0/mlflow/runs/search",
                            json={"experiment_ids": ids, "max_results": 100}))["runs"]
        assert len(runs) == 7
        ok(http.post("/ajax-api/2.0/mlflow/experiments/search-datasets",
                     json={"experiment_ids": ids}))
        for run in runs:
            run_id = run["info"]["run_id"]
            ok(http.get("/ajax-api/2.0/mlflow/runs/get", params={"run_id": run_id}))
            ok(http.get("/ajax-api/2.0/mlflow/artifacts/list", params={"run_id": run_id}))
            for metric in run["data"]["metrics"]:
                ok(http.get("/ajax-api/2.0/mlflow/metrics/get-history",
                            params={"run_id": run_id, "metric_key": metric["key"]}))
            artifact = http.get("/get-artifact", params={"path": "config.json",
                                                         "run_uuid": run_id})
            assert artifact.status_code == 200 and b'"params"' in artifact.content
        models = ok(http.get("/ajax-api/2.0/mlflow/registered-models/search",
                             params={"max_results": 25}))["registered_models"]
        assert [m["name"] for m in models] == ["corpus-classifier"]
        ok(http.get("/ajax-api/2.0/mlflow/registered-models/get",
                    params={"name": "corpus-classifier"}))
        versions = ok(http.get("/ajax-api/2.0/mlflow/model-versions/search",
                               params={"filter": "name='corpus-classifier'"}))["model_versions"]
        assert sorted(v["version"] for v in versions) == ["1", "2"]
        for version in versions:
            ok(http.get("/ajax-api/2.0/mlflow/model-versions/get",
                        params={"name": "corpus-classifier", "version": version["version"]}))
    assert changed(before, app.data()) == []


def test_writes_through_the_api_change_data(served: tuple[RunningApp, DataSnapshot]) -> None:
    app, _ = served
    before = app.data()
    with signed_in(app) as http:
        created = ok(http.post("/ajax-api/2.0/mlflow/experiments/create",
                               json={"name": f"created-{app.version}"}))
        after_create = app.data()
        assert "mlflow.db:table:experiments" in changed(before, after_create)
        run = ok(http.post("/ajax-api/2.0/mlflow/runs/search",
                           json={"experiment_ids": ["1"], "max_results": 1}))["runs"][0]
        run_id = run["info"]["run_id"]
        ok(http.post("/ajax-api/2.0/mlflow/runs/set-tag",
                     json={"run_id": run_id, "key": "reviewed", "value": "yes"}))
        after_tag = app.data()
        assert changed(after_create, after_tag) == ["mlflow.db:table:tags"]
        upload = http.put(
            f"/api/2.0/mlflow-artifacts/artifacts/1/{run_id}/artifacts/notes/review.txt",
            content=b"looks good\n")
        assert upload.status_code == 200, upload.text
        assert changed(after_tag, app.data()) == ["files:artifacts"]
        assert created["experiment_id"]


def test_every_run_starts_from_the_seed_and_leaves_nothing_running(
        served: tuple[RunningApp, DataSnapshot], tmp_path: Path) -> None:
    app, seed = served
    with signed_in(app) as http:  # make sure the first run's data is no longer the seed
        ok(http.post("/ajax-api/2.0/mlflow/experiments/create", json={"name": "not-in-the-seed"}))
    assert app.data() != seed
    with APP.running(app.version, tmp_path) as again:
        assert again.data() == seed
        assert processes_mentioning(str(tmp_path))  # the test below would prove nothing otherwise
        url = again.base_url
    assert processes_mentioning(str(tmp_path)) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
