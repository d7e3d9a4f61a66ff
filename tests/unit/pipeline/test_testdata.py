"""Test data derived from field types, names and constraints."""

import re

import pytest

from testforge.domain.app_model import FieldConstraints, FormField
from testforge.domain.testdata import category_of, invalid_inputs, valid_value


def field(
    name: str, input_type: str = "text", label: str | None = None, **constraints: object
) -> FormField:
    return FormField(
        element=f"page.{name}",
        name=name,
        input_type=input_type,
        label=label,
        constraints=FieldConstraints.model_validate(constraints),
    )


@pytest.mark.parametrize(
    ("f", "category"),
    [
        (field("email", "email"), "email"),
        (field("pwd", "password"), "password"),
        (field("zip", label="Postal code"), "postal"),
        (field("full_name", label="Full name"), "name"),
        (field("cc", label="Card number"), "card"),
        (field("q", "search"), "search"),
        (field("widget"), None),
    ],
)
def test_fields_are_recognised_by_name_label_and_type(f: FormField, category: str | None) -> None:
    assert category_of(f) == category


def test_valid_values_satisfy_the_fields_own_pattern() -> None:
    postal = field("code", label="Reference", pattern="[A-Z]{2}[0-9]{3}", required=True)
    value = valid_value(postal)
    assert value is not None and re.fullmatch("[A-Z]{2}[0-9]{3}", value)


def test_valid_values_respect_length_limits() -> None:
    message = field("message", "textarea", min_length=120)
    short = field("nickname", max_length=4)
    assert len(valid_value(message) or "") >= 120
    assert len(valid_value(short) or "") <= 4


def test_numbers_stay_within_min_and_max() -> None:
    assert valid_value(field("quantity", "number", minimum=1, maximum=10)) == "2"
    assert valid_value(field("age", "number", minimum=18, maximum=30)) == "18"


def test_selects_take_the_first_real_option_and_checkboxes_no_text() -> None:
    assert valid_value(field("country", "select", options=("Germany", "France"))) == "Germany"
    assert valid_value(field("agree", "checkbox")) is None


def test_values_are_deterministic() -> None:
    f = field("code", pattern="[a-z]{8}")
    assert valid_value(f) == valid_value(f)


def test_invalid_inputs_break_exactly_the_declared_rules() -> None:
    rules = {i.rule: i.value for i in invalid_inputs(field("qty", "number", minimum=1, maximum=10))}
    assert rules == {"minimum": "0", "maximum": "11"}
    email = {i.rule for i in invalid_inputs(field("email", "email", required=True))}
    assert email == {"email"}
    pattern = invalid_inputs(field("zip", pattern="[0-9]{5}"))
    assert all(not re.fullmatch("[0-9]{5}", i.value) for i in pattern)


def test_card_numbers_get_a_checksum_failure_that_matches_the_pattern() -> None:
    rules = {
        i.rule: i.value
        for i in invalid_inputs(field("cc", label="Card number", pattern="[0-9]{16}"))
    }
    assert re.fullmatch("[0-9]{16}", rules["checksum"])


@pytest.mark.parametrize(
    ("f", "value"),
    [
        (field("due_date"), "2030-01-15"),
        (
            FormField(element="p.b", name="birthday", input_type="text", placeholder="dd/mm/yyyy"),
            "15/01/2030",
        ),
        (field("created_at"), "2030-01-15 10:30"),
        (field("when", "date"), "2030-01-15"),
        (field("last_updated"), "Last_updated value"),  # "update" is not a date
        (field("n", "number", minimum=1, step=5), "6"),
        (field("n", "number", minimum=0, maximum=1, step=0.25), "0"),
        (field("doc", "file", accept="application/pdf"), "sample.pdf"),
        (field("avatar", "file", accept="image/*"), "sample.png"),
    ],
)
def test_valid_values_fit_the_fields_type_name_and_constraints(f: FormField, value: str) -> None:
    assert valid_value(f) == value


def test_unique_values_keep_their_shape_and_differ_by_token() -> None:
    from testforge.domain.testdata import is_unique_candidate, unique_value

    assert unique_value("Ada Lovelace", "3f9c2a") == "Ada Lovelace 3f9c2a"
    assert unique_value("ada@example.com", "3f9c2a") == "ada+3f9c2a@example.com"
    assert is_unique_candidate(field("title"), "Title value")
    assert not is_unique_candidate(field("due_date"), "2030-01-15")
    assert not is_unique_candidate(field("code", max_length=8), "Code value")


def test_sample_files_are_real_files_of_their_type() -> None:
    from testforge.domain.testdata import sample_file

    mime, data = sample_file("sample.png")
    assert mime == "image/png" and data.startswith(b"\x89PNG\r\n\x1a\n")
    assert sample_file("sample.pdf")[1].startswith(b"%PDF")
