// The annotation workspace: renders the article, turns selections into spans, and saves every
// change at once through the API. Article text and labels are only ever inserted as text nodes.

import { OffsetMap } from "./offsets.js";
import { ApiError, request } from "./api.js";

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const config = JSON.parse($("#workspace-config").textContent);
const text = JSON.parse($("#document-text").textContent);
const layers = JSON.parse($("#scheme").textContent);
const offsets = new OffsetMap(text);

const spanLayers = layers.filter((layer) => layer.kind === "span");
const relationLayers = layers.filter((layer) => layer.kind === "relation");
const stanceLayer = layers.find((layer) => layer.kind === "document" && layer.key === "stance")
  || layers.find((layer) => layer.kind === "document");
const layerOrder = new Map(spanLayers.map((layer, index) => [layer.key, index]));
const labelInfo = new Map();
for (const layer of layers) for (const label of layer.labels) labelInfo.set(`${layer.key}:${label.value}`, { ...label, layer });

const state = {
  set: null,
  pending: null, // {start, end} in code points
  selectedSpan: null,
  hiddenLayers: new Set(),
  conflict: false,
  stanceDraft: null, // the stance as last edited, ahead of the server while saves are queued
};

const textRoot = $("#document-text-view");
const statusLine = $("#save-status");
const alertBox = $("#workspace-alert");

// --- saving -------------------------------------------------------------------------------

let queue = Promise.resolve();

function setUrl(suffix = "") {
  return `${config.annotationSetsUrl}${state.set.id}/${suffix}`;
}

function save(description, method, suffix, body) {
  // Writes go one after another so each is based on the version the previous one returned.
  // A body given as a function is read when the write runs, so it carries the latest edits.
  const run = async () => {
    if (state.conflict) return null;
    statusLine.textContent = `Saving: ${description}…`;
    try {
      const payload = typeof body === "function" ? body() : body;
      const result = await request(method, setUrl(suffix), { ...(payload || {}), version: state.set.version });
      state.set.version = result.version;
      statusLine.textContent = `Saved: ${description} (version ${result.version}).`;
      alertBox.hidden = true;
      return result;
    } catch (error) {
      handleError(error, description);
      return null;
    }
  };
  queue = queue.then(run);
  return queue;
}

function handleError(error, description) {
  if (error instanceof ApiError && error.status === 409 && error.body?.code === "stale_version") {
    state.conflict = true;
    showAlert(
      `Not saved: ${description}. This document was changed in another tab or window ` +
      `(it is now at version ${error.body.version}). Reload to see the latest version.`,
      true,
    );
  } else {
    showAlert(`Not saved: ${description}. ${error.message}`, false);
  }
  statusLine.textContent = "";
}

function showAlert(message, offerReload) {
  alertBox.replaceChildren(el("span", {}, message));
  if (offerReload) alertBox.append(" ", el("button", { type: "button", onclick: () => location.reload() }, "Reload"));
  alertBox.hidden = false;
}

// --- rendering the article ------------------------------------------------------------------

function spanColor(span) {
  return labelInfo.get(`${span.layer}:${span.label}`)?.color || "#888888";
}

function renderText() {
  const spans = state.set.spans.filter((span) => !state.hiddenLayers.has(span.layer));
  // Boundaries in UTF-16 units: paragraph breaks and every span edge.
  const events = new Map();
  const mark = (position) => { if (!events.has(position)) events.set(position, { open: [], close: [] }); return events.get(position); };
  mark(0); mark(text.length);
  for (const span of spans) {
    mark(offsets.toUtf16(span.start)).open.push(span);
    mark(offsets.toUtf16(span.end)).close.push(span);
  }
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) { mark(i); mark(i + 1); }
  const points = [...events.keys()].sort((a, b) => a - b);

  const fragment = document.createDocumentFragment();
  let paragraph = el("p", { className: "para", dataset: { u16: 0 } });
  const active = new Set();
  for (let i = 0; i < points.length - 1; i += 1) {
    const at = points[i];
    const next = points[i + 1];
    for (const span of events.get(at).close) active.delete(span);
    for (const span of events.get(at).open) active.add(span);
    const piece = text.slice(at, next);
    if (piece === "\n") {
      paragraph.dataset.end = at;
      fragment.append(paragraph);
      paragraph = el("p", { className: "para", dataset: { u16: next } });
      continue;
    }
    const segment = el("span", { className: "seg", dataset: { u16: at } }, piece);
    if (active.size) {
      const covering = [...active].sort((a, b) => (layerOrder.get(a.layer) - layerOrder.get(b.layer)) || (a.start - b.start));
      segment.classList.add("marked");
      segment.dataset.spans = covering.map((span) => span.id).join(",");
      // Stacked underlines, one per covering span, so overlaps stay readable.
      segment.style.boxShadow = covering.map((span, index) => `inset 0 -${3 * (index + 1)}px 0 ${spanColor(span)}`).join(", ");
      segment.style.paddingBottom = `${3 * covering.length}px`;
      segment.title = covering.map((span) => `${span.layer}: ${labelInfo.get(`${span.layer}:${span.label}`)?.name || span.label}`).join("\n");
      if (covering.some((span) => span.id === state.selectedSpan)) segment.classList.add("selected");
    }
    paragraph.append(segment);
  }
  paragraph.dataset.end = text.length;
  fragment.append(paragraph);
  textRoot.replaceChildren(fragment);
}

// --- selections -----------------------------------------------------------------------------

function firstOffset(node) {
  const seg = node.nodeType === Node.ELEMENT_NODE ? (node.matches(".seg") ? node : node.querySelector(".seg")) : node.parentElement.closest(".seg");
  if (seg) return Number(seg.dataset.u16);
  const para = node.nodeType === Node.ELEMENT_NODE ? node.closest(".para") : null;
  return para ? Number(para.dataset.u16) : 0;
}

function endOffset(element) {
  const segs = element.matches(".seg") ? [element] : element.querySelectorAll(".seg");
  if (segs.length) {
    const last = segs[segs.length - 1];
    return Number(last.dataset.u16) + last.textContent.length;
  }
  const para = element.closest(".para");
  return para ? Number(para.dataset.end) : text.length;
}

function boundaryOffset(container, offset) {
  if (container.nodeType === Node.TEXT_NODE) {
    return Number(container.parentElement.closest(".seg").dataset.u16) + offset;
  }
  if (offset < container.childNodes.length) return firstOffset(container.childNodes[offset]);
  return endOffset(container);
}

function readSelection() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!textRoot.contains(range.startContainer) || !textRoot.contains(range.endContainer)) return null;
  let start = boundaryOffset(range.startContainer, range.startOffset);
  let end = boundaryOffset(range.endContainer, range.endOffset);
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  if (start >= end) return null;
  return { start: offsets.toCodePoint(start), end: offsets.toCodePoint(end, { snapForward: true }) };
}

function updatePending() {
  state.pending = readSelection();
  const box = $("#pending-selection");
  if (state.pending) {
    box.replaceChildren("Selected: ", el("q", {}, offsets.slice(state.pending.start, state.pending.end)),
      ` [${state.pending.start}, ${state.pending.end}) — press a label's key or click a label.`);
  } else {
    box.textContent = "Select text in the article, then pick a label.";
  }
  for (const button of document.querySelectorAll(".label-button")) button.disabled = !state.pending || isLocked();
}

// --- actions ----------------------------------------------------------------------------------

function currentStance() {
  return state.stanceDraft || state.set.stance;
}

function isLocked() {
  return state.set.status === "submitted";
}

async function createSpan(layer, label) {
  if (!state.pending || isLocked()) return;
  const { start, end } = state.pending;
  window.getSelection().removeAllRanges();
  state.pending = null;
  updatePending();
  const result = await save(`${label} span`, "POST", "spans/", { layer, label, start, end });
  if (result) {
    state.set.spans.push(result.span);
    state.set.spans.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
    state.selectedSpan = result.span.id;
    renderAll();
  }
}

async function deleteSpan(span) {
  const result = await save(`delete ${span.label} span`, "DELETE", `spans/${span.id}/`);
  if (!result) return;
  state.set.spans = state.set.spans.filter((other) => other.id !== span.id);
  state.set.relations = state.set.relations.filter((relation) => relation.head !== span.id && relation.tail !== span.id);
  for (const stance of [state.set.stance, state.stanceDraft]) {
    if (stance) stance.rationale = stance.rationale.filter((id) => id !== span.id);
  }
  if (state.selectedSpan === span.id) state.selectedSpan = null;
  renderAll();
}

async function setStep(span, value) {
  const step = value === "" ? null : Number(value);
  const result = await save(`step of span ${span.id}`, "PATCH", `spans/${span.id}/`, { step });
  if (result) Object.assign(span, result.span);
  renderAll();
}

async function saveStance(changes) {
  // Changes made while an earlier save is under way merge into one draft, so none is lost.
  const current = state.stanceDraft || state.set.stance || { label: null, confidence: null, rationale: [] };
  const next = { ...current, ...changes };
  if (!next.label) {
    showAlert("Choose the document stance before its confidence or rationale.", false);
    renderPanels();
    return;
  }
  state.stanceDraft = next;
  const result = await save("document stance", "PUT", `document-labels/${stanceLayer.key}/`, () => ({
    label: state.stanceDraft.label, confidence: state.stanceDraft.confidence, rationale: state.stanceDraft.rationale,
  }));
  if (result) state.set.stance = result.document_label;
  else state.stanceDraft = null;
  renderPanels();
}

async function createRelation(head, tail, label) {
  const result = await save(`${label} relation`, "POST", "relations/", { head, tail, label });
  if (result) state.set.relations.push(result.relation);
  renderPanels();
}

async function deleteRelation(relation) {
  const result = await save(`delete ${relation.label} relation`, "DELETE", `relations/${relation.id}/`);
  if (result) state.set.relations = state.set.relations.filter((other) => other.id !== relation.id);
  renderPanels();
}

async function submit() {
  const result = await save("submission", "POST", "submit/");
  if (result) state.set.status = result.status;
  renderAll();
}

async function reopen() {
  const result = await save("reopen", "POST", "reopen/");
  if (result) state.set.status = result.status;
  renderAll();
}

// --- side panels ----------------------------------------------------------------------------

function excerpt(span, length = 60) {
  const quoted = offsets.slice(span.start, span.end);
  return quoted.length > length ? `${quoted.slice(0, length - 1)}…` : quoted;
}

function spanName(span) {
  return `#${span.id} ${labelInfo.get(`${span.layer}:${span.label}`)?.name || span.label}: “${excerpt(span, 40)}”`;
}

function renderPalette() {
  const palette = $("#label-palette");
  palette.replaceChildren(...spanLayers.map((layer) => el("section", { className: "palette-layer", "aria-label": layer.name },
    el("h3", {},
      el("label", {},
        el("input", {
          type: "checkbox", checked: !state.hiddenLayers.has(layer.key), "aria-label": `Show ${layer.name}`,
          onchange: (event) => {
            if (event.target.checked) state.hiddenLayers.delete(layer.key); else state.hiddenLayers.add(layer.key);
            renderText();
          },
        }),
        ` ${layer.name}`)),
    el("div", { className: "label-buttons" }, layer.labels.map((label) => el("button", {
      type: "button", className: "label-button", disabled: true,
      dataset: { layer: layer.key, label: label.value },
      title: label.definition,
      onclick: () => createSpan(layer.key, label.value),
    }, el("span", { className: "swatch", style: `background:${label.color}` }), label.name,
    label.shortcut ? el("kbd", {}, label.shortcut) : null))))));
}

function renderSpanList() {
  const list = $("#span-list");
  $("#span-count").textContent = String(state.set.spans.length);
  const rationale = new Set(currentStance()?.rationale || []);
  list.replaceChildren(...state.set.spans.map((span) => {
    const info = labelInfo.get(`${span.layer}:${span.label}`);
    return el("li", {
      className: `span-item${state.selectedSpan === span.id ? " selected" : ""}`,
      dataset: { spanId: span.id },
    },
    el("button", {
      type: "button", className: "span-pick", "aria-label": `Select span ${spanName(span)}`,
      onclick: () => { state.selectedSpan = span.id; renderAll(); },
    }, el("span", { className: "chip", style: `border-color:${info?.color}` }, `${span.layer}: ${info?.name || span.label}`),
    " ", el("q", {}, excerpt(span))),
    el("span", { className: "span-controls" },
      span.layer === "argument" ? el("label", {}, "step ", el("input", {
        type: "number", min: 1, className: "step-input", value: span.step ?? "", disabled: isLocked(),
        "aria-label": `Step number of span ${span.id}`,
        onchange: (event) => setStep(span, event.target.value),
      })) : null,
      el("label", {}, el("input", {
        type: "checkbox", className: "rationale-toggle", checked: rationale.has(span.id), disabled: isLocked(),
        "aria-label": `Rationale for the stance: span ${span.id}`,
        onchange: (event) => {
          const ids = new Set(currentStance()?.rationale || []);
          if (event.target.checked) ids.add(span.id); else ids.delete(span.id);
          saveStance({ rationale: [...ids] });
        },
      }), " rationale"),
      el("button", {
        type: "button", className: "span-delete", disabled: isLocked(), "aria-label": `Delete span ${span.id}`,
        onclick: () => deleteSpan(span),
      }, "×")));
  }));
}

function renderRelations() {
  const options = () => state.set.spans.map((span) => el("option", { value: span.id }, spanName(span)));
  const head = $("#relation-head");
  const tail = $("#relation-tail");
  const keepHead = head.value;
  const keepTail = tail.value;
  head.replaceChildren(el("option", { value: "" }, "— head span —"), ...options());
  tail.replaceChildren(el("option", { value: "" }, "— tail span —"), ...options());
  head.value = keepHead; tail.value = keepTail;
  const labelSelect = $("#relation-label");
  if (!labelSelect.options.length) {
    for (const layer of relationLayers) for (const label of layer.labels) labelSelect.append(el("option", { value: label.value, title: label.definition }, label.name));
  }
  $("#relation-add").disabled = isLocked();
  const byId = new Map(state.set.spans.map((span) => [span.id, span]));
  $("#relation-list").replaceChildren(...state.set.relations.map((relation) => el("li", { className: "relation-item" },
    `${spanName(byId.get(relation.head))} `, el("strong", {}, `—${relation.label}→`), ` ${spanName(byId.get(relation.tail))} `,
    el("button", { type: "button", disabled: isLocked(), "aria-label": `Delete relation ${relation.id}`, onclick: () => deleteRelation(relation) }, "×"))));
}

function renderStance() {
  const stance = currentStance();
  for (const input of document.querySelectorAll("input[name=stance]")) {
    input.checked = stance?.label === input.value;
    input.disabled = isLocked();
  }
  for (const input of document.querySelectorAll("input[name=confidence]")) {
    input.checked = stance?.confidence === Number(input.value);
    input.disabled = isLocked();
  }
  $("#rationale-count").textContent = String(stance?.rationale.length || 0);
}

function renderStatus() {
  const submitted = isLocked();
  $("#set-status").textContent = submitted ? "Submitted" : "In progress";
  $("#submit-button").hidden = submitted;
  $("#reopen-button").hidden = !submitted;
  document.body.classList.toggle("locked", submitted);
}

function renderPanels() {
  renderSpanList();
  renderRelations();
  renderStance();
  renderStatus();
}

function renderAll() {
  renderText();
  renderPanels();
  updatePending();
}

// --- wiring -----------------------------------------------------------------------------------

function bindControls() {
  textRoot.addEventListener("mouseup", () => setTimeout(updatePending, 0));
  textRoot.addEventListener("keyup", () => updatePending());
  textRoot.addEventListener("click", (event) => {
    const seg = event.target.closest(".seg.marked");
    if (!seg || !window.getSelection().isCollapsed) return;
    const ids = seg.dataset.spans.split(",").map(Number);
    const shortest = ids.map((id) => state.set.spans.find((span) => span.id === id))
      .sort((a, b) => (a.end - a.start) - (b.end - b.start))[0];
    state.selectedSpan = shortest.id;
    renderAll();
    document.querySelector(`.span-item[data-span-id="${shortest.id}"]`)?.scrollIntoView({ block: "nearest" });
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      window.getSelection().removeAllRanges();
      state.selectedSpan = null;
      renderAll();
      return;
    }
    if (state.pending) {
      const key = event.key.toLowerCase();
      for (const layer of spanLayers) {
        const label = layer.labels.find((candidate) => candidate.shortcut && candidate.shortcut.toLowerCase() === key);
        if (label) { event.preventDefault(); createSpan(layer.key, label.value); return; }
      }
    }
    if ((event.key === "Delete" || event.key === "Backspace") && state.selectedSpan && !isLocked()) {
      const span = state.set.spans.find((candidate) => candidate.id === state.selectedSpan);
      if (span) { event.preventDefault(); deleteSpan(span); }
    }
  });
  $("#relation-add").addEventListener("click", () => {
    const head = Number($("#relation-head").value);
    const tail = Number($("#relation-tail").value);
    if (!head || !tail) { showAlert("Choose a head span and a tail span for the relation.", false); return; }
    createRelation(head, tail, $("#relation-label").value);
  });
  for (const input of document.querySelectorAll("input[name=stance]")) {
    input.addEventListener("change", () => saveStance({ label: input.value }));
  }
  for (const input of document.querySelectorAll("input[name=confidence]")) {
    input.addEventListener("change", () => saveStance({ confidence: Number(input.value) }));
  }
  $("#submit-button").addEventListener("click", submit);
  $("#reopen-button").addEventListener("click", reopen);
}

async function start() {
  try {
    state.set = await request("GET", config.annotationSetUrl);
  } catch (error) {
    showAlert(`The annotation could not be loaded. ${error.message}`, true);
    return;
  }
  renderPalette();
  bindControls();
  renderAll();
  document.body.dataset.ready = "true";
}

start();
