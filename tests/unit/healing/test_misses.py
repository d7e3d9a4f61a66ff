"""Miss categories for the benchmark report."""

from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.misses import MissCategory, classify_misses, tally
from testforge.healing.similo import LabelledElement, SimiloApp


def element(file: str, widget_id: str | None = None, **fields: object) -> LabelledElement:
    fp = ElementFingerprint(**fields)
    return LabelledElement(file=file, fingerprint=fp, widget_id=widget_id)


def app(targets: list[LabelledElement], candidates: list[LabelledElement]) -> SimiloApp:
    return SimiloApp(name="App", targets=tuple(targets), candidates=tuple(candidates))


def test_wrapper_with_the_same_text_is_label_granularity() -> None:
    shop = app(
        [element("t", "1", tag="a", text="Help", xpath="/html[1]/body[1]/a[1]")],
        [
            element("li", "1", tag="li", text="Help", xpath="/html[1]/body[1]/ul[1]/li[1]"),
            element("a", tag="a", text="Help", xpath="/html[1]/body[1]/ul[1]/li[1]/a[1]"),
        ],
    )
    misses = classify_misses([shop], {"App": {"t": "a"}})
    assert [m.category for m in misses] == [MissCategory.LABEL_GRANULARITY]
    assert (misses[0].pick, misses[0].answer) == ("a", "li")


def test_answer_of_another_tag_family_is_a_type_change() -> None:
    shop = app(
        [element("t", "1", tag="button", text="Search")],
        [element("svg", "1", tag="svg"), element("b", tag="button", text="Search")],
    )
    assert tally(classify_misses([shop], {"App": {"t": "b"}}))[MissCategory.TYPE_CHANGE] == 1


def test_answer_sharing_nothing_identifying_has_no_shared_evidence() -> None:
    shop = app(
        [element("t", "1", tag="a", text="Advertise", xpath="/html[1]/body[1]/a[1]")],
        [
            element("ans", "1", tag="a", text="Help", xpath="/html[1]/body[1]/div[1]/a[1]"),
            element("pick", tag="a", text="Advertise", xpath="/html[1]/body[1]/footer[1]/a[1]"),
        ],
    )
    misses = classify_misses([shop], {"App": {"t": "pick"}})
    assert misses[0].category is MissCategory.NO_SHARED_EVIDENCE


def test_answer_with_shared_evidence_is_a_wrong_pick_and_hits_are_not_misses() -> None:
    shop = app(
        [
            element("t1", "1", tag="a", text="Pricing plans"),
            element("t2", "2", tag="a", text="Blog"),
        ],
        [
            element("ans", "1", tag="a", text="Plans and pricing"),
            element("pick", tag="a", text="Pricing"),
            element("blog", "2", tag="a", text="Blog"),
        ],
    )
    misses = classify_misses([shop], {"App": {"t1": "pick", "t2": "blog"}})
    assert [m.category for m in misses] == [MissCategory.WRONG_PICK]
    assert tally(misses) == {
        MissCategory.LABEL_GRANULARITY: 0,
        MissCategory.TYPE_CHANGE: 0,
        MissCategory.NO_SHARED_EVIDENCE: 0,
        MissCategory.WRONG_PICK: 1,
    }
