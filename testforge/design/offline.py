"""The offline designer: deterministic rules that turn an AppModel into a TestPlan, no LLM.

Expectations come only from what discovery observed on the baseline (probe outcomes, page
observations), so every generated test passes on the application it was generated from.
"""

import re
from dataclasses import dataclass, field

from testforge.design.validate import ensure_valid
from testforge.discovery.keys import slugify
from testforge.domain.app_model import (
    AppModel,
    Element,
    ElementKind,
    Flow,
    FlowKind,
    FlowStep,
    FlowStepAction,
    Form,
    FormProbe,
    Page,
    ProbeKind,
)
from testforge.domain.locators import path_regex
from testforge.domain.plan import Action, Clause, Priority, Step, Tag, TestCase, TestPlan

MAX_ECHOES = 6
MAX_MESSAGES = 3
MAX_ASYNC_TEXTS = 3
MAX_TEXT_ASSERTION = 80
_MONEY = re.compile(r"[$€£¥]\s?\d|\d[.,]\d{2}\b")
_FLOW_ACTIONS = {
    FlowStepAction.GOTO: Action.GOTO,
    FlowStepAction.CLICK: Action.CLICK,
    FlowStepAction.SUBMIT: Action.CLICK,
    FlowStepAction.FILL: Action.FILL,
    FlowStepAction.SELECT: Action.SELECT,
    FlowStepAction.CHECK: Action.CHECK,
}


@dataclass
class _Draft:
    title: str
    priority: Priority
    tags: tuple[Tag, ...]
    given: str
    when: str
    then: str
    steps: list[Step]
    pages: tuple[str, ...]
    form: str | None = None
    needs_auth: bool = False


@dataclass
class _Context:
    model: AppModel
    elements: dict[str, Element] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.elements = {e.key: e for p in self.model.pages for e in p.elements}

    def label(self, key: str | None) -> str:
        element = self.elements.get(key or "")
        if element is None:
            return key or "?"
        fp = element.fingerprint
        # Buttons and links say what they are; fields and outputs are named by their label
        # ("Email", "Total"), which for a button would only be the text beside it.
        if element.kind in {ElementKind.BUTTON, ElementKind.LINK}:
            names = (fp.accessible_name, fp.text, fp.value, fp.label)
        else:
            names = (fp.label, fp.accessible_name, fp.text, fp.placeholder)
        return next((n for n in names if n), element.key)

    def form_title(self, form: Form) -> str:
        return self.label(form.submit).lower() if form.submit else form.key


class OfflineDesigner:
    name = "offline"

    def design(self, model: AppModel) -> TestPlan:
        ctx = _Context(model)
        drafts: list[_Draft] = []
        for page in model.pages:
            if page.state is None:
                drafts.extend(_page_cases(ctx, page))
        drafts.extend(_navigation_cases(ctx))
        for form in model.forms:
            drafts.extend(_form_cases(ctx, form))
        for flow in model.flows:
            drafts.extend(_flow_cases(ctx, flow))
        plan = TestPlan(base_url=model.base_url, designer=self.name, cases=_number(drafts))
        return ensure_valid(plan, model)


def _number(drafts: list[_Draft]) -> list[TestCase]:
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].priority.value, i))
    cases, slugs = [], set()
    for n, i in enumerate(order, 1):
        d = drafts[i]
        slug = base = slugify(d.title, default="case", max_length=60)
        k = 2
        while slug in slugs:
            slug, k = f"{base}_{k}", k + 1
        slugs.add(slug)
        cases.append(
            TestCase(
                id=f"TC-{n:03d}",
                slug=slug,
                title=d.title,
                priority=d.priority,
                tags=d.tags,
                given=d.given,
                when=d.when,
                then=d.then,
                steps=d.steps,
                pages=d.pages,
                form=d.form,
                needs_auth=d.needs_auth,
            )
        )
    return cases


def _given(clause_steps: list[Step], signed_in: bool) -> tuple[list[Step], str]:
    prefix = [Step(clause=Clause.GIVEN, action=Action.SIGN_IN)] if signed_in else []
    who = "a signed-in user" if signed_in else "a visitor"
    return prefix + clause_steps, who


def _goto(path: str, clause: Clause = Clause.GIVEN) -> Step:
    return Step(clause=clause, action=Action.GOTO, value=path)


def _heading_key(page: Page) -> str | None:
    return next(
        (e.key for e in page.elements if e.kind is ElementKind.OTHER and e.fingerprint.tag == "h1"),
        None,
    )


def _page_cases(ctx: _Context, page: Page) -> list[_Draft]:
    representative = page.template is None or page == next(
        p for p in ctx.model.pages if p.template == page.template
    )
    steps, who = _given([], page.requires_auth)
    checks = [Step(clause=Clause.THEN, action=Action.EXPECT_TITLE, value=page.title)]
    heading = _heading_key(page)
    if heading and page.heading:
        checks.append(
            Step(clause=Clause.THEN, action=Action.EXPECT_TEXT, target=heading, value=page.heading)
        )
    priority = Priority.P0 if page.path == "/" else Priority.P1 if representative else Priority.P3
    drafts = [
        _Draft(
            title=f"{page.path} loads",
            priority=priority,
            tags=(Tag.SMOKE,),
            given=f"{who} of the application",
            when=f"they open {page.path}",
            then=f"the page titled {page.title!r} shows its heading",
            steps=[*steps, _goto(page.path, Clause.WHEN), *checks],
            pages=(page.path,),
            needs_auth=page.requires_auth,
        )
    ]
    texts = [t for t in page.async_texts if len(t) <= MAX_TEXT_ASSERTION][:MAX_ASYNC_TEXTS]
    if texts and representative:
        drafts.append(
            _Draft(
                title=f"{page.path} shows content loaded after the page",
                priority=Priority.P1,
                tags=(Tag.SMOKE,),
                given=f"{who} of the application",
                when=f"they open {page.path} and its scripts load the rest",
                then="the late content appears: " + "; ".join(texts),
                steps=[
                    *steps,
                    _goto(page.path, Clause.WHEN),
                    *(
                        Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value=t)
                        for t in texts
                    ),
                ],
                pages=(page.path,),
                needs_auth=page.requires_auth,
            )
        )
    return drafts


def _navigation_cases(ctx: _Context) -> list[_Draft]:
    """One case per distinct link target: shared navigation first, then in-page links."""
    # Start from the home page, where a visitor meets the shared navigation first.
    stateless = sorted((p for p in ctx.model.pages if p.state is None), key=lambda p: p.path != "/")
    known = {p.path: p for p in stateless}
    drafts: list[_Draft] = []
    seen: set[str] = set()
    for in_nav in (True, False):
        for page in stateless:
            if page.template and page != next(p for p in stateless if p.template == page.template):
                continue
            for link in page.links:
                element = ctx.elements[link.element]
                target = known.get(link.target)
                if element.in_navigation != in_nav or target is None or link.target == page.path:
                    continue
                group = target.template or target.path
                if group in seen:
                    continue
                seen.add(group)
                signed_in = page.requires_auth or target.requires_auth
                steps, who = _given([_goto(page.path)], signed_in)
                drafts.append(
                    _Draft(
                        title=f"{link.text or link.target} link on {page.path} opens {target.path}",
                        priority=Priority.P2 if in_nav else Priority.P3,
                        tags=(Tag.NAVIGATION,),
                        given=f"{who} on {page.path}",
                        when=f"they follow the {link.text!r} link",
                        then=f"they reach {target.path}",
                        steps=[
                            *steps,
                            Step(clause=Clause.WHEN, action=Action.CLICK, target=link.element),
                            Step(
                                clause=Clause.THEN,
                                action=Action.EXPECT_URL,
                                value=path_regex(target.path),
                            ),
                            Step(
                                clause=Clause.THEN, action=Action.EXPECT_TITLE, value=target.title
                            ),
                        ],
                        pages=(page.path, target.path),
                        needs_auth=signed_in,
                    )
                )
    return drafts


def _flow_steps(steps: list[FlowStep], clause: Clause) -> list[Step]:
    return [
        Step(clause=clause, action=_FLOW_ACTIONS[s.action], target=s.element, value=s.value)
        for s in steps
    ]


def _setup_steps(ctx: _Context, form: Form) -> tuple[list[Step], bool]:
    signed_in = ctx.model.auth is not None and form.purpose != "sign_in"
    steps, _ = _given(_flow_steps(form.setup, Clause.GIVEN), signed_in)
    return steps, signed_in


def _fill_steps(ctx: _Context, form: Form, inputs: dict[str, str]) -> list[Step]:
    by_key = {f.element: f for f in form.fields}
    steps = []
    for key, value in inputs.items():
        kind = by_key[key].input_type
        action = (
            Action.SELECT
            if kind == "select"
            else Action.CHECK
            if kind in {"checkbox", "radio"}
            else Action.FILL
        )
        steps.append(
            Step(
                clause=Clause.WHEN,
                action=action,
                target=key,
                value=None if action is Action.CHECK else value,
            )
        )
    if form.submit:
        steps.append(Step(clause=Clause.WHEN, action=Action.CLICK, target=form.submit))
    return steps


def _outcome_checks(ctx: _Context, form: Form, probe: FormProbe) -> tuple[list[Step], list[str]]:
    """Assertions for a probe's outcome and their plain-language summary."""
    outcome, checks, said = probe.outcome, [], []
    if outcome.blocked_by_browser:
        for key in outcome.invalid_fields[:MAX_MESSAGES]:
            checks.append(Step(clause=Clause.THEN, action=Action.EXPECT_INVALID, target=key))
            said.append(f"{ctx.label(key)} is flagged invalid")
        checks.append(
            Step(clause=Clause.THEN, action=Action.EXPECT_URL, value=path_regex(form.page))
        )
        said.append("the form is not sent")
        return checks, said
    if outcome.url_path.split("?")[0] != form.page or outcome.url_pattern != path_regex(
        outcome.url_path
    ):
        checks.append(Step(clause=Clause.THEN, action=Action.EXPECT_URL, value=outcome.url_pattern))
        said.append(f"the app goes to {outcome.url_path}")
    echoed_values = []
    for key in outcome.echoed_fields[:MAX_ECHOES]:
        value = probe.inputs[key]
        echoed_values.append(value)
        checks.append(Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value=value))
    if echoed_values:
        said.append(
            "the entered "
            + ", ".join(ctx.label(k) for k in outcome.echoed_fields[:MAX_ECHOES])
            + " are shown"
        )
    messages = _messages(probe, form.page, echoed_values)
    for text in messages:
        checks.append(Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value=text))
    if messages:
        said.append("the page says " + "; ".join(repr(t) for t in messages))
    return checks, said


def _messages(probe: FormProbe, form_page: str, echoed: list[str]) -> list[str]:
    """New texts worth asserting: errors for refusals; heading, amounts and status otherwise."""
    outcome = probe.outcome
    texts = [
        t
        for t in outcome.new_texts
        if len(t) <= MAX_TEXT_ASSERTION and not any(v in t for v in echoed)
    ]
    if probe.kind is not ProbeKind.VALID:
        return texts[:MAX_MESSAGES]
    stayed = outcome.url_path.split("?")[0] == form_page
    wanted = [t for t in texts if t == outcome.heading or _MONEY.search(t)]
    return (wanted or (texts if stayed else []))[:MAX_MESSAGES]


def _form_cases(ctx: _Context, form: Form) -> list[_Draft]:
    drafts: list[_Draft] = []
    setup, signed_in = _setup_steps(ctx, form)
    who = "a signed-in user" if signed_in else "a visitor"
    where = f"the {form.key.split('.', 1)[0]} form on {form.page}"
    name = ctx.form_title(form)
    for probe in form.probes:
        checks, said = _outcome_checks(ctx, form, probe)
        if not checks:
            continue
        if probe.kind is ProbeKind.VALID:
            if probe.outcome.invalid_fields or not probe.outcome.navigated:
                continue  # the valid data was refused: no trustworthy oracle
            filled = bool(probe.inputs)
            title = f"{name} with valid data succeeds" if filled else f"{name} succeeds"
            priority = Priority.P0 if form.purpose == "sign_in" else Priority.P1
            tags = (Tag.FLOW,) if form.purpose != "search" else (Tag.FLOW, Tag.SMOKE)
            when = (
                f"they fill {where} with valid data and press {name!r}"
                if filled
                else f"they press {name!r}"
            )
        elif probe.kind is ProbeKind.EMPTY:
            title = f"{name} with required fields empty is refused"
            priority, tags = Priority.P2, (Tag.FORM_VALIDATION, Tag.NEGATIVE)
            when = f"they press {name!r} without filling {where}"
        else:
            field = ctx.label(probe.field)
            bad = probe.inputs.get(probe.field or "", "")
            if form.purpose == "sign_in":
                shown = "a wrong password"
                title = f"{name} with {shown} is refused"
            elif form.purpose == "search":
                shown = repr(bad)
                title = f"{name} for {shown} finds nothing"
            else:
                shown = repr(bad)
                title = f"{name} with {shown} as {field} is refused"
            priority = Priority.P1 if form.purpose == "sign_in" else Priority.P2
            tags = (Tag.FORM_VALIDATION, Tag.NEGATIVE)
            when = f"they enter {shown} as {field} in {where} and press {name!r}"
        drafts.append(
            _Draft(
                title=title,
                priority=priority,
                tags=tags,
                given=f"{who} on {form.page}"
                + (f" ({_setup_summary(ctx, form)})" if len(form.setup) > 1 else ""),
                when=when,
                then=", ".join(said),
                steps=[*setup, *_fill_steps(ctx, form, probe.inputs), *checks],
                pages=(form.page,),
                form=form.key,
                needs_auth=signed_in,
            )
        )
    return drafts


def _setup_summary(ctx: _Context, form: Form) -> str:
    clicked = [
        ctx.label(s.element)
        for s in form.setup
        if s.action in {FlowStepAction.CLICK, FlowStepAction.SUBMIT}
    ]
    return "after " + " → ".join(clicked)


def _flow_cases(ctx: _Context, flow: Flow) -> list[_Draft]:
    """Multi-step journeys: every state reached on the way is checked against the baseline."""
    if flow.kind not in {FlowKind.PURCHASE, FlowKind.MULTI_STEP} or flow.form is None:
        return []
    form = ctx.model.form(flow.form)
    probe = form.probe(ProbeKind.VALID)
    if probe is None:
        return []
    steps, signed_in = _setup_steps(ctx, form)
    steps = [
        s.model_copy(update={"clause": Clause.WHEN}) if s.action is not Action.SIGN_IN else s
        for s in steps
    ]
    journey: list[Step] = []
    said: list[str] = []
    variants = [p for p in ctx.model.pages if p.state is not None]
    prefix: list[FlowStep] = []
    for step, flow_step in zip(steps[1 if signed_in else 0 :], form.setup, strict=True):
        journey.append(step)
        prefix.append(flow_step)
        for page in variants:
            amounts = {k: t for k, t in page.observed.items() if _MONEY.search(t)}
            if page.setup != prefix or not amounts:
                continue  # amounts are what a journey must get right
            seen = ", ".join(f"{ctx.label(k)} {t}" for k, t in amounts.items())
            said.append(f"{page.path} shows {seen}")
            journey.extend(
                Step(
                    clause=Clause.THEN,
                    action=Action.EXPECT_TEXT,
                    target=k,
                    value=t,
                    note=f"{page.path} shows {seen}" if n == 0 else None,
                )
                for n, (k, t) in enumerate(amounts.items())
            )
    checks, final = _outcome_checks(ctx, form, probe)
    if checks:
        checks[0] = checks[0].model_copy(update={"note": ", ".join(final)})
    prefix_steps = [steps[0]] if signed_in else []
    return [
        _Draft(
            title=flow.name,
            priority=Priority.P0 if flow.kind is FlowKind.PURCHASE else Priority.P1,
            tags=(Tag.FLOW, Tag.SMOKE) if flow.kind is FlowKind.PURCHASE else (Tag.FLOW,),
            given=("a signed-in user" if signed_in else "a visitor")
            + f" starting on {flow.pages[0]}",
            when="they go through " + flow.name,
            then="; ".join([*said, *final]),
            steps=[
                *prefix_steps,
                *_annotate_whens(ctx, [*journey, *_fill_steps(ctx, form, probe.inputs)]),
                *checks,
            ],
            pages=(form.page, *(p for p in flow.pages if p != form.page)),
            form=form.key,
            needs_auth=signed_in,
        )
    ]


def _annotate_whens(ctx: _Context, steps: list[Step]) -> list[Step]:
    """Name each run of actions by what it does, so interleaved checks read as a story."""
    out: list[Step] = []
    for n, step in enumerate(steps):
        starts_run = step.clause is Clause.WHEN and (
            n == 0 or steps[n - 1].clause is not Clause.WHEN
        )
        if starts_run:
            run = []
            for later in steps[n:]:
                if later.clause is not Clause.WHEN:
                    break
                run.append(later)
            opened = [s.value for s in run if s.action is Action.GOTO]
            pressed = [repr(ctx.label(s.target)) for s in run if s.action is Action.CLICK]
            parts = [f"they open {opened[0]}"] if opened else []
            parts += (
                [f"{'press' if opened else 'they press'} {' then '.join(pressed)}"]
                if pressed
                else []
            )
            out.append(step.model_copy(update={"note": " and ".join(parts) or None}))
        else:
            out.append(step)
    return out
