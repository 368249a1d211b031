// The annotation workspace: wires the article view, the side panels, the keyboard, undo/redo
// and saving. Every change goes to the server at once; text is only ever inserted as text.

import { OffsetMap } from "./offsets.js";
import { ApiError, request } from "./api.js";
import { TextView, parseId } from "./textview.js";
import { checkArgument, renderArgumentMap, serializeMap } from "./argmap.js";

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
const layerRank = new Map(spanLayers.map((layer, index) => [layer.key, index]));
const labelInfo = new Map();
for (const layer of layers) for (const label of layer.labels) labelInfo.set(`${layer.key}:${label.value}`, { ...label, layer });
const infoOf = (item) => labelInfo.get(`${item.layer}:${item.label}`);
const WORD = /[\p{L}\p{N}\p{M}'’_-]/u;

const state = {
  set: null,
  pending: null, // the text selection waiting for a label: {start, end} in code points
  selectedSpan: null,
  selectedRelation: null,
  selectedSuggestion: null, // a suggestion id (number) picked for A / R / a label key
  relationHead: null, // span ids picked for the next relation
  relationTail: null,
  conflict: false,
  stanceDraft: null, // the stance as last edited, ahead of the server while saves are queued
  snap: localStorage.getItem("stancemark.snap") !== "off",
  cursor: null, // keyboard selection in UTF-16 units: {anchor, focus}
};

const textRoot = $("#document-text-view");
const statusLine = $("#save-status");
const alertBox = $("#workspace-alert");
let view;

// --- saving: one write at a time, retried while the server cannot be reached ------------------

let queue = Promise.resolve();
let unsaved = 0;

function setUrl(suffix = "") {
  return `${config.annotationSetsUrl}${state.set.id}/${suffix}`;
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function save(description, method, suffix, body) {
  // A body given as a function is read when the write runs, so it carries the latest edits.
  unsaved += 1;
  const run = async () => {
    try {
      for (let attempt = 0; ; attempt += 1) {
        if (state.conflict) return null;
        statusLine.textContent = `Saving: ${description}…`;
        try {
          const payload = typeof body === "function" ? body() : body;
          const path = typeof suffix === "function" ? suffix() : suffix;
          const result = await request(method, setUrl(path), { ...(payload || {}), version: state.set.version });
          state.set.version = result.version;
          statusLine.textContent = `Saved: ${description} (version ${result.version}).`;
          alertBox.hidden = true;
          return result;
        } catch (error) {
          const transient = error instanceof ApiError && (error.status === 0 || error.status >= 500);
          if (!transient) { handleError(error, description); return null; }
          const wait = Math.min(1000 * 2 ** attempt, 10000);
          showAlert(`Saving “${description}” failed (${error.message}). Retrying in ${Math.round(wait / 1000)} s; keep this tab open.`, false);
          await sleep(wait);
        }
      }
    } finally {
      unsaved -= 1;
    }
  };
  queue = queue.then(run);
  return queue;
}

window.addEventListener("beforeunload", (event) => {
  if (unsaved > 0) { event.preventDefault(); event.returnValue = ""; }
});

function handleError(error, description) {
  if (error instanceof ApiError && error.status === 409 && error.body?.code === "stale_version") {
    state.conflict = true;
    showAlert(`Not saved: ${description}. This document was changed in another tab or window `
      + `(it is now at version ${error.body.version}). Reload to see the latest version.`, true);
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

// --- undo and redo ---------------------------------------------------------------------------

// Re-creating a span gives it a new id; `alias` maps every id a command remembers to the live one.
const alias = new Map();
const live = (id) => { let current = id; while (alias.has(current)) current = alias.get(current); return current; };
const undoStack = [];
const redoStack = [];

async function perform(command) {
  if (isLocked() || state.conflict) return;
  if (await command.apply()) { undoStack.push(command); redoStack.length = 0; renderHistory(); }
}

async function undo() {
  const command = undoStack.pop();
  if (!command) return;
  if (await command.revert()) redoStack.push(command); else undoStack.push(command);
  renderHistory();
}

async function redo() {
  const command = redoStack.pop();
  if (!command) return;
  if (await command.apply()) undoStack.push(command); else redoStack.push(command);
  renderHistory();
}

function renderHistory() {
  $("#undo-button").disabled = !undoStack.length;
  $("#redo-button").disabled = !redoStack.length;
  $("#undo-button").title = undoStack.length ? `Undo ${undoStack.at(-1).name} (Ctrl+Z)` : "Nothing to undo";
  $("#redo-button").title = redoStack.length ? `Redo ${redoStack.at(-1).name} (Ctrl+Shift+Z)` : "Nothing to redo";
}

// --- low-level changes (each one write) ---------------------------------------------------------

function findSpan(id) { return state.set.spans.find((span) => span.id === live(id)) || state.set.spans.find((span) => span.id === id); }

let provisionalIds = 0;

function sortSpans() {
  state.set.spans.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
}

async function addSpan(data) {
  // Paint at once under a provisional (negative) id; the saved span takes its place.
  provisionalIds -= 1;
  const provisional = { ...data, id: provisionalIds, step: data.step ?? null, attributes: data.attributes || {}, provisional: true };
  state.set.spans.push(provisional);
  sortSpans();
  view.update({ upsert: [provisional] });
  const result = await save(`${data.label} span`, "POST", "spans/", data);
  state.set.spans = state.set.spans.filter((span) => span.id !== provisional.id);
  if (!result) {
    view.update({ remove: [provisional.id] });
    return null;
  }
  alias.set(provisional.id, result.span.id);
  if (state.selectedSpan === provisional.id) state.selectedSpan = result.span.id;
  state.set.spans.push(result.span);
  sortSpans();
  view.update({ remove: [provisional.id], upsert: [result.span] });
  return result.span;
}

async function removeSpan(id) {
  const span = findSpan(id);
  if (!span) return false;
  const result = await save(`delete ${span.label} span`, "DELETE", () => `spans/${live(span.id)}/`);
  if (!result) return false;
  const gone = live(span.id);
  state.set.spans = state.set.spans.filter((other) => other.id !== gone);
  state.set.relations = state.set.relations.filter((relation) => relation.head !== gone && relation.tail !== gone);
  for (const stance of [state.set.stance, state.stanceDraft]) {
    if (stance) stance.rationale = stance.rationale.filter((other) => other !== gone);
  }
  state.set.comments = state.set.comments.filter((comment) => comment.span !== gone);
  if (state.selectedSpan === gone) state.selectedSpan = null;
  view.update({ remove: [gone] });
  return true;
}

async function changeSpan(id, changes, description) {
  const span = findSpan(id);
  if (!span) return false;
  const result = await save(description, "PATCH", () => `spans/${live(span.id)}/`, changes);
  if (!result) return false;
  Object.assign(span, result.span);
  view.update({ upsert: [span] });
  return true;
}

async function addRelation(head, tail, label) {
  const result = await save(`${label} relation`, "POST", "relations/", { head: live(head), tail: live(tail), label });
  if (!result) return null;
  state.set.relations.push(result.relation);
  return result.relation;
}

async function removeRelation(id) {
  const relation = state.set.relations.find((other) => other.id === live(id));
  if (!relation) return false;
  const result = await save(`delete ${relation.label} relation`, "DELETE", `relations/${relation.id}/`);
  if (!result) return false;
  state.set.relations = state.set.relations.filter((other) => other.id !== relation.id);
  return true;
}

function currentStance() {
  return state.stanceDraft || state.set.stance;
}

async function putStance(next) {
  // Changes made while an earlier save is under way merge into one draft, so none is lost.
  if (!next) {
    state.stanceDraft = null;
    const result = await save("clear stance", "DELETE", `document-labels/${stanceLayer.key}/`);
    if (result) state.set.stance = null;
    return Boolean(result);
  }
  state.stanceDraft = next;
  const result = await save("document stance", "PUT", `document-labels/${stanceLayer.key}/`, () => ({
    label: state.stanceDraft.label,
    confidence: state.stanceDraft.confidence,
    rationale: state.stanceDraft.rationale.map(live),
  }));
  if (result) state.set.stance = result.document_label;
  else state.stanceDraft = null;
  return Boolean(result);
}

// --- suggestions: shown dashed under view ids "s<id>"; accept (A), reject (R), or a label key to edit

const suggestionViewId = (id) => `s${id}`;
const asViewSuggestion = (suggestion) => ({ ...suggestion, id: suggestionViewId(suggestion.id), suggestion: true, suggestionId: suggestion.id });

function forgetSuggestions(ids) {
  const gone = new Set(ids);
  state.set.suggestions = state.set.suggestions.filter((suggestion) => !gone.has(suggestion.id));
  if (gone.has(state.selectedSuggestion)) state.selectedSuggestion = null;
  view.update({ remove: ids.map(suggestionViewId) });
}

function acceptSuggestionCommand(suggestion, edit = {}) {
  let id = null;
  const edited = Object.keys(edit).length > 0;
  return {
    name: `${edited ? "edit and accept" : "accept"} ${suggestion.label} suggestion`,
    async apply() {
      if (id !== null) {
        // Redo: the decision stands; the span comes back as the annotator's own.
        const span = await addSpan({ layer: edit.layer || suggestion.layer, label: edit.label || suggestion.label, start: suggestion.start, end: suggestion.end });
        if (!span) return false;
        alias.set(id, span.id);
        id = span.id;
        return true;
      }
      const result = await save(this.name, "POST", `suggestions/${suggestion.id}/accept/`, edit);
      if (!result) return false;
      forgetSuggestions([suggestion.id]);
      if (!state.set.spans.some((span) => span.id === result.span.id)) state.set.spans.push(result.span);
      sortSpans();
      view.update({ upsert: [result.span] });
      id = result.span.id;
      state.selectedSpan = id;
      return true;
    },
    revert: () => removeSpan(id),
  };
}

async function rejectSuggestion(suggestion) {
  // A rejection is a recorded decision, not an edit of the annotation, so it is not undone.
  if (isLocked() || state.conflict) return;
  const result = await save(`reject ${suggestion.label} suggestion`, "POST", `suggestions/${suggestion.id}/reject/`);
  if (result) forgetSuggestions([suggestion.id]);
  renderAll();
}

async function acceptLayer(layerKey) {
  if (isLocked() || state.conflict) return;
  const result = await save(`accept all ${layerKey} suggestions`, "POST", "suggestions/accept-layer/", { layer: layerKey });
  if (!result) return;
  forgetSuggestions(result.suggestions);
  const known = new Set(state.set.spans.map((span) => span.id));
  const added = result.spans.filter((span) => !known.has(span.id));
  state.set.spans.push(...added);
  sortSpans();
  view.update({ upsert: added });
  renderAll();
}

function selectedSuggestion() {
  return state.set.suggestions.find((suggestion) => suggestion.id === state.selectedSuggestion) || null;
}

function selectSuggestion(id, { scroll = false } = {}) {
  state.selectedSuggestion = id;
  state.selectedSpan = null;
  state.selectedRelation = null;
  renderAll();
  const suggestion = selectedSuggestion();
  if (scroll && suggestion) view.domPosition(offsets.toUtf16(suggestion.start)).node.parentElement?.scrollIntoView({ block: "center" });
}

function renderSuggestions() {
  const open = state.set.suggestions;
  $("#suggestion-count").textContent = String(open.length);
  const byLayer = new Map();
  for (const suggestion of open) byLayer.set(suggestion.layer, (byLayer.get(suggestion.layer) || 0) + 1);
  const locked = isLocked();
  syncChildren($("#suggestion-layers"), spanLayers.filter((layer) => byLayer.has(layer.key)).map((layer) => cached("accept-layer",
    [layer.key, byLayer.get(layer.key), locked].join(),
    () => el("button", { type: "button", className: "accept-layer", disabled: locked, onclick: () => acceptLayer(layer.key) },
      `Accept all ${layer.name} (${byLayer.get(layer.key)})`))));
  syncChildren($("#suggestion-list"), open.map((suggestion) => cached("suggestion",
    [suggestion.id, state.selectedSuggestion === suggestion.id, locked].join(), () => {
      const info = infoOf(suggestion);
      return el("li", { className: `suggestion-item${state.selectedSuggestion === suggestion.id ? " selected" : ""}`, dataset: { suggestionId: suggestion.id } },
        el("button", {
          type: "button", className: "span-pick", "aria-pressed": String(state.selectedSuggestion === suggestion.id),
          "aria-label": `Select suggestion: ${info?.name || suggestion.label} “${excerpt(suggestion, 40)}”`,
          title: `${suggestion.reason} (${suggestion.suggester_version}, score ${suggestion.score ?? "–"})`,
          onclick: () => selectSuggestion(suggestion.id, { scroll: true }),
        }, el("span", { className: "chip dashed", style: `border-color:${info?.color}` }, `${suggestion.layer}: ${info?.name || suggestion.label}`),
        " ", el("q", {}, excerpt(suggestion))),
        el("span", { className: "span-controls" },
          el("button", { type: "button", disabled: locked, "aria-label": `Accept suggestion ${suggestion.id}`, title: "Accept (A)",
            onclick: () => perform(acceptSuggestionCommand(suggestion)).then(renderAll) }, "✓"),
          el("button", { type: "button", disabled: locked, "aria-label": `Reject suggestion ${suggestion.id}`, title: "Reject (R)",
            onclick: () => rejectSuggestion(suggestion) }, "✗")));
    })));
  const stance = state.set.suggested_stance;
  $("#suggested-stance").textContent = stance
    ? `Suggested: ${infoOf({ layer: stanceLayer.key, label: stance.label })?.name || stance.label}${stance.score != null ? ` (${Math.round(stance.score * 100)}%)` : ""} — ${stance.reason}`
    : "";
}

// --- comments and flags on the selected span or on the document ---------------------------------

async function addComment() {
  if (state.conflict) return;
  const text = $("#comment-text").value;
  const flag = $("#comment-flag").value;
  const span = $("#comment-target").value === "span" ? live(state.selectedSpan) : null;
  if (!text.trim() && !flag) { showAlert("Write a comment or choose a flag.", false); return; }
  const result = await save(flag ? `${flag} flag` : "comment", "POST", "comments/", { text, flag, span });
  if (!result) return;
  state.set.comments.push(result.comment);
  $("#comment-text").value = "";
  $("#comment-flag").value = "";
  renderAll();
}

async function deleteComment(comment) {
  const result = await save("delete comment", "DELETE", `comments/${comment.id}/`);
  if (!result) return;
  state.set.comments = state.set.comments.filter((other) => other.id !== comment.id);
  renderAll();
}

function renderComments() {
  const span = state.selectedSpan ? findSpan(state.selectedSpan) : null;
  const target = $("#comment-target");
  target.querySelector("option[value=span]").disabled = !span;
  target.querySelector("option[value=span]").textContent = span ? `Span ${spanName(span)}` : "The selected span (select one first)";
  if (!span) target.value = "document";
  const flagNames = { unsure: "Unsure", "bad-document": "Bad document", discuss: "Needs discussion" };
  $("#comment-count").textContent = String(state.set.comments.length);
  $("#comment-list").replaceChildren(...state.set.comments.map((comment) => el("li", { className: "comment-item" },
    comment.flag ? el("strong", { className: `flag flag-${comment.flag}` }, `⚑ ${flagNames[comment.flag] || comment.flag}`) : null,
    comment.span ? el("button", { type: "button", className: "link", onclick: () => selectSpan(comment.span, { scroll: true }) }, ` on #${comment.span}`) : " on the document",
    comment.text ? [": ", el("span", {}, comment.text)] : null,
    " ", el("button", { type: "button", "aria-label": `Delete comment ${comment.id}`, onclick: () => deleteComment(comment) }, "×"))));
}

// --- commands: what the annotator does, each undoable ---------------------------------------------

function createSpanCommand(data) {
  let id = null;
  return {
    name: `new ${data.label} span`,
    async apply() {
      const adding = addSpan(data);
      state.selectedSpan = provisionalIds; // the provisional span just painted
      view.setSelected([state.selectedSpan]);
      const span = await adding;
      if (!span) return false;
      if (id !== null) alias.set(id, span.id);
      id = span.id;
      if (state.selectedSpan === provisionalIds || state.selectedSpan === null) state.selectedSpan = span.id;
      return true;
    },
    revert: () => removeSpan(id),
  };
}

function deleteSpanCommand(span) {
  const data = { layer: span.layer, label: span.label, start: span.start, end: span.end, step: span.step, attributes: span.attributes };
  const relations = state.set.relations.filter((relation) => relation.head === span.id || relation.tail === span.id)
    .map((relation) => ({ ...relation }));
  const inRationale = (currentStance()?.rationale || []).includes(span.id);
  const original = span.id;
  return {
    name: `delete ${span.label} span`,
    apply: () => removeSpan(original),
    async revert() {
      const restored = await addSpan(data);
      if (!restored) return false;
      alias.set(live(original), restored.id);
      for (const relation of relations) await addRelation(relation.head, relation.tail, relation.label);
      if (inRationale && currentStance()) {
        await putStance({ ...currentStance(), rationale: [...currentStance().rationale.map(live), restored.id] });
      }
      return true;
    },
  };
}

function changeSpanCommand(span, changes, name) {
  const before = Object.fromEntries(Object.keys(changes).map((key) => [key, span[key]]));
  const original = span.id;
  return {
    name,
    apply: () => changeSpan(original, changes, name),
    revert: () => changeSpan(original, before, `undo ${name}`),
  };
}

function createRelationCommand(head, tail, label) {
  let id = null;
  return {
    name: `new ${label} relation`,
    async apply() {
      const relation = await addRelation(head, tail, label);
      if (!relation) return false;
      if (id !== null) alias.set(id, relation.id);
      id = relation.id;
      return true;
    },
    revert: () => removeRelation(id),
  };
}

function deleteRelationCommand(relation) {
  const { head, tail, label } = relation;
  let id = relation.id;
  return {
    name: `delete ${label} relation`,
    apply: () => removeRelation(id),
    async revert() {
      const restored = await addRelation(head, tail, label);
      if (!restored) return false;
      alias.set(live(id), restored.id);
      id = restored.id;
      return true;
    },
  };
}

function stanceCommand(changes) {
  const before = currentStance() ? { ...currentStance(), rationale: [...currentStance().rationale] } : null;
  const after = { ...(before || { label: null, confidence: null, rationale: [] }), ...changes };
  return {
    name: "document stance",
    apply: () => putStance({ ...after, rationale: after.rationale.map(live) }),
    revert: () => putStance(before && { ...before, rationale: before.rationale.map(live) }),
  };
}

// --- selections ----------------------------------------------------------------------------------

function snapToWords(start, end) {
  while (start > 0 && WORD.test(text[start - 1]) && WORD.test(text[start])) start -= 1;
  while (end < text.length && WORD.test(text[end - 1]) && WORD.test(text[end])) end += 1;
  return [start, end];
}

function readSelection() {
  const selected = view.trimmedSelection();
  if (!selected) return null;
  let { a: start, b: end } = selected;
  if (state.snap) [start, end] = snapToWords(start, end);
  return { start: offsets.toCodePoint(start), end: offsets.toCodePoint(end, { snapForward: true }) };
}

function updatePending() {
  state.pending = readSelection();
  const box = $("#pending-selection");
  if (state.pending) {
    box.replaceChildren("Selected: ", el("q", {}, offsets.slice(state.pending.start, state.pending.end)),
      ` [${state.pending.start}, ${state.pending.end}) — press a label's key or click a label.`);
  } else if (state.selectedSpan) {
    box.textContent = "Span selected: a label key changes its label; Shift+←/→ moves its end, Alt+Shift+←/→ its start; Delete removes it.";
  } else {
    box.textContent = "Select text (mouse, or focus the article and use Shift+arrows), then pick a label.";
  }
  for (const button of document.querySelectorAll(".label-button")) {
    button.disabled = isLocked() || (!state.pending && !state.selectedSpan);
  }
}

// Keyboard selection: arrows move a word cursor in the article, Shift+arrows extend it.
function wordEdges() {
  if (!wordEdges.cache) {
    const edges = [];
    for (const match of text.matchAll(/\S+/g)) edges.push([match.index, match.index + match[0].length]);
    wordEdges.cache = edges;
  }
  return wordEdges.cache;
}

function moveCursor(direction, extend) {
  const words = wordEdges();
  if (!words.length) return;
  const focus = state.cursor?.focus ?? 0;
  const target = direction > 0
    ? words.find(([, b]) => b > focus)?.[1] ?? text.length
    : [...words].reverse().find(([a]) => a < focus)?.[0] ?? 0;
  let anchor = target;
  if (extend && state.cursor) anchor = state.cursor.anchor;
  else if (direction > 0) anchor = words.find(([, b]) => b === target)?.[0] ?? target;
  else anchor = words.find(([a]) => a === target)?.[1] ?? target;
  state.cursor = { anchor, focus: target };
  const from = view.domPosition(Math.min(anchor, target));
  const to = view.domPosition(Math.max(anchor, target));
  window.getSelection().setBaseAndExtent(from.node, from.offset, to.node, to.offset);
  updatePending();
}

// --- actions bound to the UI ---------------------------------------------------------------------

function isLocked() {
  return state.set.status === "submitted" || state.set.status === "skipped";
}

function labelChosen(layer, label) {
  if (isLocked()) return;
  const suggestion = !state.pending && selectedSuggestion();
  if (suggestion) {
    const edit = suggestion.layer === layer && suggestion.label === label ? {} : { layer, label };
    perform(acceptSuggestionCommand(suggestion, edit)).then(renderAll);
    return;
  }
  if (state.pending) {
    const { start, end } = state.pending;
    window.getSelection().removeAllRanges();
    state.pending = null;
    perform(createSpanCommand({ layer, label, start, end })).then(renderAll);
  } else if (state.selectedSpan) {
    const span = findSpan(state.selectedSpan);
    if (span && (span.layer !== layer || span.label !== label)) {
      perform(changeSpanCommand(span, { layer, label }, `label ${span.label} → ${label}`)).then(renderAll);
    }
  }
}

function resizeSelectedSpan(edge, direction) {
  const span = findSpan(state.selectedSpan);
  if (!span) return;
  const words = wordEdges();
  const a = offsets.toUtf16(span.start);
  const b = offsets.toUtf16(span.end);
  let start = a;
  let end = b;
  if (edge === "end") {
    end = direction > 0 ? (words.find(([, e]) => e > b)?.[1] ?? b) : ([...words].reverse().find(([, e]) => e < b && e > a)?.[1] ?? b);
  } else {
    start = direction < 0 ? ([...words].reverse().find(([s]) => s < a)?.[0] ?? a) : (words.find(([s]) => s > a && s < b)?.[0] ?? a);
  }
  if (start === a && end === b) return;
  const changes = { start: offsets.toCodePoint(start), end: offsets.toCodePoint(end, { snapForward: true }) };
  perform(changeSpanCommand(span, changes, `resize ${span.label} span`)).then(renderAll);
}

function pickRelationEnd(end) {
  if (!state.selectedSpan || isLocked()) return;
  if (end === "head") state.relationHead = state.selectedSpan; else state.relationTail = state.selectedSpan;
  renderRelations();
  const other = end === "head" ? state.relationTail : state.relationHead;
  statusLine.textContent = other
    ? "Head and tail picked: choose the relation and press Add relation."
    : `${end === "head" ? "Head" : "Tail"} picked: select the ${end === "head" ? "tail" : "head"} span and press ${end === "head" ? "]" : "["}.`;
  if (other) $("#relation-label").focus();
}

function selectSpan(id, { scroll = false } = {}) {
  state.selectedSpan = id;
  state.selectedSuggestion = null;
  state.selectedRelation = null;
  renderAll();
  if (scroll) afterPanels.push(() => document.querySelector(`.span-item[data-span-id="${id}"]`)?.scrollIntoView({ block: "nearest" }));
}

function selectRelation(id) {
  state.selectedRelation = id;
  state.selectedSpan = null;
  const relation = state.set.relations.find((other) => other.id === id);
  renderAll();
  if (relation) view.setSelected([relation.head, relation.tail]);
}

// --- side panels ---------------------------------------------------------------------------------

function excerpt(span, length = 60) {
  const quoted = offsets.slice(span.start, span.end);
  return quoted.length > length ? `${quoted.slice(0, length - 1)}…` : quoted;
}

function spanName(span) {
  if (!span) return "(deleted span)";
  return `#${span.id} ${infoOf(span)?.name || span.label}: “${excerpt(span, 40)}”`;
}

function renderPalette() {
  const hidden = new Set();
  $("#label-palette").replaceChildren(...spanLayers.map((layer) => el("section", { className: "palette-layer", "aria-label": layer.name },
    el("h3", {}, el("label", {}, el("input", {
      type: "checkbox", checked: true, "aria-label": `Show ${layer.name}`,
      onchange: (event) => {
        if (event.target.checked) hidden.delete(layer.key); else hidden.add(layer.key);
        view.setHidden(hidden);
        drawArcs();
      },
    }), ` ${layer.name}`)),
    el("div", { className: "label-buttons" }, layer.labels.map((label) => el("button", {
      type: "button", className: "label-button", disabled: true, dataset: { layer: layer.key, label: label.value },
      title: label.definition, "aria-keyshortcuts": label.shortcut || null,
      onclick: () => labelChosen(layer.key, label.value),
    }, el("span", { className: "swatch", style: `background:${label.color}` }), label.name,
    label.shortcut ? el("kbd", {}, label.shortcut) : null))))));
  $("#legend").replaceChildren(...spanLayers.map((layer) => el("span", { className: "legend-layer" },
    el("strong", {}, `${layer.name}: `), layer.labels.map((label) => el("span", { className: "legend-item" },
      el("span", { className: "swatch", style: `background:${label.color}` }), ` ${label.name} `)))));
}

// Built list items and options are kept by a key of everything they show, so a change to one
// span rebuilds one item instead of a thousand.
const itemCache = new Map();

function cached(kind, key, build) {
  const cacheKey = `${kind}|${key}`;
  let node = itemCache.get(cacheKey);
  if (!node) { node = build(); itemCache.set(cacheKey, node); }
  node.used = true;
  return node;
}

/** Make `parent`'s children exactly `nodes`, moving only what changed (layout stays valid). */
function syncChildren(parent, nodes) {
  let current = parent.firstChild;
  for (const node of nodes) {
    if (node === current) { current = current.nextSibling; continue; }
    parent.insertBefore(node, current);
  }
  while (current) { const next = current.nextSibling; current.remove(); current = next; }
}

function pruneCache() {
  for (const [key, node] of itemCache) { if (node.used) node.used = false; else itemCache.delete(key); }
}

function renderSpanList() {
  $("#span-count").textContent = String(state.set.spans.length);
  const rationale = new Set(currentStance()?.rationale || []);
  const locked = isLocked();
  const notes = new Map();
  for (const comment of state.set.comments) if (comment.span) notes.set(comment.span, (notes.get(comment.span) || 0) + 1);
  syncChildren($("#span-list"), state.set.spans.map((span) => cached("span",
    [span.id, span.layer, span.label, span.start, span.end, span.step, state.selectedSpan === span.id, rationale.has(span.id), locked, notes.get(span.id) || 0, span.origin].join(),
    () => spanItem(span, rationale, notes.get(span.id) || 0))));
}

function spanItem(span, rationale, noteCount) {
  {
    const info = infoOf(span);
    return el("li", { className: `span-item${state.selectedSpan === span.id ? " selected" : ""}`, dataset: { spanId: span.id } },
      el("button", {
        type: "button", className: "span-pick", "aria-label": `Select span ${spanName(span)}`,
        "aria-pressed": String(state.selectedSpan === span.id), onclick: () => selectSpan(span.id),
      }, el("span", { className: "chip", style: `border-color:${info?.color}` }, `${span.layer}: ${info?.name || span.label}`),
      " ", el("q", {}, excerpt(span)),
      span.origin === "suggestion" ? el("span", { className: "origin", title: "Accepted from a suggestion" }, " ⚙") : null,
      noteCount ? el("span", { className: "note-marker", title: `${noteCount} comment(s) or flag(s)` }, ` ⚑${noteCount}`) : null),
      el("span", { className: "span-controls" },
        span.layer === "argument" ? el("label", {}, "step ", el("input", {
          type: "number", min: 1, className: "step-input", value: span.step ?? "", disabled: isLocked(),
          "aria-label": `Step number of span ${span.id}`,
          onchange: (event) => perform(changeSpanCommand(span, { step: event.target.value === "" ? null : Number(event.target.value) }, `step of span ${span.id}`)).then(renderAll),
        })) : null,
        el("label", {}, el("input", {
          type: "checkbox", className: "rationale-toggle", checked: rationale.has(span.id), disabled: isLocked(),
          "aria-label": `Rationale for the stance: span ${span.id}`,
          onchange: (event) => {
            if (!currentStance()?.label) {
              showAlert("Choose the document stance before its rationale.", false);
              renderPanels();
              return;
            }
            const ids = new Set(currentStance().rationale);
            if (event.target.checked) ids.add(span.id); else ids.delete(span.id);
            perform(stanceCommand({ rationale: [...ids] })).then(renderPanels);
          },
        }), " rationale"),
        el("button", {
          type: "button", className: "span-delete", disabled: isLocked(), "aria-label": `Delete span ${span.id}`,
          onclick: () => perform(deleteSpanCommand(span)).then(renderAll),
        }, "×")));
  }
}

function renderRelations() {
  // Head and tail are picked from the selected span, not from a list of every span: a long
  // article has a thousand spans, and a thousand options cost a layout on every change.
  const head = findSpan(state.relationHead);
  const tail = findSpan(state.relationTail);
  $("#relation-head").textContent = head ? spanName(head) : "—";
  $("#relation-tail").textContent = tail ? spanName(tail) : "—";
  const labelSelect = $("#relation-label");
  if (!labelSelect.options.length) {
    for (const layer of relationLayers) for (const label of layer.labels) labelSelect.append(el("option", { value: label.value, title: label.definition }, label.name));
  }
  for (const button of [$("#relation-pick-head"), $("#relation-pick-tail")]) button.disabled = isLocked() || !state.selectedSpan;
  $("#relation-add").disabled = isLocked() || !head || !tail;
  const byId = new Map(state.set.spans.map((span) => [span.id, span]));
  const locked = isLocked();
  syncChildren($("#relation-list"), state.set.relations.map((relation) => {
    const head = byId.get(relation.head);
    const tail = byId.get(relation.tail);
    const key = [relation.id, relation.label, spanName(head), spanName(tail), state.selectedRelation === relation.id, locked].join();
    return cached("relation", key, () => el("li", {
      className: `relation-item${state.selectedRelation === relation.id ? " selected" : ""}`, dataset: { relationId: relation.id },
    },
    el("button", { type: "button", className: "span-pick", "aria-label": `Highlight relation ${relation.id}`, onclick: () => selectRelation(relation.id) },
      `${spanName(head)} `, el("strong", {}, `—${relation.label}→`), ` ${spanName(tail)}`),
    el("button", {
      type: "button", disabled: locked, "aria-label": `Delete relation ${relation.id}`,
      onclick: () => perform(deleteRelationCommand(relation)).then(renderAll),
    }, "×")));
  }));
}

function renderStance() {
  const stance = currentStance();
  for (const input of document.querySelectorAll("input[name=stance]")) { input.checked = stance?.label === input.value; input.disabled = isLocked(); }
  for (const input of document.querySelectorAll("input[name=confidence]")) { input.checked = stance?.confidence === Number(input.value); input.disabled = isLocked(); }
  $("#rationale-count").textContent = String(stance?.rationale.length || 0);
}

function stanceColorOf(span) {
  // A component takes the colour of a passage stance over it, else of the document stance.
  const passage = state.set.spans.find((other) => other.layer === "passage-stance" && other.start <= span.start && other.end >= span.end);
  const label = passage ? labelInfo.get(`passage-stance:${passage.label}`) : currentStance() && labelInfo.get(`${stanceLayer.key}:${currentStance().label}`);
  return label?.color || "#9e9e9e";
}

// The map and the checks are redrawn only when what they show has changed: most edits touch
// other layers, and a map of two hundred boxes costs a layout.
let argumentKey = "";
let mapOnScreen = false;
new IntersectionObserver(([entry]) => {
  mapOnScreen = entry.isIntersecting;
  if (mapOnScreen && state.set) renderArgument();
}).observe($("#argument-map"));
let warningsKey = "";

function renderArgument({ force = false } = {}) {
  const components = state.set.spans.filter((span) => span.layer === "argument");
  const ids = new Set(components.map((span) => span.id));
  const key = [
    ...components.map((span) => [span.id, span.label, span.step, span.start, span.end, stanceColorOf(span)].join(":")),
    ...state.set.relations.filter((relation) => ids.has(relation.head) && ids.has(relation.tail))
      .map((relation) => `${relation.id}:${relation.head}:${relation.tail}:${relation.label}`),
  ].join("|");
  if (key !== argumentKey && (mapOnScreen || force)) {
    argumentKey = key;
    renderArgumentMap($("#argument-map"), {
      spans: components, relations: state.set.relations, textOf: (span) => offsets.slice(span.start, span.end),
      stanceColorOf, labelName: (span) => infoOf(span)?.name || span.label,
    });
  }
  const warnings = checkArgument(state.set.spans, state.set.relations);
  const nextWarningsKey = JSON.stringify(warnings);
  if (nextWarningsKey === warningsKey) return;
  warningsKey = nextWarningsKey;
  $("#warning-count").textContent = String(warnings.length);
  $("#argument-warnings").replaceChildren(...warnings.map((warning) => el("li", { className: `warning warning-${warning.code}` },
    warning.message, " ", ...warning.spans.map((id) => el("button", {
      type: "button", className: "link", onclick: () => selectSpan(id, { scroll: true }),
    }, `#${id}`)))));
}

function renderStatus() {
  const { status } = state.set;
  $("#set-status").textContent = status === "submitted" ? "Submitted"
    : status === "skipped" ? `Skipped${state.set.skip_reason ? ` (${state.set.skip_reason})` : ""}` : "In progress";
  $("#submit-button").hidden = isLocked();
  $("#skip-form").hidden = isLocked();
  $("#reopen-button").hidden = status !== "submitted";
  document.body.classList.toggle("locked", isLocked());
}

// Time spent: seconds the page is visible and the annotator has been active in the last minute,
// reported every half minute and when the page is hidden or closed.
const activity = { last: Date.now(), pending: 0 };
for (const name of ["keydown", "mousedown", "mousemove", "scroll", "wheel"]) {
  window.addEventListener(name, () => { activity.last = Date.now(); }, { passive: true, capture: true });
}
setInterval(() => {
  if (document.visibilityState === "visible" && Date.now() - activity.last < 60000) activity.pending += 1;
}, 1000);

function reportTime() {
  const seconds = activity.pending;
  if (!seconds || !state.set) return;
  activity.pending = 0;
  request("POST", setUrl("time/"), { seconds }, { keepalive: true }).catch(() => { activity.pending += seconds; });
}
setInterval(reportTime, 30000);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") reportTime(); });

function timed(name, work) {
  // Named measures let the benchmark break the time down without a profiler.
  const start = performance.now();
  work();
  performance.measure(`stancemark:${name}`, { start, end: performance.now() });
}

let panelsFrame = 0;
const afterPanels = [];

function renderPanels() {
  // Panels are rebuilt once per frame at most, after the text has repainted.
  renderStance();
  renderStatus();
  renderHistory();
  if (panelsFrame) return;
  panelsFrame = requestAnimationFrame(() => {
    panelsFrame = 0;
    timed("span-list", renderSpanList);
    timed("relations", renderRelations);
    timed("suggestions", renderSuggestions);
    timed("comments", renderComments);
    timed("argument", renderArgument);
    timed("arcs", drawArcs);
    pruneCache();
    for (const callback of afterPanels.splice(0)) callback();
  });
}

// Relations as arcs over the text, from the head's first segment to the tail's.
function drawArcs() {
  const overlay = $("#relation-arcs");
  if (!view.visible.size) return; // nothing on screen yet; the observer calls again
  const show = $("#show-arcs").checked;
  overlay.replaceChildren();
  if (!show) return;
  const rect = textRoot.getBoundingClientRect();
  overlay.setAttribute("width", String(rect.width));
  overlay.setAttribute("height", String(rect.height));
  // All reads first, then all writes: interleaving them would force a layout per arc.
  const ends = state.set.relations.map((relation) => [relation, view.spanBoxes(relation.head), view.spanBoxes(relation.tail)]);
  const fragment = document.createDocumentFragment();
  for (const [relation, head, tail] of ends) {
    if (!head || !tail) continue;
    const x1 = head.first.x + Math.min(12, head.first.w / 2);
    const y1 = head.first.y + 2;
    const x2 = tail.first.x + Math.min(12, tail.first.w / 2);
    const y2 = tail.first.y + 2;
    const lift = Math.min(40, 14 + Math.abs(x2 - x1) / 10 + Math.abs(y2 - y1) / 6);
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", `M ${x1} ${y1} C ${x1} ${Math.min(y1, y2) - lift} ${x2} ${Math.min(y1, y2) - lift} ${x2} ${y2}`);
    path.setAttribute("class", `arc arc-${relation.label}${state.selectedRelation === relation.id ? " selected" : ""}`);
    path.setAttribute("marker-end", "url(#arc-arrow)");
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = relation.label;
    path.append(title);
    fragment.append(path);
  }
  overlay.append(fragment);
  const defs = document.createElementNS("http://www.w3.org/2000/svg", "defs");
  const marker = document.createElementNS("http://www.w3.org/2000/svg", "marker");
  for (const [key, value] of Object.entries({ id: "arc-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto" })) marker.setAttribute(key, value);
  const tip = document.createElementNS("http://www.w3.org/2000/svg", "path");
  tip.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
  marker.append(tip);
  defs.append(marker);
  overlay.prepend(defs);
}

let arcsFrame = 0;
function scheduleArcs() {
  cancelAnimationFrame(arcsFrame);
  arcsFrame = requestAnimationFrame(() => timed("arcs", drawArcs));
}

function renderAll() {
  view.setSelected(state.selectedSpan ? [state.selectedSpan] : state.selectedSuggestion ? [suggestionViewId(state.selectedSuggestion)] : []);
  renderPanels();
  updatePending();
}

// --- wiring -----------------------------------------------------------------------------------------

function bindControls() {
  textRoot.addEventListener("mouseup", () => setTimeout(() => {
    state.cursor = null;
    updatePending();
    // A new text selection takes over from a selected span, so a label key labels the text.
    if (state.pending && state.selectedSpan) { state.selectedSpan = null; renderAll(); }
  }, 0));
  textRoot.addEventListener("click", (event) => {
    const seg = event.target.closest(".seg.marked");
    if (!seg || !window.getSelection().isCollapsed) return;
    const covering = seg.dataset.spans.split(",").map(parseId);
    const byLength = (a, b) => (a.end - a.start) - (b.end - b.start);
    const shortest = covering.filter((id) => typeof id === "number").map((id) => findSpan(id)).filter(Boolean).sort(byLength)[0];
    if (shortest) { selectSpan(shortest.id, { scroll: true }); return; }
    const suggestion = state.set.suggestions.filter((other) => covering.includes(suggestionViewId(other.id))).sort(byLength)[0];
    if (suggestion) selectSuggestion(suggestion.id, { scroll: true });

  });
  document.addEventListener("keydown", (event) => {
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
      if (event.target.closest("input[type=number], textarea")) return;
      event.preventDefault();
      (event.shiftKey ? redo : undo)().then(renderAll);
      return;
    }
    if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "y") { event.preventDefault(); redo().then(renderAll); return; }
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey) return;
    if (key === "Escape") {
      window.getSelection().removeAllRanges();
      state.cursor = null;
      state.selectedSpan = null;
      state.selectedRelation = null;
      state.selectedSuggestion = null;
      renderAll();
      return;
    }
    if ((key === "ArrowLeft" || key === "ArrowRight") && state.selectedSpan && !state.pending && event.shiftKey) {
      event.preventDefault();
      resizeSelectedSpan(event.altKey ? "start" : "end", key === "ArrowRight" ? 1 : -1);
      return;
    }
    if ((key === "ArrowLeft" || key === "ArrowRight") && event.target === textRoot && !event.altKey) {
      event.preventDefault();
      moveCursor(key === "ArrowRight" ? 1 : -1, event.shiftKey);
      return;
    }
    if (event.altKey) return;
    const suggestion = !state.pending && selectedSuggestion();
    if (suggestion && (key === "a" || key === "A" || key === "r" || key === "R")) {
      event.preventDefault();
      if (key.toLowerCase() === "a") perform(acceptSuggestionCommand(suggestion)).then(renderAll);
      else rejectSuggestion(suggestion);
      return;
    }
    if ((key === "[" || key === "]") && state.selectedSpan) {
      event.preventDefault();
      pickRelationEnd(key === "[" ? "head" : "tail");
      return;
    }
    if (state.pending || state.selectedSpan || suggestion) {
      for (const layer of spanLayers) {
        const label = layer.labels.find((candidate) => candidate.shortcut && candidate.shortcut.toLowerCase() === key.toLowerCase());
        if (label) { event.preventDefault(); labelChosen(layer.key, label.value); return; }
      }
    }
    if ((key === "Delete" || key === "Backspace") && state.selectedSpan && !isLocked()) {
      const span = findSpan(state.selectedSpan);
      if (span) { event.preventDefault(); perform(deleteSpanCommand(span)).then(renderAll); }
    }
  });
  $("#comment-add").addEventListener("click", addComment);
  $("#relation-pick-head").addEventListener("click", () => pickRelationEnd("head"));
  $("#relation-pick-tail").addEventListener("click", () => pickRelationEnd("tail"));
  $("#relation-add").addEventListener("click", () => {
    const head = findSpan(state.relationHead);
    const tail = findSpan(state.relationTail);
    if (!head || !tail) { showAlert("Pick a head span and a tail span for the relation.", false); return; }
    if (head.id === tail.id) { showAlert("A relation needs two different spans.", false); return; }
    perform(createRelationCommand(head.id, tail.id, $("#relation-label").value)).then(() => {
      state.relationHead = null;
      state.relationTail = null;
      renderAll();
    });
  });
  for (const input of document.querySelectorAll("input[name=stance]")) {
    input.addEventListener("change", () => perform(stanceCommand({ label: input.value })).then(renderAll));
  }
  for (const input of document.querySelectorAll("input[name=confidence]")) {
    input.addEventListener("change", () => {
      if (!currentStance()?.label) { showAlert("Choose the document stance before its confidence.", false); renderStance(); return; }
      perform(stanceCommand({ confidence: Number(input.value) })).then(renderAll);
    });
  }
  $("#submit-button").addEventListener("click", async () => {
    const result = await save("submission", "POST", "submit/");
    if (result) state.set.status = result.status;
    renderAll();
  });
  $("#reopen-button").addEventListener("click", async () => {
    const result = await save("reopen", "POST", "reopen/");
    if (result) state.set.status = result.status;
    renderAll();
  });
  $("#skip-button").addEventListener("click", async () => {
    const reason = $("#skip-reason").value.trim();
    if (!reason) { showAlert("Say why you skip this document.", false); $("#skip-reason").focus(); return; }
    const result = await save("skip", "POST", "skip/", { reason });
    if (result) { state.set.status = result.status; state.set.skip_reason = reason; }
    renderAll();
  });
  $("#undo-button").addEventListener("click", () => undo().then(renderAll));
  $("#redo-button").addEventListener("click", () => redo().then(renderAll));
  const snap = $("#snap-words");
  snap.checked = state.snap;
  snap.addEventListener("change", () => { state.snap = snap.checked; localStorage.setItem("stancemark.snap", snap.checked ? "on" : "off"); });
  $("#show-arcs").addEventListener("change", scheduleArcs);
  window.addEventListener("resize", scheduleArcs);
  $("#download-map").addEventListener("click", () => {
    renderArgument({ force: true });
    const blob = new Blob([serializeMap($("#argument-map"))], { type: "image/svg+xml" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `argument-map-${config.documentId}.svg` });
    document.body.append(link);
    link.click();
    link.remove();
  });
}

async function start() {
  // The page carries the annotation set as it was when served; fetch only if it does not.
  const embedded = $("#annotation-set");
  try {
    state.set = embedded ? JSON.parse(embedded.textContent) : await request("GET", config.annotationSetUrl);
  } catch (error) {
    showAlert(`The annotation could not be loaded. ${error.message}`, true);
    return;
  }
  view = new TextView(textRoot, text, offsets, {
    colorOf: (span) => infoOf(span)?.color || "#888888",
    titleOf: (span) => (span.suggestion
      ? `Suggestion ${span.layer}: ${infoOf(span)?.name || span.label} (${span.reason}). A accepts, R rejects.`
      : `${span.layer}: ${infoOf(span)?.name || span.label}`),
    layerRank: (span) => layerRank.get(span.layer) ?? 99,
  });
  state.set.suggestions ||= [];
  state.set.comments ||= [];
  timed("text", () => view.setAll([...state.set.spans, ...state.set.suggestions.map(asViewSuggestion)]));
  view.onVisibleChange = scheduleArcs;
  renderPalette();
  bindControls();
  renderStance();
  renderStatus();
  renderHistory();
  updatePending();
  // Interactive once the article is laid out and painted: selections and label keys work.
  // The side lists, the map and the arcs follow in the next frame.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    performance.mark("stancemark-interactive");
    afterPanels.push(() => requestAnimationFrame(() => {
      performance.mark("stancemark-ready");
      document.body.dataset.ready = "true";
    }));
    renderPanels();
  }));
}

start();
