"""Deterministic names and labels of every child object: the same run always asks for the same
Job, so a retried or restarted reconcile finds what it created instead of creating it again."""

import hashlib

MAX_NAME = 63  # Job names become the `job-name` label of their pods: a label value's limit
LABEL_PREFIX = "testforge.io"
LABEL_RUN = f"{LABEL_PREFIX}/run"
LABEL_PROJECT = f"{LABEL_PREFIX}/project"
LABEL_SHARD = f"{LABEL_PREFIX}/shard"
LABEL_ROLE = f"{LABEL_PREFIX}/role"
LABEL_SCHEDULED_AT = f"{LABEL_PREFIX}/scheduled-at"
MANAGED_BY = {"app.kubernetes.io/managed-by": "testforge-operator"}


def child_name(owner: str, suffix: str) -> str:
    """`owner-suffix`, shortened with a hash of the owner when it would exceed 63 characters."""
    name = f"{owner}-{suffix}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(owner.encode()).hexdigest()[:8]
    keep = MAX_NAME - len(suffix) - len(digest) - 2
    return f"{owner[:keep].rstrip('-.')}-{digest}-{suffix}"


def shard_job(run: str, index: int) -> str:
    return child_name(run, f"shard-{index}")


def discovery_job(project: str, generation: int) -> str:
    return child_name(project, f"discover-g{generation}")


def scheduled_run(project: str, stamp: str) -> str:
    return child_name(project, f"sched-{stamp}")


def healing_request(run: str, request_id: str) -> str:
    return child_name(run, request_id)
