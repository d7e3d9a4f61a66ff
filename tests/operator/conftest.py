"""Fixtures for the operator tests: kmock's emulator, the store, and the running operator."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s

from testforge.cluster.adapters.kube import ClientKube

from .emulator import EmulatorThread, running_emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with running_emulator() as thread:
        yield thread


@pytest.fixture(scope="module")
def emulator_configuration(emulator: EmulatorThread) -> k8s.Configuration:
    configuration = k8s.Configuration()
    configuration.host = emulator.url
    configuration.connection_pool_maxsize = 16
    return configuration


@pytest.fixture(scope="module")
def emulator_kube(emulator_configuration: k8s.Configuration) -> ClientKube:
    return ClientKube(k8s.ApiClient(emulator_configuration))


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")

