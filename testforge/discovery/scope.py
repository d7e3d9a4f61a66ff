"""Which URLs discovery may visit: same origin, within the include/exclude patterns; and what
part of a URL names a page.

A fragment is normally a place on a page (`#comments`) and is dropped; a single-page app that
routes by hash (`#/experiments/1`, `#!/inbox`) names its pages there, so such a fragment is
kept as part of the page's path. Whether a link acts (signs out, deletes) is decided by its
classification (testforge.domain.effects), not here.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def hash_route(url: str) -> str:
    """The route of a hash-routed single-page app (`#/runs/1`), or "" for other fragments."""
    fragment = urlsplit(url).fragment
    return f"#{fragment}" if fragment.startswith(("/", "!/")) else ""


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "") + hash_route(url)


def normalise(url: str) -> str:
    """The URL of the page `url` shows: without a fragment, unless the fragment is a route."""
    bare = urldefrag(url)[0]
    return bare + hash_route(url)


@dataclass(frozen=True)
class CrawlScope:
    base_url: str
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    _include: tuple[re.Pattern[str], ...] = field(init=False, repr=False)
    _exclude: tuple[re.Pattern[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_include", tuple(re.compile(p) for p in self.include))
        object.__setattr__(self, "_exclude", tuple(re.compile(p) for p in self.exclude))

    @property
    def origin(self) -> str:
        return origin_of(self.base_url)

    def normalise(self, url: str) -> str:
        return normalise(url)

    def allows(self, url: str) -> bool:
        url = self.normalise(url)
        if origin_of(url) != self.origin or urlsplit(url).scheme not in {"http", "https"}:
            return False
        path = path_of(url)
        if any(p.search(path) for p in self._exclude):
            return False
        return not self._include or any(p.search(path) for p in self._include)
