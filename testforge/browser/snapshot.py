"""Element snapshots of live pages: the raw records of extract.js and their fingerprints.

A snapshot never fails on an odd element: extract.js skips what it cannot read, and a record that
still fails validation here is skipped too; both are counted in `PageSnapshot.unreadable_count`.
"""

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from testforge.domain.app_model import FieldConstraints
from testforge.domain.fingerprint import BoundingBox, ElementFingerprint

if TYPE_CHECKING:  # annotations only: a test worker, sync, need not load the async API
    from playwright.async_api import Page as AsyncPage
    from playwright.sync_api import Page as SyncPage

# Work caps for huge pages, passed to extract.js (what is cut is reported in `truncated`).
MAX_ELEMENTS = 2000
MAX_TEXT_BLOCKS = 5000
# How many unreadable elements and skipped frames a snapshot describes (all are counted).
MAX_REPORTED = 10
_MAX_REASON = 160


def _parseable_url(value: str | None) -> str | None:
    """Reject URLs urllib cannot split (the browser returns an unparseable href as written):
    crawl scope and path handling would raise on them later, far from the element."""
    if value is not None:
        try:
            urlsplit(value)
        except ValueError as exc:
            raise ValueError(f"unparseable URL: {exc}") from None
    return value


class RawElement(BaseModel):
    """One element as extract.js reports it (fingerprint fields plus form-filling facts)."""

    model_config = ConfigDict(extra="ignore")

    tag: str
    test_id: str | None = None
    id: str | None = None
    name: str | None = None
    classes: list[str] = Field(default_factory=list)
    type: str | None = None
    role: str | None = None
    accessible_name: str | None = None
    text: str | None = None
    label: str | None = None
    placeholder: str | None = None
    aria_label: str | None = None
    title: str | None = None
    value: str | None = None
    href: str | None = None
    alt: str | None = None
    xpath: str
    id_xpath: str | None = None
    box: BoundingBox | None = None
    neighbor_texts: list[str] = Field(default_factory=list)
    form: str | None = None
    interactive: bool = False
    in_nav: bool = False
    disabled: bool = False
    constraints: FieldConstraints | None = None
    option_values: list[str] = Field(default_factory=list)
    field_value: str | None = None
    target: str | None = None  # a link's browsing context: "_blank" opens another tab

    @field_validator("href")
    @classmethod
    def _href_parses(cls, value: str | None) -> str | None:
        return _parseable_url(value)

    def fingerprint(self, page_url: str) -> ElementFingerprint:
        return ElementFingerprint(
            tag=self.tag,
            test_id=self.test_id,
            id=self.id,
            name=self.name,
            classes=tuple(self.classes),
            type=self.type,
            role=self.role,
            accessible_name=self.accessible_name,
            text=self.text,
            label=self.label,
            placeholder=self.placeholder,
            aria_label=self.aria_label,
            title=self.title,
            value=self.value,
            href=relative_href(self.href, page_url),
            alt=self.alt,
            xpath=self.xpath,
            id_xpath=self.id_xpath,
            box=self.box,
            neighbor_texts=tuple(self.neighbor_texts),
            form=self.form and relative_href(self.form, page_url),
        )


class RawForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str
    action: str
    method: str
    novalidate: bool = False

    @field_validator("action")
    @classmethod
    def _action_parses(cls, value: str) -> str:
        return _parseable_url(value) or value


class Unreadable(BaseModel):
    """An element (or part of the page) the scanner skipped, and why."""

    model_config = ConfigDict(extra="ignore")

    xpath: str | None = None
    reason: str = ""


class SkippedFrame(BaseModel):
    """A visible frame: a separate document the scanner does not enter."""

    model_config = ConfigDict(extra="ignore")

    xpath: str | None = None
    src: str | None = None


class Truncation(BaseModel):
    """Work cut on a huge page: element records beyond the cap, text nodes left unexamined,
    and (set by discovery's locator verification) elements whose rungs were not all checked."""

    model_config = ConfigDict(extra="ignore")

    elements: int = 0
    texts: int = 0
    ladders: int = 0


class PageSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = ""
    heading: str | None = None
    landmarks: list[str] = Field(default_factory=list)
    texts: list[str] = Field(default_factory=list)
    elements: list[RawElement] = Field(default_factory=list)
    forms: list[RawForm] = Field(default_factory=list)
    # The first few of what was skipped, and how many in all.
    unreadable: list[Unreadable] = Field(default_factory=list)
    unreadable_count: int = 0
    skipped_frames: list[SkippedFrame] = Field(default_factory=list)
    skipped_frame_count: int = 0
    truncated: Truncation = Field(default_factory=Truncation)
    nodes: int = 0  # elements examined, in the document and its open shadow roots

    @model_validator(mode="before")
    @classmethod
    def _skip_invalid_records(cls, data: Any) -> Any:
        """Validate each element and form on its own: one that fails is skipped and counted."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        failed: list[Unreadable] = []
        for key, model in (("elements", RawElement), ("forms", RawForm)):
            items = data.get(key)
            if not isinstance(items, list):
                continue
            kept: list[BaseModel] = []
            for item in items:
                try:
                    kept.append(model.model_validate(item))
                except ValidationError as exc:
                    failed.append(Unreadable(xpath=_xpath_of(item), reason=_reason(key, exc)))
            data[key] = kept
        if failed:
            reported = data.get("unreadable")
            reported = reported if isinstance(reported, list) else []
            count = data.get("unreadable_count")
            count = count if isinstance(count, int) else len(reported)
            data["unreadable"] = [*reported, *failed][:MAX_REPORTED]
            data["unreadable_count"] = count + len(failed)
        return data


def _xpath_of(item: object) -> str | None:
    xpath = item.get("xpath") if isinstance(item, dict) else None
    return xpath if isinstance(xpath, str) else None


def _reason(kind: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or kind
    return f"invalid {kind[:-1]} record: {where}: {first['msg']}"[:_MAX_REASON]


def relative_href(href: str | None, page_url: str) -> str | None:
    """Same-origin URLs become path+query (and a hash route) so fingerprints survive a change
    of host or port."""
    if not href:
        return href
    try:
        target, page = urlsplit(href), urlsplit(page_url)
    except ValueError:
        return href  # not a URL urllib can split (e.g. a form key taken from a bad action)
    if target.scheme in {"http", "https"} and target.netloc == page.netloc:
        route = f"#{target.fragment}" if target.fragment.startswith(("/", "!/")) else ""
        return target.path + (f"?{target.query}" if target.query else "") + route
    return href


@cache
def extract_script() -> str:
    return (Path(__file__).with_name("extract.js")).read_text(encoding="utf-8")


# Marks a number JSON cannot carry (NaN, ±Infinity: `Number("2024-01-01")` of a date's min).
_NON_FINITE = "__non_finite__"


@cache
def _extract_as_json() -> str:
    """extract.js returning its result as one JSON string: Playwright's own serialisation of a
    big result takes seconds (1.4 MB for 2,000 records). A page that replaced JSON.stringify or
    added toJSON methods (old Prototype.js) gets the plain object instead."""
    return rf"""(options) => {{
  const result = ({extract_script()})(options);
  const stringify = JSON.stringify;
  if (!/\[native code\]/.test(Function.prototype.toString.call(stringify))) return result;
  const protos = [Object.prototype, Array.prototype, String.prototype, Number.prototype,
    Boolean.prototype];
  if (protos.some((p) => Object.prototype.hasOwnProperty.call(p, "toJSON"))) return result;
  return stringify(result, (key, value) => (typeof value === "number" && !Number.isFinite(value)
    ? {{ {_NON_FINITE}: String(value) }} : value));
}}"""


def _non_finite(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(marked := obj.get(_NON_FINITE), str):
        return float(marked)
    return obj


def _decoded(raw: Any) -> Any:
    return json.loads(raw, object_hook=_non_finite) if isinstance(raw, str) else raw


def _options(outputs: bool, max_elements: int, max_texts: int) -> dict[str, Any]:
    return {"outputs": outputs, "maxElements": max_elements, "maxTexts": max_texts}


async def snapshot_async(
    page: "AsyncPage",
    *,
    outputs: bool = True,
    max_elements: int = MAX_ELEMENTS,
    max_texts: int = MAX_TEXT_BLOCKS,
) -> PageSnapshot:
    raw = await page.evaluate(_extract_as_json(), _options(outputs, max_elements, max_texts))
    return PageSnapshot.model_validate(_decoded(raw))


def snapshot_sync(
    page: "SyncPage",
    *,
    outputs: bool = True,
    max_elements: int = MAX_ELEMENTS,
    max_texts: int = MAX_TEXT_BLOCKS,
) -> PageSnapshot:
    raw = page.evaluate(_extract_as_json(), _options(outputs, max_elements, max_texts))
    return PageSnapshot.model_validate(_decoded(raw))
