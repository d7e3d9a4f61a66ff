"""Classification: what each discovered page is for, which business flow it serves, what is at
risk on it, and what its key elements do. Enriches the AppModel for design and reporting.

One reusable prompt per page: the shared app overview is prompt-cached, and pages built from one
template ask near-identical questions that the semantic cache answers. Elements are named
relative to their page ("add_to_cart", not "products_mug.add_to_cart") and purposes are described
generically, so one template's answer holds for all its pages. The offline answer is a heuristic.
"""

import re
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from testforge.domain.app_model import AppModel, Element, ElementKind, FlowKind, Page, Risk
from testforge.llm.brief import element_name, to_json
from testforge.llm.port import LLMProvider, Prompt

TOOL = "classify_page"
MAX_ELEMENTS = 30
LABEL = 30  # enough to say what an element is; long labels are page content, not structure

SYSTEM = """You classify the pages of a web application for a QA team deciding what to test first.
For the page described, give:
- purpose: one sentence on what a user does there. Describe the page generically, without naming
  the specific product, article or person shown, so it holds for every page of the same template.
- business_flow: a short lower-case name of the business flow the page belongs to
  (e.g. authentication, browsing, search, purchase, account management, support, content).
- risk: high when a defect loses money, data or access (payments, checkout, sign-in, account
  changes); medium for forms and core features; low for informational pages.
- elements: for the elements that matter for testing (at most 10), what each does, named
  exactly as listed.
Answer only by calling the tool."""


class ElementPurpose(BaseModel):
    element: str = Field(description="The element's name exactly as listed for the page")
    purpose: str = Field(max_length=160)


class PageClassification(BaseModel):
    purpose: str = Field(max_length=240)
    business_flow: str = Field(max_length=40)
    risk: Risk
    elements: list[ElementPurpose] = Field(default_factory=list, max_length=10)


def _local_names(page: Page) -> dict[str, str]:
    """Element names relative to the page ("add_to_cart" for "products_mug.add_to_cart"), mapped
    to their keys; a name two elements would share keeps its full key."""
    keys = [e.key for e in _relevant(page)]
    local = [key.split(".", 1)[-1] for key in keys]
    return {
        name if local.count(name) == 1 else key: key for name, key in zip(local, keys, strict=True)
    }


def _relevant(page: Page) -> list[Element]:
    return [
        e
        for e in page.elements
        if not e.in_navigation and (e.kind is not ElementKind.OTHER or e.fingerprint.tag == "h1")
    ][:MAX_ELEMENTS]


def overview(model: AppModel) -> str:
    """The whole app in a few lines: shared by every page's prompt (and prompt-cached)."""
    pages = [
        {"path": p.path, "title": p.title, **({"state": p.state} if p.state else {})}
        for p in model.pages
    ]
    flows = [{"kind": f.kind.value, "name": f.name, "pages": list(f.pages)} for f in model.flows]
    return "Application overview (JSON):\n" + to_json(
        {"base_url": model.base_url, "pages": pages, "flows": flows}
    )


def page_question(page: Page) -> str:
    names = {key: local for local, key in _local_names(page).items()}
    described = {
        # A templated page is presented by its template, so its siblings ask the same question.
        "path": page.template or page.path,
        "title": page.title,
        # A heading the title already says is noise (and would set template siblings apart).
        "heading": page.heading if page.heading and page.heading not in page.title else None,
        "state": page.state,
        "requires_auth": page.requires_auth,
        "elements": [
            {"name": names[e.key], "kind": e.kind.value, "label": (element_name(e) or "")[:LABEL]}
            for e in _relevant(page)
        ],
        "forms": [
            {"purpose": f.purpose, "fields": [f.label or f.name for f in f.fillable_fields]}
            for f in page.forms
        ],
    }
    return f"Classify this page and call {TOOL}:\n" + to_json(described)


_FLOW_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (flow, re.compile(pattern, re.I))
    for flow, pattern in (
        ("authentication", r"sign[ -]?in|log[ -]?in|sign[ -]?up|register|password"),
        ("purchase", r"cart|checkout|basket|order|payment"),
        ("account management", r"account|profile|settings"),
        ("support", r"contact|support|help"),
        ("search", r"search"),
        ("browsing", r"product|catalog|shop|deal|categor"),
    )
)
_FLOW_KINDS = {
    FlowKind.SIGN_IN: "authentication",
    FlowKind.PURCHASE: "purchase",
    FlowKind.SEARCH: "search",
    FlowKind.MULTI_STEP: "purchase",
}


def heuristic(page: Page, model: AppModel) -> PageClassification:
    """The offline classification: keywords, flows and forms, no LLM."""
    in_flows = [_FLOW_KINDS[f.kind] for f in model.flows if page.path in f.pages]
    text = " ".join([page.path, page.title, page.heading or ""])
    flow = next(iter(in_flows), None) or next(
        (name for name, words in _FLOW_WORDS if words.search(text)), "information"
    )
    sensitive = any(
        re.search(r"card|cvc|iban|password", f.name + (f.label or ""), re.I)
        for form in page.forms
        for f in form.fields
    )
    if sensitive or flow in {"purchase", "authentication"}:
        risk = Risk.HIGH
    elif page.forms or page.requires_auth:
        risk = Risk.MEDIUM
    else:
        risk = Risk.LOW
    names = {key: local for local, key in _local_names(page).items()}
    elements = [
        ElementPurpose(element=names[form.submit], purpose=f"submits the {form.purpose} form")
        for form in page.forms
        if form.submit in names
    ][:10]
    what = (page.heading or page.title)[:120]
    forms = f" with {len(page.forms)} form(s)" if page.forms else ""
    return PageClassification(
        purpose=f"{what}: a {flow} page{forms}",
        business_flow=flow,
        risk=risk,
        elements=elements,
    )


def _unknown_elements(answer: PageClassification, page: Page) -> list[str]:
    names = _local_names(page)
    return [
        f"elements: {e.element!r} is not an element of this page (use a listed name)"
        for e in answer.elements
        if e.element not in names
    ]


def classify_prompt(page: Page, model: AppModel, context: str) -> Prompt[PageClassification]:
    return Prompt(
        task="classify",
        system=SYSTEM,
        context=context,
        question=page_question(page),
        schema=PageClassification,
        tool=TOOL,
        tool_description="Record the page's purpose, business flow, risk and key elements.",
        offline=lambda: heuristic(page, model),
        check=lambda answer: _unknown_elements(answer, page),
        max_tokens=1024,
        reusable=True,
    )


def _apply(page: Page, answer: PageClassification) -> Page:
    names = _local_names(page)
    return page.model_copy(
        update={
            "purpose": answer.purpose,
            "business_flow": answer.business_flow.lower(),
            "risk": answer.risk,
            "element_purposes": {
                names[e.element]: e.purpose for e in answer.elements if e.element in names
            },
        }
    )


def classify(model: AppModel, provider: LLMProvider, concurrency: int = 4) -> AppModel:
    """The model with every page classified; pages are classified in parallel."""
    context = overview(model)

    def one(page: Page) -> Page:
        return _apply(page, provider.ask(classify_prompt(page, model, context)).value)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        pages = list(pool.map(one, model.pages))
    return model.model_copy(update={"pages": pages})
