"""Stateful exploration: probe every form, and follow what a valid submission unlocks.

A crawl only sees pages in their empty state (an empty cart has no checkout form). Submitting a
form validly (add to cart) can reveal new elements, forms and links; those become page *variants*
reached by replaying the submission, and their forms are probed in turn.

What a form may be sent with depends on its effect and the exploration policy: forms that only
read (search, filters) are probed fully, in contexts whose guard aborts any write they attempt;
forms that write are, by default, only watched being refused by the browser's own validation
(nothing is sent); with writes allowed they are probed fully, with unique data. Deleting, bulk
actions, the signed-in user's own account and signing out are never probed.
"""

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from testforge.discovery.actuator import StepError
from testforge.discovery.assemble import PageAssembler
from testforge.discovery.auth import WRONG_PASSWORD, Credentials
from testforge.discovery.capture import PageCapture, snapshot_with_ladders
from testforge.discovery.keys import page_slug
from testforge.discovery.probes import (
    ProbeRun,
    ProbeSession,
    WouldSend,
    stable,
    submission_steps,
)
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
    Skipped,
    SkipReason,
)
from testforge.domain.effects import Classification, Effect, ExplorationPolicy
from testforge.domain.oracles import volatile
from testforge.domain.testdata import (
    category_of,
    invalid_inputs,
    is_unique_candidate,
    unique_token,
    unique_value,
    valid_value,
)

USERNAME = "$username"
PASSWORD = "$password"  # placeholders: credentials never enter artifacts
NO_MATCH_TERM = "zqxj-no-such-thing"
MAX_INVALID_PER_FIELD = 2
MAX_FOLLOWED_LINKS = 3
MAX_TOGGLES = 6
# Controls that open a menu: what a user presses to find "Log out" in a dropdown.
MENU_TOGGLES_JS = """() => {
  const xpathOf = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === n.tagName) i++;
      }
      parts.unshift(`${n.tagName.toLowerCase()}[${i}]`);
    }
    return "/" + parts.join("/");
  };
  const selector = "[aria-haspopup], [aria-expanded], [data-toggle=dropdown], " +
    "[data-bs-toggle=dropdown], .dropdown-toggle, summary";
  return Array.from(document.querySelectorAll(selector))
    .filter((el) => el.getClientRects().length > 0)
    .map(xpathOf);
}"""
_WORD = re.compile(r"[A-Za-z]{4,}")
_CLEARABLE = frozenset(
    {"text", "email", "password", "search", "tel", "url", "number", "textarea", "date"}
)


def _identity(fp_owner: Element) -> tuple[str | None, ...]:
    fp = fp_owner.fingerprint
    return (fp.tag, fp.role, fp.accessible_name, fp.text, fp.href, fp.test_id, fp.name)


@dataclass(frozen=True)
class _Mode:
    send: bool  # may a submission the browser accepts be sent?
    guarded: bool  # is every write of the context aborted?
    probe: bool = True


def form_signature(form: Form) -> tuple[str, ...]:
    return (form.method, *sorted(f.name for f in form.fields), form.purpose)


@dataclass
class Explorer:
    session: ProbeSession
    assembler: PageAssembler
    pages: list[Page]
    elements: dict[str, Element]
    credentials: Credentials | None
    policy: ExplorationPolicy = field(default_factory=ExplorationPolicy)
    max_states: int = 8
    issues: list[CrawlIssue] = field(default_factory=list)
    _states: int = 0
    _unprobed: dict[str, list[str]] = field(default_factory=dict)

    def skipped(self) -> list[Skipped]:
        """Forms not sent because of what they would do, grouped by the reason."""
        return [
            Skipped(
                reason=SkipReason.EFFECT, detail=detail, count=len(keys), examples=tuple(keys[:3])
            )
            for detail, keys in sorted(self._unprobed.items())
        ]

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

    def _mode(self, form: Form) -> _Mode:
        if form.purpose == "sign_in":
            return _Mode(send=True, guarded=False)  # the one write discovery always makes
        effect = form.effect.effect
        if self.policy.permits(effect):
            return _Mode(send=True, guarded=not form.writes)
        if effect in {Effect.WRITE, Effect.PAYMENT, Effect.PUBLISH}:
            return _Mode(send=False, guarded=True)
        return _Mode(send=False, guarded=True, probe=False)

    def _unprobe(self, form: Form, why: str) -> None:
        self._unprobed.setdefault(why, []).append(f"{form.page} {form.key}")

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
        if form.purpose == "sign_in" and auth and auth.password_field:
            wrong = {**valid, auth.password_field: WRONG_PASSWORD}
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

    def _unique_keys(self, form: Form, valid: dict[str, str]) -> tuple[str, ...]:
        """Fields whose value must differ on every submission of a form that writes, so records
        never collide and a test can find the one it made."""
        if not form.writes or form.purpose == "sign_in":
            return ()
        fields = {f.element: f for f in form.fields}
        return tuple(k for k in valid if k in fields and is_unique_candidate(fields[k], valid[k]))

    def _submitted(self, valid: dict[str, str], unique: tuple[str, ...]) -> dict[str, str]:
        token = unique_token()
        return self._real(
            {k: unique_value(v, token) if k in unique else v for k, v in valid.items()}
        )

    async def _probe_form(
        self, form: Form, setup: list[FlowStep]
    ) -> list[tuple[Form, list[FlowStep]]]:
        form.setup = setup
        mode = self._mode(form)
        if not mode.probe:
            self._unprobe(
                form, f"{form.effect.effect.value} form, never sent ({form.effect.reason})"
            )
            return []
        valid = self._valid_inputs(form)
        refusals = self._refusals(form, valid)
        unique = self._unique_keys(form, valid)
        signed_in = self._signed_in(form)
        refused_run = self.session.submit_each(
            form,
            [self._real(inputs) for _, inputs, _ in refusals],
            signed_in=signed_in,
            guarded=mode.guarded,
            may_send=mode.send,
        )
        first: ProbeRun | None = None
        second: ProbeRun | None = None
        try:
            if mode.send:
                first, second, refused = await asyncio.gather(
                    self._submit_valid(form, valid, unique, signed_in, mode),
                    self._submit_valid(form, valid, unique, signed_in, mode),
                    refused_run,
                )
            else:
                self._unprobe(form, "write form, only its refusal by the browser was watched")
                refused = await refused_run
        except StepError as exc:
            self._issue(form, exc)
            return []
        others = []
        for (kind, inputs, field_key), outcome in zip(refusals, refused, strict=True):
            if isinstance(outcome, StepError):
                self._issue(form, outcome)
            elif isinstance(outcome, WouldSend):
                continue  # the browser would have sent it: nothing to watch without sending
            elif outcome.blocked_writes:
                self._wrote(form, outcome)
            elif mode.send or outcome.outcome.blocked_by_browser:
                others.append(
                    FormProbe(kind=kind, inputs=inputs, field=field_key, outcome=outcome.outcome)
                )
        if first is None or second is None:
            form.probes = others
            return []
        if first.blocked_writes or second.blocked_writes:
            self._wrote(form, first if first.blocked_writes else second)
            form.probes = [p for p in others if p.outcome.blocked_by_browser]
            return []
        probes = [
            FormProbe(
                kind=ProbeKind.VALID,
                inputs=valid,
                unique=unique,
                outcome=stable(first.outcome, second.outcome),
            )
        ]
        form.probes = probes + others
        if first.after is None or second.after is None or self._states >= self.max_states:
            return []
        chain = [*setup, *submission_steps(form, valid)]
        return await self._unlock(form, chain, first.after, second.after)

    async def _submit_valid(
        self,
        form: Form,
        valid: dict[str, str],
        unique: tuple[str, ...],
        signed_in: bool,
        mode: _Mode,
    ) -> ProbeRun:
        return await self.session.submit(
            form,
            self._submitted(valid, unique),
            signed_in=signed_in,
            guarded=mode.guarded,
            capture_after=True,
            own_session=form.writes,  # what it writes into a session stays out of the others'
            listing=self._listing_for(form) if unique else None,
        )

    def _listing_for(self, form: Form) -> str | None:
        """The list page a new record should appear on: the crawled page linking to the
        form's page that is its nearest parent (`/items/` for `/items/new/`)."""
        form_path = form.page.split("?", 1)[0]
        linking = [
            p.path
            for p in self.pages
            if p.state is None
            and p.path != form.page
            and any(link.target == form.page for link in p.links)
            and form_path.startswith(p.path.split("?", 1)[0].rstrip("/") + "/")
        ]
        return max(
            linking, key=lambda path: (len(path.split("?", 1)[0]), "?" not in path), default=None
        )

    def _wrote(self, form: Form, run: ProbeRun) -> None:
        """A form taken for a read tried to write: it is a write form from now on."""
        form.effect = Classification(
            effect=Effect.WRITE, reason=f"it sent {run.blocked_writes[0]} when submitted"
        )
        self.issues.append(
            CrawlIssue(
                kind=CrawlIssueKind.PROBE_FAILED,
                url=form.page,
                message=f"{form.key}: the write guard stopped {', '.join(run.blocked_writes[:3])}"
                " (discovery does not change data unless writes are allowed)",
            )
        )

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
            and link.effect.effect is Effect.NAVIGATE
            and not link.new_tab
            and not volatile(link.text)  # "42 minutes ago" is gone by the time a test runs
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
                async with self.session.fresh(
                    signed_in=self.session.auth is not None,
                    guarded=not self.policy.allow_writes,
                    own_session=self.policy.allow_writes,
                ) as actuator:
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
            signed_in=self.session.auth is not None,
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

    async def reveal_sign_out(
        self, page: Page, is_sign_out: Callable[[Element], bool]
    ) -> tuple[str, str] | None:
        """When the page's sign-out control sits in a menu (a user menu, a dropdown), the key
        of the control that opens the menu and of the sign-out control it shows."""
        goto = FlowStep(action=FlowStepAction.GOTO, page=page.path, value=page.path)
        async with self.session.fresh(signed_in=True, guarded=True) as actuator:
            await actuator.run(goto)
            xpaths = set(await actuator.page.evaluate(MENU_TOGGLES_JS))
        toggles = [e.key for e in page.elements if e.fingerprint.xpath in xpaths][:MAX_TOGGLES]
        for toggle in toggles:
            steps = [goto, FlowStep(action=FlowStepAction.CLICK, page=page.path, element=toggle)]
            try:
                async with self.session.fresh(signed_in=True, guarded=True) as actuator:
                    await actuator.run_all(steps)
                    snapshot, ladders = await snapshot_with_ladders(actuator.page)
            except StepError:
                continue
            opened = PageCapture(
                url=actuator.page.url, status=200, snapshot=snapshot, ladders=ladders
            )
            label = self.elements[toggle].fingerprint.accessible_name or toggle
            variant = self._variant(page, opened, opened, steps, f"with {label} open")
            found = next((e for e in variant.elements if is_sign_out(e)), None) if variant else None
            if found is not None:
                return toggle, found.key
        return None

    def _label(self, form: Form) -> str:
        submit = self.elements.get(form.submit or "")
        return (submit.fingerprint.accessible_name if submit else None) or form.key
