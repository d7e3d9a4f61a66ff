"""change_signature: structural tokens of a change, no raw text."""

from testforge.domain.fingerprint import ElementFingerprint
from testforge.healing.signature import change_signature


def test_link_became_button_in_a_new_container() -> None:
    old = ElementFingerprint(
        tag="a", id="buy-now", text="Buy now", href="/buy", xpath="/html[1]/body[1]/div[1]/a[1]"
    )
    new = ElementFingerprint(
        tag="button", id="buy-now", text="Buy it now", xpath="/html[1]/body[1]/form[1]/button[1]"
    )
    sig = change_signature(old, new)
    assert sig.link_became_button
    assert not sig.button_became_link
    assert sig.moved_container
    assert sig.text_reworded
    assert "id" in sig.kept
    assert "href" in sig.removed
    assert sig.tokens() == [
        "kept:id",
        "changed:text",
        "changed:xpath",
        "removed:href",
        "tag:a>button",
        "moved_container",
        "text_reworded",
        "link_became_button",
    ]


def test_detects_a_regenerated_id_and_a_sibling_shift_is_not_a_move() -> None:
    old = ElementFingerprint(tag="div", id="ember123", xpath="/html[1]/body[1]/ul[1]/li[2]")
    new = ElementFingerprint(tag="div", id="ember987", xpath="/html[1]/body[1]/ul[1]/li[3]")
    sig = change_signature(old, new)
    assert sig.id_rehashed
    assert not sig.moved_container
    assert "tag:kept" in sig.tokens()


def test_a_different_id_is_not_a_rehash_and_replaced_text_is_not_a_rewording() -> None:
    old = ElementFingerprint(tag="span", id="login", text="Sign in")
    new = ElementFingerprint(tag="span", id="profile", text="Account")
    sig = change_signature(old, new)
    assert not sig.id_rehashed
    assert not sig.text_reworded
    assert sig.changed == ("id", "text")


def test_tokens_never_carry_raw_values() -> None:
    old = ElementFingerprint(tag="a", text="Secret offer 42", href="/promo", classes=("promo",))
    new = ElementFingerprint(tag="a", text="Secret deal 42", classes=("deal",), title="Deals")
    tokens = " ".join(change_signature(old, new).tokens())
    for raw in ("Secret", "offer", "promo", "deal", "Deals", "42"):
        assert raw not in tokens


def test_signature_is_a_value_object() -> None:
    old = ElementFingerprint(tag="a", text="Home")
    new = ElementFingerprint(tag="a", text="Home", classes=("nav",))
    assert change_signature(old, new) == change_signature(old, new)
    assert change_signature(old, new).added == ("classes",)
