"""Element snapshots of live pages: the raw records of extract.js and their fingerprints."""

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Page as AsyncPage
from playwright.sync_api import Page as SyncPage
from pydantic import BaseModel, ConfigDict, Field

from testforge.domain.app_model import FieldConstraints
from testforge.domain.fingerprint import BoundingBox, ElementFingerprint


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


class PageSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = ""
    heading: str | None = None
    landmarks: list[str] = Field(default_factory=list)
    texts: list[str] = Field(default_factory=list)
    elements: list[RawElement] = Field(default_factory=list)
    forms: list[RawForm] = Field(default_factory=list)


def relative_href(href: str | None, page_url: str) -> str | None:
    """Same-origin URLs become path+query so fingerprints survive a change of host or port."""
    if not href:
        return href
    target, page = urlsplit(href), urlsplit(page_url)
    if target.scheme in {"http", "https"} and target.netloc == page.netloc:
        return target.path + (f"?{target.query}" if target.query else "")
    return href


@cache
def extract_script() -> str:
    return (Path(__file__).with_name("extract.js")).read_text(encoding="utf-8")


def _options(outputs: bool) -> dict[str, Any]:
    return {"outputs": outputs}


async def snapshot_async(page: AsyncPage, *, outputs: bool = True) -> PageSnapshot:
    return PageSnapshot.model_validate(await page.evaluate(extract_script(), _options(outputs)))


def snapshot_sync(page: SyncPage, *, outputs: bool = True) -> PageSnapshot:
    return PageSnapshot.model_validate(page.evaluate(extract_script(), _options(outputs)))
