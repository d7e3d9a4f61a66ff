"""ChangeSignature: the structural shape of an element's change; the knowledge base learns from it.

It records which properties survived, changed, appeared or vanished, and a few named patterns
(moved container, reworded text, re-hashed id, link became button). It holds structural tokens
only, never raw texts or values, so signatures of different apps are comparable and safe to store.
"""

import re

from testforge.domain.base import FrozenModel
from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing import similarity as sim

# Properties compared for kept/changed/added/removed, in a fixed order for stable tokens.
TRACKED = (
    "test_id",
    "id",
    "name",
    "classes",
    "type",
    "role",
    "accessible_name",
    "text",
    "label",
    "placeholder",
    "aria_label",
    "title",
    "value",
    "href",
    "alt",
    "xpath",
    "id_xpath",
    "box",
    "form",
)
_DIGITS = re.compile(r"\d+")


class ChangeSignature(FrozenModel):
    kept: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    tag_from: str
    tag_to: str
    moved_container: bool = False
    text_reworded: bool = False
    id_rehashed: bool = False
    link_became_button: bool = False
    button_became_link: bool = False

    @property
    def tag_changed(self) -> bool:
        return self.tag_from != self.tag_to

    def tokens(self) -> list[str]:
        """Stable, sorted-by-kind token list for embedding: `kept:id`, `tag:a>button`, ..."""
        out = [f"kept:{p}" for p in self.kept]
        out += [f"changed:{p}" for p in self.changed]
        out += [f"added:{p}" for p in self.added]
        out += [f"removed:{p}" for p in self.removed]
        out.append(f"tag:{self.tag_from}>{self.tag_to}" if self.tag_changed else "tag:kept")
        flags = (
            ("moved_container", self.moved_container),
            ("text_reworded", self.text_reworded),
            ("id_rehashed", self.id_rehashed),
            ("link_became_button", self.link_became_button),
            ("button_became_link", self.button_became_link),
        )
        out += [name for name, on in flags if on]
        return out


def _value(fp: ElementFingerprint, prop: str) -> object:
    value = getattr(fp, prop)
    if isinstance(value, str):
        return sim.normalize_text(value) or None
    if isinstance(value, tuple):
        return frozenset(value) or None
    return value


def _rehashed(old: str, new: str) -> bool:
    """Same id once generated parts are ignored: `ember123`->`ember456`, `sc-abc12`->`sc-x9y8`."""
    if old == new:
        return False
    old_stem, new_stem = _DIGITS.sub("#", old), _DIGITS.sub("#", new)
    if old_stem == new_stem:
        return True
    old_tokens, new_tokens = set(sim.identifier_tokens(old)), set(sim.identifier_tokens(new))
    return bool(old_tokens) and old_tokens == new_tokens


def _is_link(fp: ElementFingerprint) -> bool:
    return fp.tag.lower() == "a" and not fp.is_button


def change_signature(target: ElementFingerprint, candidate: ElementFingerprint) -> ChangeSignature:
    """Describe how `target` (old) became `candidate` (new). Pure and deterministic."""
    kept: list[str] = []
    changed: list[str] = []
    added: list[str] = []
    removed: list[str] = []
    for prop in TRACKED:
        old, new = _value(target, prop), _value(candidate, prop)
        if old is None and new is None:
            continue
        if old is None:
            added.append(prop)
        elif new is None:
            removed.append(prop)
        elif old == new:
            kept.append(prop)
        else:
            changed.append(prop)
    old_steps = sim.xpath_steps(target.xpath) if target.xpath else ()
    new_steps = sim.xpath_steps(candidate.xpath) if candidate.xpath else ()
    moved = bool(old_steps and new_steps) and sim.strip_indices(
        old_steps[:-1]
    ) != sim.strip_indices(new_steps[:-1])
    old_text, new_text = target.text or "", candidate.text or ""
    reworded = (
        "text" in changed and bool(set(sim.words(old_text)) & set(sim.words(new_text)))
    ) or (
        "text" in changed
        and sim.dice(sim.char_bigrams(old_text), sim.char_bigrams(new_text)) >= 0.5
    )
    return ChangeSignature(
        kept=tuple(kept),
        changed=tuple(changed),
        added=tuple(added),
        removed=tuple(removed),
        tag_from=target.tag.lower(),
        tag_to=candidate.tag.lower(),
        moved_container=moved,
        text_reworded=reworded,
        id_rehashed=bool(target.id and candidate.id and _rehashed(target.id, candidate.id)),
        link_became_button=_is_link(target) and candidate.is_button,
        button_became_link=target.is_button and _is_link(candidate),
    )
