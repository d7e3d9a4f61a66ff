"""Pure similarity primitives for healing: text normalisation, tokens, sets, URLs, XPaths, boxes.

Every comparator returns a similarity in [0, 1]. They are cheap on purpose: the engine calls them
for every candidate on a page, so anything that can be precomputed per string (tokens, bigrams,
XPath steps) is a separate function whose result the candidate page caches.
"""

import math
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from testforge.domain.fingerprint import BoundingBox

_WORD = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_ALPHA_OR_DIGITS = re.compile(r"\d+|[^\W\d_]+")
_XPATH_STEP_INDEX = re.compile(r"\[\d+\]$")
_XPATH_ID_ANCHOR = re.compile(r"""^(?:id\(["']([^"']+)["']\)|//\*\[@id=["']([^"']+)["']\])""")

# Tag families: a change inside a family is a restyling ("button" became "a"), not a new element.
_CLICKABLE = frozenset({"a", "button", "summary", "area"})
_CLICKABLE_INPUT_TYPES = frozenset({"submit", "button", "reset", "image"})
_TEXT = frozenset(
    {"p", "li", "td", "th", "label", "strong", "em", "b", "small", "font", "dt", "dd"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
)
_GRAPHICS = frozenset({"svg", "img", "picture", "path", "use", "canvas", "i"})
_FIELDS = frozenset({"input", "textarea", "select", "option"})
# Generic wrappers can be styled into anything, so they half-match every family.
_GENERIC = frozenset({"div", "span"})


def normalize_text(text: str) -> str:
    """Case- and width-insensitive form with collapsed whitespace, used for exact comparisons."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _stem(token: str) -> str:
    # A plural `s` is the commonest rewording in labels and ids ("notifications" -> "notification").
    return (
        token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token
    )


def words(text: str) -> tuple[str, ...]:
    """Lower-case word tokens of human text (no camelCase splitting), plural-stemmed."""
    return tuple(_stem(w) for w in _WORD.findall(normalize_text(text)))


def _looks_generated(chunk: str) -> bool:
    # Letters and digits interleaved twice or more ("hn4bge", "1dpbk03") is a build hash; one
    # switch ("col2", "h1") is a word with a counter.
    return len(_ALPHA_OR_DIGITS.findall(chunk)) >= 3


def identifier_tokens(text: str) -> tuple[str, ...]:
    """Tokens of a machine name (id, class, name, URL part): splits camelCase, kebab, snake, digits.

    Digit runs, single letters and hash-like chunks are dropped: they are counters and generated
    suffixes that change between builds, not meaning.
    """
    out: list[str] = []
    for chunk in _WORD.findall(unicodedata.normalize("NFKC", text)):
        if _looks_generated(chunk):
            continue
        for part in _CAMEL.findall(chunk):
            if len(part) > 1 and not part.isdigit():
                out.append(_stem(part.lower()))
    return tuple(out)


def char_bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the text without spaces: robust to "Log in" vs "Login"."""
    squashed = "".join(normalize_text(text).split())
    if len(squashed) < 2:
        return frozenset({squashed}) if squashed else frozenset()
    return frozenset(squashed[i : i + 2] for i in range(len(squashed) - 1))


def dice(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


def url_tokens(url: str) -> tuple[str, ...]:
    """Host-less tokens of a URL: path segments and query keys/values, split as identifiers.

    The host is dropped because it is shared by nearly every link of a site.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return identifier_tokens(url)
    path = unquote(parts.path)
    if not parts.scheme and not parts.netloc and path.startswith(("javascript:", "mailto:")):
        return identifier_tokens(path)
    return identifier_tokens(f"{path} {unquote(parts.query)} {unquote(parts.fragment)}")


def url_key(url: str) -> str:
    """Comparable form of a link target: scheme, trailing slash and query order don't matter."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return normalize_text(url)
    query = "&".join(sorted(p for p in parts.query.split("&") if p))
    host = parts.netloc.casefold().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/') or '/'}?{query}#{parts.fragment}"


def xpath_steps(xpath: str) -> tuple[str, ...]:
    """Steps of an absolute or id-anchored XPath; an id anchor becomes a single `#id` step."""
    xpath = xpath.strip()
    anchor = _XPATH_ID_ANCHOR.match(xpath)
    head: tuple[str, ...] = ()
    if anchor:
        head = (f"#{anchor.group(1) or anchor.group(2)}",)
        xpath = xpath[anchor.end() :]
    return head + tuple(step.lower() for step in xpath.split("/") if step)


def strip_indices(steps: tuple[str, ...]) -> tuple[str, ...]:
    """XPath steps without sibling positions: the shape of the path, not the exact slot."""
    return tuple(_XPATH_STEP_INDEX.sub("", step) for step in steps)


def loose_steps(steps: tuple[str, ...], family: str) -> tuple[str, ...]:
    """Index-free steps plus a final pseudo-step naming the element's tag family.

    This is where tag compatibility enters structural comparison: a `button` that became an `a`
    in the same place still shares its loose tail, an `svg` does not.
    """
    if not steps:
        return ()
    return (*strip_indices(steps), f"@{family}")


# Containers whose presence on the path says which region of the page an element lives in.
LANDMARKS = frozenset(
    {"header", "footer", "nav", "navigation", "main", "aside", "sidebar", "form", "search"}
    | {"menu", "table", "article", "dialog", "modal", "banner", "section", "toolbar"}
)


def landmarks(*paths: tuple[str, ...]) -> frozenset[str]:
    """Landmark containers on the path, from tag names and from the tokens of an id anchor."""
    found: set[str] = set()
    for steps in paths:
        for step in strip_indices(steps):
            if step.startswith("#"):
                found.update(t for t in identifier_tokens(step[1:]) if t in LANDMARKS)
            elif step in LANDMARKS:
                found.add(step)
    return frozenset(found)


def _prefix_suffix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    shortest = min(len(a), len(b))
    prefix = 0
    while prefix < shortest and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    return prefix + suffix


def xpath_similarity(
    a: tuple[str, ...],
    b: tuple[str, ...],
    a_loose: tuple[str, ...] | None = None,
    b_loose: tuple[str, ...] | None = None,
) -> float:
    """Shared leading (same region) and trailing (same local structure) steps over the longer path.

    Half the credit comes from exact steps, half from the loose form (`loose_steps`: no sibling
    indices, tag family appended), so an element shifted by an inserted sibling or restyled from
    `button` to `a` still looks close. Linear time, unlike edit distance. Without precomputed
    `*_loose` forms only the sibling indices are dropped.
    """
    if not a or not b:
        return 0.0
    a_loose = a_loose if a_loose is not None else strip_indices(a)
    b_loose = b_loose if b_loose is not None else strip_indices(b)
    exact = _prefix_suffix(a, b) / max(len(a), len(b))
    loose = _prefix_suffix(a_loose, b_loose) / max(len(a_loose), len(b_loose))
    return 0.5 * (exact + loose)


def xpath_contains(ancestor: tuple[str, ...], descendant: tuple[str, ...]) -> bool:
    """True when `descendant` lies strictly inside `ancestor` (both absolute paths)."""
    return len(ancestor) < len(descendant) and descendant[: len(ancestor)] == ancestor


def tag_family(tag: str, input_type: str | None = None) -> str:
    """Coarse role of a tag: clickable, field, graphic, text, generic, or the tag itself."""
    if tag in _CLICKABLE or (
        tag == "input" and (input_type or "").lower() in _CLICKABLE_INPUT_TYPES
    ):
        return "clickable"
    if tag in _FIELDS:
        return "field"
    if tag in _GRAPHICS:
        return "graphic"
    if tag in _TEXT:
        return "text"
    if tag in _GENERIC:
        return "generic"
    return tag


def tag_similarity(tag_a: str, family_a: str, tag_b: str, family_b: str) -> float:
    """1 for the same tag, 0.5 within a family, 0.25 when a generic wrapper is involved, else 0."""
    if tag_a == tag_b:
        return 1.0
    if family_a == family_b:
        return 0.5
    if "generic" in (family_a, family_b):
        return 0.25
    return 0.0


def ratio_similarity(a: float, b: float) -> float:
    """min/max of two non-negative magnitudes (1 when equal, 0 when one is zero)."""
    if a <= 0.0 or b <= 0.0:
        return 1.0 if a == b else 0.0
    return min(a, b) / max(a, b)


def center_distance(a: BoundingBox, b: BoundingBox) -> float:
    (ax, ay), (bx, by) = a.center, b.center
    return math.hypot(ax - bx, ay - by)


def size_similarity(a: BoundingBox, b: BoundingBox) -> float:
    return math.sqrt(ratio_similarity(a.width, b.width) * ratio_similarity(a.height, b.height))


def shape_similarity(a: BoundingBox, b: BoundingBox) -> float:
    """Aspect-ratio agreement: survives a uniform rescale that size_similarity punishes."""
    if a.height <= 0 or b.height <= 0:
        return 1.0 if a.height == b.height else 0.0
    return ratio_similarity(a.width / a.height, b.width / b.height)


def overlap(a: BoundingBox, b: BoundingBox) -> float:
    """Intersection over union of two boxes."""
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0
