"""Form probes: submit a form the way a tester would and record what the app did."""

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame

from testforge.browser.fields import FIELD_MESSAGE_JS, VALIDITY_JS
from testforge.browser.network import watch_network
from testforge.discovery.actuator import Actuator, StepError
from testforge.discovery.auth import Credentials, sign_in
from testforge.discovery.capture import (
    TEXTS_JS,
    PageCapture,
    settle,
    snapshot_with_ladders,
)
from testforge.discovery.contexts import ContextFactory
from testforge.discovery.scope import path_of
from testforge.domain.app_model import (
    AuthConfig,
    AuthScheme,
    Element,
    FlowStep,
    FlowStepAction,
    Form,
    FormField,
    ProbeOutcome,
    ValidityFlag,
)
from testforge.domain.errors import SignInError
from testforge.domain.locators import path_regex
from testforge.domain.oracles import assertable

MAX_NEW_TEXTS = 40
MIN_ECHO_LENGTH = 3
_SEGMENT = "[^/?#]+"


def fill_step(form: Form, field: FormField, value: str) -> FlowStep:
    if field.input_type == "select":
        action = FlowStepAction.SELECT
    elif field.input_type in {"checkbox", "radio"}:
        action = FlowStepAction.CHECK
    elif field.input_type == "file":
        action = FlowStepAction.UPLOAD
    else:
        action = FlowStepAction.FILL
    return FlowStep(action=action, page=form.page, element=field.element, value=value)


def submission_steps(form: Form, inputs: Mapping[str, str]) -> list[FlowStep]:
    by_key = {f.element: f for f in form.fields}
    steps = [fill_step(form, by_key[key], value) for key, value in inputs.items()]
    assert form.submit is not None, "only forms with a submit button are probed"
    steps.append(FlowStep(action=FlowStepAction.SUBMIT, page=form.page, element=form.submit))
    return steps


def path_pattern(first: str, second: str) -> str:
    """A regex for a result path seen twice: segments that differed (ids) become wildcards."""
    a, b = first.split("/"), second.split("/")
    if len(a) != len(b):
        return path_regex(first)
    return "/".join(path_regex(x) if x == y else _SEGMENT for x, y in zip(a, b, strict=True))


def stable(first: ProbeOutcome, second: ProbeOutcome) -> ProbeOutcome:
    """Keep only what two independent valid submissions agreed on."""
    return first.model_copy(
        update={
            "url_pattern": path_pattern(first.url_path, second.url_path),
            "new_texts": tuple(t for t in first.new_texts if t in second.new_texts),
            "echoed_fields": tuple(k for k in first.echoed_fields if k in second.echoed_fields),
            "heading": first.heading if first.heading == second.heading else None,
            "listed_fields": tuple(k for k in first.listed_fields if k in second.listed_fields),
            "field_messages": {
                k: m for k, m in first.field_messages.items() if second.field_messages.get(k) == m
            },
        }
    )


class WouldSend(Exception):  # noqa: N818 - a condition, not a failure
    """The browser would send this submission, and the probe may only watch it be refused."""


@dataclass
class ProbeRun:
    outcome: ProbeOutcome
    after: PageCapture | None = None
    blocked_writes: tuple[str, ...] = ()  # requests the write guard stopped during the probe


class ProbeSession:
    """Fresh, isolated browser contexts for probes: signed in by reusing discovery's session,
    and guarded against writes unless the probe is allowed to write."""

    def __init__(
        self,
        contexts: ContextFactory,
        elements: Mapping[str, Element],
        base_url: str,
        timeout_s: float,
        concurrency: int,
        auth: AuthConfig | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.contexts = contexts
        self.elements = elements
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.auth = auth
        self.credentials = credentials
        self._slots = asyncio.Semaphore(concurrency)

    @asynccontextmanager
    async def fresh(
        self, *, signed_in: bool, guarded: bool, own_session: bool = False
    ) -> AsyncIterator[Actuator]:
        """A new context; with `own_session` it signs in anew instead of sharing discovery's
        session, so what one submission leaves in a session (a cart) is not seen by another."""
        form_sign_in = own_session and self.auth is not None and self.auth.scheme is AuthScheme.FORM
        async with self._slots:
            context = await self.contexts.new(
                signed_in=signed_in and not form_sign_in, guarded=guarded
            )
            try:
                page = await context.new_page()
                watch_network(page)
                actuator = Actuator(page, self.elements, self.base_url, self.timeout_s)
                actuator.blocked = lambda: self.contexts.blocked(context)
                if signed_in and form_sign_in and self.auth and self.credentials:
                    try:
                        await sign_in(actuator, self.auth, self.credentials)
                    except SignInError as exc:
                        raise StepError(str(exc)) from exc
                yield actuator
            finally:
                await self.contexts.close(context)

    async def submit_each(
        self,
        form: Form,
        batch: list[Mapping[str, str]],
        *,
        signed_in: bool,
        guarded: bool,
        may_send: bool,
    ) -> list[ProbeRun | StepError | WouldSend]:
        """Several submissions in one context, for those the app should refuse.

        The setup is replayed only when a submission left the page (a browser-blocked one
        leaves it intact), so a form's refusal probes share one context.
        """
        outcomes: list[ProbeRun | StepError | WouldSend] = []
        if not batch:
            return outcomes
        async with self.fresh(signed_in=signed_in, guarded=guarded) as actuator:
            intact = False
            for inputs in batch:
                try:
                    if not intact:
                        await actuator.run_all(form.setup)
                    run = await observe_submission(
                        actuator, form, inputs, capture_after=False, may_send=may_send
                    )
                except (StepError, WouldSend) as exc:
                    outcomes.append(exc)
                    intact = isinstance(exc, WouldSend)  # nothing was clicked
                    continue
                outcomes.append(run)
                intact = not run.outcome.navigated
        return outcomes

    async def submit(
        self,
        form: Form,
        inputs: Mapping[str, str],
        *,
        signed_in: bool,
        guarded: bool,
        capture_after: bool = False,
        own_session: bool = False,
        listing: str | None = None,
    ) -> ProbeRun:
        """Replay the form's setup, fill `inputs`, submit, and observe; then, with `listing`,
        open that list page and see which entered values it shows. Raises StepError."""
        async with self.fresh(
            signed_in=signed_in, guarded=guarded, own_session=own_session
        ) as actuator:
            await actuator.run_all(form.setup)
            run = await observe_submission(actuator, form, inputs, capture_after, may_send=True)
            if listing is not None and run.outcome.navigated:
                await actuator.run(
                    FlowStep(action=FlowStepAction.GOTO, page=listing, value=listing)
                )
                shown = " ".join(await actuator.page.evaluate(TEXTS_JS))
                listed = tuple(
                    k for k, v in inputs.items() if len(v) >= MIN_ECHO_LENGTH and v in shown
                )
                run.outcome = run.outcome.model_copy(
                    update={"listed_on": listing if listed else None, "listed_fields": listed}
                )
            return run


async def observe_submission(
    actuator: Actuator,
    form: Form,
    inputs: Mapping[str, str],
    capture_after: bool,
    *,
    may_send: bool,
) -> ProbeRun:
    """Fill, submit and watch. With `may_send` off, a submission the browser would let through
    is not made at all (raises WouldSend): only its refusal by the browser may be watched."""
    page = actuator.page
    blocked_before = len(actuator.blocked())
    before = set(await page.evaluate(TEXTS_JS))
    steps = submission_steps(form, inputs)
    for step in steps[:-1]:
        await actuator.run(step)
    submit = await actuator.locate(steps[-1].element or "")
    valid_before: bool = await submit.evaluate(CHECK_VALIDITY_JS)
    if valid_before and not may_send:
        raise WouldSend(f"{form.key}: the browser would send these values")
    invalid = {} if valid_before else await invalid_fields(actuator, form)
    navigations: list[str] = []

    def on_navigation(frame: Frame) -> None:
        if frame == page.main_frame:
            navigations.append(frame.url)

    page.on("framenavigated", on_navigation)
    await actuator.run(steps[-1])
    await settle(page, actuator.timeout_s)
    after: list[str] = await page.evaluate(TEXTS_JS)
    navigated = bool(navigations)
    appeared = [t for t in after if t not in before]
    blocked_by_browser = not form.novalidate and not valid_before and not navigated
    # What the app said next to each field (a browser-blocked submission reached no app).
    messages = {} if blocked_by_browser else await field_messages(actuator, form, appeared)
    echoed = tuple(  # as the test will check it: the value as entered, case and all
        key
        for key, value in inputs.items()
        if len(value) >= MIN_ECHO_LENGTH
        and not value.isdigit()
        and any(value in text for text in appeared)
    )
    heading = await page.evaluate("() => document.querySelector('h1')?.innerText?.trim() ?? null")
    path = path_of(page.url)
    outcome = ProbeOutcome(
        url_path=path,
        url_pattern=path_regex(path),
        navigated=navigated,
        blocked_by_browser=blocked_by_browser,
        invalid_fields=tuple(invalid),
        invalid_reasons={k: r for k, r in invalid.items() if r is not None},
        field_messages=messages,
        new_texts=tuple(appeared)[:MAX_NEW_TEXTS],
        echoed_fields=echoed,
        heading=heading,
    )
    captured = None
    if capture_after and navigated:
        snapshot, ladders = await snapshot_with_ladders(page)
        captured = PageCapture(url=page.url, status=200, snapshot=snapshot, ladders=ladders)
    blocked = tuple(actuator.blocked()[blocked_before:])
    return ProbeRun(outcome=outcome, after=captured, blocked_writes=blocked)


# The browser refuses to send a form whose fields fail constraint validation, unless the form or
# the pressed button opts out (novalidate / formnovalidate).
CHECK_VALIDITY_JS = """(b) => {
  const form = b.form || b.closest("form");
  if (!form || form.hasAttribute("novalidate") || b.hasAttribute("formnovalidate")) return true;
  return form.checkValidity();
}"""


async def invalid_fields(actuator: Actuator, form: Form) -> dict[str, ValidityFlag | None]:
    """The fields the browser's constraint validation currently rejects, each with why (the
    first true ValidityState flag; None for an element that reports none)."""
    found: dict[str, ValidityFlag | None] = {}
    for field in form.fields:
        try:
            element = await actuator.locate(field.element)
        except StepError:
            continue
        if not await element.evaluate("el => el.checkValidity()"):
            flags: list[str] = (await element.evaluate(VALIDITY_JS))["flags"]
            found[field.element] = ValidityFlag(flags[0]) if flags else None
    return found


async def field_messages(actuator: Actuator, form: Form, appeared: list[str]) -> dict[str, str]:
    """Each field's own message after a submission the app refused: the first text of it
    (FIELD_MESSAGE_JS) that appeared with the submission and is fit to assert. Texts that were
    there before (a help text, the label) are not messages."""
    new = set(appeared)
    found: dict[str, str] = {}
    if not new:
        return found
    for field in form.fillable_fields:
        try:
            element = await actuator.locate(field.element)
            texts: list[str] = await element.evaluate(FIELD_MESSAGE_JS)
        except (StepError, PlaywrightError):
            continue  # the page left the form behind, or the field went with it
        message = next((t for t in texts if t in new and assertable(t)), None)
        if message is not None:
            found[field.element] = message
    return found
