"""Turning locator rungs into Playwright locators; one mapping for the sync and async APIs."""

from typing import TYPE_CHECKING, Any, overload

from testforge.domain.locators import Locator, LocatorStrategy

if TYPE_CHECKING:  # annotations only: a test worker, sync, need not load the async API
    from playwright.async_api import Locator as AsyncLocator
    from playwright.async_api import Page as AsyncPage
    from playwright.sync_api import Locator as SyncLocator
    from playwright.sync_api import Page as SyncPage

# Returns the absolute positional XPath of an element, as extract.js computes it: inside an open
# shadow root the path continues from the host's with a "#shadow-root" step. DOM access goes
# through the prototypes, as there: a form's named controls (<input name="parentElement">) shadow
# its own properties.
XPATH_OF = """(el) => {
  const get = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const tagName = get(Element.prototype, "tagName");
  const previous = get(Element.prototype, "previousElementSibling");
  const parentNode = get(Node.prototype, "parentNode");
  const nodeType = get(Node.prototype, "nodeType");
  const host = get(ShadowRoot.prototype, "host");
  const steps = [];  // innermost first
  for (let n = el; n && nodeType.call(n) === 1;) {
    const tag = tagName.call(n);
    let i = 1;
    for (let s = previous.call(n); s; s = previous.call(s)) {
      if (tagName.call(s) === tag) i++;
    }
    steps.push(`${tag.toLowerCase()}[${i}]`);
    const parent = parentNode.call(n);
    if (parent instanceof ShadowRoot) {
      steps.push("#shadow-root");
      n = host.call(parent);
    } else {
      n = parent;
    }
  }
  return "/" + steps.reverse().join("/");
}"""
XPATHS_OF = f"(els) => els.map({XPATH_OF})"
# Whether a locator's matches are exactly the element at `xpath` (one round trip, no list built).
IS_ONLY = f"(els, xpath) => els.length === 1 && ({XPATH_OF})(els[0]) === xpath"


@overload
def rung_locator(page: "SyncPage", rung: Locator) -> "SyncLocator": ...
@overload
def rung_locator(page: "AsyncPage", rung: Locator) -> "AsyncLocator": ...
def rung_locator(page: "SyncPage | AsyncPage", rung: Locator) -> "SyncLocator | AsyncLocator":
    """The visible elements a rung addresses (matching is exact)."""
    target: Any = page
    match rung.strategy:
        case LocatorStrategy.TEST_ID:
            found = target.get_by_test_id(rung.value)
        case LocatorStrategy.ROLE:
            found = target.get_by_role(rung.value, name=rung.name, exact=True)
        case LocatorStrategy.LABEL:
            found = target.get_by_label(rung.value, exact=True)
        case LocatorStrategy.PLACEHOLDER:
            found = target.get_by_placeholder(rung.value, exact=True)
        case LocatorStrategy.TEXT:
            found = target.get_by_text(rung.value, exact=True)
        case LocatorStrategy.CSS:
            found = target.locator(rung.value)
        case LocatorStrategy.XPATH:
            found = target.locator(f"xpath={rung.value}")
    located: SyncLocator | AsyncLocator = found.filter(visible=True)
    return located


def python_expression(rung: Locator) -> str:
    """How a person would write this rung with Playwright's Python API (for reports)."""
    match rung.strategy:
        case LocatorStrategy.TEST_ID:
            return f"page.get_by_test_id({rung.value!r})"
        case LocatorStrategy.ROLE:
            return f"page.get_by_role({rung.value!r}, name={rung.name!r}, exact=True)"
        case LocatorStrategy.LABEL:
            return f"page.get_by_label({rung.value!r}, exact=True)"
        case LocatorStrategy.PLACEHOLDER:
            return f"page.get_by_placeholder({rung.value!r}, exact=True)"
        case LocatorStrategy.TEXT:
            return f"page.get_by_text({rung.value!r}, exact=True)"
        case LocatorStrategy.CSS:
            return f"page.locator({rung.value!r})"
        case LocatorStrategy.XPATH:
            return f"page.locator({'xpath=' + rung.value!r})"
