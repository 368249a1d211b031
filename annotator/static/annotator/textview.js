// The article view: paragraphs of text with stacked underlines for spans. Only the paragraphs a
// change touches are rebuilt, so a new span repaints in a few milliseconds on a long article.

// Characters marked up at once when an article opens (a few screens); the rest as it scrolls near.
const EAGER_CHARACTERS = 12000;
// Span ids are numbers; suggestions share the view under string ids ("s12").
export const parseId = (raw) => (/^-?\d+$/.test(raw) ? Number(raw) : raw);
const el = (tag, className) => { const node = document.createElement(tag); if (className) node.className = className; return node; };

export class TextView {
  constructor(root, text, offsets, { colorOf, titleOf, layerRank }) {
    this.root = root;
    this.text = text;
    this.offsets = offsets;
    this.colorOf = colorOf;
    this.titleOf = titleOf;
    this.layerRank = layerRank;
    this.hidden = new Set();
    this.selected = new Set();
    this.spans = new Map(); // id -> {span, a, b} with a, b in UTF-16 units
    this.paragraphs = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      const end = newline === -1 ? text.length : newline;
      this.paragraphs.push({ start, end, spans: new Set(), node: null });
      if (newline === -1) break;
      start = newline + 1;
    }
    const fragment = document.createDocumentFragment();
    for (const paragraph of this.paragraphs) {
      paragraph.node = el("p", "para");
      paragraph.node.dataset.u16 = paragraph.start;
      paragraph.node.dataset.end = paragraph.end;
      fragment.append(paragraph.node);
    }
    root.replaceChildren(fragment);
    // Paragraphs far from the screen are shown as plain text and marked up when they come near,
    // so a long article with a thousand spans is interactive as soon as its first screens are.
    this.near = new Set();
    this.stale = new Set();
    let reach = 0;
    for (const [index, paragraph] of this.paragraphs.entries()) {
      if (reach > EAGER_CHARACTERS) break;
      this.near.add(index);
      reach += paragraph.end - paragraph.start + 1;
    }
    const nearObserver = new IntersectionObserver((entries) => {
      const due = [];
      for (const entry of entries) {
        const index = Number(entry.target.dataset.index);
        if (entry.isIntersecting) {
          this.near.add(index);
          if (this.stale.has(index)) due.push(index);
        } else {
          this.near.delete(index);
        }
      }
      if (due.length) { this.repaint(due); this.onVisibleChange?.(); }
    }, { rootMargin: "1500px 0px" });
    // Which paragraphs are on screen (with a margin): arcs are drawn for those only.
    this.visible = new Set();
    this.onVisibleChange = null;
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const index = Number(entry.target.dataset.index);
        if (entry.isIntersecting) this.visible.add(index); else this.visible.delete(index);
      }
      this.onVisibleChange?.();
    }, { rootMargin: "300px 0px" });
    this.paragraphs.forEach((paragraph, index) => {
      paragraph.node.dataset.index = index;
      observer.observe(paragraph.node);
      nearObserver.observe(paragraph.node);
    });
    // Repainting under a mouse drag would pull the text out from under the selection, so
    // repaints wait until the button is released.
    this.dragging = false;
    this.deferred = new Set();
    root.addEventListener("mousedown", () => { this.dragging = true; });
    document.addEventListener("mouseup", () => {
      this.dragging = false;
      if (this.deferred.size) { const dirty = [...this.deferred]; this.deferred.clear(); this.repaint(dirty); }
    }, true);
  }

  /** Index of the paragraph holding UTF-16 offset `at` (binary search). */
  paragraphAt(at) {
    let low = 0;
    let high = this.paragraphs.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.paragraphs[mid].start <= at) low = mid; else high = mid - 1;
    }
    return low;
  }

  touched(a, b) {
    const first = this.paragraphAt(a);
    const last = this.paragraphAt(Math.max(a, b - 1));
    const out = [];
    for (let i = first; i <= last; i += 1) out.push(i);
    return out;
  }

  setAll(spans) {
    for (const paragraph of this.paragraphs) paragraph.spans.clear();
    this.spans.clear();
    for (const span of spans) this.index(span);
    this.repaint(this.paragraphs.keys());
  }

  index(span) {
    const entry = { span, a: this.offsets.toUtf16(span.start), b: this.offsets.toUtf16(span.end) };
    this.spans.set(span.id, entry);
    for (const i of this.touched(entry.a, entry.b)) this.paragraphs[i].spans.add(span.id);
    return entry;
  }

  unindex(id) {
    const entry = this.spans.get(id);
    if (!entry) return [];
    const touched = this.touched(entry.a, entry.b);
    for (const i of touched) this.paragraphs[i].spans.delete(id);
    this.spans.delete(id);
    return touched;
  }

  /** Add, replace or remove spans and repaint only what they touch. */
  update({ upsert = [], remove = [] }) {
    const dirty = new Set();
    for (const id of remove) for (const i of this.unindex(id)) dirty.add(i);
    for (const span of upsert) {
      for (const i of this.unindex(span.id)) dirty.add(i);
      const entry = this.index(span);
      for (const i of this.touched(entry.a, entry.b)) dirty.add(i);
    }
    this.repaint(dirty);
  }

  setHidden(layers) {
    this.hidden = new Set(layers);
    this.repaint(this.paragraphs.keys());
  }

  /** Repaint paragraphs, keeping the reader's text selection where it was. */
  repaint(indexes) {
    if (this.dragging) { for (const i of indexes) this.deferred.add(i); return; }
    const kept = this.selectionOffsets();
    for (const i of indexes) {
      if (this.near.has(i)) this.paint(i);
      else if (!this.stale.has(i)) { this.stale.add(i); this.paintPlain(i); }
    }
    if (kept) {
      const from = this.domPosition(kept.a);
      const to = this.domPosition(kept.b);
      window.getSelection().setBaseAndExtent(from.node, from.offset, to.node, to.offset);
    }
  }

  /** The current text selection inside the article as UTF-16 offsets {a, b}, or null. */
  selectionOffsets() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!this.root.contains(range.startContainer) || !this.root.contains(range.endContainer)) return null;
    return { a: this.boundaryOffset(range.startContainer, range.startOffset), b: this.boundaryOffset(range.endContainer, range.endOffset) };
  }

  /** The selection without white space at its ends as UTF-16 offsets {a, b}, or null if nothing is left. */
  trimmedSelection() {
    const selected = this.selectionOffsets();
    if (!selected) return null;
    let { a, b } = selected;
    while (a < b && /\s/.test(this.text[a])) a += 1;
    while (b > a && /\s/.test(this.text[b - 1])) b -= 1;
    return a < b ? { a, b } : null;
  }

  boundaryOffset(container, offset) {
    if (container.nodeType === Node.TEXT_NODE) return Number(container.parentElement.closest(".seg").dataset.u16) + offset;
    if (offset < container.childNodes.length) {
      const node = container.childNodes[offset];
      const seg = node.matches?.(".seg") ? node : node.querySelector?.(".seg");
      if (seg) return Number(seg.dataset.u16);
      return Number((node.closest?.(".para") || node).dataset?.u16 ?? 0);
    }
    const segs = container.matches?.(".seg") ? [container] : container.querySelectorAll(".seg");
    if (segs.length) { const last = segs[segs.length - 1]; return Number(last.dataset.u16) + last.textContent.length; }
    return Number(container.closest?.(".para")?.dataset.end ?? this.text.length);
  }

  setSelected(ids) {
    const dirty = new Set();
    for (const id of new Set([...this.selected, ...ids])) {
      const entry = this.spans.get(id);
      if (entry) for (const i of this.touched(entry.a, entry.b)) dirty.add(i);
    }
    this.selected = new Set(ids);
    // Toggle classes instead of repainting, so the reader's text selection survives.
    for (const i of dirty) {
      for (const segment of this.paragraphs[i].node.querySelectorAll(".seg.marked")) {
        const ids = segment.dataset.spans.split(",").map(parseId);
        segment.classList.toggle("selected", ids.some((id) => this.selected.has(id)));
      }
    }
  }

  /** A paragraph as one unmarked segment, until it comes near the screen. */
  paintPlain(index) {
    const paragraph = this.paragraphs[index];
    const segment = el("span", "seg");
    segment.dataset.u16 = paragraph.start;
    segment.textContent = this.text.slice(paragraph.start, paragraph.end);
    paragraph.node.replaceChildren(segment);
  }

  paint(index) {
    this.stale.delete(index);
    const paragraph = this.paragraphs[index];
    const entries = [...paragraph.spans].map((id) => this.spans.get(id)).filter((entry) => !this.hidden.has(entry.span.layer));
    const cuts = new Set([paragraph.start, paragraph.end]);
    for (const { a, b } of entries) {
      if (a > paragraph.start && a < paragraph.end) cuts.add(a);
      if (b > paragraph.start && b < paragraph.end) cuts.add(b);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      const segment = el("span", "seg");
      segment.dataset.u16 = a;
      segment.textContent = this.text.slice(a, b);
      const covering = entries.filter((entry) => entry.a <= a && entry.b >= b).map((entry) => entry.span)
        .sort((x, y) => (this.layerRank(x) - this.layerRank(y)) || (x.start - y.start) || (String(x.id) < String(y.id) ? -1 : 1));
      if (covering.length) {
        const human = covering.filter((span) => !span.suggestion);
        const suggested = covering.filter((span) => span.suggestion);
        segment.classList.add("marked");
        if (suggested.length) segment.classList.add("suggested");
        segment.dataset.spans = covering.map((span) => span.id).join(",");
        // One underline per covering span, stacked, so overlaps stay readable: solid for the
        // annotator's spans, dashed below them for suggestions.
        if (human.length) segment.style.boxShadow = human.map((span, k) => `inset 0 -${3 * (k + 1)}px 0 ${this.colorOf(span)}`).join(", ");
        if (suggested.length) {
          segment.style.backgroundImage = suggested.map((span) => `repeating-linear-gradient(90deg, ${this.colorOf(span)} 0 5px, transparent 5px 8px)`).join(", ");
          segment.style.backgroundSize = suggested.map(() => "100% 2px").join(", ");
          segment.style.backgroundPosition = suggested.map((_, k) => `0 calc(100% - ${3 * (human.length + k)}px)`).join(", ");
          segment.style.backgroundRepeat = "no-repeat";
        }
        segment.style.paddingBottom = `${3 * covering.length}px`;
        segment.title = covering.map((span) => this.titleOf(span)).join("\n");
        if (covering.some((span) => this.selected.has(span.id))) segment.classList.add("selected");
      }
      fragment.append(segment);
    }
    paragraph.node.replaceChildren(fragment);
  }

  /** The DOM position (text node, offset) of UTF-16 offset `at`, for setting the selection. */
  domPosition(at) {
    const paragraph = this.paragraphs[this.paragraphAt(at)];
    let last = null;
    for (const segment of paragraph.node.children) {
      const start = Number(segment.dataset.u16);
      if (start > at) break;
      last = segment;
    }
    if (!last) return { node: paragraph.node, offset: 0 };
    return { node: last.firstChild, offset: Math.min(at - Number(last.dataset.u16), last.textContent.length) };
  }

  /** Screen boxes (relative to the root) of the first and last segments of a span on screen. */
  spanBoxes(id) {
    const entry = this.spans.get(id);
    if (!entry || this.hidden.has(entry.span.layer)) return null;
    if (!this.visible.has(this.paragraphAt(entry.a))) return null;
    const segments = [];
    for (const i of this.touched(entry.a, entry.b)) {
      for (const segment of this.paragraphs[i].node.children) {
        const start = Number(segment.dataset.u16);
        if (start >= entry.a && start < entry.b) segments.push(segment);
      }
    }
    if (!segments.length) return null;
    const origin = this.root.getBoundingClientRect();
    const box = (node) => { const r = node.getClientRects()[0] || node.getBoundingClientRect(); return { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height }; };
    return { first: box(segments[0]), last: box(segments[segments.length - 1]) };
  }
}
