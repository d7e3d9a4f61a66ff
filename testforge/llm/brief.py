"""The AppModel as a prompt sees it: a compact JSON brief of what discovery observed.

Fingerprints, ladders and screenshots are left out (they cost tokens and say nothing about
behaviour); shared navigation is listed once; pages built from one template are listed in full
once. Every key, text and URL in the brief is one the plan may use.
"""

import json
from typing import Any

from testforge.domain.app_model import AppModel, Element, ElementKind, Form, Page

MAX_TEXT = 80


def element_name(element: Element) -> str | None:
    fp = element.fingerprint
    name = fp.label or fp.accessible_name or fp.text or fp.placeholder or fp.aria_label
    return name[:MAX_TEXT] if name else None


def _element(element: Element) -> dict[str, Any]:
    fp = element.fingerprint
    brief: dict[str, Any] = {"key": element.key, "kind": element.kind.value}
    name = element_name(element)
    if name:
        brief["name"] = name
    if element.kind is ElementKind.OTHER:
        brief["tag"] = fp.tag
    if fp.box is not None and fp.box.area == 0:
        brief["visible"] = False  # measured hidden at load: visible only after an interaction
    return brief


def _form(form: Form) -> dict[str, Any]:
    return {
        "key": form.key,
        "purpose": form.purpose,
        "submit": form.submit,
        "fields": [
            {
                "element": f.element, "name": f.name, "type": f.input_type, "label": f.label,
                **({"required": True} if f.constraints.required else {}),
                **({"options": list(f.constraints.options[:10])} if f.constraints.options else {}),
            }
            for f in form.fillable_fields
        ],
        "setup": [s.model_dump(exclude_none=True, mode="json") for s in form.setup],
        "probes": [
            {
                "kind": p.kind.value,
                **({"field": p.field} if p.field else {}),
                "inputs": p.inputs,
                "outcome": p.outcome.model_dump(exclude_defaults=True, mode="json"),
            }
            for p in form.probes
        ],
    }


def page_brief(page: Page, navigation: set[str], *, full: bool = True) -> dict[str, Any]:
    brief: dict[str, Any] = {"path": page.path, "title": page.title}
    for name in ("heading", "state", "template", "purpose", "business_flow"):
        value = getattr(page, name)
        if value:
            brief[name] = value
    if page.risk:
        brief["risk"] = page.risk.value
    if page.requires_auth:
        brief["requires_auth"] = True
    if not full:
        brief["same_template_as_listed"] = True
        return brief
    if page.setup:
        brief["reached_by"] = [s.model_dump(exclude_none=True, mode="json") for s in page.setup]
    if page.observed:
        brief["observed"] = page.observed
    if page.async_texts:
        brief["late_texts"] = list(page.async_texts)
    brief["elements"] = [_element(e) for e in page.elements if e.key not in navigation]
    if page.links:
        brief["links"] = [{"element": link.element, "target": link.target} for link in page.links]
    if page.forms:
        brief["forms"] = [_form(f) for f in page.forms]
    return brief


def app_brief(model: AppModel) -> dict[str, Any]:
    navigation: dict[str, Element] = {}
    for page in model.pages:
        for element in page.elements:
            if element.in_navigation:
                navigation.setdefault(element.key, element)
    listed_templates: set[str] = set()
    pages = []
    for page in model.pages:
        full = page.template is None or page.template not in listed_templates
        if page.template:
            listed_templates.add(page.template)
        pages.append(page_brief(page, set(navigation), full=full))
    brief: dict[str, Any] = {"base_url": model.base_url}
    if model.auth:
        auth = model.auth
        brief["auth"] = {"login_path": auth.login_path, "landing_path": auth.landing_path}
    brief["navigation"] = [_element(e) for e in navigation.values()]
    brief["pages"] = pages
    brief["flows"] = [
        {
            "kind": f.kind.value, "name": f.name, "form": f.form, "pages": list(f.pages),
            "steps": [s.model_dump(exclude_none=True, mode="json") for s in f.steps],
        }
        for f in model.flows
    ]
    return brief


def to_json(value: Any) -> str:
    """Compact, key-ordered JSON: the same model always renders to the same bytes (cacheable)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
