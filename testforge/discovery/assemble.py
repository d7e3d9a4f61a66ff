"""Turning page captures into AppModel pages: keyed elements, forms with fields, links."""

from dataclasses import dataclass

from testforge.browser.snapshot import RawElement
from testforge.discovery.capture import PageCapture
from testforge.discovery.keys import KeyAllocator, element_slug, page_slug, slugify
from testforge.discovery.scope import CrawlScope, path_of
from testforge.domain.app_model import (
    Element,
    ElementKind,
    FieldConstraints,
    Form,
    FormField,
    Link,
    Page,
)
from testforge.domain.effects import FieldFacts, classify_form, classify_link
from testforge.domain.fingerprint import ElementFingerprint
from testforge.domain.testdata import category_of

SHARED_SCOPE = "nav"
_SUBMIT_TYPES = frozenset({"submit", "image"})


def kind_of(raw: RawElement) -> ElementKind:
    if raw.tag == "a" and raw.href:
        return ElementKind.LINK
    if raw.tag == "select":
        return ElementKind.SELECT
    if raw.tag == "textarea":
        return ElementKind.TEXTAREA
    if raw.tag == "input":
        if raw.type == "checkbox":
            return ElementKind.CHECKBOX
        if raw.type == "radio":
            return ElementKind.RADIO
        if raw.type in {"submit", "button", "reset", "image"}:
            return ElementKind.BUTTON
        return ElementKind.TEXT_INPUT
    if raw.tag == "button" or raw.role == "button":
        return ElementKind.BUTTON
    return ElementKind.LINK if raw.role == "link" else ElementKind.OTHER


def _shared_signature(fp: ElementFingerprint) -> tuple[str | None, ...]:
    return (fp.tag, fp.role, fp.accessible_name, fp.text, fp.href, fp.test_id, fp.id)


def _is_submit(raw: RawElement) -> bool:
    if raw.tag == "button":
        return (raw.type or "submit") == "submit"
    return raw.tag == "input" and raw.type in _SUBMIT_TYPES


@dataclass
class AssembledPage:
    page: Page
    raw_by_key: dict[str, RawElement]


class PageAssembler:
    """Allocates keys across the whole app; navigation elements shared by pages get one key."""

    def __init__(self, scope: CrawlScope) -> None:
        self._scope = scope
        self._keys = KeyAllocator()
        self._shared: dict[tuple[str | None, ...], Element] = {}

    def assemble(
        self,
        cap: PageCapture,
        depth: int,
        *,
        scope_name: str | None = None,
        requires_auth: bool = False,
        signed_in: bool = False,
        reuse: Page | None = None,
    ) -> AssembledPage:
        """Key the capture's elements; elements identical to ones of `reuse` keep their keys."""
        path = cap.path
        reusable = {
            (e.fingerprint.xpath, _shared_signature(e.fingerprint)): e
            for e in (reuse.elements if reuse else [])
        }
        scope_name = scope_name or page_slug(path)
        elements: list[Element] = []
        raw_by_key: dict[str, RawElement] = {}
        key_by_xpath: dict[str, str] = {}
        for raw, ladder in zip(cap.snapshot.elements, cap.ladders, strict=True):
            if not ladder:
                continue  # nothing can address it reliably: tests must not use it
            fp = raw.fingerprint(cap.url)
            element = reusable.get((fp.xpath, _shared_signature(fp)))
            if element is None and raw.in_nav:
                element = self._shared.get(_shared_signature(fp))
            if element is None:
                scope = SHARED_SCOPE if raw.in_nav else scope_name
                kind = kind_of(raw)
                slug = element_slug(fp, interactive=kind is not ElementKind.OTHER)
                key = self._keys.allocate(scope, slug)
                element = Element(
                    key=key,
                    kind=kind,
                    page=path,
                    fingerprint=fp,
                    ladder=ladder,
                    in_navigation=raw.in_nav,
                )
                if raw.in_nav:
                    self._shared[_shared_signature(fp)] = element
            elements.append(element)
            raw_by_key[element.key] = raw
            key_by_xpath[raw.xpath] = element.key
        forms = self._forms(cap, path, scope_name, raw_by_key)
        links = [
            Link(
                element=key,
                target=path_of(raw.href),
                text=raw.text or raw.accessible_name or "",
                effect=classify_link(raw.text or "", raw.href, raw.accessible_name or ""),
                new_tab=(raw.target or "").lower() == "_blank",
            )
            for key, raw in raw_by_key.items()
            if raw.tag == "a" and raw.href and self._scope.allows(raw.href)
        ]
        page = Page(
            path=path,
            url=cap.url,
            title=cap.snapshot.title,
            heading=cap.snapshot.heading,
            depth=depth,
            status=cap.status,
            requires_auth=requires_auth,
            signed_in=signed_in,
            screenshot=cap.screenshot,
            landmarks=tuple(sorted(set(cap.snapshot.landmarks))),
            async_texts=cap.async_texts,
            stable_texts=cap.stable_texts or (),
            elements=elements,
            forms=forms,
            links=links,
        )
        return AssembledPage(page=page, raw_by_key=raw_by_key)

    def _forms(
        self, cap: PageCapture, path: str, scope_name: str, raw_by_key: dict[str, RawElement]
    ) -> list[Form]:
        forms = []
        for raw_form in cap.snapshot.forms:
            members = [(k, r) for k, r in raw_by_key.items() if r.form == raw_form.key]
            fields = [  # a disabled field takes no input and is not sent
                _field(k, r)
                for k, r in members
                if r.constraints is not None and not _is_submit(r) and not r.disabled
            ]
            submit = next((k for k, r in members if _is_submit(r) and not r.disabled), None)
            if submit is None:
                continue  # a form nobody can submit by clicking is not a form we can test
            in_scope = self._scope.allows(raw_form.action)
            searchable = any(f.input_type == "search" or category_of(f) == "search" for f in fields)
            if not in_scope:
                # Submitting an out-of-scope form (sign-out, another site) is never probed.
                purpose = "out_of_scope"
            elif raw_form.method == "get" and searchable:
                purpose = "search"
            else:
                purpose = "generic"
            button = raw_by_key[submit]
            effect = classify_form(
                raw_form.method,
                raw_form.action,
                " ".join(t for t in (button.accessible_name, button.text, button.value) if t),
                [FieldFacts(f.name, f.input_type, f.label) for f in fields],
            )
            forms.append(
                Form(
                    key=self._keys.allocate(scope_name, _form_slug(raw_form.key)),
                    page=path,
                    action=path_of(raw_form.action) if in_scope else raw_form.action,
                    method=raw_form.method,
                    novalidate=raw_form.novalidate,
                    fields=fields,
                    submit=submit,
                    purpose=purpose,
                    effect=effect,
                )
            )
        return forms


def _form_slug(form_key: str) -> str:
    return "form_" + slugify(form_key.rstrip("/").rsplit("/", 1)[-1] or "form", default="form")


def _field(key: str, raw: RawElement) -> FormField:
    constraints = raw.constraints or FieldConstraints()
    if raw.tag == "select":
        # Options with an empty value are placeholders ("Choose…"), not choices.
        choices = tuple(
            label
            for label, value in zip(constraints.options, raw.option_values, strict=False)
            if value
        )
        constraints = constraints.model_copy(update={"options": choices})
    input_type = raw.tag if raw.tag in {"select", "textarea"} else (raw.type or "text")
    return FormField(
        element=key,
        name=raw.name or raw.id or key.rsplit(".", 1)[-1],
        input_type=input_type,
        label=raw.label or raw.accessible_name,
        placeholder=raw.placeholder,
        constraints=constraints,
    )
