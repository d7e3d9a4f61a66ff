// Reads a page's elements with their fingerprints. The same code runs at discovery (to build the
// locator registry) and at healing time (to list candidates), so both sides compare like with like.
//
// It must never throw on any DOM: an element that cannot be read is skipped and reported in
// `unreadable`; iframes are not entered (reported in `skipped_frames`); huge pages are cut at
// `maxElements` records and `maxTexts` text blocks (reported in `truncated`).
(options) => {
  options = options || {};
  const MAX_TEXT = 200;
  const NEIGHBOURS = 4;
  const MAX_ELEMENTS = options.maxElements ?? 2000;
  const MAX_TEXT_BLOCKS = options.maxTexts ?? 5000;
  const MAX_REPORTED = 10;
  const MAX_REASON = 160;
  const MAX_FOREIGN_TEXT = 20000;

  // DOM access goes through the prototypes, never the element: a form's named controls shadow
  // its properties and methods (<input name="action">, name="tagName", name="parentElement"...),
  // and non-HTML elements (SVG, MathML) lack most HTML properties.
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const E = Element.prototype, N = Node.prototype, D = Document.prototype;
  const F = DocumentFragment.prototype;
  const tagNameOf = getter(E, "tagName"), prevOf = getter(E, "previousElementSibling");
  const nextOf = getter(E, "nextElementSibling"), childrenOf = getter(E, "children");
  const classListOf = getter(E, "classList"), shadowOf = getter(E, "shadowRoot");
  const parentNodeOf = getter(N, "parentNode"), parentElementOf = getter(N, "parentElement");
  const nodeTypeOf = getter(N, "nodeType"), textContentOf = getter(N, "textContent");
  const hostOf = getter(ShadowRoot.prototype, "host");
  const { getAttribute, hasAttribute, closest: closestFn, getBoundingClientRect } = E;
  const { contains: containsFn, getRootNode } = N;
  const queryAll = { 1: E.querySelectorAll, 9: D.querySelectorAll, 11: F.querySelectorAll };

  const attr = (el, name) => getAttribute.call(el, name);
  const has = (el, name) => hasAttribute.call(el, name);
  const tagOf = (el) => tagNameOf.call(el).toLowerCase();
  const closest = (el, selector) => closestFn.call(el, selector);
  const contains = (a, b) => containsFn.call(a, b);
  const rectOf = (el) => getBoundingClientRect.call(el);
  const qsa = (scope, selector) => queryAll[nodeTypeOf.call(scope)].call(scope, selector);
  const isShadowRoot = (n) => n instanceof ShadowRoot;

  // An IDL property as the element's class defines it (own instance properties, where named
  // form controls live, are skipped); undefined where the element's interface has none.
  const accessors = new Map();
  const prop = (el, name) => {
    const proto = Object.getPrototypeOf(el);
    let byName = accessors.get(proto);
    if (byName === undefined) accessors.set(proto, (byName = new Map()));
    let found = byName.get(name);
    if (found === undefined) {
      found = null;
      for (let p = proto; p; p = Object.getPrototypeOf(p)) {
        const own = Object.getOwnPropertyDescriptor(p, name);
        if (own) { found = own; break; }
      }
      byName.set(name, found);
    }
    if (found === null) return undefined;
    return found.get ? found.get.call(el) : found.value;
  };
  const str = (v) => (typeof v === "string" ? v : null);

  const collapse = (s) => (typeof s === "string" ? s : "").replace(/\s+/g, " ").trim();
  const clip = (s) => {
    const c = collapse(s);
    return c ? c.slice(0, MAX_TEXT) : null;
  };
  const INTERACTIVE_ROLES = new Set([
    "button", "link", "checkbox", "radio", "tab", "menuitem", "switch", "option",
    "combobox", "textbox", "searchbox", "spinbutton", "slider",
  ]);
  const OUTPUT_ROLES = new Set(["status", "alert", "heading", "img"]);
  const NAV = "nav, header [role=navigation], [role=navigation]";
  // Text of non-HTML elements (no innerText): their text nodes, minus SVG's non-rendered ones.
  const NOT_RENDERED = new Set(["style", "script", "title", "desc", "metadata"]);

  const foreignText = (el) => {
    let out = "";
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n && out.length < MAX_FOREIGN_TEXT; n = walker.nextNode()) {
      const owner = parentElementOf.call(n);
      if (owner && NOT_RENDERED.has(tagOf(owner))) continue;
      out += textContentOf.call(n) + " ";
    }
    return out;
  };
  const renderedText = (el) => {
    const text = prop(el, "innerText");
    return typeof text === "string" ? text : foreignText(el);
  };

  const isVisible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = rectOf(el);
    return r.width > 0 && r.height > 0;
  };

  const implicitRole = (el, tag) => {
    const type = (attr(el, "type") || "text").toLowerCase();
    switch (tag) {
      case "a": return has(el, "href") ? "link" : null;
      case "button": return "button";
      case "select": return prop(el, "multiple") || prop(el, "size") > 1 ? "listbox" : "combobox";
      case "textarea": return "textbox";
      case "img": return attr(el, "alt") === "" ? "presentation" : "img";
      case "h1": case "h2": case "h3": case "h4": case "h5": case "h6": return "heading";
      case "nav": return "navigation";
      case "main": return "main";
      case "output": return "status";
      case "summary": return "button";
      case "input":
        if (["submit", "button", "reset", "image"].includes(type)) return "button";
        if (type === "checkbox") return "checkbox";
        if (type === "radio") return "radio";
        if (type === "search") return has(el, "list") ? "combobox" : "searchbox";
        if (type === "number") return "spinbutton";
        if (type === "range") return "slider";
        if (type === "hidden") return null;
        if (["text", "email", "tel", "url", "password"].includes(type)) {
          return type === "password" ? null : (has(el, "list") ? "combobox" : "textbox");
        }
        return null;
      default: return null;
    }
  };
  const roleOf = (el, tag) => (attr(el, "role") || "").trim().split(/\s+/)[0] || implicitRole(el, tag);

  // An element's labels (what `el.labels` returns), from one pass over the labels of each tree:
  // `el.labels` searches the whole tree on each first call, quadratic on a page of many fields.
  let labelMap = null;
  const labelsFor = (el) => {
    if (labelMap === null) {
      labelMap = new Map();
      for (const scope of [document, ...shadowRoots.map(([shadow]) => shadow)]) {
        for (const label of qsa(scope, "label")) {
          try {
            const control = prop(label, "control");
            if (!control) continue;
            const labels = labelMap.get(control);
            if (labels) labels.push(label); else labelMap.set(control, [label]);
          } catch (error) {
            skip(label, error);
          }
        }
      }
    }
    return labelMap.get(el) || [];
  };
  const labelsOf = (el) => clip(labelsFor(el).map(renderedText).join(" "));
  const textOf = (el, tag) => {
    if (tag === "input") {
      const type = (attr(el, "type") || "text").toLowerCase();
      return ["submit", "button", "reset"].includes(type) ? clip(prop(el, "value")) : null;
    }
    if (tag === "select" || tag === "textarea") return null;
    return clip(renderedText(el));
  };
  // aria-labelledby ids resolve in the element's own tree (a shadow root has its own ids).
  const byId = (el, id) => {
    const root = getRootNode.call(el);
    return isShadowRoot(root) ? F.getElementById.call(root, id) : D.getElementById.call(document, id);
  };
  const accessibleName = (el, tag, role) => {
    const labelledby = attr(el, "aria-labelledby");
    if (labelledby) {
      const parts = labelledby.split(/\s+/).map((id) => byId(el, id))
        .filter(Boolean).map((n) => renderedText(n));
      if (parts.length) return clip(parts.join(" "));
    }
    const aria = clip(attr(el, "aria-label"));
    if (aria) return aria;
    if (["input", "select", "textarea"].includes(tag)) {
      const type = (attr(el, "type") || "").toLowerCase();
      if (["submit", "button", "reset"].includes(type)) return clip(prop(el, "value"));
      if (type === "image") return clip(attr(el, "alt"));
      return labelsOf(el) || clip(attr(el, "title")) || clip(attr(el, "placeholder"));
    }
    if (tag === "img") return clip(attr(el, "alt")) || clip(attr(el, "title"));
    if (role && (INTERACTIVE_ROLES.has(role) || role === "heading")) {
      return clip(renderedText(el)) || clip(attr(el, "title"));
    }
    return clip(attr(el, "title"));
  };

  // Positional XPath; inside an open shadow root it continues from the host's path with a
  // "#shadow-root" step. locate.py's XPATH_OF computes the same string (keep them in step).
  // Sibling positions and ancestor paths are memoised: a flat list of 20,000 rows stays linear.
  const positions = new Map();
  const indexOf = (el) => {
    let i = positions.get(el);
    if (i === undefined) {
      let first = el;
      for (let s = prevOf.call(first); s; s = prevOf.call(s)) first = s;
      const counts = new Map();
      for (let s = first; s; s = nextOf.call(s)) {
        const tag = tagNameOf.call(s);
        const c = (counts.get(tag) || 0) + 1;
        counts.set(tag, c);
        positions.set(s, c);
      }
      i = positions.get(el);
    }
    return i;
  };
  const SHADOW = {};
  const paths = new Map();
  const xpathOf = (el) => {
    const chain = [];
    let path = "";
    for (let n = el; n && nodeTypeOf.call(n) === 1;) {
      const known = paths.get(n);
      if (known !== undefined) { path = known; break; }
      chain.push(n);
      const parent = parentNodeOf.call(n);
      if (isShadowRoot(parent)) { chain.push(SHADOW); n = hostOf.call(parent); } else n = parent;
    }
    for (let k = chain.length - 1; k >= 0; k--) {
      const n = chain[k];
      if (n === SHADOW) { path += "/#shadow-root"; continue; }
      path += `/${tagOf(n)}[${indexOf(n)}]`;
      paths.set(n, path);
    }
    return path;
  };
  const idXpathOf = (el) => {
    const root = getRootNode.call(el);
    const prefix = isShadowRoot(root) ? idXpathOf(hostOf.call(root)) + "/#shadow-root" : "";
    const steps = []; // innermost first
    for (let n = el; n && nodeTypeOf.call(n) === 1; n = parentElementOf.call(n)) {
      const id = attr(n, "id");
      if (id) return `${prefix}//*[@id="${id}"]` + steps.reverse().map((s) => "/" + s).join("");
      steps.push(`${tagOf(n)}[${indexOf(n)}]`);
    }
    return prefix + "/" + steps.reverse().join("/");
  };

  const unreadable = [];
  const unreadableNodes = new Set(); // each node counted once, however many reads failed
  let unreadableCount = 0;
  const reasonOf = (error) => {
    try {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return text.slice(0, MAX_REASON);
    } catch {
      return "unknown error";
    }
  };
  const skip = (node, error) => {
    if (node) {
      if (unreadableNodes.has(node)) return;
      unreadableNodes.add(node);
    }
    unreadableCount++;
    if (unreadable.length >= MAX_REPORTED) return;
    let xpath = null;
    try { xpath = node ? xpathOf(node) : null; } catch { /* reported without a path */ }
    unreadable.push({ xpath, reason: reasonOf(error) });
  };

  // Every element under the body, each open shadow root's elements right after its host.
  // Closed shadow roots cannot be read; iframes are separate documents and are not entered.
  const root = document.body || document.documentElement;
  const elements = [];
  const hostsOf = new Map(); // element inside shadow roots -> its hosts, innermost first
  const shadowRoots = []; // [root, hosts] in the order met
  const shadowForms = [];
  const visit = (scope, hosts) => {
    for (const el of qsa(scope, "*")) {
      elements.push(el);
      if (hosts.length) {
        hostsOf.set(el, hosts);
        if (el instanceof HTMLFormElement) shadowForms.push(el);
      }
      enter(el, hosts);
    }
  };
  const enter = (host, hosts) => {
    let shadow = null;
    try { shadow = shadowOf.call(host); } catch (error) { skip(host, error); }
    if (!shadow) return;
    const inner = [host, ...hosts];
    shadowRoots.push([shadow, inner]);
    visit(shadow, inner);
  };
  if (root) {
    try {
      enter(root, []);
      visit(root, []);
    } catch (error) {
      skip(null, error);
    }
  }

  // Visible text blocks with their boxes, for neighbour texts and async-content detection.
  const textBlocks = [];
  let textsCut = 0;
  const walkTexts = (scope, hosts) => {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      let owner = null;
      try {
        if (textBlocks.length >= MAX_TEXT_BLOCKS) {
          if (/\S/.test(textContentOf.call(node))) textsCut++;
          continue;
        }
        const text = collapse(textContentOf.call(node));
        owner = parentElementOf.call(node);
        if (!owner && isShadowRoot(parentNodeOf.call(node))) owner = hostOf.call(parentNodeOf.call(node));
        if (!text || !owner || !isVisible(owner)) continue;
        if (closest(owner, "option, script, style, noscript, template")) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        textBlocks.push({
          text: text.slice(0, 80), owner, hosts, i: textBlocks.length,
          x: r.x + r.width / 2, y: r.y + r.height / 2,
        });
      } catch (error) {
        skip(owner, error);
      }
    }
  };
  if (root) walkTexts(root, []);
  for (const [shadow, hosts] of shadowRoots) walkTexts(shadow, hosts);

  // Containment across shadow boundaries: a host contains what its shadow root renders.
  const holds = (el, block) => contains(el, block.owner) || block.hosts.some((h) => contains(el, h));
  const heldBy = (block, el, hosts) => contains(block.owner, el) || hosts.some((h) => contains(block.owner, h));
  // Blocks by the y of their centre, so each element looks only at the blocks around it.
  const byY = textBlocks.slice().sort((a, b) => a.y - b.y || a.i - b.i);
  const firstAtOrBelow = (y) => {
    let lo = 0, hi = byY.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byY[mid].y < y) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  // Whether distance `d` of block `i` ranks before entry `b`: nearer first, then the earlier block.
  const ranksBefore = (d, i, b) => d < b.d || (d === b.d && i < b.i);

  // The nearest distinct texts, nearest first (ties: the earlier block). Blocks are visited
  // outwards from the element's row and the search stops once no block can be nearer.
  const neighboursOf = (el, box) => {
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const best = [];
    const consider = (t) => {
      const d = Math.hypot((t.x - cx) / 2, t.y - cy);
      const full = best.length >= NEIGHBOURS;
      if (full && !ranksBefore(d, t.i, best[best.length - 1])) return;
      const at = best.findIndex((b) => b.text === t.text);
      if (at >= 0 && !ranksBefore(d, t.i, best[at])) return;
      if (holds(el, t)) return;
      if (at >= 0) best.splice(at, 1);
      else if (full) best.pop();
      let k = best.length;
      while (k > 0 && ranksBefore(d, t.i, best[k - 1])) k--;
      best.splice(k, 0, { text: t.text, d, i: t.i });
    };
    let up = firstAtOrBelow(cy) - 1, down = up + 1;
    while (up >= 0 || down < byY.length) {
      const dUp = up >= 0 ? cy - byY[up].y : Infinity;
      const dDown = down < byY.length ? byY[down].y - cy : Infinity;
      // A block's distance is at least its vertical offset: none further out can rank.
      if (best.length >= NEIGHBOURS && Math.min(dUp, dDown) > best[best.length - 1].d) break;
      consider(dUp <= dDown ? byY[up--] : byY[down++]);
    }
    return best.map((b) => b.text);
  };

  // The text that visually labels an element: nearest on its row to the left, else just above
  // (ties: the earlier block). Only blocks in that band of rows are looked at.
  const rowLabelOf = (el, hosts, rect) => {
    let best = null, bestD = Infinity, bestI = Infinity;
    for (let k = firstAtOrBelow(rect.top - 61); k < byY.length && byY[k].y <= rect.bottom; k++) {
      const t = byY[k];
      const sameRow = t.y >= rect.top && t.y <= rect.bottom && t.x < rect.left;
      const above = t.y < rect.top && rect.top - t.y < 60 && t.x >= rect.left - 20 && t.x <= rect.right;
      if (!sameRow && !above) continue;
      const d = sameRow ? rect.left - t.x : 1000 + rect.top - t.y;
      if (!(d < bestD || (d === bestD && t.i < bestI))) continue;
      if (holds(el, t) || heldBy(t, el, hosts)) continue;
      best = t.text; bestD = d; bestI = t.i;
    }
    return best;
  };

  // Forms are told apart by id or name, else by action; forms sharing an action (a sidebar's
  // "go to" box and its sign-in box both posting to the page) get their ordinal among them.
  const twinsByAction = new Map();
  for (const f of document.querySelectorAll("form")) {
    const action = attr(f, "action") || "";
    twinsByAction.set(action, [...(twinsByAction.get(action) || []), f]);
  }
  const formKeyOf = (form) => {
    if (!form) return null;
    const own = attr(form, "id") || attr(form, "name");
    if (own) return own;
    const action = attr(form, "action");
    if (!action) return xpathOf(form);
    const twins = twinsByAction.get(action) || [];
    return twins.length > 1 ? `${action}#${twins.indexOf(form) + 1}` : action;
  };
  const ownerForm = (el) => {
    const form = prop(el, "form");
    return form instanceof HTMLFormElement ? form : closest(el, "form");
  };
  // A URL attribute resolved against the base URL; `invalid` when it does not parse.
  const resolve = (url, invalid) => {
    try {
      return new URL(url, document.baseURI).href;
    } catch {
      return invalid;
    }
  };
  // What `form.action` returns (Chromium gives "" for an unparseable one), from the attribute:
  // a control named "action" shadows the IDL property.
  const actionOf = (form) => {
    const action = attr(form, "action");
    return action ? resolve(action, "") : getter(D, "URL").call(document);
  };
  const hrefOf = (el, tag, href) => {
    const resolved = prop(el, "href");
    if (typeof resolved === "string") return resolved;
    return tag === "a" ? resolve(href, href) : null; // SVG's <a> has no string `href`
  };
  const isInteractive = (el, tag, role) => {
    if (tag === "input") return (attr(el, "type") || "").toLowerCase() !== "hidden";
    if (["a", "button", "select", "textarea", "summary"].includes(tag)) return tag !== "a" || has(el, "href");
    if (role && INTERACTIVE_ROLES.has(role)) return true;
    return has(el, "onclick") || prop(el, "isContentEditable") === true;
  };
  // Outputs are what assertions read: headings, status regions, and short labelled values.
  const isOutput = (el, role) => {
    if (role && OUTPUT_ROLES.has(role)) return true;
    if (!(attr(el, "data-testid") || attr(el, "id"))) return false;
    if (childrenOf.call(el).length > 2) return false;
    const text = collapse(renderedText(el));
    return text.length > 0 && text.length <= 80;
  };

  const num = (v) => (Number.isInteger(v) && v > 0 ? v : null);
  const record = (el, tag, role, interactive) => {
    const hosts = hostsOf.get(el) || [];
    const rect = rectOf(el);
    const box = { x: rect.x + window.scrollX, y: rect.y + window.scrollY, width: rect.width, height: rect.height };
    const type = tag === "input" ? (attr(el, "type") || "text").toLowerCase() : (attr(el, "type") || null);
    const href = attr(el, "href");
    const isField = ["input", "select", "textarea"].includes(tag);
    const options_ = tag === "select" ? Array.from(prop(el, "options") || []) : [];
    const buttonValue = tag === "input" && ["submit", "button", "reset"].includes(type) ? clip(prop(el, "value")) : null;
    const numeric = (name) => {
      const v = attr(el, name);
      return v !== null && v !== "" ? Number(v) : null;
    };
    const step = attr(el, "step");
    return {
      tag,
      test_id: attr(el, "data-testid"),
      id: attr(el, "id") || null,
      name: attr(el, "name"),
      classes: Array.from(classListOf.call(el)),
      type,
      role,
      accessible_name: accessibleName(el, tag, role),
      text: textOf(el, tag),
      label: isField ? labelsOf(el) : rowLabelOf(el, hosts, rect),
      placeholder: attr(el, "placeholder"),
      aria_label: attr(el, "aria-label"),
      title: attr(el, "title"),
      value: buttonValue,
      href: href === null ? null : hrefOf(el, tag, href),
      alt: attr(el, "alt"),
      xpath: xpathOf(el),
      id_xpath: idXpathOf(el),
      box,
      neighbor_texts: neighboursOf(el, box),
      form: formKeyOf(ownerForm(el)),
      interactive,
      in_nav: !!closest(el, NAV) || hosts.some((h) => !!closest(h, NAV)),
      disabled: !!prop(el, "disabled"),
      constraints: isField ? {
        required: !!prop(el, "required"),
        min_length: num(prop(el, "minLength")),
        max_length: num(prop(el, "maxLength")),
        minimum: numeric("min"),
        maximum: numeric("max"),
        step: step && step !== "any" ? Number(step) : null,
        pattern: attr(el, "pattern"),
        options: options_.map((o) => collapse(textContentOf.call(o))),
        accept: attr(el, "accept"),
      } : null,
      option_values: options_.map((o) => str(prop(o, "value")) ?? ""),
      field_value: isField && type !== "password" ? str(prop(el, "value")) : null,
      target: tag === "a" ? attr(el, "target") : null,
    };
  };

  const records = [];
  const frames = [];
  let frameCount = 0;
  let elementsCut = 0;
  for (const el of elements) {
    try {
      const tag = tagOf(el);
      if ((tag === "iframe" || tag === "frame") && isVisible(el)) {
        frameCount++;
        if (frames.length < MAX_REPORTED) {
          const src = attr(el, "src");
          frames.push({ xpath: xpathOf(el), src: src === null ? null : resolve(src, src) });
        }
      }
      const role = roleOf(el, tag);
      const interactive = isInteractive(el, tag, role);
      if (!interactive && !(options.outputs && isOutput(el, role))) continue;
      if (!isVisible(el)) continue;
      if (records.length >= MAX_ELEMENTS) { elementsCut++; continue; }
      records.push(record(el, tag, role, interactive));
    } catch (error) {
      skip(el, error);
    }
  }

  const forms = [];
  for (const form of [...Array.from(getter(D, "forms").call(document)), ...shadowForms]) {
    try {
      if (!isVisible(form)) continue;
      forms.push({
        key: formKeyOf(form),
        action: actionOf(form),
        method: (attr(form, "method") || "get").toLowerCase(),
        novalidate: has(form, "novalidate"),
      });
    } catch (error) {
      skip(form, error);
    }
  }
  const LANDMARKS = "main, nav, header, footer, aside, form, [role]";
  const landmarks = [];
  for (const scope of [document, ...shadowRoots.map(([shadow]) => shadow)]) {
    try {
      for (const n of qsa(scope, LANDMARKS)) landmarks.push(attr(n, "role") || tagOf(n));
    } catch (error) {
      skip(null, error);
    }
  }
  let heading = null;
  try {
    const h1 = D.querySelector.call(document, "h1");
    heading = h1 ? clip(renderedText(h1)) : null;
  } catch (error) {
    skip(null, error);
  }
  return {
    title: str(getter(D, "title").call(document)) ?? "",
    heading,
    landmarks,
    texts: Array.from(new Set(textBlocks.map((t) => t.text))),
    elements: records,
    forms,
    unreadable,
    unreadable_count: unreadableCount,
    skipped_frames: frames,
    skipped_frame_count: frameCount,
    truncated: { elements: elementsCut, texts: textsCut },
    nodes: elements.length,
  };
}
