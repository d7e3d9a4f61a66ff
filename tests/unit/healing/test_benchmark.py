"""run_benchmark: the exact JSON shape, scoring with and without the answer key."""

import json
from pathlib import Path

from testforge.healing.benchmark import run_benchmark
from testforge.healing.engine import HealingEngine
from testforge.healing.policy import HealThresholds

LINKS = ["Home", "News", "Sport", "Weather", "Contact", "About us", "Careers", "Help"]


def widget(tag: str, text: str, xpath: str, widget_id: int | None) -> str:
    lines = [f"tag={tag}", f"text={text}", f"xpath={xpath}", f"idxpath={xpath}"]
    if widget_id is not None:
        lines.append(f"widget_id={widget_id}")
    return "\n".join(lines) + "\n"


def build(root: Path, *, labelled: bool) -> None:
    """Two apps; in the new version every link moved into a nav and "Help" became "Get help"."""
    for app in ("Alpha", "Beta"):
        targets, candidates = root / app / "target_widgets", root / app / "candidate_widgets"
        targets.mkdir(parents=True)
        candidates.mkdir(parents=True)
        for n, text in enumerate(LINKS, start=1):
            wid = n if labelled else None
            old = f"/html[1]/body[1]/div[1]/a[{n}]"
            new = f"/html[1]/body[1]/nav[1]/ul[1]/li[{n}]/a[1]"
            (targets / f"t{n}.properties").write_text(widget("A", text, old, wid))
            new_text = "Get help" if text == "Help" else text
            (candidates / f"c{n}.properties").write_text(widget("A", new_text, new, wid))
        (candidates / "c99.properties").write_text(
            widget("SPAN", "Advert", "/html[1]/body[1]/aside[1]", None)
        )


def test_reports_the_documented_json_shape(tmp_path: Path) -> None:
    build(tmp_path, labelled=True)
    report = run_benchmark(tmp_path)
    assert list(report) == ["choices", "confident", "overall", "per_app"]
    assert set(report["overall"]) == {
        "targets",
        "correct",
        "accuracy",
        "auto_applied",
        "auto_applied_correct",
        "ms_median",
        "ms_p95",
    }
    assert report["choices"]["Alpha"]["t2.properties"] == "c2.properties"
    assert set(report["choices"]) == {"Alpha", "Beta"}
    assert set(report["confident"]["Beta"]) == {f"t{n}.properties" for n in range(1, 9)}
    assert all(isinstance(v, bool) for app in report["confident"].values() for v in app.values())
    assert report["per_app"] == {
        "Alpha": {"targets": 8, "correct": 8},
        "Beta": {"targets": 8, "correct": 8},
    }
    overall = report["overall"]
    assert (overall["targets"], overall["correct"], overall["accuracy"]) == (16, 16, 1.0)
    assert overall["auto_applied_correct"] == overall["auto_applied"] > 0
    assert 0 < overall["ms_median"] <= overall["ms_p95"]
    json.dumps(report)


def test_without_the_answer_key_choices_remain_and_scores_are_null(tmp_path: Path) -> None:
    build(tmp_path, labelled=False)
    report = run_benchmark(tmp_path)
    assert report["choices"]["Beta"]["t8.properties"] == "c8.properties"
    overall = report["overall"]
    assert overall["correct"] is None
    assert overall["accuracy"] is None
    assert overall["auto_applied_correct"] is None
    assert overall["targets"] == 16
    assert report["per_app"]["Alpha"] == {"targets": 8, "correct": None}


def test_uses_the_given_engine_and_its_policy(tmp_path: Path) -> None:
    build(tmp_path, labelled=True)
    never = HealingEngine(policy=HealThresholds(min_confidence=1.0, auto_apply_confidence=1.0))
    report = run_benchmark(tmp_path, never)
    assert report["overall"]["auto_applied"] == 0
    assert not any(v for app in report["confident"].values() for v in app.values())
    assert report["overall"]["correct"] == 16
