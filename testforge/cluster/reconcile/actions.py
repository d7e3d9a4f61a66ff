"""The actions every reconciler may ask for; each reconciler adds its own (runs.FinishRun,
healing.ApplyHeal, projects.GenerateSuite) and the controllers carry them out."""

from dataclasses import dataclass
from typing import Literal

from testforge.cluster.builders.manifests import Manifest


@dataclass(frozen=True)
class CreateChildren:
    manifests: tuple[Manifest, ...]


@dataclass(frozen=True)
class DeleteChildren:
    jobs: tuple[str, ...]


@dataclass(frozen=True)
class Emit:
    """A Kubernetes Event on the reconciled object."""

    type: Literal["Normal", "Warning"]
    reason: str
    message: str
