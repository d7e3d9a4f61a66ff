"""Filling fields and clicking as a person does, the same way at discovery and at run time."""

import re

# Leaving a field with Tab closes what opened when it took focus: a date picker or a suggestion
# list would otherwise cover the next button. Only for inputs: a text area keeps its Tab.
LEAVES_WITH_TAB_JS = "el => el.tagName === 'INPUT'"

# A click the page's own dialog took instead of its target: an announcement, a tour, a cookie
# notice shown to new visitors. A person closes it and clicks again; so do tests.
_BLOCKED_BY_DIALOG = re.compile(
    r'(role="(alert)?dialog"|aria-modal="true"|class="[^"]*(modal|dialog|popover|overlay))'
    r"[^\n]*intercepts pointer events",
    re.IGNORECASE,
)
CLOSE_DIALOG = (
    ':is([role=dialog], [role=alertdialog], [aria-modal=true], [class*=modal i]) '
    ':is([aria-label="Close" i], [aria-label="Dismiss" i], button:text-is("×"), '
    'button:text-is("Close"), button:text-is("Got it"), button:text-is("Dismiss"), '
    'button:text-is("No thanks"))'
)
PROBE_CLICK_MS = 1000  # a trial click: long enough to see what is in the way


def blocked_by_dialog(error: Exception) -> bool:
    return bool(_BLOCKED_BY_DIALOG.search(str(error)))
