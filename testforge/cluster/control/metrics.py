"""Prometheus metrics of the operator, on their own registry (one per operator process)."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.reconciles = Counter(
            "testforge_reconciles_total",
            "Reconcile passes by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.reconcile_seconds = Histogram(
            "testforge_reconcile_seconds",
            "Duration of one reconcile pass",
            ["kind"],
            registry=self.registry,
        )
        self.children_created = Counter(
            "testforge_children_created_total",
            "Objects created by the operator",
            ["kind"],
            registry=self.registry,
        )
        self.runs_finished = Counter(
            "testforge_runs_finished_total",
            "TestRuns that reached a final phase",
            ["phase", "reason"],
            registry=self.registry,
        )

    def serve(self, port: int) -> None:
        start_http_server(port, registry=self.registry)
