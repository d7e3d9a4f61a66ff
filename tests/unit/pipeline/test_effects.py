"""Classifying actions before discovery takes them, and what the exploration policy permits."""

import pytest

from testforge.domain.effects import (
    Effect,
    ExplorationPolicy,
    FieldFacts,
    classify_control,
    classify_form,
    classify_link,
)


@pytest.mark.parametrize(
    ("text", "href", "effect"),
    [
        ("Products", "/products", Effect.NAVIGATE),
        ("New issue", "/issue?@template=item", Effect.NAVIGATE),
        ("Edit", "/contacts/edit/3", Effect.NAVIGATE),
        ("Proceed to checkout", "/checkout", Effect.NAVIGATE),
        ("My account", "/users/userinfo/", Effect.NAVIGATE),
        ("Log out", "/session/end", Effect.SESSION),
        ("", "/logout", Effect.SESSION),
        ("Sign off", "/bye", Effect.SESSION),
        ("Delete", "/contacts/3", Effect.DESTRUCTIVE),
        ("x", "/ticket/3?action=delete", Effect.DESTRUCTIVE),
        ("Retire", "/issue3?@action=retire", Effect.DESTRUCTIVE),
        ("Mark all as read", "/unread/mark-all", Effect.BULK),
        ("Refresh", "/feed/1/refresh", Effect.WRITE),
        ("Star", "/entry/5/toggle-bookmark", Effect.WRITE),
        ("", "/entry/5/star", Effect.WRITE),
        ("Share", "/entry/share/5", Effect.WRITE),
        ("An entry", "/feed/2/entry/5", Effect.NAVIGATE),
    ],
)
def test_a_link_is_a_page_unless_its_words_or_url_say_it_acts(
    text: str, href: str, effect: Effect
) -> None:
    assert classify_link(text, href).effect is effect


def test_a_classification_says_what_it_rests_on() -> None:
    found = classify_link("Delete this issue", "/issue3")
    assert found.effect is Effect.DESTRUCTIVE and "'Delete' in the link" in found.reason


@pytest.mark.parametrize(
    ("method", "action", "button", "fields", "effect"),
    [
        ("get", "/search", "Search", [FieldFacts("q", "search")], Effect.READ),
        ("get", "/issues", "Filter", [FieldFacts("status", "select")], Effect.READ),
        ("post", "/query", "Search", [FieldFacts("q", "text")], Effect.READ),
        ("post", "/contacts/add", "Save", [FieldFacts("name", "text")], Effect.WRITE),
        ("post", "/query", "Update", [FieldFacts("owner", "text")], Effect.WRITE),
        ("post", "/contacts/delete/3", "Yes", [], Effect.DESTRUCTIVE),
        ("post", "/x", "Remove", [FieldFacts("id", "hidden")], Effect.DESTRUCTIVE),
        ("post", "/settings", "Save", [FieldFacts("pw", "password")], Effect.ACCOUNT),
        ("post", "/users/userinfo/edit", "Save", [FieldFacts("email", "email")], Effect.ACCOUNT),
        ("post", "/checkout", "Place order", [FieldFacts("card", "text")], Effect.PAYMENT),
        ("post", "/contact", "Send message", [FieldFacts("message", "textarea")], Effect.PUBLISH),
        ("post", "/logout", "Sign out", [], Effect.SESSION),
        ("get", "/items", "Delete selected", [FieldFacts("id", "checkbox")], Effect.DESTRUCTIVE),
        ("get", "/feeds/refresh", "Refresh all feeds in the background", [], Effect.WRITE),
        ("get", "/wiki/Start", "Edit this page", [FieldFacts("action", "hidden")], Effect.READ),
    ],
)
def test_a_form_is_classified_by_method_button_url_and_fields(
    method: str, action: str, button: str, fields: list[FieldFacts], effect: Effect
) -> None:
    assert classify_form(method, action, button, fields).effect is effect


def test_the_sign_in_form_is_the_session_form() -> None:
    fields = [FieldFacts("username", "text"), FieldFacts("password", "password")]
    assert classify_form("post", "/login", "Log in", fields, sign_in=True).effect is Effect.SESSION


def test_a_button_that_signs_out_is_recognised_by_its_label_or_its_forms_url() -> None:
    assert classify_control("Sign out").effect is Effect.SESSION
    assert classify_control("Bye", "http://app.test/logout").effect is Effect.SESSION
    assert classify_control("Save").effect is Effect.WRITE


def test_by_default_discovery_only_reads() -> None:
    policy = ExplorationPolicy()
    assert [e for e in Effect if policy.permits(e)] == [Effect.NAVIGATE, Effect.READ]


def test_allowing_writes_never_allows_deleting_bulk_account_or_sign_out() -> None:
    policy = ExplorationPolicy(allow_writes=True)
    assert {e for e in Effect if not policy.permits(e)} == {
        Effect.DESTRUCTIVE,
        Effect.BULK,
        Effect.ACCOUNT,
        Effect.SESSION,
    }
