"""The operator's composition root: settings from the environment, one Kubernetes client, the
artifact store, the knowledge store and the LLM stack (designers, insights), built once at
startup from validated settings (never at import time)."""

from dataclasses import dataclass
from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from testforge.application.runs import Summariser
from testforge.application.suites import Classifier
from testforge.bootstrap import Settings, open_knowledge
from testforge.cluster.adapters.kube import ClientKube
from testforge.cluster.builders.manifests import SandboxConfig
from testforge.cluster.control.controller import Operator
from testforge.cluster.control.metrics import Metrics
from testforge.cluster.logs import logger
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
    knowledge_path: Path | None = Field(
        default=None, description="The learned patterns' Qdrant folder; default <store>/.knowledge"
    )


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


@dataclass(frozen=True)
class LLMServices:
    """What the operator asks of the LLM stack: designers by name, classification, insights."""

    designers: dict[str, TestDesigner]
    classify: Classifier | None = None
    summarise: Summariser | None = None


def llm_services(settings: Settings) -> LLMServices:
    """The offline designer always; from one LLM stack as on one machine (TESTFORGE_LLM_*; it
    answers offline without an API key), Claude's designer, page classification and insights."""
    offline: dict[str, TestDesigner] = {OfflineDesigner.name: OfflineDesigner()}
    try:
        from testforge.llm.bootstrap import build

        stack = build(settings.llm)
    except (TestForgeError, ValueError, ImportError) as exc:
        logger().warning("claude_designer_off", error=str(exc))
        return LLMServices(offline)
    return LLMServices({**offline, "claude": stack.designer}, stack.classify, stack.insights)


def knowledge_settings(settings: Settings, operator: OperatorSettings) -> KnowledgeSettings:
    """TESTFORGE_KNOWLEDGE_*; without a Qdrant server, a Qdrant folder on the operator's volume
    (TESTFORGE_OPERATOR_KNOWLEDGE_PATH, by default `.knowledge` under the store root)."""
    knowledge = settings.knowledge
    if knowledge.url is not None:
        return knowledge
    path = operator.knowledge_path or operator.store_root / ".knowledge"
    return knowledge.model_copy(update={"path": path})


def bootstrap(settings: OperatorSettings, configuration: k8s.Configuration) -> Operator:
    shared = Settings.from_env()
    llm = llm_services(shared)
    return Operator(
        kube=ClientKube(k8s.ApiClient(configuration)),
        store=LocalStore(settings.store_root),
        sandbox=SandboxConfig(
            image=settings.sandbox_image,
            store_claim=settings.store_claim,
            service_account=settings.sandbox_service_account,
            image_pull_policy=settings.image_pull_policy,
        ),
        designers=llm.designers,
        metrics=Metrics(),
        knowledge=open_knowledge(knowledge_settings(shared, settings)),
        classify=llm.classify,
        summarise=llm.summarise,
    )
