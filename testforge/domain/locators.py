"""Locators: the ways a test can address an element, ordered from most to least robust."""

import re
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit

from testforge.domain.base import FrozenModel
from testforge.domain.fingerprint import ElementFingerprint


class LocatorStrategy(StrEnum):
    TEST_ID = "test_id"
    ROLE = "role"
    LABEL = "label"
    PLACEHOLDER = "placeholder"
    TEXT = "text"
    CSS = "css"
    XPATH = "xpath"


class Locator(FrozenModel):
    """One rung of a locator ladder. Matching is always exact.

    For `ROLE`, `value` is the ARIA role and `name` the accessible name; other strategies use
    `value` only.
    """

    strategy: LocatorStrategy
    value: str
    name: str | None = None

    def describe(self) -> str:
        if self.strategy is LocatorStrategy.ROLE:
            return f'role={self.value}[name="{self.name}"]'
        return f"{self.strategy.value}={self.value}"


LocatorLadder = tuple[Locator, ...]


# Roles Playwright's get_by_role can address and that name an element a user would recognise.
ROLE_LOCATABLE = frozenset(
    {
        "button",
        "link",
        "checkbox",
        "radio",
        "textbox",
        "searchbox",
        "spinbutton",
        "combobox",
        "listbox",
        "heading",
        "img",
        "tab",
        "menuitem",
        "switch",
        "slider",
        "status",
        "alert",
    }
)
FORM_TAGS = frozenset({"input", "select", "textarea"})
MAX_TEXT_LOCATOR = 80
_PLAIN_ID = re.compile(r"^[A-Za-z][\w-]*$")
# Ids that frameworks generate change on every build; a locator on them is worse than none.
_GENERATED_ID = re.compile(
    r"(\d{3,}|[0-9a-f]{8,}|^:r\w+:$|^(ember|react|ng|mui|radix)[-_:]?[\w-]*\d)", re.I
)


def looks_generated(identifier: str) -> bool:
    return bool(_GENERATED_ID.search(identifier))


def css_for(fp: ElementFingerprint) -> str | None:
    if fp.id and not looks_generated(fp.id):
        return f"#{fp.id}" if _PLAIN_ID.match(fp.id) else f'[id="{fp.id}"]'
    if fp.name and fp.tag in FORM_TAGS:
        return f'{fp.tag}[name="{fp.name}"]'
    return None


def candidate_ladder(fp: ElementFingerprint) -> LocatorLadder:
    """Every locator that could address this element, most robust first; unverified."""
    rungs: list[Locator] = []
    if fp.test_id:
        rungs.append(Locator(strategy=LocatorStrategy.TEST_ID, value=fp.test_id))
    if fp.role in ROLE_LOCATABLE and fp.accessible_name:
        rungs.append(Locator(strategy=LocatorStrategy.ROLE, value=fp.role, name=fp.accessible_name))
    if fp.tag in FORM_TAGS and fp.label:
        rungs.append(Locator(strategy=LocatorStrategy.LABEL, value=fp.label))
    if fp.tag in FORM_TAGS and fp.placeholder:
        rungs.append(Locator(strategy=LocatorStrategy.PLACEHOLDER, value=fp.placeholder))
    if fp.tag not in FORM_TAGS and fp.text and len(fp.text) <= MAX_TEXT_LOCATOR:
        rungs.append(Locator(strategy=LocatorStrategy.TEXT, value=fp.text))
    css = css_for(fp)
    if css:
        rungs.append(Locator(strategy=LocatorStrategy.CSS, value=css))
    return tuple(rungs)


_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def path_regex(path: str) -> str:
    """A regex matching exactly `path`, escaping only what regexes treat specially (readable)."""
    return _REGEX_SPECIAL.sub(r"\\\1", path)


_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)[.^$*+?{}\[\]|()]")
_ESCAPE = re.compile(r"\\(.)")


def _literal(pattern: str) -> str | None:
    """The text a regex matches when it is a literal (path_regex's output), else None."""
    return None if _UNESCAPED_SPECIAL.search(pattern) else _ESCAPE.sub(r"\1", pattern)


def _parts(url: str) -> tuple[str, list[tuple[str, str]], str, list[tuple[str, str]]]:
    outer = urlsplit(url)
    inner = urlsplit(outer.fragment) if outer.fragment.startswith(("/", "!/")) else None
    return (
        outer.path,
        sorted(parse_qsl(outer.query, keep_blank_values=True)),
        inner.path if inner else "",
        sorted(parse_qsl(inner.query, keep_blank_values=True)) if inner else [],
    )


def url_matches(pattern: str, url: str) -> bool:
    """Whether `url` (a path with its query and route) is the one `pattern` expects.

    A URL's query parameters in another order are the same URL (an upgrade may reorder them),
    so a literal expectation compares them as a set; a pattern with wildcards is a regex.
    """
    if re.fullmatch(pattern + r"(#.*)?", url):
        return True
    literal = _literal(pattern)
    return literal is not None and _parts(literal) == _parts(url)
