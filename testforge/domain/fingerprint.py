"""The identity of a web element, captured so it can be found again after the UI changes."""

from pydantic import Field

from testforge.domain.base import FrozenModel


class BoundingBox(FrozenModel):
    x: float
    y: float
    width: float
    height: float

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)


class ElementFingerprint(FrozenModel):
    """Every property healing can compare; any of them may be missing on a given page or dataset.

    Texts are stored as rendered (whitespace collapsed); `neighbor_texts` are the closest visible
    texts around the element, nearest first.
    """

    tag: str
    test_id: str | None = None
    id: str | None = None
    name: str | None = None
    classes: tuple[str, ...] = ()
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
    xpath: str | None = None
    id_xpath: str | None = None
    box: BoundingBox | None = None
    neighbor_texts: tuple[str, ...] = Field(default=())
    form: str | None = None

    @property
    def is_button(self) -> bool:
        return (
            self.tag == "button"
            or self.role == "button"
            or (self.tag == "input" and self.type in {"submit", "button", "reset", "image"})
        )
