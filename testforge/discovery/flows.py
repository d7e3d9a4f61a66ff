"""Inferring user journeys (sign-in, search, multi-step purchases) from the explored model."""

from collections import defaultdict

from testforge.discovery.probes import submission_steps
from testforge.domain.app_model import (
    AuthConfig,
    Element,
    Flow,
    FlowKind,
    FlowStep,
    FlowStepAction,
    Form,
    Page,
    ProbeKind,
)
from testforge.domain.testdata import category_of

_PURCHASE_FIELDS = frozenset({"card", "postal", "address", "cvc", "expiry"})


def _label(elements: dict[str, Element], key: str | None) -> str:
    element = elements.get(key or "")
    if element is None:
        return key or "?"
    fp = element.fingerprint
    return fp.accessible_name or fp.text or fp.label or element.key


def infer_flows(
    pages: list[Page], elements: dict[str, Element], auth: AuthConfig | None
) -> list[Flow]:
    flows: list[Flow] = []
    if auth is not None:
        flows.append(
            Flow(
                kind=FlowKind.SIGN_IN,
                name="Sign in",
                steps=[
                    FlowStep(
                        action=FlowStepAction.GOTO, page=auth.login_path, value=auth.login_path
                    )
                ],
                form=_form_with_field(pages, auth.password_field) if auth.password_field else None,
                pages=(auth.login_path,),
            )
        )
    for page in pages:
        for form in page.forms:
            valid = form.probe(ProbeKind.VALID)
            if valid is None or not valid.outcome.navigated or valid.outcome.invalid_fields:
                continue
            if form.purpose == "search":
                flows.append(_flow(FlowKind.SEARCH, f"Search on {page.path}", form, elements))
            elif _clicks(form.setup) > 0:
                kind = (
                    FlowKind.PURCHASE
                    if any(category_of(f) in _PURCHASE_FIELDS for f in form.fields)
                    else FlowKind.MULTI_STEP
                )
                flows.append(_flow(kind, _journey_name(form, elements), form, elements))
    return flows


def _clicks(steps: list[FlowStep]) -> int:
    return sum(s.action in {FlowStepAction.CLICK, FlowStepAction.SUBMIT} for s in steps)


def _journey_name(form: Form, elements: dict[str, Element]) -> str:
    clicked = [
        _label(elements, s.element)
        for s in form.setup
        if s.action in {FlowStepAction.CLICK, FlowStepAction.SUBMIT}
    ]
    return " → ".join([*clicked, _label(elements, form.submit)])


def _flow(kind: FlowKind, name: str, form: Form, elements: dict[str, Element]) -> Flow:
    valid = form.probe(ProbeKind.VALID)
    assert valid is not None
    steps = [*form.setup, *submission_steps(form, valid.inputs)]
    visited: dict[str, None] = defaultdict(lambda: None)
    for step in steps:
        visited[step.page] = None
    return Flow(kind=kind, name=name, steps=steps, form=form.key, pages=tuple(visited))


def _form_with_field(pages: list[Page], field_key: str) -> str | None:
    for page in pages:
        for form in page.forms:
            if any(f.element == field_key for f in form.fields):
                return form.key
    return None
