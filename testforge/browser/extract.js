// Reads a page's elements with their fingerprints. The same code runs at discovery (to build the
// locator registry) and at healing time (to list candidates), so both sides compare like with like.
(options) => {
  const MAX_TEXT = 200;
  const NEIGHBOURS = 4;
  const collapse = (s) => (s || "").replace(/\s+/g, " ").trim();
  const clip = (s) => {
    const c = collapse(s);
    return c ? c.slice(0, MAX_TEXT) : null;
  };
  const INTERACTIVE_ROLES = new Set([
    "button", "link", "checkbox", "radio", "tab", "menuitem", "switch", "option",
    "combobox", "textbox", "searchbox", "spinbutton", "slider",
  ]);
  const OUTPUT_ROLES = new Set(["status", "alert", "heading", "img"]);

  const isVisible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };

  const implicitRole = (el) => {
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute("type") || "text").toLowerCase();
    switch (tag) {
      case "a": return el.hasAttribute("href") ? "link" : null;
      case "button": return "button";
      case "select": return el.multiple || el.size > 1 ? "listbox" : "combobox";
      case "textarea": return "textbox";
      case "img": return el.getAttribute("alt") === "" ? "presentation" : "img";
      case "h1": case "h2": case "h3": case "h4": case "h5": case "h6": return "heading";
      case "nav": return "navigation";
      case "main": return "main";
      case "output": return "status";
      case "summary": return "button";
      case "input":
        if (["submit", "button", "reset", "image"].includes(type)) return "button";
        if (type === "checkbox") return "checkbox";
        if (type === "radio") return "radio";
        if (type === "search") return el.hasAttribute("list") ? "combobox" : "searchbox";
        if (type === "number") return "spinbutton";
        if (type === "range") return "slider";
        if (type === "hidden") return null;
        if (["text", "email", "tel", "url", "password"].includes(type)) {
          return type === "password" ? null : (el.hasAttribute("list") ? "combobox" : "textbox");
        }
        return null;
      default: return null;
    }
  };
  const roleOf = (el) => (el.getAttribute("role") || "").trim().split(/\s+/)[0] || implicitRole(el);

  const labelsOf = (el) => {
    const texts = [];
    if (el.labels) for (const l of el.labels) texts.push(l.innerText);
    return clip(texts.join(" "));
  };
  const textOf = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === "input") {
      const type = (el.getAttribute("type") || "text").toLowerCase();
      return ["submit", "button", "reset"].includes(type) ? clip(el.value) : null;
    }
    if (tag === "select" || tag === "textarea") return null;
    return clip(el.innerText);
  };
  const accessibleName = (el, role) => {
    const labelledby = el.getAttribute("aria-labelledby");
    if (labelledby) {
      const parts = labelledby.split(/\s+/).map((id) => document.getElementById(id))
        .filter(Boolean).map((n) => n.innerText);
      if (parts.length) return clip(parts.join(" "));
    }
    const aria = clip(el.getAttribute("aria-label"));
    if (aria) return aria;
    const tag = el.tagName.toLowerCase();
    if (["input", "select", "textarea"].includes(tag)) {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (["submit", "button", "reset"].includes(type)) return clip(el.value);
      if (type === "image") return clip(el.getAttribute("alt"));
      return labelsOf(el) || clip(el.getAttribute("title")) || clip(el.getAttribute("placeholder"));
    }
    if (tag === "img") return clip(el.getAttribute("alt")) || clip(el.getAttribute("title"));
    if (role && (INTERACTIVE_ROLES.has(role) || role === "heading")) {
      return clip(el.innerText) || clip(el.getAttribute("title"));
    }
    return clip(el.getAttribute("title"));
  };

  const xpathOf = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === n.tagName) i++;
      }
      parts.unshift(`${n.tagName.toLowerCase()}[${i}]`);
    }
    return "/" + parts.join("/");
  };
  const idXpathOf = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      if (n.id && n !== el) return `//*[@id="${n.id}"]/` + parts.join("/");
      if (n.id && n === el) return `//*[@id="${n.id}"]`;
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === n.tagName) i++;
      }
      parts.unshift(`${n.tagName.toLowerCase()}[${i}]`);
    }
    return "/" + parts.join("/");
  };

  // Visible text blocks with their boxes, for neighbour texts and async-content detection.
  const textBlocks = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = collapse(node.textContent);
    if (!text || !node.parentElement || !isVisible(node.parentElement)) continue;
    if (node.parentElement.closest("option, script, style, noscript, template")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    textBlocks.push({ text: text.slice(0, 80), owner: node.parentElement, x: r.x + r.width / 2, y: r.y + r.height / 2 });
  }
  const neighboursOf = (el, box) => {
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const seen = new Set();
    return textBlocks
      .filter((t) => !el.contains(t.owner))
      .map((t) => ({ text: t.text, d: Math.hypot((t.x - cx) / 2, t.y - cy) }))
      .sort((a, b) => a.d - b.d)
      .filter((t) => (seen.has(t.text) ? false : (seen.add(t.text), true)))
      .slice(0, NEIGHBOURS)
      .map((t) => t.text);
  };

  // The text that visually labels an element: nearest on its row to the left, else just above.
  const rowLabelOf = (el, rect) => {
    let best = null, bestD = Infinity;
    for (const t of textBlocks) {
      if (el.contains(t.owner) || t.owner.contains(el)) continue;
      const sameRow = t.y >= rect.top && t.y <= rect.bottom && t.x < rect.left;
      const above = t.y < rect.top && rect.top - t.y < 60 && t.x >= rect.left - 20 && t.x <= rect.right;
      if (!sameRow && !above) continue;
      const d = sameRow ? rect.left - t.x : 1000 + rect.top - t.y;
      if (d < bestD) { best = t.text; bestD = d; }
    }
    return best;
  };

  const formKeyOf = (form) => {
    if (!form) return null;
    return form.id || form.getAttribute("name") || form.getAttribute("action") || xpathOf(form);
  };
  const isInteractive = (el, role) => {
    const tag = el.tagName.toLowerCase();
    if (tag === "input") return (el.getAttribute("type") || "").toLowerCase() !== "hidden";
    if (["a", "button", "select", "textarea", "summary"].includes(tag)) return tag !== "a" || el.hasAttribute("href");
    if (role && INTERACTIVE_ROLES.has(role)) return true;
    return el.hasAttribute("onclick") || el.isContentEditable;
  };
  // Outputs are what assertions read: headings, status regions, and short labelled values.
  const isOutput = (el, role) => {
    if (role && OUTPUT_ROLES.has(role)) return true;
    if (!(el.getAttribute("data-testid") || el.id)) return false;
    const text = collapse(el.innerText);
    return text.length > 0 && text.length <= 80 && el.children.length <= 2;
  };

  const records = [];
  const all = document.body.querySelectorAll("*");
  for (const el of all) {
    const role = roleOf(el);
    const interactive = isInteractive(el, role);
    if (!interactive && !(options.outputs && isOutput(el, role))) continue;
    if (!isVisible(el)) continue;
    const rect = el.getBoundingClientRect();
    const box = { x: rect.x + window.scrollX, y: rect.y + window.scrollY, width: rect.width, height: rect.height };
    const tag = el.tagName.toLowerCase();
    const type = tag === "input" ? (el.getAttribute("type") || "text").toLowerCase() : (el.getAttribute("type") || null);
    const href = el.getAttribute("href") !== null ? el.href : null;
    const options_ = tag === "select" ? Array.from(el.options).map((o) => collapse(o.textContent)) : [];
    const optionValues = tag === "select" ? Array.from(el.options).map((o) => o.value) : [];
    const buttonValue = tag === "input" && ["submit", "button", "reset"].includes(type) ? clip(el.value) : null;
    records.push({
      tag,
      test_id: el.getAttribute("data-testid"),
      id: el.id || null,
      name: el.getAttribute("name"),
      classes: Array.from(el.classList),
      type,
      role,
      accessible_name: accessibleName(el, role),
      text: textOf(el),
      label: ["input", "select", "textarea"].includes(tag) ? labelsOf(el) : rowLabelOf(el, rect),
      placeholder: el.getAttribute("placeholder"),
      aria_label: el.getAttribute("aria-label"),
      title: el.getAttribute("title"),
      value: buttonValue,
      href,
      alt: el.getAttribute("alt"),
      xpath: xpathOf(el),
      id_xpath: idXpathOf(el),
      box,
      neighbor_texts: neighboursOf(el, box),
      form: formKeyOf(el.form || el.closest("form")),
      interactive,
      in_nav: !!el.closest("nav, header [role=navigation], [role=navigation]"),
      disabled: !!el.disabled,
      constraints: ["input", "select", "textarea"].includes(tag) ? {
        required: !!el.required,
        min_length: el.minLength > 0 ? el.minLength : null,
        max_length: el.maxLength > 0 ? el.maxLength : null,
        minimum: el.getAttribute("min") !== null && el.getAttribute("min") !== "" ? Number(el.getAttribute("min")) : null,
        maximum: el.getAttribute("max") !== null && el.getAttribute("max") !== "" ? Number(el.getAttribute("max")) : null,
        step: el.getAttribute("step") && el.getAttribute("step") !== "any" ? Number(el.getAttribute("step")) : null,
        pattern: el.getAttribute("pattern"),
        options: options_,
      } : null,
      option_values: optionValues,
      field_value: ["input", "select", "textarea"].includes(tag) && type !== "password" ? el.value : null,
    });
  }

  const forms = Array.from(document.forms).filter(isVisible).map((form) => ({
    key: formKeyOf(form),
    action: form.action,
    method: (form.getAttribute("method") || "get").toLowerCase(),
    novalidate: form.noValidate,
  }));
  const heading = document.querySelector("h1");
  return {
    title: document.title,
    heading: heading ? clip(heading.innerText) : null,
    landmarks: Array.from(document.querySelectorAll("main, nav, header, footer, aside, form, [role]"))
      .map((n) => n.getAttribute("role") || n.tagName.toLowerCase()),
    texts: Array.from(new Set(textBlocks.map((t) => t.text))),
    elements: records,
    forms,
  };
}
