"""Registry keys: readable, deterministic, unique names for pages and elements."""

import re

from testforge.domain.fingerprint import ElementFingerprint

_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 40


def slugify(text: str, default: str = "item", max_length: int = MAX_SLUG) -> str:
    """snake_case of `text`, cut at a word boundary, never starting with a digit."""
    slug = _NON_WORD.sub("_", text.lower()).strip("_")
    if len(slug) > max_length:
        cut = slug[: max_length + 1].rsplit("_", 1)[0]
        slug = cut if len(cut) >= max_length // 2 else slug[:max_length]
    if not slug:
        return default
    return slug if slug[0].isalpha() else f"{default}_{slug}"


def page_slug(path: str) -> str:
    bare = path.split("?", 1)[0].strip("/")
    return slugify(bare, default="page") if bare else "home"


def element_slug(fp: ElementFingerprint, *, interactive: bool = True) -> str:
    """Buttons and links are named by what they say; fields by their name or label; outputs by
    what labels them. A button's `label` is only the text beside it, never its name."""
    if not interactive:
        sources: tuple[str | None, ...] = (fp.test_id, fp.id, fp.aria_label, fp.label, fp.text)
    elif fp.is_button or fp.tag == "a" or fp.role == "link":
        sources = (fp.test_id, fp.accessible_name, fp.text, fp.name, fp.id)
    else:
        sources = (fp.test_id, fp.name, fp.label, fp.accessible_name, fp.text, fp.id)
    for source in sources:
        if source:
            return slugify(source, default=fp.tag)
    return fp.tag


class KeyAllocator:
    """Hands out unique `scope.name` keys in the order elements are met."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, scope: str, name: str) -> str:
        key, n = f"{scope}.{name}", 2
        while key in self._taken:
            key, n = f"{scope}.{name}_{n}", n + 1
        self._taken.add(key)
        return key
