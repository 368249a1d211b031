// The argument map: checks on the chain of reasoning, and an SVG picture of it.
// Pure functions over the workspace's spans and relations; nothing here touches the server.

const SVG = "http://www.w3.org/2000/svg";
const ARGUMENT = "argument";
const CHAIN = new Set(["supports", "attacks", "leads-to"]);
const ROLE_ROW = { "major-claim": 0, claim: 1, premise: 2, evidence: 2 };

/** Warnings about the argument structure: each {code, message, spans: [ids]}. A check, not a block. */
export function checkArgument(spans, relations) {
  const byId = new Map(spans.map((span) => [span.id, span]));
  const warnings = [];
  for (const relation of relations) {
    const head = byId.get(relation.head);
    const tail = byId.get(relation.tail);
    if (!head || !tail) continue;
    if (CHAIN.has(relation.label) && (head.layer !== ARGUMENT || tail.layer !== ARGUMENT)) {
      warnings.push({ code: "wrong-layers", spans: [head.id, tail.id],
        message: `“${relation.label}” should link two argument components, not ${head.layer} → ${tail.layer}.` });
    }
    if (relation.label === "attributed-to" && tail.layer !== "source") {
      warnings.push({ code: "wrong-layers", spans: [head.id, tail.id],
        message: `“attributed-to” should point to a source span, not to ${tail.layer}.` });
    }
  }
  const components = spans.filter((span) => span.layer === ARGUMENT);
  const outgoing = new Map(components.map((span) => [span.id, []]));
  for (const relation of relations) {
    if (CHAIN.has(relation.label) && outgoing.has(relation.head) && outgoing.has(relation.tail)) {
      outgoing.get(relation.head).push(relation);
    }
  }
  for (const cycle of leadsToCycles(components, relations)) {
    warnings.push({ code: "cycle", spans: cycle, message: `A “leads-to” chain goes round in a circle (${cycle.length} steps).` });
  }
  for (const span of components) {
    if (span.label === "premise" && !outgoing.get(span.id).length) {
      warnings.push({ code: "premise-unused", spans: [span.id], message: "A premise supports nothing." });
    }
  }
  const majors = components.filter((span) => span.label === "major-claim");
  const claims = components.filter((span) => span.label === "claim");
  if (!majors.length && claims.length) {
    warnings.push({ code: "no-major-claim", spans: [], message: "There are claims but no major claim." });
  } else {
    const majorIds = new Set(majors.map((span) => span.id));
    for (const claim of claims) {
      if (!reaches(claim.id, majorIds, outgoing)) {
        warnings.push({ code: "claim-unlinked", spans: [claim.id], message: "A claim does not reach the major claim." });
      }
    }
  }
  return warnings;
}

function reaches(start, targets, outgoing) {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const id = stack.pop();
    for (const relation of outgoing.get(id) || []) {
      if (targets.has(relation.tail)) return true;
      if (!seen.has(relation.tail)) { seen.add(relation.tail); stack.push(relation.tail); }
    }
  }
  return false;
}

function leadsToCycles(components, relations) {
  const next = new Map(components.map((span) => [span.id, []]));
  for (const relation of relations) {
    if (relation.label === "leads-to" && next.has(relation.head) && next.has(relation.tail)) next.get(relation.head).push(relation.tail);
  }
  const state = new Map();
  const cycles = [];
  const path = [];
  const visit = (id) => {
    state.set(id, 1);
    path.push(id);
    for (const tail of next.get(id)) {
      if (state.get(tail) === 1) cycles.push(path.slice(path.indexOf(tail)));
      else if (!state.has(tail)) visit(tail);
    }
    path.pop();
    state.set(id, 2);
  };
  for (const span of components) if (!state.has(span.id)) visit(span.id);
  return cycles;
}

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function wrap(text, width, lines) {
  const words = text.split(/\s+/);
  const out = [];
  let line = "";
  for (const word of words) {
    if ((line + " " + word).trim().length > width) { out.push(line); line = word; } else line = (line + " " + word).trim();
    if (out.length === lines) break;
  }
  if (out.length < lines && line) out.push(line);
  if (out.length === lines && words.join(" ").length > out.join(" ").length) out[lines - 1] = `${out[lines - 1].slice(0, width - 1)}…`;
  return out;
}

/** Draw components as boxes in rows (major claim, claims, premises and evidence), relations as arrows. */
export function renderArgumentMap(svgRoot, { spans, relations, textOf, stanceColorOf, labelName }) {
  const components = spans.filter((span) => span.layer === ARGUMENT)
    .sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.start - b.start);
  const rows = [[], [], []];
  for (const span of components) rows[ROLE_ROW[span.label] ?? 2].push(span);
  const boxWidth = 190;
  const boxHeight = 74;
  const gapX = 24;
  const gapY = 70;
  const columns = Math.max(1, ...rows.map((row) => row.length));
  const width = columns * (boxWidth + gapX) + gapX;
  const height = rows.length * (boxHeight + gapY) + gapY / 2;
  const position = new Map();
  rows.forEach((row, r) => row.forEach((span, c) => {
    const offset = (width - row.length * (boxWidth + gapX) + gapX) / 2;
    position.set(span.id, { x: offset + c * (boxWidth + gapX), y: gapY / 2 + r * (boxHeight + gapY) });
  }));
  svgRoot.replaceChildren();
  svgRoot.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svgRoot.setAttribute("width", String(width));
  svgRoot.setAttribute("height", String(height));
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#444" }));
  defs.append(marker);
  svgRoot.append(defs, svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
  if (!components.length) {
    svgRoot.append(svg("text", { x: 12, y: 24, "font-size": 13, fill: "#5f6368" }, "No argument components yet."));
    return;
  }
  for (const relation of relations) {
    const from = position.get(relation.head);
    const to = position.get(relation.tail);
    if (!from || !to) continue;
    const x1 = from.x + boxWidth / 2;
    const y1 = from.y + (to.y < from.y ? 0 : to.y > from.y ? boxHeight : boxHeight / 2);
    const x2 = to.x + boxWidth / 2;
    const y2 = to.y + (to.y < from.y ? boxHeight : to.y > from.y ? 0 : boxHeight / 2);
    const bend = from.y === to.y ? -40 : 0;
    const color = relation.label === "attacks" ? "#c62828" : relation.label === "supports" ? "#2e7d32" : "#1565c0";
    svgRoot.append(svg("path", {
      d: `M ${x1} ${y1} Q ${(x1 + x2) / 2} ${(y1 + y2) / 2 + bend} ${x2} ${y2}`,
      fill: "none", stroke: color, "stroke-width": 2, "marker-end": "url(#arrow)",
      "stroke-dasharray": relation.label === "leads-to" ? "6 3" : "none", "data-relation": relation.id,
    }));
    svgRoot.append(svg("text", { x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2 + bend / 2 - 4, "font-size": 11, fill: color }, relation.label));
  }
  for (const span of components) {
    const { x, y } = position.get(span.id);
    const group = svg("g", { "data-span": span.id });
    group.append(svg("rect", { x, y, width: boxWidth, height: boxHeight, rx: 6, fill: "#fff", stroke: stanceColorOf(span), "stroke-width": 3 }));
    const heading = `${span.step ? `${span.step}. ` : ""}${labelName(span)}`;
    group.append(svg("text", { x: x + 8, y: y + 16, "font-size": 12, "font-weight": "bold", fill: "#1d1d1f" }, heading));
    wrap(textOf(span), 30, 3).forEach((line, index) => {
      group.append(svg("text", { x: x + 8, y: y + 33 + index * 14, "font-size": 11, fill: "#333" }, line));
    });
    svgRoot.append(group);
  }
}

/** The map as a standalone SVG file's text. */
export function serializeMap(svgRoot) {
  const copy = svgRoot.cloneNode(true);
  copy.setAttribute("xmlns", SVG);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}
