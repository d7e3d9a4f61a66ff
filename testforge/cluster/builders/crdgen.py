"""CustomResourceDefinitions generated from the CR models in testforge.domain.crd.

Pydantic's JSON Schema is turned into a Kubernetes *structural* schema: references inlined,
`Optional` as `nullable`, no `additionalProperties: false` beside `properties`, tuples as lists,
defaults of nested objects spelled out (so the API server defaults them and CEL rules can rely
on them). Pure: `testforge crds` writes the result, a test keeps `crds/` in sync with it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, NoDefault
from pydantic_core import core_schema

from testforge.domain.crd import (
    GROUP,
    VERSION,
    HealingRequestSpec,
    HealingRequestStatus,
    TestProjectSpec,
    TestProjectStatus,
    TestRunSpec,
    TestRunStatus,
)

CATEGORY = "testforge"
_DROP = {"title", "discriminator", "examples"}


@dataclass(frozen=True)
class Column:
    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0

    def wire(self) -> dict[str, Any]:
        column: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.description:
            column["description"] = self.description
        if self.priority:
            column["priority"] = self.priority
        return column


@dataclass(frozen=True)
class Resource:
    kind: str
    plural: str
    short_names: tuple[str, ...]
    spec: type[BaseModel]
    status: type[BaseModel]
    description: str
    columns: tuple[Column, ...] = field(default=())

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"


AGE = Column("Age", ".metadata.creationTimestamp", "date")

RESOURCES = (
    Resource(
        kind="TestProject",
        plural="testprojects",
        short_names=("tp", "tproj"),
        spec=TestProjectSpec,
        status=TestProjectStatus,
        description="A web application under test: where it is, how to crawl it, how to run it.",
        columns=(
            Column("URL", ".spec.url"),
            Column("Ready", '.status.conditions[?(@.type=="Ready")].status'),
            Column("Reason", '.status.conditions[?(@.type=="Ready")].reason'),
            Column("Cases", ".status.suite.cases", "integer"),
            Column("Suite", ".status.suite.hash", priority=1),
            Column("Last Run", ".status.lastRun", priority=1),
            AGE,
        ),
    ),
    Resource(
        kind="TestRun",
        plural="testruns",
        short_names=("tr", "trun"),
        spec=TestRunSpec,
        status=TestRunStatus,
        description="One execution of a project's suite, in sandbox Jobs, with its results.",
        columns=(
            Column("Project", ".spec.projectRef.name"),
            Column("Phase", ".status.phase"),
            Column("Passed", ".status.counts.passed", "integer"),
            Column("Failed", ".status.counts.failed", "integer"),
            Column("Healed", ".status.counts.healed", "integer"),
            Column("Total", ".status.counts.total", "integer", priority=1),
            Column("Reason", ".status.reason", priority=1),
            AGE,
        ),
    ),
    Resource(
        kind="HealingRequest",
        plural="healingrequests",
        short_names=("hr", "heal"),
        spec=HealingRequestSpec,
        status=HealingRequestStatus,
        description="A locator heal kept for review, approval and learning.",
        columns=(
            Column("Key", ".spec.key"),
            Column("Decision", ".status.decision"),
            Column("Confidence", ".status.candidates[0].confidence", "number"),
            Column("Run", ".spec.runRef.name", priority=1),
            AGE,
        ),
    ),
)


class _CRDSchema(GenerateJsonSchema):
    """Also emits defaults made by `default_factory` (pydantic leaves them out)."""

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory: Callable[[], Any] | None = schema.get("default_factory")  # type: ignore[assignment]
        if factory is None or schema.get("default_factory_takes_data"):
            return super().get_default_value(schema)
        value = factory()
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", by_alias=True, exclude_none=True)
        return value if value is not None else NoDefault


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        extra = {k: _inline(v, defs) for k, v in node.items() if k != "$ref"}
        return {**target, **extra}
    return {k: _inline(v, defs) for k, v in node.items()}


def structural(node: Any) -> Any:
    """A JSON Schema node (refs already inlined) rewritten to Kubernetes' structural rules."""
    if not isinstance(node, dict):
        return node
    node = {k: v for k, v in node.items() if k not in _DROP}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if options and any(o.get("type") == "null" for o in options):
            others = [o for o in options if o.get("type") != "null"]
            node.pop(key)
            if len(others) == 1:
                node = {**others[0], **node, "nullable": True}
            else:
                node = {**node, key: others, "nullable": True}
            if "default" in node and node["default"] is None:
                node.pop("default")
    node = {k: v for k, v in node.items() if k not in _DROP}
    if "prefixItems" in node:
        # Every tuple here is variadic (`tuple[X, ...]`), i.e. a list of one shape.
        node["items"] = node.pop("prefixItems")[0]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "exclusiveMinimum" in node:
        node["minimum"], node["exclusiveMinimum"] = node["exclusiveMinimum"], True
    if "exclusiveMaximum" in node:
        node["maximum"], node["exclusiveMaximum"] = node["exclusiveMaximum"], True
    if "properties" in node:
        node.pop("additionalProperties", None)
        node["type"] = "object"
        node["properties"] = {k: structural(v) for k, v in node["properties"].items()}
    elif node.get("type") == "object" and "additionalProperties" not in node:
        node["x-kubernetes-preserve-unknown-fields"] = True
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = structural(node["additionalProperties"])
    if "items" in node:
        node["items"] = structural(node["items"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            node[key] = [structural(option) for option in node[key]]
    if "type" not in node and not {"anyOf", "oneOf", "allOf", "enum"} & node.keys():
        node["x-kubernetes-preserve-unknown-fields"] = True
    return node


def openapi_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True, schema_generator=_CRDSchema)
    defs = raw.pop("$defs", {})
    schema: dict[str, Any] = structural(_inline(raw, defs))
    schema.pop("nullable", None)
    return schema


def crd(resource: Resource) -> dict[str, Any]:
    spec_schema = openapi_schema(resource.spec)
    status_schema = openapi_schema(resource.status)
    root: JsonSchemaValue = {
        "type": "object",
        "description": resource.description,
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema,
            "status": status_schema,
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": resource.crd_name,
            "labels": {
                "app.kubernetes.io/name": "testforge",
                "app.kubernetes.io/part-of": "testforge",
            },
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": resource.kind,
                "listKind": f"{resource.kind}List",
                "plural": resource.plural,
                "singular": resource.singular,
                "shortNames": list(resource.short_names),
                "categories": [CATEGORY],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [c.wire() for c in resource.columns],
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


HEADER = "# Generated by `testforge crds` from testforge/domain/crd.py: do not edit by hand.\n"


class _Dumper(yaml.SafeDumper):
    """Quotes the YAML 1.1 booleans PyYAML leaves bare (`y`, `n`): Go's YAML reads them as bools,
    so a field named `y` in `required` would otherwise reach the API server as `true`."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if value in {"y", "Y", "n", "N"} else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(resource: Resource) -> str:
    return HEADER + yaml.dump(crd(resource), Dumper=_Dumper, sort_keys=False, width=100)


def rendered_files() -> dict[str, str]:
    """File name -> content of every CRD, as committed under crds/."""
    return {f"{r.crd_name}.yaml": render(r) for r in RESOURCES}
