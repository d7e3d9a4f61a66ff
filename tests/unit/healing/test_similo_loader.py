"""Similo dataset adapter: java.util.Properties parsing and the mapping onto fingerprints."""

from pathlib import Path

import pytest

from testforge.domain.errors import ArtifactError
from testforge.healing.similo import (
    fingerprint_from_properties,
    load_app,
    load_dataset,
    parse_properties,
)


def test_parses_separators_comments_and_blank_lines() -> None:
    text = "# comment\n! also a comment\n\na=1\nb : 2\nc 3\n  d=  spaced value\n"
    assert parse_properties(text) == {"a": "1", "b": "2", "c": "3", "d": "spaced value"}


def test_parses_escapes_and_unicode() -> None:
    text = "key\\ with\\=space=tab\\there\\nnew\\u00e9\\\\end\nsymbol=\\#not-a-comment\n"
    assert parse_properties(text) == {
        "key with=space": "tab\there\nnewé\\end",
        "symbol": "#not-a-comment",
    }


def test_joins_continuation_lines_and_strips_their_indent() -> None:
    text = "neighbor_text=first \\\n     second\\\n third\nnext=1\n"
    assert parse_properties(text) == {"neighbor_text": "first secondthird", "next": "1"}


def test_an_even_number_of_backslashes_does_not_continue() -> None:
    assert parse_properties("a=x\\\\\nb=y\n") == {"a": "x\\", "b": "y"}


def test_later_keys_win_and_a_key_alone_has_an_empty_value() -> None:
    assert parse_properties("a=1\na=2\nflag\n") == {"a": "2", "flag": ""}


def test_malformed_unicode_escape_is_an_error() -> None:
    with pytest.raises(ValueError, match="uxxxx"):
        parse_properties("a=\\u12G4\n")


def test_maps_similo_keys_onto_the_fingerprint() -> None:
    fp = fingerprint_from_properties(
        {
            "tag": "A",
            "id": "logo",
            "class": "nav  nav-link nav",
            "visible_text": "Home",
            "text": "Home (hidden part)",
            "idxpath": 'id("nav")/a[1]',
            "xpath": "/html[1]/body[1]/a[1]",
            "x": "10",
            "y": "20.5",
            "width": "30",
            "height": "40",
            "neighbor_text": "wide window",
            "neighbor_text_right": "About",
            "neighbor_text_left": "Menu",
            "widget_id": "7",
            "is_button": "no",
        }
    )
    assert fp.tag == "a"
    assert fp.classes == ("nav", "nav-link")
    assert fp.text == "Home"
    assert fp.id_xpath == 'id("nav")/a[1]'
    assert fp.box is not None
    assert (fp.box.x, fp.box.y, fp.box.width, fp.box.height) == (10, 20.5, 30, 40)
    assert fp.neighbor_texts == ("Menu", "About", "wide window")
    assert "7" not in fp.model_dump_json()


def test_missing_keys_stay_missing() -> None:
    fp = fingerprint_from_properties({"tag": "SPAN", "text": "  Hi   there ", "x": "1", "y": "2"})
    assert fp.text == "Hi there"
    assert fp.box is None
    assert fp.id is None
    assert fp.classes == ()
    assert fp.neighbor_texts == ()


def write_app(root: Path, name: str, targets: dict[str, str], candidates: dict[str, str]) -> None:
    for folder, files in (("target_widgets", targets), ("candidate_widgets", candidates)):
        (root / name / folder).mkdir(parents=True)
        for file, body in files.items():
            (root / name / folder / file).write_text(body, encoding="utf-8")


def test_loads_an_app_with_and_without_the_answer_key(tmp_path: Path) -> None:
    write_app(
        tmp_path,
        "Shop",
        {"t1.properties": "tag=A\ntext=Cart\nwidget_id=1\n"},
        {
            "c1.properties": "tag=A\ntext=Basket\n",
            "c2.properties": "tag=A\ntext=Cart\nwidget_id=1\n",
        },
    )
    (tmp_path / "README.md").write_text("not an app")
    app = load_app(tmp_path / "Shop")
    assert [t.file for t in app.targets] == ["t1.properties"]
    assert app.targets[0].widget_id == "1"
    assert [c.widget_id for c in app.candidates] == [None, "1"]
    assert [a.name for a in load_dataset(tmp_path)] == ["Shop"]


def test_rejects_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError):
        load_dataset(tmp_path)
    with pytest.raises(ArtifactError):
        load_dataset(tmp_path / "missing")
    with pytest.raises(ArtifactError):
        load_app(tmp_path)


def test_reports_the_file_of_an_unreadable_widget(tmp_path: Path) -> None:
    write_app(tmp_path, "Bad", {"t.properties": "tag=A\ntext=\\uZZZZ\n"}, {})
    with pytest.raises(ArtifactError, match=r"t\.properties"):
        load_app(tmp_path / "Bad")
