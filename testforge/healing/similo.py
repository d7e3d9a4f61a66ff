"""Adapter for the Similo benchmark format: `.properties` widget files into ElementFingerprints.

Layout: `<App>/target_widgets/*.properties` (elements of the old page) and
`<App>/candidate_widgets/*.properties` (elements of the new page). `widget_id` is the answer key;
it is kept next to the fingerprint, never inside it, so no scoring code can read it.
"""

from pathlib import Path

from testforge.domain.base import FrozenModel
from testforge.domain.errors import ArtifactError
from testforge.domain.fingerprint import BoundingBox, ElementFingerprint

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_KEY_TERMINATORS = "=: \t\f"
_WHITESPACE = " \t\f"

# Directional neighbours are the single nearest text on each side; the undirected
# `neighbor_text` is a wider window, so it goes last. Left and above come first because labels
# precede their field in reading order.
_NEIGHBOUR_KEYS = (
    "neighbor_text_left",
    "neighbor_text_above",
    "neighbor_text_right",
    "neighbor_text_below",
    "neighbor_text",
)


class LabelledElement(FrozenModel):
    """One widget file: its fingerprint and, separately, the benchmark's answer key."""

    file: str
    fingerprint: ElementFingerprint
    widget_id: str | None = None


class SimiloApp(FrozenModel):
    name: str
    targets: tuple[LabelledElement, ...]
    candidates: tuple[LabelledElement, ...]


def _logical_lines(text: str) -> list[str]:
    """Join backslash-continued natural lines; continuation lines lose their leading blanks."""
    lines: list[str] = []
    pending: str | None = None
    for raw in text.splitlines():
        line = raw.lstrip(_WHITESPACE) if pending is not None else raw
        if pending is None:
            stripped = line.lstrip(_WHITESPACE)
            if not stripped or stripped[0] in "#!":
                continue
            line = stripped
        trailing = len(line) - len(line.rstrip("\\"))
        continues = trailing % 2 == 1
        if continues:
            line = line[:-1]
        pending = line if pending is None else pending + line
        if not continues:
            lines.append(pending)
            pending = None
    if pending is not None:
        lines.append(pending)
    return lines


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        code = text[i + 1]
        if code == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError(f"malformed \\uxxxx escape: {text[i : i + 6]!r}")
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(code, code))
        i += 2
    return "".join(out)


def _split_key(line: str) -> tuple[str, str]:
    """Split at the first unescaped terminator, as java.util.Properties.load does."""
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] in _KEY_TERMINATORS:
            break
        i += 1
    key, rest = line[:i], line[i:]
    rest = rest.lstrip(_WHITESPACE)
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(_WHITESPACE)
    return key, rest


def parse_properties(text: str) -> dict[str, str]:
    """Parse java.util.Properties text (comments, continuations, escapes); later keys win."""
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split_key(line)
        result[_unescape(key)] = _unescape(value)
    return result


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _box(props: dict[str, str]) -> BoundingBox | None:
    x, y = _number(props.get("x")), _number(props.get("y"))
    width, height = _number(props.get("width")), _number(props.get("height"))
    if x is None or y is None or width is None or height is None:
        return None
    return BoundingBox(x=x, y=y, width=width, height=height)


def fingerprint_from_properties(props: dict[str, str]) -> ElementFingerprint:
    """Map Similo keys onto the fingerprint; `widget_id` and derived keys are ignored."""
    neighbours: list[str] = []
    for key in _NEIGHBOUR_KEYS:
        text = _clean(props.get(key))
        if text and text not in neighbours:
            neighbours.append(text)
    classes = tuple(dict.fromkeys(props.get("class", "").split()))
    return ElementFingerprint(
        tag=(props.get("tag") or "").strip().lower(),
        id=_clean(props.get("id")),
        name=_clean(props.get("name")),
        classes=classes,
        type=_clean(props.get("type")),
        value=_clean(props.get("value")),
        title=_clean(props.get("title")),
        placeholder=_clean(props.get("placeholder")),
        href=_clean(props.get("href")),
        alt=_clean(props.get("alt")),
        text=_clean(props.get("visible_text")) or _clean(props.get("text")),
        xpath=_clean(props.get("xpath")),
        id_xpath=_clean(props.get("idxpath")),
        box=_box(props),
        neighbor_texts=tuple(neighbours),
    )


def load_element(path: Path) -> LabelledElement:
    try:
        props = parse_properties(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ArtifactError(
            f"cannot read widget file {path}: {exc}",
            "check it is a UTF-8 java.util.Properties file",
        ) from exc
    return LabelledElement(
        file=path.name,
        fingerprint=fingerprint_from_properties(props),
        widget_id=_clean(props.get("widget_id")),
    )


def _load_folder(folder: Path) -> tuple[LabelledElement, ...]:
    return tuple(load_element(path) for path in sorted(folder.glob("*.properties")))


def load_app(folder: Path) -> SimiloApp:
    targets, candidates = folder / "target_widgets", folder / "candidate_widgets"
    if not targets.is_dir() or not candidates.is_dir():
        raise ArtifactError(
            f"{folder} is not a Similo app folder",
            "it needs target_widgets/ and candidate_widgets/ subfolders",
        )
    return SimiloApp(
        name=folder.name, targets=_load_folder(targets), candidates=_load_folder(candidates)
    )


def load_dataset(root: Path) -> list[SimiloApp]:
    """Every app folder under `root`, sorted by name; other files (README) are skipped."""
    if not root.is_dir():
        raise ArtifactError(f"dataset folder {root} does not exist", "pass a Similo dataset path")
    apps = [
        load_app(folder)
        for folder in sorted(root.iterdir())
        if (folder / "target_widgets").is_dir()
    ]
    if not apps:
        raise ArtifactError(
            f"no Similo apps under {root}",
            "expected <App>/target_widgets and <App>/candidate_widgets folders",
        )
    return apps
