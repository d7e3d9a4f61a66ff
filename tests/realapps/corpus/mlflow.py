"""MLflow's tracking server with its basic-auth app (a React single-page app behind HTTP Basic).

Installed with `pip install 'mlflow[auth]==VERSION'` into a virtualenv per version (2.22.5 also
needs `sqlalchemy<2.1`). Served by `mlflow server --app-name basic-auth --workers 1` with a
SQLite backend store (`mlflow.db`), the auth app's own SQLite database (`basic_auth.db`, written
by `basic_auth.ini`, which names the admin) and proxied artifacts in the folder `artifacts/`
(experiments record `mlflow-artifacts:/...` locations, so the seed can be copied anywhere).
Telemetry is turned off (MLFLOW_DISABLE_TELEMETRY, DO_NOT_TRACK): there is no network. In 3.x
the job runner is turned off too (MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false): it would start
eight huey consumers and periodic tasks that poll the database (online scoring of traces, trace
archival), so the GenAI judges/online-scoring features that need it are not available.

The seed, made once per version through the MLflow client against a temporary server with the
admin's credentials: three experiments (corpus-classifier, corpus-regression,
corpus-forecasting) with descriptions and tags, seven runs with params, metrics over several
steps and tags, a text and a JSON artifact per run, and a registered model `corpus-classifier`
with two versions (from runs of corpus-classifier), an alias `champion` and a tag.

`data()` is one digest per table of `mlflow.db` and of `basic_auth.db` (keys prefixed with the
file name: both have an `alembic_version`), rows sorted, and one digest of the `artifacts/`
tree. Nothing is left out: HTTP Basic has no sessions and the auth app keeps no sign-in
bookkeeping (no last-login column, no login counter), and reading pages or the API writes
nothing (checked by browsing the UI in both versions).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.realapps.corpus.base import (
    AuthKind,
    CorpusError,
    DataSnapshot,
    RealApp,
    RunningApp,
    UiKind,
    free_port,
    fresh_copy,
    run,
    serving,
    sqlite_snapshot,
    tree_snapshot,
    venv,
)

SEED_REVISION = "mlflow-seed-4"
# The auth app checks the password on every request, a page's forty script chunks included; its
# default hash (scrypt, N=32768) makes one page load cost tens of seconds of CPU on a 2-core
# machine, so the seed stores the admin's password with a cheap pbkdf2 instead (as test
# environments lower bcrypt rounds). Same password, same checks; only the cost changes.
CHEAP_HASH = """
import sqlite3, sys
from werkzeug.security import generate_password_hash
db, user, password = sys.argv[1:]
with sqlite3.connect(db) as conn:
    conn.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                 (generate_password_hash(password, method="pbkdf2:sha256:1000"), user))
"""  # change it to have the seeds made again
SECRET_KEY = "corpus-mlflow-flask-secret"

SEED_SCRIPT = r'''
"""Seeds an MLflow server: run with the server's own virtualenv, MLFLOW_TRACKING_* set."""
import json
from mlflow import MlflowClient

client = MlflowClient()
EXPERIMENTS = {
    "corpus-classifier": (
        "Image classifier trials on the corpus data set.",
        {"team": "vision", "project": "corpus"},
        [
            ("baseline-logreg", {"model": "logreg", "C": "1.0", "epochs": "3"},
             {"accuracy": [0.81, 0.84, 0.86], "loss": [0.52, 0.41, 0.37]}, {"stage": "baseline"}),
            ("cnn-small", {"model": "cnn", "layers": "4", "lr": "0.01", "epochs": "3"},
             {"accuracy": [0.85, 0.89, 0.91], "loss": [0.44, 0.30, 0.24]}, {"stage": "candidate"}),
            ("cnn-large", {"model": "cnn", "layers": "8", "lr": "0.005", "epochs": "3"},
             {"accuracy": [0.86, 0.91, 0.93], "loss": [0.41, 0.26, 0.19]}, {"stage": "candidate"}),
        ],
    ),
    "corpus-regression": (
        "House price regression.",
        {"team": "pricing"},
        [
            ("ridge", {"model": "ridge", "alpha": "0.5"},
             {"rmse": [31.2, 28.4], "r2": [0.71, 0.76]}, {"stage": "baseline"}),
            ("gbm", {"model": "gbm", "trees": "200", "depth": "6"},
             {"rmse": [25.9, 22.1], "r2": [0.80, 0.85]}, {"stage": "candidate"}),
        ],
    ),
    "corpus-forecasting": (
        "Weekly demand forecast.",
        {"team": "supply"},
        [
            ("prophet", {"model": "prophet", "seasonality": "weekly"}, {"mape": [12.5, 11.0, 10.4]},
             {"stage": "baseline"}),
            ("arima", {"model": "arima", "order": "2,1,2"}, {"mape": [14.1, 13.2, 12.9]},
             {"stage": "discarded"}),
        ],
    ),
}
runs = {}
for name, (description, tags, trials) in EXPERIMENTS.items():
    experiment_id = client.create_experiment(name, tags=tags)
    client.set_experiment_tag(experiment_id, "mlflow.note.content", description)
    for run_name, params, metrics, run_tags in trials:
        run = client.create_run(experiment_id, run_name=run_name, tags=run_tags)
        run_id = run.info.run_id
        for key, value in params.items():
            client.log_param(run_id, key, value)
        for key, values in metrics.items():
            for step, value in enumerate(values):
                client.log_metric(run_id, key, value, step=step)
        client.log_text(run_id, f"{run_name}: {json.dumps(params)}\n", "notes/summary.txt")
        client.log_dict(run_id, {"run": run_name, "params": params}, "config.json")
        client.set_terminated(run_id, "FINISHED")
        runs[run_name] = run_id

model = "corpus-classifier"
client.create_registered_model(model, tags={"owner": "vision"},
                               description="The corpus image classifier.")
for run_name in ("cnn-small", "cnn-large"):
    run_id = runs[run_name]
    client.log_text(run_id, "artifact_path: model\nflavors: {}\n", "model/MLmodel")
    source = f"{client.get_run(run_id).info.artifact_uri}/model"
    client.create_model_version(model, source, run_id=run_id,
                                description=f"Trained by {run_name}.")
client.set_registered_model_alias(model, "champion", "2")
print("seeded", len(runs), "runs")
'''


class Mlflow(RealApp):
    name = "mlflow"
    versions = ("2.22.5", "3.17.2")
    page_timeout_s = 60.0  # every request checks the password hash: a page load takes 10-40 s here
    ui = UiKind.SPA
    auth = AuthKind.HTTP_BASIC

    def packages(self, version: str) -> list[str]:
        extra = ["sqlalchemy<2.1"] if version.startswith("2.") else []
        return [f"mlflow[auth]=={version}", *extra]

    def bin(self, version: str) -> Path:
        return self.installed(version) / "venv" / "bin"

    def seed(self, version: str) -> Path:
        return self.installed(version) / "seed"

    def install(self, version: str) -> Path:
        root = self.installed(version)
        root.mkdir(parents=True, exist_ok=True)
        log = root / "install.log"
        venv(root / "venv", self.packages(version), log=log)
        stamp = root / ".seeded"
        if not (stamp.exists() and stamp.read_text() == SEED_REVISION):
            self._make_seed(version, log)
            stamp.write_text(SEED_REVISION)
        return root

    def _make_seed(self, version: str, log: Path) -> None:
        if version != self.versions[0]:
            self._upgrade_seed(version, log)
            return
        seed = self.seed(version)
        shutil.rmtree(seed, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="corpus-mlflow-seed-") as tmp:
            data = Path(tmp) / "data"
            (data / "artifacts").mkdir(parents=True)
            with self._server(version, data, log) as base_url:
                script = Path(tmp) / "seed.py"
                script.write_text(SEED_SCRIPT)
                run([self.bin(version) / "python", script], log=log, env={
                    "MLFLOW_TRACKING_URI": base_url.rstrip("/"),
                    "MLFLOW_TRACKING_USERNAME": self.username,
                    "MLFLOW_TRACKING_PASSWORD": self.password,
                    **_QUIET,
                })
            (data / "basic_auth.ini").unlink()
            run([self.bin(version) / "python", "-c", CHEAP_HASH, str(data / "basic_auth.db"),
                 self.username, self.password], log=log)  # fmt: skip
            partial = seed.with_name("seed.partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(data, partial, symlinks=True)
            partial.rename(seed)

    def _upgrade_seed(self, version: str, log: Path) -> None:
        """The newer version's seed is the older one's data, upgraded as a user upgrades: the
        same experiments, runs and run ids (MLflow's ids are random, so seeding each version
        on its own would make every run's URL differ between the two)."""
        old = self.versions[0]
        self.install(old)
        seed = self.seed(version)
        shutil.rmtree(seed, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="corpus-mlflow-upgrade-") as tmp:
            data = fresh_copy(self.seed(old), Path(tmp) / "data")
            run([self.bin(version) / "mlflow", "db", "upgrade", f"sqlite:///{data / 'mlflow.db'}"],
                log=log, env=_QUIET)  # fmt: skip
            with self._server(version, data, log):
                pass  # its first start upgrades the auth app's own database
            (data / "basic_auth.ini").unlink()
            partial = seed.with_name("seed.partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(data, partial, symlinks=True)
            partial.rename(seed)

    @contextlib.contextmanager
    def _server(self, version: str, data: Path, log: Path) -> Iterator[str]:
        """Serve `data` (mlflow.db, basic_auth.db, artifacts/); yields the start page's URL."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}/"
        ini = data / "basic_auth.ini"
        ini.write_text(
            "[mlflow]\n"
            "default_permission = READ\n"
            f"database_uri = sqlite:///{data / 'basic_auth.db'}\n"
            f"admin_username = {self.username}\n"
            f"admin_password = {self.password}\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        )
        command: list[str | Path] = [
            self.bin(version) / "mlflow", "server", "--app-name", "basic-auth",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--backend-store-uri", f"sqlite:///{data / 'mlflow.db'}",
            "--artifacts-destination", str(data / "artifacts"),
        ]
        env = {"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_FLASK_SERVER_SECRET_KEY": SECRET_KEY,
               "PATH": f"{self.bin(version)}{os.pathsep}{os.environ.get('PATH', '')}", **_QUIET}
        with serving(command, url=f"{base_url}health", log=log, env=env, cwd=data):
            yield base_url

    @contextlib.contextmanager
    def running(self, version: str, workdir: Path) -> Iterator[RunningApp]:
        self.install(version)
        workdir.mkdir(parents=True, exist_ok=True)
        data = fresh_copy(self.seed(version), workdir / "data")
        log = workdir / "mlflow.log"
        with self._server(version, data, log) as base_url:
            yield RunningApp(
                app=self.name, version=version, base_url=base_url,
                username=self.username, password=self.password,
                data=lambda: _snapshot(data), workdir=workdir, log=log,
            )


# No telemetry (there is no network); in 3.x no job runner: by default it starts eight huey
# consumers and periodic tasks (online scoring, trace archival) that poll the database.
_QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
          "GIT_PYTHON_REFRESH": "quiet", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def _snapshot(data: Path) -> DataSnapshot:
    found: DataSnapshot = {}
    for name in ("mlflow.db", "basic_auth.db"):
        if not (data / name).exists():
            raise CorpusError(f"{data / name} is missing")
        found.update({f"{name}:{k}": v for k, v in sqlite_snapshot(data / name).items()})
    found.update(tree_snapshot(data / "artifacts"))
    return found


APP = Mlflow()
