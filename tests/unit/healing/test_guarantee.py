"""The healing guarantee: the asserted text never becomes evidence for the element to check."""

from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.engine import HealingEngine
from testforge.healing.guarantee import without_asserted


def total(**fp: object) -> ElementFingerprint:
    base: dict[str, object] = {
        "tag": "strong",
        "id": "cart-total",
        "text": "$69.00",
        "accessible_name": "$69.00",
        "aria_label": "Total $69.00",
        "title": "$69.00",
        "label": "Total",
        "neighbor_texts": ("Total", "Shipping"),
        "xpath": "/html[1]/body[1]/main[1]/dl[1]/dd[3]/strong[1]",
    }
    return ElementFingerprint.model_validate({**base, **fp})


def test_the_text_and_everything_derived_from_it_is_removed() -> None:
    stripped = without_asserted(total(), "$69.00")
    assert stripped.text is None and stripped.value is None
    assert stripped.accessible_name is None and stripped.aria_label is None
    assert stripped.title is None


def test_evidence_that_does_not_carry_the_text_is_kept() -> None:
    stripped = without_asserted(total(), "$69.00")
    assert stripped.label == "Total" and stripped.id == "cart-total"
    assert stripped.neighbor_texts == ("Total", "Shipping")


def test_an_element_showing_the_asserted_text_is_not_chosen_for_it() -> None:
    # The total's id changed and its amount is now wrong; another element shows the expected
    # amount. With the text as evidence the impostor ranks first; without it, the moved total is
    # found, and the assertion then fails on its wrong amount, as it must.
    lost = ElementFingerprint(
        tag="strong",
        id="cart-total",
        text="$69.00",
        accessible_name="$69.00",
        label="Total",
        neighbor_texts=("Total", "Shipping"),
        xpath="/html[1]/body[1]/main[1]/dl[1]/dd[3]/strong[1]",
    )
    impostor = ElementFingerprint(
        tag="strong",
        text="$69.00",
        accessible_name="$69.00",
        neighbor_texts=("Subtotal",),
        xpath="/html[1]/body[1]/main[1]/p[1]/strong[1]",
    )
    moved = lost.model_copy(
        update={"id": "order-total", "text": "$74.00", "accessible_name": "$74.00"}
    )
    engine = HealingEngine()
    naive = engine.heal("cart.total", lost, [impostor, moved])
    assert naive.candidates[0].fingerprint == impostor  # what the guarantee protects against
    guarded = engine.heal("cart.total", without_asserted(lost, "$69.00"), [impostor, moved])
    assert guarded.chosen is not None and guarded.chosen.fingerprint == moved
