"""Which URLs a crawl may visit: same origin, within include/exclude patterns, never sign-out."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

# Following these would end the crawler's session or act destructively on a GET.
DEFAULT_EXCLUDES = (r"(?i)/(log|sign)[-_]?out\b", r"(?i)/logoff\b", r"(?i)/delete\b")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class CrawlScope:
    base_url: str
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    _include: tuple[re.Pattern[str], ...] = field(init=False, repr=False)
    _exclude: tuple[re.Pattern[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_include", tuple(re.compile(p) for p in self.include))
        excludes = (*DEFAULT_EXCLUDES, *self.exclude)
        object.__setattr__(self, "_exclude", tuple(re.compile(p) for p in excludes))

    @property
    def origin(self) -> str:
        return origin_of(self.base_url)

    def normalise(self, url: str) -> str:
        return urldefrag(url)[0]

    def allows(self, url: str) -> bool:
        url = self.normalise(url)
        if origin_of(url) != self.origin or urlsplit(url).scheme not in {"http", "https"}:
            return False
        path = path_of(url)
        if any(p.search(path) for p in self._exclude):
            return False
        return not self._include or any(p.search(path) for p in self._include)
