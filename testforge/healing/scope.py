"""A link keeps its scope. Apps often show two links of one name: a global one ("Prompts": the
prompt registry; "Issues": every issue) and one scoped to the resource the page shows ("Prompts"
of experiment 0; "Issues" of project 5). When the global link is gone from a page, the scoped
one is not the same control: it leads elsewhere, and healing into it would test another page.

A route is the path of a link (or of a hash route, `#/a/b`); a link is scoped to the page's
resource when its route shares at least a collection and an id (two leading segments) with the
page's route. A candidate is out of scope when it is scoped so and the lost link was less so.
"""

from collections.abc import Sequence
from urllib.parse import urlsplit

from testforge.domain.fingerprint import ElementFingerprint

RESOURCE_DEPTH = 2  # a collection and an id: /experiments/0, /projects/5


def route(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    path = parts.fragment.split("?", 1)[0] if parts.fragment.startswith("/") else parts.path
    return tuple(segment for segment in path.split("/") if segment)


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def rescoped(target_href: str | None, candidate_href: str | None, page_url: str) -> bool:
    """True when the candidate link is scoped to the page's resource and the lost one was not."""
    if not target_href or not candidate_href:
        return False
    page = route(page_url)
    before, after = _shared(route(target_href), page), _shared(route(candidate_href), page)
    return after >= RESOURCE_DEPTH and after > before


def in_scope(
    target: ElementFingerprint, candidates: Sequence[ElementFingerprint], page_url: str
) -> list[ElementFingerprint]:
    return [c for c in candidates if not rescoped(target.href, c.href, page_url)]
