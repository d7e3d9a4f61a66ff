"""The operator's composition root: settings from the environment, one Kubernetes client, the
artifact store and the designers, built once at startup (never at import time)."""

import logging
from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from testforge.bootstrap import open_knowledge
from testforge.cluster.adapters.kube import ClientKube
from testforge.cluster.builders.manifests import SandboxConfig
from testforge.cluster.control.controller import Operator
from testforge.cluster.control.metrics import Metrics
from testforge.design.offline import OfflineDesigner
from testforge.design.port import TestDesigner
from testforge.domain.errors import TestForgeError
from testforge.settings import KnowledgeSettings
from testforge.storage.local import LocalStore


class OperatorSettings(BaseSettings):
    """Environment variables TESTFORGE_OPERATOR_*; see manifests/operator/deployment.yaml."""

    model_config = SettingsConfigDict(env_prefix="TESTFORGE_OPERATOR_", extra="ignore")

    kubeconfig: Path | None = Field(
        default=None, description="Outside a cluster; in-cluster config is used when unset"
    )
    store_root: Path = Path("/store")
    store_claim: str | None = "testforge-artifacts"
    sandbox_image: str = "ghcr.io/testforge/sandbox:0.1.0"
    sandbox_service_account: str | None = None
    image_pull_policy: str = "IfNotPresent"
    metrics_port: int = Field(default=8080, ge=0, le=65535, description="0 turns metrics off")
    client_pool_size: int = Field(default=32, ge=1)
    reconcile_threads: int = Field(default=32, ge=1, description="Concurrent reconcile passes")


def kube_configuration(settings: OperatorSettings) -> k8s.Configuration:
    configuration = k8s.Configuration()
    if settings.kubeconfig is not None:
        k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(settings.kubeconfig), client_configuration=configuration
        )
    else:
        try:
            k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        except k8s_config.ConfigException:
            k8s_config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    # Reconciles run in worker threads; the default pool of 4 would serialise them.
    configuration.connection_pool_maxsize = settings.client_pool_size
    return configuration


def designers() -> dict[str, TestDesigner]:
    """The offline designer always; Claude when the LLM stack can be built from its settings
    (TESTFORGE_LLM_*; without an API key it answers offline and records no tokens)."""
    found: dict[str, TestDesigner] = {OfflineDesigner.name: OfflineDesigner()}
    try:
        from testforge.llm.bootstrap import build_designer
        from testforge.llm.settings import LLMSettings

        found["claude"] = build_designer(LLMSettings())
    except (TestForgeError, ValueError, ImportError) as exc:
        logging.getLogger("testforge.operator").warning("the claude designer is off: %s", exc)
    return found


def knowledge_settings(settings: OperatorSettings) -> KnowledgeSettings:
    """TESTFORGE_KNOWLEDGE_*; without a Qdrant server, a Qdrant folder on the operator's volume."""
    found = KnowledgeSettings()
    if found.url is None and "path" not in found.model_fields_set:
        found = found.model_copy(update={"path": settings.store_root / ".knowledge"})
    return found


def bootstrap(settings: OperatorSettings, configuration: k8s.Configuration) -> Operator:
    return Operator(
        kube=ClientKube(k8s.ApiClient(configuration)),
        store=LocalStore(settings.store_root),
        sandbox=SandboxConfig(
            image=settings.sandbox_image,
            store_claim=settings.store_claim,
            service_account=settings.sandbox_service_account,
            image_pull_policy=settings.image_pull_policy,
        ),
        designers=designers(),
        metrics=Metrics(),
        knowledge=open_knowledge(knowledge_settings(settings)),
    )
