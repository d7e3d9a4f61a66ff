"""The offline designer: deterministic rules that turn an AppModel into a TestPlan, no LLM.

Expectations come only from what discovery observed on the baseline (probe outcomes, page
observations), and only from observations that held on two loads and change with neither the
data nor the clock (testforge.domain.oracles), so every generated test passes on the application
it was generated from. A page is identified by its URL and its stable heading, never by its
whole title. When the app needs signing in, every test runs with the test account's session,
except the tests about signing in and out, which sign in themselves.
"""

from dataclasses import dataclass, field

from testforge.design.port import Designed
from testforge.design.validate import ensure_valid
from testforge.discovery.keys import slugify
from testforge.domain.app_model import (
    AppModel,
    AuthScheme,
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
    ValidityFlag,
)
from testforge.domain.effects import Effect
from testforge.domain.locators import path_regex
from testforge.domain.oracles import MONEY, assertable, volatile
from testforge.domain.plan import Action, Clause, Priority, Step, Tag, TestCase, TestPlan

MAX_ECHOES = 6
MAX_MESSAGES = 3
MAX_ASYNC_TEXTS = 3
_MONEY = MONEY
# What a refused field's validity flag means, for the case's plain-language "then".
_WHY_INVALID = {
    ValidityFlag.VALUE_MISSING: "it is required",
    ValidityFlag.TYPE_MISMATCH: "the value is not of its type",
    ValidityFlag.PATTERN_MISMATCH: "the value does not match its pattern",
    ValidityFlag.TOO_LONG: "the value is too long",
    ValidityFlag.TOO_SHORT: "the value is too short",
    ValidityFlag.RANGE_UNDERFLOW: "the value is below its minimum",
    ValidityFlag.RANGE_OVERFLOW: "the value is above its maximum",
    ValidityFlag.STEP_MISMATCH: "the value is off its step",
    ValidityFlag.BAD_INPUT: "the browser cannot read the value",
    ValidityFlag.CUSTOM_ERROR: "the page refuses the value",
}
_FLOW_ACTIONS = {
    FlowStepAction.GOTO: Action.GOTO,
    FlowStepAction.CLICK: Action.CLICK,
    FlowStepAction.SUBMIT: Action.CLICK,
    FlowStepAction.FILL: Action.FILL,
    FlowStepAction.SELECT: Action.SELECT,
    FlowStepAction.CHECK: Action.CHECK,
    FlowStepAction.UPLOAD: Action.UPLOAD,
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

    def signed_in(self, page: Page) -> bool:
        """Tests of what discovery saw signed in run with the session; the rest signed out."""
        return self.model.auth is not None and page.signed_in

    def page_of(self, form: Form) -> Page:
        return next(p for p in self.model.pages if any(f is form for f in p.forms))


class OfflineDesigner:
    name = "offline"

    def design(self, model: AppModel) -> Designed:
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
        drafts.extend(_auth_cases(ctx))
        plan = TestPlan(base_url=model.base_url, designer=self.name, cases=_number(drafts))
        return Designed(ensure_valid(plan, model))


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


def _who(signed_in: bool) -> str:
    return "a signed-in user" if signed_in else "a visitor"


def _goto(path: str, clause: Clause = Clause.GIVEN) -> Step:
    return Step(clause=clause, action=Action.GOTO, value=path)


def _stable_heading(page: Page) -> tuple[str, str] | None:
    """The key and text of the page's main heading, when it held on two loads."""
    if not page.heading or page.heading not in page.stable_texts or not assertable(page.heading):
        return None
    key = next(
        (e.key for e in page.elements if e.kind is ElementKind.OTHER and e.fingerprint.tag == "h1"),
        None,
    )
    return (key, page.heading) if key else None


def _identity_checks(page: Page, path: str) -> tuple[list[Step], str]:
    """What identifies a page: its URL, and its main heading when that is stable."""
    checks = [Step(clause=Clause.THEN, action=Action.EXPECT_URL, value=path_regex(path))]
    heading = _stable_heading(page)
    if heading is None:
        return checks, f"{path} is open"
    checks.append(
        Step(clause=Clause.THEN, action=Action.EXPECT_TEXT, target=heading[0], value=heading[1])
    )
    return checks, f"{path} is open and headed {heading[1]!r}"


MAX_TEMPLATE_SAMPLES = 3  # pages of one template that get a "loads" test of their own


def _members(ctx: _Context, page: Page) -> list[Page]:
    return [p for p in ctx.model.pages if p.template == page.template and p.state is None]


def _representative(ctx: _Context, page: Page) -> bool:
    return page.template is None or page == _members(ctx, page)[0]


def _page_cases(ctx: _Context, page: Page) -> list[_Draft]:
    representative = _representative(ctx, page)
    if page.template and page not in _members(ctx, page)[:MAX_TEMPLATE_SAMPLES]:
        return []  # one template, one behaviour: a few samples say it all
    signed_in = ctx.signed_in(page)
    who = _who(signed_in)
    checks, said = _identity_checks(page, page.path)
    priority = Priority.P0 if page.path == "/" else Priority.P1 if representative else Priority.P3
    drafts = [
        _Draft(
            title=f"{page.path} loads",
            priority=priority,
            tags=(Tag.SMOKE,),
            given=f"{who} of the application",
            when=f"they open {page.path}",
            then=said,
            steps=[_goto(page.path, Clause.WHEN), *checks],
            pages=(page.path,),
            needs_auth=signed_in,
        )
    ]
    stable = set(page.stable_texts)
    texts = [t for t in page.async_texts if t in stable and assertable(t)][:MAX_ASYNC_TEXTS]
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
                    _goto(page.path, Clause.WHEN),
                    *(
                        Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value=t)
                        for t in texts
                    ),
                ],
                pages=(page.path,),
                needs_auth=signed_in,
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
            if not _representative(ctx, page):
                continue
            for link in page.links:
                element = ctx.elements[link.element]
                target = known.get(link.target)
                if (
                    element.in_navigation != in_nav
                    or target is None
                    or link.target == page.path
                    or link.effect.effect is not Effect.NAVIGATE
                    or target.signed_in != page.signed_in
                    or volatile(link.text)
                ):
                    continue
                group = target.template or target.path
                if group in seen:
                    continue
                seen.add(group)
                signed_in = ctx.signed_in(page)
                checks, said = _identity_checks(target, link.target)
                click = Action.CLICK_NEW_TAB if link.new_tab else Action.CLICK
                drafts.append(
                    _Draft(
                        title=f"{link.text or link.target} link on {page.path} opens {target.path}"
                        + (" in a new tab" if link.new_tab else ""),
                        priority=Priority.P2 if in_nav else Priority.P3,
                        tags=(Tag.NAVIGATION,),
                        given=f"{_who(signed_in)} on {page.path}",
                        when=f"they follow the {link.text!r} link",
                        then=("another tab opens: " if link.new_tab else "") + said,
                        steps=[
                            _goto(page.path),
                            Step(clause=Clause.WHEN, action=click, target=link.element),
                            *checks,
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
    signed_in = form.purpose != "sign_in" and ctx.signed_in(ctx.page_of(form))
    return _flow_steps(form.setup, Clause.GIVEN), signed_in


def _fill_steps(ctx: _Context, form: Form, probe: FormProbe) -> list[Step]:
    by_key = {f.element: f for f in form.fields}
    steps = []
    for key, value in probe.inputs.items():
        kind = by_key[key].input_type
        action = (
            Action.SELECT
            if kind == "select"
            else Action.CHECK
            if kind in {"checkbox", "radio"}
            else Action.UPLOAD
            if kind == "file"
            else Action.FILL
        )
        steps.append(
            Step(
                clause=Clause.WHEN,
                action=action,
                target=key,
                value=None if action is Action.CHECK else value,
                unique=key in probe.unique,
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
            # The reason, not the browser's wording of it: the same in every language.
            reason = outcome.invalid_reasons.get(key)
            checks.append(
                Step(
                    clause=Clause.THEN,
                    action=Action.EXPECT_INVALID,
                    target=key,
                    value=reason.value if reason else None,
                )
            )
            why = f" ({_WHY_INVALID[reason]})" if reason else ""
            said.append(f"{ctx.label(key)} is flagged invalid{why}")
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
        checks.append(
            Step(
                clause=Clause.THEN,
                action=Action.EXPECT_PAGE_TEXT,
                value=value,
                unique=key in probe.unique,
            )
        )
    if echoed_values:
        said.append(
            "the entered "
            + ", ".join(ctx.label(k) for k in outcome.echoed_fields[:MAX_ECHOES])
            + " are shown"
        )
    own = _field_messages(probe, echoed_values)
    for key, text in own:
        checks.append(
            Step(clause=Clause.THEN, action=Action.EXPECT_FIELD_MESSAGE, target=key, value=text)
        )
        said.append(f"{ctx.label(key)} says {text!r}")
    # Asserted where they belong, not again page-wide.
    messages = _messages(probe, form.page, echoed_values, {text for _, text in own})
    for text in messages:
        checks.append(Step(clause=Clause.THEN, action=Action.EXPECT_PAGE_TEXT, value=text))
    if messages:
        said.append("the page says " + "; ".join(repr(t) for t in messages))
    listed = [k for k in outcome.listed_fields if k in probe.inputs][:1]
    if probe.kind is ProbeKind.VALID and outcome.listed_on and listed:
        # The record it made is in its list: what a user checks after "Save".
        checks.append(Step(clause=Clause.THEN, action=Action.GOTO, value=outcome.listed_on))
        checks.extend(
            Step(
                clause=Clause.THEN,
                action=Action.EXPECT_PAGE_TEXT,
                value=probe.inputs[k],
                unique=k in probe.unique,
            )
            for k in listed
        )
        said.append(f"the new record is listed on {outcome.listed_on}")
    return checks, said


def _field_messages(probe: FormProbe, echoed: list[str]) -> list[tuple[str, str]]:
    """The fields' own messages worth asserting, the refused field's first."""
    messages = probe.outcome.field_messages
    order = sorted(messages, key=lambda key: key != probe.field)
    return [
        (key, messages[key])
        for key in order
        if assertable(messages[key]) and not any(v in messages[key] for v in echoed)
    ][:MAX_MESSAGES]


def _messages(probe: FormProbe, form_page: str, echoed: list[str], asserted: set[str]) -> list[str]:
    """New texts worth asserting (but not those `asserted` already): errors for refusals;
    heading, amounts and status otherwise."""
    outcome = probe.outcome
    valid = probe.kind is ProbeKind.VALID  # seen on two runs: amounts may be asserted
    texts = [
        t
        for t in outcome.new_texts
        if assertable(t, money=valid) and not any(v in t for v in echoed) and t not in asserted
    ]
    if not valid:
        return texts[:MAX_MESSAGES]
    stayed = outcome.url_path.split("?")[0] == form_page
    wanted = [t for t in texts if t == outcome.heading or _MONEY.search(t)]
    return (wanted or (texts if stayed else []))[:MAX_MESSAGES]


def _form_cases(ctx: _Context, form: Form) -> list[_Draft]:
    drafts: list[_Draft] = []
    setup, signed_in = _setup_steps(ctx, form)
    who = _who(signed_in)
    where = f"the {form.key.split('.', 1)[0]} form on {form.page}"
    name = ctx.form_title(form)
    for probe in form.probes:
        tags: tuple[Tag, ...]
        checks, said = _outcome_checks(ctx, form, probe)
        if not checks:
            continue
        if probe.kind is ProbeKind.VALID:
            if probe.outcome.invalid_fields or not probe.outcome.navigated:
                continue  # the valid data was refused: no trustworthy oracle
            filled = bool(probe.inputs)
            title = f"{name} with valid data succeeds" if filled else f"{name} succeeds"
            priority = Priority.P0 if form.purpose == "sign_in" else Priority.P1
            tags = (
                (Tag.AUTH, Tag.FLOW)
                if form.purpose == "sign_in"
                else (Tag.FLOW, Tag.SMOKE)
                if form.purpose == "search"
                else (Tag.FLOW,)
            )
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
            if form.purpose == "sign_in":
                tags = (Tag.AUTH, Tag.FORM_VALIDATION, Tag.NEGATIVE)
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
                steps=[*setup, *_fill_steps(ctx, form, probe), *checks],
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
    steps = [s.model_copy(update={"clause": Clause.WHEN}) for s in steps]
    journey: list[Step] = []
    said: list[str] = []
    variants = [p for p in ctx.model.pages if p.state is not None]
    prefix: list[FlowStep] = []
    for step, flow_step in zip(steps, form.setup, strict=True):
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
    return [
        _Draft(
            title=flow.name,
            priority=Priority.P0 if flow.kind is FlowKind.PURCHASE else Priority.P1,
            tags=(Tag.FLOW, Tag.SMOKE) if flow.kind is FlowKind.PURCHASE else (Tag.FLOW,),
            given=f"{_who(signed_in)} starting on {flow.pages[0]}",
            when="they go through " + flow.name,
            then="; ".join([*said, *final]),
            steps=[
                *_annotate_whens(ctx, [*journey, *_fill_steps(ctx, form, probe)]),
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


def _auth_cases(ctx: _Context) -> list[_Draft]:
    """Signing in over HTTP (a form's sign-in is covered by its probes) and signing out: a
    suite must fail when either stops working. These tests sign in themselves, in their own
    session, so signing out never ends the session the other tests share."""
    auth = ctx.model.auth
    if auth is None:
        return []
    drafts: list[_Draft] = []
    if auth.scheme is AuthScheme.HTTP:
        landed = auth.landing_path or auth.login_path
        drafts += [
            _Draft(
                title="HTTP sign-in with valid credentials succeeds",
                priority=Priority.P0,
                tags=(Tag.AUTH, Tag.SMOKE),
                given="a visitor with the test account's credentials",
                when=f"they answer the HTTP sign-in challenge of {auth.login_path}",
                then=f"they reach {landed}",
                steps=[
                    Step(clause=Clause.WHEN, action=Action.SIGN_IN),
                    Step(clause=Clause.THEN, action=Action.EXPECT_URL, value=path_regex(landed)),
                ],
                pages=(auth.login_path,),
            ),
            _Draft(
                title="HTTP sign-in with a wrong password is refused",
                priority=Priority.P1,
                tags=(Tag.AUTH, Tag.NEGATIVE),
                given="a visitor",
                when=f"they answer the HTTP sign-in challenge of {auth.login_path} with a "
                "wrong password",
                then="the server refuses them (HTTP 401)",
                steps=[Step(clause=Clause.THEN, action=Action.EXPECT_SIGN_IN_REFUSED)],
                pages=(auth.login_path,),
            ),
        ]
    # A sign-out control in a closed menu is hidden either way: its absence proves nothing, so
    # such a test needs a page that sends visitors to sign in.
    provable = auth.sign_out_menu is None or (
        auth.protected_path is not None and auth.scheme is AuthScheme.FORM
    )
    if auth.sign_out and auth.sign_out_page and provable:
        label = ctx.label(auth.sign_out)
        then = "the sign-out control is gone" + (
            f" and {auth.protected_path} sends them to sign in"
            if auth.protected_path and auth.scheme is AuthScheme.FORM
            else ""
        )
        drafts.append(
            _Draft(
                title=f"{label} ends the session",
                priority=Priority.P1,
                tags=(Tag.AUTH, Tag.FLOW),
                given="a user who signed in",
                when=f"they press {label!r} on {auth.sign_out_page}",
                then=then,
                steps=[
                    Step(clause=Clause.GIVEN, action=Action.SIGN_IN),
                    _goto(auth.sign_out_page),
                    *(
                        [Step(clause=Clause.WHEN, action=Action.CLICK, target=auth.sign_out_menu)]
                        if auth.sign_out_menu
                        else []
                    ),
                    Step(clause=Clause.WHEN, action=Action.CLICK, target=auth.sign_out),
                    Step(clause=Clause.THEN, action=Action.EXPECT_SIGNED_OUT),
                ],
                pages=(auth.sign_out_page,),
            )
        )
    return drafts
