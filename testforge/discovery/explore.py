"""Stateful exploration: probe every form, and follow what a valid submission unlocks.

A crawl only sees pages in their empty state (an empty cart has no checkout form). Submitting a
form validly (add to cart) can reveal new elements, forms and links; those become page *variants*
reached by replaying the submission, and their forms are probed in turn.
"""

import asyncio
import re
from dataclasses import dataclass, field

from testforge.discovery.actuator import StepError
from testforge.discovery.assemble import PageAssembler
from testforge.discovery.auth import Credentials
from testforge.discovery.capture import PageCapture, snapshot_with_ladders
from testforge.discovery.keys import page_slug
from testforge.discovery.probes import ProbeRun, ProbeSession, stable, submission_steps
from testforge.domain.app_model import (
    CrawlIssue,
    CrawlIssueKind,
    Element,
    ElementKind,
    FlowStep,
    FlowStepAction,
    Form,
    FormProbe,
    Page,
    ProbeKind,
)
from testforge.domain.testdata import category_of, invalid_inputs, valid_value

USERNAME = "$username"
PASSWORD = "$password"  # placeholders: credentials never enter artefacts
NO_MATCH_TERM = "zqxj-no-such-thing"
MAX_INVALID_PER_FIELD = 2
MAX_FOLLOWED_LINKS = 3
_WORD = re.compile(r"[A-Za-z]{4,}")
_CLEARABLE = frozenset(
    {"text", "email", "password", "search", "tel", "url", "number", "textarea", "date"}
)


def _identity(fp_owner: Element) -> tuple[str | None, ...]:
    fp = fp_owner.fingerprint
    return (fp.tag, fp.role, fp.accessible_name, fp.text, fp.href, fp.test_id, fp.name)


def form_signature(form: Form) -> tuple[str, ...]:
    return (form.method, *sorted(f.name for f in form.fields), form.purpose)


@dataclass
class Explorer:
    session: ProbeSession
    assembler: PageAssembler
    pages: list[Page]
    elements: dict[str, Element]
    credentials: Credentials | None
    max_states: int = 8
    issues: list[CrawlIssue] = field(default_factory=list)
    _states: int = 0

    async def run(self) -> None:
        seen: set[tuple[str, ...]] = set()
        layer: list[tuple[Form, list[FlowStep]]] = []
        for page in self.pages:
            for form in page.forms:
                if form.purpose == "out_of_scope" or form_signature(form) in seen:
                    continue
                seen.add(form_signature(form))
                layer.append(
                    (form, [FlowStep(action=FlowStepAction.GOTO, page=page.path, value=page.path)])
                )
        while layer:
            found = await asyncio.gather(*(self._probe_form(f, setup) for f, setup in layer))
            layer = []
            for new_forms in found:
                for form, setup in new_forms:
                    if form_signature(form) not in seen and form.purpose != "out_of_scope":
                        seen.add(form_signature(form))
                        layer.append((form, setup))

    def _signed_in(self, form: Form) -> bool:
        return form.purpose != "sign_in" and self.session.auth is not None

    def _page_of(self, form: Form) -> Page:
        return next(p for p in self.pages if form in p.forms)

    def _valid_inputs(self, form: Form) -> dict[str, str]:
        inputs: dict[str, str] = {}
        for f in form.fillable_fields:
            if self.session.auth and f.element == self.session.auth.username_field:
                inputs[f.element] = USERNAME
            elif self.session.auth and f.element == self.session.auth.password_field:
                inputs[f.element] = PASSWORD
            elif form.purpose == "search" and category_of(f) == "search":
                inputs[f.element] = self._search_term(form)
            elif f.input_type in {"checkbox", "radio"}:
                if f.constraints.required:
                    inputs[f.element] = "on"
            else:
                value = valid_value(f)
                if value is not None:
                    inputs[f.element] = value
        return inputs

    def _search_term(self, form: Form) -> str:
        """A word from the page's own content, so a working search has something to find."""
        page = self._page_of(form)
        templated = {p.path for p in self.pages if p.template}
        content = [
            link
            for link in page.links
            if link.target != page.path and not self.elements[link.element].in_navigation
        ]
        content.sort(key=lambda link: link.target not in templated)  # item pages first
        for link in content:
            match = _WORD.search(link.text)
            if match:
                return match.group(0)
        return "test"

    def _real(self, inputs: dict[str, str]) -> dict[str, str]:
        if not self.credentials:
            return inputs
        secrets = {USERNAME: self.credentials.username, PASSWORD: self.credentials.password}
        return {k: secrets.get(v, v) for k, v in inputs.items()}

    def _refusals(
        self, form: Form, valid: dict[str, str]
    ) -> list[tuple[ProbeKind, dict[str, str], str | None]]:
        """Submissions the app should refuse: required fields empty, one rule broken at a time,
        a wrong password, a search for nothing. Empty first, while the page is untouched."""
        found: list[tuple[ProbeKind, dict[str, str], str | None]] = []
        if any(f.constraints.required for f in form.fillable_fields):
            cleared = {f.element: "" for f in form.fillable_fields if f.input_type in _CLEARABLE}
            found.append((ProbeKind.EMPTY, cleared, None))
        for f in form.fillable_fields:
            if f.element not in valid or valid[f.element] in {USERNAME, PASSWORD}:
                continue
            for bad in invalid_inputs(f)[:MAX_INVALID_PER_FIELD]:
                found.append((ProbeKind.INVALID_FIELD, {**valid, f.element: bad.value}, f.element))
        auth = self.session.auth
        if form.purpose == "sign_in" and auth:
            wrong = {**valid, auth.password_field: "Wrong-passw0rd!"}
            found.append((ProbeKind.INVALID_FIELD, wrong, auth.password_field))
        if form.purpose == "search":
            term_key = next(k for k, v in valid.items() if v == self._search_term(form))
            found.append((ProbeKind.INVALID_FIELD, {**valid, term_key: NO_MATCH_TERM}, term_key))
        return found

    def _issue(self, form: Form, exc: Exception) -> None:
        self.issues.append(
            CrawlIssue(
                kind=CrawlIssueKind.PROBE_FAILED, url=form.page, message=f"{form.key}: {exc}"
            )
        )

    async def _probe_form(
        self, form: Form, setup: list[FlowStep]
    ) -> list[tuple[Form, list[FlowStep]]]:
        form.setup = setup
        valid = self._valid_inputs(form)
        refusals = self._refusals(form, valid)
        signed_in = self._signed_in(form)
        try:
            first, second, refused = await asyncio.gather(
                self.session.submit(
                    form, self._real(valid), signed_in=signed_in, capture_after=True
                ),
                self.session.submit(
                    form, self._real(valid), signed_in=signed_in, capture_after=True
                ),
                self.session.submit_each(
                    form, [self._real(inputs) for _, inputs, _ in refusals], signed_in=signed_in
                ),
            )
        except StepError as exc:
            self._issue(form, exc)
            return []
        others = []
        for (kind, inputs, field_key), outcome in zip(refusals, refused, strict=True):
            if isinstance(outcome, StepError):
                self._issue(form, outcome)
            else:
                others.append(FormProbe(kind=kind, inputs=inputs, field=field_key, outcome=outcome))
        assert isinstance(first, ProbeRun) and isinstance(second, ProbeRun)
        probes = [
            FormProbe(
                kind=ProbeKind.VALID, inputs=valid, outcome=stable(first.outcome, second.outcome)
            )
        ]
        form.probes = probes + others
        if first.after is None or second.after is None or self._states >= self.max_states:
            return []
        chain = [*setup, *submission_steps(form, valid)]
        return await self._unlock(form, chain, first.after, second.after)

    async def _unlock(
        self, form: Form, chain: list[FlowStep], after: PageCapture, again: PageCapture
    ) -> list[tuple[Form, list[FlowStep]]]:
        """Record the page a valid submission led to, if it shows more than the crawl saw."""
        base = next((p for p in self.pages if p.path == after.path and p.state is None), None)
        if base is None:
            return []
        variant = self._variant(base, after, again, chain, f"after {self._label(form)}")
        if variant is None:
            return []
        unlocked = [(f, chain) for f in variant.forms]
        # Pages the crawl never reached exist only in this state (a checkout behind a full
        # cart); pages it did reach were explored already.
        crawled = {p.path for p in self.pages if p.state is None}
        new_links = [
            link
            for link in variant.links
            if link.element not in {known.element for known in base.links}
            and link.target not in crawled
            and not self.elements[link.element].in_navigation
        ][:MAX_FOLLOWED_LINKS]
        for link in new_links:
            unlocked.extend(await self._follow(chain, link.element))
        return unlocked

    async def _follow(
        self, chain: list[FlowStep], link_key: str
    ) -> list[tuple[Form, list[FlowStep]]]:
        steps = [
            *chain,
            FlowStep(action=FlowStepAction.CLICK, page=chain[-1].page, element=link_key),
        ]
        captures = []
        try:
            for _ in range(2):
                async with self.session.fresh(signed_in=self.session.auth is not None) as actuator:
                    await actuator.run_all(steps)
                    snapshot, ladders = await snapshot_with_ladders(actuator.page)
                    captures.append(
                        PageCapture(
                            url=actuator.page.url, status=200, snapshot=snapshot, ladders=ladders
                        )
                    )
        except StepError as exc:
            self.issues.append(
                CrawlIssue(kind=CrawlIssueKind.PROBE_FAILED, url=link_key, message=str(exc))
            )
            return []
        after, again = captures
        if self._states >= self.max_states:
            return []
        base = next((p for p in self.pages if p.path == after.path and p.state is None), None)
        label = self.elements[link_key].fingerprint.accessible_name or link_key
        variant = self._variant(base, after, again, steps, f"via {label}")
        return [(f, steps) for f in variant.forms] if variant else []

    def _variant(
        self,
        base: Page | None,
        after: PageCapture,
        again: PageCapture,
        setup: list[FlowStep],
        state: str,
    ) -> Page | None:
        """A page as a state reached by `setup`; `base` is its stateless crawl, if it has one."""
        base_ids = {_identity(e) for e in base.elements} if base else set()
        assembled = self.assembler.assemble(
            after,
            base.depth if base else len(setup),
            scope_name=page_slug(after.path),
            requires_auth=base.requires_auth if base else self.session.auth is not None,
            reuse=base,
        )
        page = assembled.page
        new = [e for e in page.elements if _identity(e) not in base_ids]
        if not new:
            return None
        self._states += 1
        repeat = {(r.xpath, r.text) for r in again.snapshot.elements}
        page.state = state
        page.setup = setup
        page.observed = {
            e.key: raw.text
            for e in new
            if e.kind is ElementKind.OTHER
            and not e.in_navigation
            and (raw := assembled.raw_by_key[e.key]).text
            and (raw.xpath, raw.text) in repeat
        }
        known_forms = {form_signature(f) for f in base.forms} if base else set()
        page.forms = [f for f in page.forms if form_signature(f) not in known_forms]
        self.pages.append(page)
        self.elements.update({e.key: e for e in page.elements})
        return page

    def _label(self, form: Form) -> str:
        submit = self.elements.get(form.submit or "")
        return (submit.fingerprint.accessible_name if submit else None) or form.key
