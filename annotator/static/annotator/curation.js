// The curation page: every annotator's version side by side, conflicts with one-click accept, the gold,
// and spans and relations the curator adds to the gold themselves.

import { request } from "./api.js";
import { OffsetMap } from "./offsets.js";
import { TextView } from "./textview.js";

const text = JSON.parse(document.getElementById("document-text").textContent);
const config = JSON.parse(document.getElementById("curation-config").textContent);
const layers = JSON.parse(document.getElementById("scheme").textContent);
let state = JSON.parse(document.getElementById("curation-payload").textContent);
const offsets = new OffsetMap(text);
const labelInfo = new Map(layers.flatMap((layer) => layer.labels.map((label) => [`${layer.key}:${label.value}`, label])));
const layerRank = new Map(layers.map((layer, index) => [layer.key, index]));
let pending = null; // the selected text in the gold view, as code-point offsets {start, end}

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : String(child));
  return node;
};

function say(message, isError = false) {
  const status = document.getElementById("curation-status");
  status.textContent = message;
  status.classList.toggle("alert", isError);
}

// The text with this version's spans marked; a character's class follows the "worst" span over it.
function markedText(spans) {
  const rank = { conflict: 3, "left-out": 2, gold: 1 };
  const cuts = new Set([0, text.length]);
  for (const span of spans) { cuts.add(span.start); cuts.add(span.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const chars = Array.from(text); // offsets are code points
  const out = el("div", { class: "version-text" });
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1]];
    const piece = chars.slice(from, to).join("");
    const covering = spans.filter((span) => span.start <= from && to <= span.end);
    if (!covering.length) { out.append(piece); continue; }
    const worst = covering.reduce((a, b) => (rank[b.state] > rank[a.state] ? b : a));
    out.append(el("mark", {
      class: `cur-${worst.state}`,
      title: covering.map((span) => `${span.layer}:${span.label} (${span.state})`).join(", "),
    }, piece));
  }
  return out;
}

function renderVersions() {
  const root = document.getElementById("versions");
  root.replaceChildren(...state.annotators.map((version) => el("article", {
    class: "version", dataset: { annotator: version.annotator },
  },
  el("h3", {}, version.annotator),
  el("p", { class: "version-stance" }, "Stance: ",
    version.stances.length ? version.stances.map((s) => `${s.label} (${s.state})`).join(", ") : "none"),
  markedText(version.spans),
  el("ul", { class: "version-spans" }, version.spans.map((span) => el("li", { class: `cur-${span.state}` },
    `${span.layer}:${span.label} “${span.text}” — ${span.state}`))),
  version.relations.length ? el("ul", { class: "version-relations" }, version.relations.map((relation) =>
    el("li", { class: `cur-${relation.state}` },
      `“${relation.head.text}” ${relation.label} “${relation.tail.text}” — ${relation.state}`))) : "")));
  if (!state.annotators.length) root.append(el("p", { class: "muted" }, "Nobody has submitted this document yet."));
}

function describe(item) {
  if (item.kind === "span") return `${item.layer}:${item.label} “${item.text}”`;
  if (item.kind === "relation") return `“${item.head.text}” ${item.label} “${item.tail.text}”`;
  return `stance ${item.label}`;
}

function renderConflicts() {
  const editable = state.status !== "submitted";
  const list = document.getElementById("conflicts");
  list.replaceChildren(...state.conflicts.map((item) => el("li", { class: "conflict", dataset: { kind: item.kind } },
    el("span", { class: "conflict-what" }, describe(item)),
    el("span", { class: "muted" }, ` — ${item.annotators.join(", ")}`),
    el("span", { class: "conflict-actions" },
      item.sources.map((source) => el("button", {
        type: "button", class: "accept", "aria-label": `Accept ${source.annotator}'s ${describe(item)}`,
        onclick: () => act("accept", { kind: item.kind, id: source.id }),
        ...(editable ? {} : { disabled: "" }),
      }, `Accept ${source.annotator}'s`)),
      el("button", {
        type: "button", class: "reject", "aria-label": `Leave out ${describe(item)}`,
        onclick: () => act("reject", { kind: item.kind, id: item.sources[0].id }),
        ...(editable ? {} : { disabled: "" }),
      }, "Leave out")))));
  if (!state.conflicts.length) list.append(el("li", { class: "muted" }, "No open conflicts."));
}

function provenance(p) {
  if (!p || !p.annotators) return "";
  const when = p.at.slice(0, 16).replace("T", " ");
  if (p.how === "added") return `added by ${p.curated_by} ${when}`;
  const from = p.from ? `, from ${p.from}` : "";
  const suggestion = p.from_suggestion ? ", from a suggestion" : "";
  return `${p.how}${from}: ${p.annotators.join(", ") || "nobody"}${suggestion}; by ${p.curated_by} ${when}`;
}

function renderGold() {
  const editable = state.status !== "submitted";
  const items = [
    ...state.gold.stances.map((s) => ({ kind: "stance", id: s.id, what: `stance ${s.label}`, p: s.provenance })),
    ...state.gold.spans.map((s) => ({ kind: "span", id: s.id, what: `${s.layer}:${s.label} “${s.text}”`, p: s.provenance })),
    ...state.gold.relations.map((r) => ({ kind: "relation", id: r.id, what: `“${r.head}” ${r.label} “${r.tail}”`, p: r.provenance })),
  ];
  document.getElementById("gold-items").replaceChildren(...items.map((item) => el("li", {
    class: "gold-item", dataset: { kind: item.kind },
  },
  el("span", { class: "gold-what" }, item.what),
  el("small", { class: "provenance muted" }, provenance(item.p)),
  el("button", {
    type: "button", class: "remove", "aria-label": `Remove ${item.what}`,
    onclick: () => act("remove", { kind: item.kind, id: item.id }), ...(editable ? {} : { disabled: "" }),
  }, "Remove"))));
  document.getElementById("history").replaceChildren(...state.history.map((change) =>
    el("li", {}, `${change.at.slice(0, 19).replace("T", " ")} ${change.user}: ${change.action} ${change.data.kind || ""}`.trim())));
  document.getElementById("submit-gold").disabled = !editable;
  document.getElementById("reopen-gold").disabled = editable;
  say(`Gold ${state.status === "submitted" ? "submitted" : "in progress"} · ${state.conflicts.length} open conflicts · version ${state.version}`);
}

// --- adding to the gold -------------------------------------------------------------------------

const goldView = new TextView(document.getElementById("gold-text-view"), text, offsets, {
  colorOf: (span) => labelInfo.get(`${span.layer}:${span.label}`)?.color || "#888888",
  titleOf: (span) => `${span.layer}: ${labelInfo.get(`${span.layer}:${span.label}`)?.name || span.label}`,
  layerRank: (span) => layerRank.get(span.layer) ?? 99,
});

function options(select, choices) {
  const kept = select.value;
  select.replaceChildren(...choices);
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}

function renderAddForms() {
  const editable = state.status !== "submitted";
  const spanLabel = document.getElementById("add-span-label");
  if (!spanLabel.options.length) {
    spanLabel.replaceChildren(...layers.filter((layer) => layer.kind === "span").map((layer) =>
      el("optgroup", { label: layer.name || layer.key }, layer.labels.map((label) =>
        el("option", { value: `${layer.key}:${label.value}` }, label.name || label.value)))));
    document.getElementById("add-relation-label").replaceChildren(...layers.filter((layer) => layer.kind === "relation")
      .flatMap((layer) => layer.labels.map((label) =>
        el("option", { value: `${layer.key}:${label.value}` }, label.name || label.value))));
  }
  const spans = state.gold.spans.map((span) =>
    el("option", { value: span.id }, `${span.layer}:${span.label} “${span.text}”`));
  const head = document.getElementById("add-relation-head");
  const tail = document.getElementById("add-relation-tail");
  options(head, spans);
  options(tail, spans.map((option) => option.cloneNode(true)));
  if (tail.value === head.value && tail.options.length > 1) tail.selectedIndex = head.selectedIndex ? 0 : 1;
  document.getElementById("add-span").disabled = !editable || !pending;
  document.getElementById("add-relation").disabled = !editable || state.gold.spans.length < 2
    || !document.getElementById("add-relation-label").options.length;
  goldView.setAll(state.gold.spans);
}

function readSelection() {
  const selected = goldView.trimmedSelection();
  return selected && { start: offsets.toCodePoint(selected.a), end: offsets.toCodePoint(selected.b, { snapForward: true }) };
}

function updatePending() {
  pending = readSelection();
  const box = document.getElementById("gold-selection");
  if (pending) {
    box.replaceChildren("Selected: ", el("q", {}, offsets.slice(pending.start, pending.end)),
      ` [${pending.start}, ${pending.end})`);
  } else {
    box.textContent = "Select text in the gold text, then pick a label.";
  }
  document.getElementById("add-span").disabled = state.status === "submitted" || !pending;
}

// "layer:value" from a label select; a label's value may itself hold a colon, a layer key does not.
function layerAndLabel(value) {
  const at = value.indexOf(":");
  return { layer: value.slice(0, at), label: value.slice(at + 1) };
}

function render() {
  renderVersions();
  renderConflicts();
  renderGold();
  renderAddForms();
}

async function act(action, fields = {}) {
  try {
    state = await request("POST", `${config.curationUrl}${action}/`, { version: state.version, ...fields });
    render();
    return true;
  } catch (error) {
    if (error.status === 409) {
      state = await request("GET", config.curationUrl).catch(() => state);
      render();
    }
    say(error.message, true);
    return false;
  }
}

const goldText = document.getElementById("gold-text-view");
goldText.addEventListener("mouseup", () => setTimeout(updatePending, 0));
goldText.addEventListener("keyup", updatePending);
document.getElementById("add-span-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!pending) return;
  const added = await act("add-span", { ...layerAndLabel(document.getElementById("add-span-label").value), ...pending });
  if (added) { window.getSelection().removeAllRanges(); updatePending(); }
});
document.getElementById("add-relation-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act("add-relation", {
    ...layerAndLabel(document.getElementById("add-relation-label").value),
    head: Number(document.getElementById("add-relation-head").value),
    tail: Number(document.getElementById("add-relation-tail").value),
  });
});
document.getElementById("submit-gold").addEventListener("click", () => act("submit"));
document.getElementById("reopen-gold").addEventListener("click", () => act("reopen"));
render();
