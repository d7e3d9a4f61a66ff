// The texts of a form field's own message, in order: what the elements its aria-errormessage
// and aria-describedby name say, then what its own box says. The box is the largest ancestor,
// up to its form, that holds no other field (`<div class="field"><label/><div class="control">
// <input/></div><span class="error"/></div>`): the largest, because the message often sits
// beside a wrapper of the input rather than beside the input itself. Texts are read as
// capture.py TEXTS_JS reads them (whitespace collapsed, 80 characters), so discovery can tell
// which of them appeared after a submission. Discovery and the runtime share this function.
// Through the prototypes: a form's named controls shadow its own properties
// (<input name="parentElement">).
(el) => {
  const get = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const parentOf = get(Node.prototype, "parentElement");
  const textOf = get(Node.prototype, "textContent");
  const contains = Node.prototype.contains;
  const closest = Element.prototype.closest;
  const queryAll = Element.prototype.querySelectorAll;
  const attr = Element.prototype.getAttribute;
  const FIELDS =
    "input:not([type=hidden], [type=submit], [type=button], [type=reset], [type=image]), " +
    "select, textarea";
  const name = attr.call(el, "name");
  // The other buttons of a radio group or checkbox list are the same field.
  const sameField = (f) =>
    f === el || (!!name && attr.call(f, "name") === name && /^(radio|checkbox)$/i.test(f.type));
  const texts = [];
  const read = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const owner = parentOf.call(n);
      if (!owner || contains.call(el, n)) continue;  // a text area's own value is no message
      if (closest.call(owner, "option, script, style, noscript, template")) continue;
      const t = textOf.call(n).replace(/\s+/g, " ").trim().slice(0, 80);
      if (t && !texts.includes(t)) texts.push(t);
    }
  };
  const scope = el.getRootNode();
  for (const named of ["aria-errormessage", "aria-describedby"]) {
    for (const id of (attr.call(el, named) || "").split(/\s+/).filter(Boolean)) {
      const target = scope.getElementById ? scope.getElementById(id) : null;
      if (target) read(target);
    }
  }
  const form = el.form || closest.call(el, "form");
  let box = el;
  for (
    let up = parentOf.call(el);
    up && up !== document.body && up !== document.documentElement;
    up = parentOf.call(up)
  ) {
    if (Array.from(queryAll.call(up, FIELDS)).some((f) => !sameField(f))) break;
    box = up;
    if (up === form) break;
  }
  if (box !== el) read(box);
  return texts;
}
