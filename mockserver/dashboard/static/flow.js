// A workflow job's flow drawn as a graph: nodes in layers by `dependsOn` (longest path), edges as SVG paths with
// arrows, for-each bodies and their iterations boxed together, if-else branches labelled, nodes coloured by status.
// Built with createElementNS and textContent only: no flow value is ever parsed as markup. Also the flow as a list.

import { h, statusBadge } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
export const STATUSES = ["success", "failure", "pending", "processing", "rejected", "skipped"];

const NODE_W = 150;
const NODE_H = 54;
const COL_GAP = 56;
const ROW_GAP = 14;
const PAD = 16;
const LOOP_PAD = 8;
const LOOP_LABEL = 16;
const MIN_SCALE = 0.6;

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const clip = (text, max) => (text.length > max ? text.slice(0, max - 1) + "…" : text);
const statusOf = (node) => (STATUSES.includes(node.status) ? node.status : "pending");

/** Which for-each each node belongs to: its `loopNodeId`, or being named in a for-each's `loopBodyNodeIds`. */
function loopMembership(nodes) {
  const owner = new Map();
  for (const node of nodes) {
    for (const body of Array.isArray(node.loopBodyNodeIds) ? node.loopBodyNodeIds : []) owner.set(body, node.id);
  }
  for (const node of nodes) if (typeof node.loopNodeId === "string") owner.set(node.id, node.loopNodeId);
  return owner;
}

/** Layer of each node: 0 without dependencies, else one more than its deepest dependency (cycles cut). */
export function layers(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0; // a cycle: stop here rather than loop forever
    visiting.add(id);
    const deps = (byId.get(id).dependsOn || []).filter((d) => byId.has(d) && d !== id);
    const value = deps.length ? 1 + Math.max(...deps.map(depth)) : 0;
    visiting.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const node of nodes) depth(node.id);
  return layer;
}

/** Positions of the nodes: columns by layer; in a column, loop members together, ordered by their parents' rows. */
export function layout(nodes, loopOf = loopMembership(nodes)) {
  const layer = layers(nodes);
  const columns = [];
  nodes.forEach((node, index) => {
    const l = layer.get(node.id);
    (columns[l] ||= []).push({ node, index });
  });
  const row = new Map();
  const position = new Map();
  const height = [];
  columns.forEach((column = [], l) => {
    const weight = ({ node, index }) => {
      const rows = (node.dependsOn || []).filter((d) => row.has(d)).map((d) => row.get(d));
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : index;
    };
    // Loop members stay next to each other (one box), after the other nodes with the same parents.
    column.sort((a, b) => {
      const la = loopOf.get(a.node.id) || "";
      const lb = loopOf.get(b.node.id) || "";
      const byLoop = la && lb ? la.localeCompare(lb) : Boolean(lb) - Boolean(la);
      return weight(a) - weight(b) || byLoop || a.index - b.index;
    });
    let y = PAD;
    let previousLoop = null;
    column.forEach(({ node }, i) => {
      const loop = loopOf.get(node.id) || null;
      if (loop !== previousLoop) y += (previousLoop ? LOOP_PAD : 0) + (loop ? LOOP_PAD + LOOP_LABEL : 0);
      previousLoop = loop;
      row.set(node.id, i);
      position.set(node.id, { x: PAD + l * (NODE_W + COL_GAP), y, layer: l });
      y += NODE_H + ROW_GAP;
    });
    height[l] = y + (previousLoop ? LOOP_PAD : 0);
  });
  // Centre each column on the tallest one.
  const tallest = Math.max(PAD * 2 + NODE_H, ...height.filter(Number.isFinite));
  columns.forEach((column = [], l) => {
    const shift = (tallest - height[l]) / 2;
    for (const { node } of column) position.get(node.id).y += shift;
  });
  return {
    position,
    width: PAD * 2 + Math.max(1, columns.length) * (NODE_W + COL_GAP) - COL_GAP,
    height: tallest + PAD - ROW_GAP,
  };
}

/** The label of the edge from a logic node to one of its branches: the case's condition, or "default". */
function branchLabel(source, targetId) {
  const logic = source.logic;
  if (!logic || typeof logic !== "object") return null;
  const cases = Array.isArray(logic.cases) ? logic.cases : [];
  const hit = cases.find((c) => c && c.value === targetId);
  if (hit) return String(hit.condition ?? "case");
  return logic.default === targetId ? "default" : null;
}

function describe(node, loop) {
  const lines = [`${node.id} · ${node.type}${node.logicType ? ` (${node.logicType})` : ""} · ${node.status}`];
  if (node.dependsOn && node.dependsOn.length) lines.push(`after ${node.dependsOn.join(", ")}`);
  if (loop) {
    const part = node.iterationIndex !== undefined ? `iteration ${node.iterationIndex}` : "loop body";
    lines.push(`${part} of ${loop}`);
  }
  if (node.jobId) lines.push(`job ${node.jobId}`);
  if (node.error) lines.push(typeof node.error === "string" ? node.error : JSON.stringify(node.error));
  return lines.join("\n");
}

/** The flow as an <svg>: one `g.node` per node, one `path.edge` per dependsOn pair, one `g.loop` per for-each. */
export function flowGraph(flow, { label = "Workflow flow" } = {}) {
  const nodes = flow.filter((n) => n && typeof n.id === "string");
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const loopOf = loopMembership(nodes);
  const { position, width, height } = layout(nodes, loopOf);
  const root = svg("svg", {
    class: "flow-graph",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": `${label}: ${nodes.length} nodes`,
  });
  root.style.minWidth = `${Math.round(width * MIN_SCALE)}px`; // scaled down to fit, but never below readable: scroll

  root.append(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "flow-arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }),
      ),
    ),
  );

  // Loop boxes first, under everything: the for-each's body and its iterations, per column.
  const groups = new Map();
  for (const node of nodes) {
    const loop = loopOf.get(node.id);
    if (loop) (groups.get(loop) || groups.set(loop, []).get(loop)).push(node);
  }
  const loopLayer = svg("g", { class: "loops" });
  const nodeLayer = svg("g", { class: "nodes" });
  const edgeLayer = svg("g", { class: "edges" });
  const loopBoxes = new Map();
  for (const [loopId, members] of groups) {
    const points = members.map((m) => position.get(m.id));
    const x = Math.min(...points.map((p) => p.x)) - LOOP_PAD;
    const y = Math.min(...points.map((p) => p.y)) - LOOP_PAD - LOOP_LABEL;
    const right = Math.max(...points.map((p) => p.x)) + NODE_W + LOOP_PAD;
    const bottom = Math.max(...points.map((p) => p.y)) + NODE_H + LOOP_PAD;
    const owner = byId.get(loopId);
    const count = owner && (owner.count ?? owner.iterations);
    const copies = members.filter((m) => m.iterationIndex !== undefined).length;
    const text = loopId + (copies ? ` · ${copies} iterations` : count ? ` · ×${count}` : "");
    loopLayer.append(
      svg("rect", { class: "loop-box", x, y, width: right - x, height: bottom - y, rx: 10 }),
      svg("text", { class: "loop-label", x: x + 8, y: y + 13 }, clip(text, 26)),
    );
    const group = svg("g", { class: "loop", "data-loop": loopId });
    nodeLayer.append(group);
    loopBoxes.set(loopId, group);
  }

  for (const node of nodes) {
    const p = position.get(node.id);
    const status = statusOf(node);
    const kind = node.type + (node.logicType ? ` · ${node.logicType}` : "");
    const classes = ["node", `st-${status}`, `type-${String(node.type).replace(/[^a-z0-9-]/gi, "")}`];
    const loop = loopOf.get(node.id);
    if (loop && node.iterationIndex === undefined) classes.push("loop-body");
    const g = svg(
      "g",
      {
        class: classes.join(" "),
        "data-id": node.id,
        "data-status": status,
        transform: `translate(${p.x},${p.y})`,
      },
      svg("title", {}, describe(node, loop)),
      svg("rect", { width: NODE_W, height: NODE_H, rx: node.type === "logic" ? 18 : 6 }),
      svg("text", { class: "node-id", x: 10, y: 19 }, clip(node.id, 19)),
      svg("text", { class: "node-type", x: 10, y: 34 }, clip(kind, 24)),
      svg("text", { class: "node-status", x: 10, y: 47 }, status),
    );
    (loopBoxes.get(loop) || nodeLayer).append(g);
  }

  for (const node of nodes) {
    const to = position.get(node.id);
    for (const dep of node.dependsOn || []) {
      const source = byId.get(dep);
      if (!source) continue;
      const from = position.get(dep);
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const forward = x2 > x1;
      const bend = forward ? Math.max(24, (x2 - x1) / 2) : 60;
      const d = forward
        ? `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`
        : `M${x1},${y1} C${x1 + bend},${y1 - 80} ${x2 - bend},${y2 - 80} ${x2},${y2}`; // a cycle goes back
      const branch = branchLabel(source, node.id);
      edgeLayer.append(
        svg("path", {
          class: `edge to-${statusOf(node)}${branch ? " branch" : ""}`,
          d,
          "data-from": dep,
          "data-to": node.id,
          "marker-end": "url(#flow-arrow)",
        }),
      );
      // The branch's condition sits just above the node it leads to (the gap between columns is too narrow).
      if (branch) edgeLayer.append(svg("text", { class: "edge-label", x: x2 + 4, y: to.y - 3 }, clip(branch, 26)));
    }
  }
  root.append(loopLayer, edgeLayer, nodeLayer);
  return root;
}

/** The legend: a swatch per status, the loop box and a branch edge. */
export function flowLegend() {
  const item = (className, text) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch ${className}`;
    li.append(swatch, text);
    return li;
  };
  const list = document.createElement("ul");
  list.className = "flow-legend";
  list.append(
    ...STATUSES.map((s) => item(`node-swatch st-${s}`, s)),
    item("loop-swatch", "for-each body and iterations"),
    item("branch-swatch", "if-else branch (condition or default)"),
  );
  return list;
}

/** The same flow as an ordered list (text only): each node with its type, status, dependencies and loop. */
export function flowList(flow) {
  return h(
    "ol",
    { class: "flow" },
    flow.map((node) =>
      h(
        "li",
        { class: node.loopNodeId ? "in-loop" : "" },
        h("code", {}, node.id),
        " ",
        h("span", { class: "muted" }, node.type + (node.logicType ? ` (${node.logicType})` : "")),
        " ",
        statusBadge(node.status),
        node.dependsOn && node.dependsOn.length
          ? h("span", { class: "muted" }, ` after ${node.dependsOn.join(", ")}`)
          : null,
        node.loopNodeId !== undefined && node.iterationIndex !== undefined
          ? h("span", { class: "muted" }, ` · iteration ${node.iterationIndex} of ${node.loopNodeId}`)
          : null,
        node.error
          ? h("div", { class: "error-text" }, typeof node.error === "string" ? node.error : JSON.stringify(node.error))
          : null,
      ),
    ),
  );
}
