"""What an action would do to the application, decided before discovery takes it.

Discovery runs against applications it did not write, often with a real account. Before it
follows a link or submits a form it classifies the action from what a person would read (the
control's label, the URL, the form's method and fields); the exploration policy then says which
effects it may cause. The words are deliberately broad: a false "destructive" costs one
unexplored form, a false "read" could cost the user's data.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from testforge.domain.base import FrozenModel


class Effect(StrEnum):
    NAVIGATE = "navigate"  # opens a page
    READ = "read"  # search, filter, sort: asks, changes nothing
    WRITE = "write"  # creates or changes records
    PAYMENT = "payment"  # moves money: pay, buy, place an order
    PUBLISH = "publish"  # sends something out: e-mails, invitations, posts
    BULK = "bulk"  # acts on many records at once
    DESTRUCTIVE = "destructive"  # deletes, retires, purges
    ACCOUNT = "account"  # the signed-in user's own credentials, profile or keys
    SESSION = "session"  # ends the session (sign out)


class Classification(FrozenModel):
    effect: Effect
    reason: str  # what the decision rests on, e.g. "'Delete' in the button"


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(" + "|".join(patterns) + r")(?![a-z])", re.IGNORECASE)


_SESSION = _words(r"log[ _-]?(out|off)", r"sign[ _-]?(out|off)", r"end session")
_ACCOUNT = _words(
    r"(change|reset|new|forgot(ten)?|update)[ _-]?(my[ _-]?)?pass(word)?",
    r"password",
    r"passwd",
    r"api[ _-]?keys?",
    r"access[ _-]?tokens?",
    r"two[ _-]factor",
    r"2fa",
    r"mfa",
    r"otp",
    r"my[ _-]?account",
    r"userinfo",
    r"(user|account)[ _-]?(info|settings|details)",
    r"profile",
    r"reset[ _-]?my",
)
_DESTRUCTIVE = _words(
    r"delete",
    r"del",
    r"remove",
    r"destroy",
    r"erase",
    r"purge",
    r"retire",
    r"discard",
    r"trash",
    r"wipe",
    r"revoke",
    r"flush",
    r"truncate",
    r"deactivate",
    r"uninstall",
    r"drop",
)
_BULK = _words(
    r"bulk", r"batch", r"(select|mark|check)[ _-]all", r"all[ _-]as", r"with[ _-]selected",
    r"selected items",
)  # fmt: skip
_PAYMENT = _words(
    r"pay(ment)?s?",
    r"purchase",
    r"buy",
    r"place[ _-]order",
    r"order[ _-]now",
    r"checkout",
    r"donate",
    r"upgrade",
    r"card[ _-]?number",
    r"cvc",
    r"cvv",
)
_PUBLISH = _words(
    r"publish", r"send", r"share", r"invite", r"notify", r"broadcast", r"release", r"deploy",
    r"e-?mail (it|them|now)", r"post (it|now|comment|reply)",
)  # fmt: skip
# A GET link whose URL says it does something is not a page to visit.
_DOING = _words(
    r"refresh", r"sync", r"mark", r"toggle", r"star", r"unstar", r"flag", r"pin", r"unpin",
    r"like", r"vote", r"approve", r"reject", r"accept", r"decline", r"run", r"execute",
    r"trigger", r"rebuild", r"restart", r"enable", r"disable", r"lock", r"unlock", r"follow",
    r"unfollow", r"save", r"clone", r"undo", r"restore", r"reset", r"clear", r"empty",
    r"archive", r"unarchive", r"mute", r"unmute", r"dismiss", r"snooze", r"share", r"unshare",
)  # fmt: skip
# Pages that show a form (add, edit, new) are pages to visit; it is the form that writes.
_READ_LABEL = _words(
    r"search", r"find", r"filter", r"go", r"show", r"view", r"sort", r"apply filters?",
    r"look ?up", r"query", r"refine", r"display", r"list",
)  # fmt: skip
_SEARCH_FIELD = _words(r"q", r"query", r"search", r"keywords?", r"term", r"filter", r"text")
_SAFE_METHODS = frozenset({"get", "head"})

_RULES: tuple[tuple[Effect, re.Pattern[str]], ...] = (
    (Effect.SESSION, _SESSION),
    (Effect.ACCOUNT, _ACCOUNT),
    (Effect.DESTRUCTIVE, _DESTRUCTIVE),
    (Effect.BULK, _BULK),
    (Effect.PAYMENT, _PAYMENT),
    (Effect.PUBLISH, _PUBLISH),
)


@dataclass(frozen=True)
class FieldFacts:
    name: str
    input_type: str
    label: str | None = None


def _url_words(url: str) -> str:
    parts = urlsplit(url)
    return unquote(f"{parts.path} {parts.query}").replace("/", " ").replace("&", " ")


def _first_match(texts: dict[str, str]) -> Classification | None:
    """The most serious effect any of the named texts speaks of."""
    for effect, pattern in _RULES:
        for where, text in texts.items():
            match = pattern.search(text)
            if match:
                return Classification(effect=effect, reason=f"{match.group(0)!r} in {where}")
    return None


_LINK_RULES = tuple((e, p) for e, p in _RULES if e in {Effect.SESSION, Effect.DESTRUCTIVE,
                                                          Effect.BULK})  # fmt: skip


def classify_link(text: str, href: str, label: str = "") -> Classification:
    """A link is a page to visit unless its words or URL say it acts (sign out, delete...).

    Links to account, checkout or sharing pages are visited: looking changes nothing, and those
    pages' forms are classified on their own."""
    url = _url_words(href)
    for effect, pattern in _LINK_RULES:
        for where, words in (("the link", f"{text} {label}"), ("the URL", url)):
            match = pattern.search(words)
            if match:
                return Classification(effect=effect, reason=f"{match.group(0)!r} in {where}")
    doing = _DOING.search(_last_segment(href)) or _DOING.search(urlsplit(href).query)
    if doing:
        return Classification(
            effect=Effect.WRITE, reason=f"{doing.group(0)!r} in the URL names an action"
        )
    return Classification(effect=Effect.NAVIGATE, reason="a link to a page")


def classify_control(label: str, form_action: str | None = None) -> Classification:
    """A button outside the forms discovery sends: sign-out, delete and bulk buttons act."""
    for effect, pattern in _LINK_RULES:
        for where, words in (
            ("the button", label),
            ("its form's URL", _url_words(form_action or "")),
        ):
            match = pattern.search(words)
            if match:
                return Classification(effect=effect, reason=f"{match.group(0)!r} in {where}")
    return Classification(effect=Effect.WRITE, reason="a button may act")


_ID_SEGMENT = re.compile(r"^([0-9]+|[0-9a-f]{8,}|[0-9a-f-]{36})$", re.IGNORECASE)


def _last_segment(href: str) -> str:
    """The last segment of the path that is not an id: what `/entry/share/5` does is "share"."""
    segments = [unquote(s) for s in urlsplit(href).path.split("/") if s]
    named = [s for s in segments if not _ID_SEGMENT.match(s)]
    return named[-1] if named else ""


def classify_form(
    method: str,
    action: str,
    submit_label: str,
    fields: list[FieldFacts],
    *,
    sign_in: bool = False,
) -> Classification:
    """What submitting this form would do. The sign-in form is the one write discovery makes."""
    if sign_in:
        return Classification(effect=Effect.SESSION, reason="the sign-in form")
    if any(f.input_type == "password" for f in fields):
        return Classification(effect=Effect.ACCOUNT, reason="it has a password field")
    names = " ".join(f"{f.name} {f.label or ''}" for f in fields)
    found = _first_match(
        {"the button": submit_label, "the form's URL": _url_words(action), "the fields": names}
    )
    if found is not None:
        return found
    doing = _DOING.search(submit_label) or _DOING.search(_last_segment(action))
    if method.lower() in _SAFE_METHODS and doing:
        # "Refresh all feeds" sent with GET still acts: GET is a convention, not a promise.
        return Classification(
            effect=Effect.WRITE, reason=f"{doing.group(0)!r} in the button or URL names an action"
        )
    if method.lower() in _SAFE_METHODS:
        return Classification(effect=Effect.READ, reason=f"it is sent with {method.upper()}")
    fillable = [f for f in fields if f.input_type not in {"hidden", "submit", "button"}]
    read_label = _READ_LABEL.search(submit_label)
    if read_label and all(_SEARCH_FIELD.search(f.name) or f.input_type in {
        "search", "select", "checkbox", "radio"} for f in fillable):  # fmt: skip
        return Classification(
            effect=Effect.READ, reason=f"{read_label.group(0)!r} in the button of a query form"
        )
    return Classification(effect=Effect.WRITE, reason=f"it is sent with {method.upper()}")


class ExplorationPolicy(FrozenModel):
    """Which effects discovery may cause. Reads always; writes only when the user allows them
    (a disposable environment). Deleting, bulk actions, the signed-in user's own account and
    signing out are never explored: they would destroy the data or the session the rest of
    discovery, and the generated suite, stand on."""

    allow_writes: bool = False

    def permits(self, effect: Effect) -> bool:
        if effect in {Effect.NAVIGATE, Effect.READ}:
            return True
        return self.allow_writes and effect in {Effect.WRITE, Effect.PAYMENT, Effect.PUBLISH}
