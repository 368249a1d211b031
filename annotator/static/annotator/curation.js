// The curation page: every annotator's version side by side, conflicts with one-click accept, the gold.

import { request } from "./api.js";

const text = JSON.parse(document.getElementById("document-text").textContent);
const config = JSON.parse(document.getElementById("curation-config").textContent);
let state = JSON.parse(document.getElementById("curation-payload").textContent);

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
        onclick: () => act("accept", item.kind, source.id),
        ...(editable ? {} : { disabled: "" }),
      }, `Accept ${source.annotator}'s`)),
      el("button", {
        type: "button", class: "reject", "aria-label": `Leave out ${describe(item)}`,
        onclick: () => act("reject", item.kind, item.sources[0].id),
        ...(editable ? {} : { disabled: "" }),
      }, "Leave out")))));
  if (!state.conflicts.length) list.append(el("li", { class: "muted" }, "No open conflicts."));
}

function provenance(p) {
  if (!p || !p.annotators) return "";
  const from = p.from ? `, from ${p.from}` : "";
  const suggestion = p.from_suggestion ? ", from a suggestion" : "";
  return `${p.how}${from}: ${p.annotators.join(", ") || "nobody"}${suggestion}; by ${p.curated_by} ${p.at.slice(0, 16).replace("T", " ")}`;
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
    onclick: () => act("remove", item.kind, item.id), ...(editable ? {} : { disabled: "" }),
  }, "Remove"))));
  document.getElementById("history").replaceChildren(...state.history.map((change) =>
    el("li", {}, `${change.at.slice(0, 19).replace("T", " ")} ${change.user}: ${change.action}`)));
  document.getElementById("submit-gold").disabled = !editable;
  document.getElementById("reopen-gold").disabled = editable;
  say(`Gold ${state.status === "submitted" ? "submitted" : "in progress"} · ${state.conflicts.length} open conflicts · version ${state.version}`);
}

function render() {
  renderVersions();
  renderConflicts();
  renderGold();
}

async function act(action, kind, id) {
  try {
    const body = { version: state.version };
    if (kind) Object.assign(body, { kind, id });
    state = await request("POST", `${config.curationUrl}${action}/`, body);
    render();
  } catch (error) {
    say(error.message, true);
    if (error.status === 409) state = await request("GET", config.curationUrl).catch(() => state);
  }
}

document.getElementById("submit-gold").addEventListener("click", () => act("submit"));
document.getElementById("reopen-gold").addEventListener("click", () => act("reopen"));
render();
