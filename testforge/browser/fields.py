"""Filling fields and clicking as a person does, the same way at discovery and at run time."""

import json
import re
from pathlib import Path

from testforge.domain.app_model import ValidityFlag

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


# A field's validity as the browser sees it: the ValidityState flags that are true (none when it
# is valid), in ValidityFlag's order, and its own message (in the browser's language).
VALIDITY_JS = f"""el => ({{
  flags: {json.dumps([f.value for f in ValidityFlag])}.filter((f) => el.validity?.[f] === true),
  message: el.validationMessage ?? "",
}})"""
# The texts of a field's own message (aria-errormessage / aria-describedby, else its box).
FIELD_MESSAGE_JS = Path(__file__).with_name("field_message.js").read_text(encoding="utf-8")
# Waits, in the page, for a field's own message to contain a text: ([field, text]) => bool.
FIELD_MESSAGE_HAS_JS = f"([el, text]) => ({FIELD_MESSAGE_JS.strip()})(el).join(' ').includes(text)"
