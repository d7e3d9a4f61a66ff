"""Snapshot validation record by record: a bad record is skipped and counted, never fatal."""

import json
import math
from typing import Any

from testforge.browser.snapshot import MAX_REPORTED, PageSnapshot, _decoded, relative_href
from testforge.discovery.capture import skipped_issues
from testforge.domain.app_model import CrawlIssueKind


def _element(**fields: Any) -> dict[str, Any]:
    return {"tag": "button", "xpath": "/html[1]/body[1]/button[1]", **fields}


def test_a_snapshot_saved_before_the_skip_counts_still_loads() -> None:
    old = {"title": "Shop", "elements": [_element()], "forms": []}
    snapshot = PageSnapshot.model_validate(old)
    assert len(snapshot.elements) == 1
    assert (snapshot.unreadable_count, snapshot.skipped_frame_count, snapshot.nodes) == (0, 0, 0)
    assert (
        snapshot.truncated.elements == snapshot.truncated.texts == snapshot.truncated.ladders == 0
    )
    assert skipped_issues(snapshot, "http://shop.test/") == []


def test_an_invalid_record_is_skipped_and_counted_with_its_reason() -> None:
    raw = {
        "elements": [
            _element(),
            _element(xpath="/html[1]/body[1]/svg[1]", tag="svg", interactive=None),
            {"tag": "a"},  # no xpath at all
        ],
        "forms": [{"key": "f", "action": "ref: <Node>", "method": "get", "novalidate": "ref"}],
        "unreadable": [{"xpath": "/html[1]/body[1]/x-boom[1]", "reason": "Error: boom"}],
        "unreadable_count": 1,
    }
    snapshot = PageSnapshot.model_validate(raw)
    assert [e.xpath for e in snapshot.elements] == ["/html[1]/body[1]/button[1]"]
    assert snapshot.forms == []
    assert snapshot.unreadable_count == 4
    assert [u.xpath for u in snapshot.unreadable] == [
        "/html[1]/body[1]/x-boom[1]",
        "/html[1]/body[1]/svg[1]",
        None,
        None,
    ]
    assert "interactive" in snapshot.unreadable[1].reason
    assert "novalidate" in snapshot.unreadable[3].reason


def test_a_link_urllib_cannot_split_is_skipped() -> None:
    raw = {"elements": [_element(tag="a", href="http://[oops/"), _element(href="http://a.test/")]}
    snapshot = PageSnapshot.model_validate(raw)
    assert [e.href for e in snapshot.elements] == ["http://a.test/"]
    assert "unparseable URL" in snapshot.unreadable[0].reason
    assert relative_href("http://[oops/", "http://a.test/") == "http://[oops/"


def test_only_the_first_reasons_are_kept_but_all_are_counted() -> None:
    raw = {"elements": [_element(xpath=f"/x[{i}]", interactive="maybe") for i in range(25)]}
    snapshot = PageSnapshot.model_validate(raw)
    assert snapshot.unreadable_count == 25
    assert len(snapshot.unreadable) == MAX_REPORTED


def test_numbers_json_cannot_carry_come_back_as_floats() -> None:
    marked = {"__non_finite__": "NaN"}
    constraints = {"minimum": marked, "maximum": {"__non_finite__": "-Infinity"}}
    raw = json.dumps({"elements": [_element(tag="input", constraints=constraints)]})
    [element] = PageSnapshot.model_validate(_decoded(raw)).elements
    assert element.constraints is not None
    assert element.constraints.minimum is not None and math.isnan(element.constraints.minimum)
    assert element.constraints.maximum == -math.inf


def test_what_a_snapshot_skipped_becomes_one_issue_for_the_page() -> None:
    snapshot = PageSnapshot.model_validate(
        {
            "unreadable": [{"xpath": "/html[1]/body[1]/x-boom[1]", "reason": "Error: boom"}],
            "unreadable_count": 3,
            "skipped_frames": [{"xpath": "/html[1]/body[1]/iframe[1]", "src": None}],
            "skipped_frame_count": 1,
            "truncated": {"elements": 120, "texts": 0},
        }
    )
    [issue] = skipped_issues(snapshot, "http://shop.test/list")
    assert issue.kind is CrawlIssueKind.UNREADABLE
    assert issue.url == "http://shop.test/list"
    assert issue.message.startswith("3 unreadable element(s) skipped (/html[1]/body[1]/x-boom[1]")
    assert "1 frame(s) not scanned (inline document)" in issue.message
    assert "120 element(s) beyond the scan's cap" in issue.message
