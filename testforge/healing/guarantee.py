"""The healing guarantee: what an assertion checks is never evidence for which element to check.

When an assertion target is lost, the engine must find it by everything *but* the text or value
the test asserts: otherwise it could pick whichever element now shows the expected value ("the
total says $69.00") and turn a regression into a pass. The element's own text goes, and so does
every property derived from it or carrying it: the accessible name of a heading or a link is its
text, an aria-label or title may repeat it, a submit input's value is its caption.
"""

from testforge.domain.fingerprint import ElementFingerprint

_DERIVED = ("accessible_name", "aria_label", "label", "title", "alt", "placeholder")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _carries(value: str | None, texts: tuple[str, ...]) -> bool:
    found = _norm(value)
    return bool(found) and any(t and (t in found or found in t) for t in texts)


def without_asserted(fp: ElementFingerprint, asserted: str) -> ElementFingerprint:
    """`fp` with its text, its value and every property that carries either (or `asserted`)
    removed; `asserted` is "" for assertions that check no text (visibility, validity)."""
    texts = tuple(t for t in (_norm(fp.text), _norm(fp.value), _norm(asserted)) if t)
    update: dict[str, object] = {"text": None, "value": None}
    for prop in _DERIVED:
        if _carries(getattr(fp, prop), texts):
            update[prop] = None
    return fp.model_copy(update=update)
