// Layered drawing of a graph (the /assistants/{id}/graph JSON): a small Sugiyama-style
// layout, enough for agent graphs of a few dozen nodes. Loops are drawn as edges going back
// up the right-hand side; everything else flows top to bottom.
import type { Json } from "./api";

export interface LaidNode {
  id: string;
  label: string;
  x: number; // centre
  y: number; // centre
  width: number;
  height: number;
  terminal: boolean; // __start__ / __end__
  group: string; // the subgraph a node belongs to (xray), "" at the root
}

export interface LaidEdge {
  source: string;
  target: string;
  path: string;
  conditional: boolean;
  label: string;
  labelX: number;
  labelY: number;
}

export interface LaidGroup {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  groups: LaidGroup[];
  width: number;
  height: number;
}

const NODE_HEIGHT = 34;
const RANK_GAP = 56;
const NODE_GAP = 28;
const MARGIN = 24;

function labelOf(node: Json): string {
  const name = node?.data?.name ?? node.id;
  if (node.id === "__start__") return "start";
  if (node.id === "__end__") return "end";
  return typeof name === "string" && name !== "" ? name : String(node.id);
}

/** Ranks from the longest path over the graph minus its back edges. */
function rank(ids: string[], edges: Array<[string, string]>): { ranks: Map<string, number>; back: Set<string> } {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [s, t] of edges) out.get(s)?.push(t);
  const back = new Set<string>();
  const state = new Map<string, number>(); // 1 on the stack, 2 finished
  const order: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 1);
    for (const next of out.get(id) ?? []) {
      if (state.get(next) === 1) back.add(`${id}\u0000${next}`);
      else if (!state.has(next)) visit(next);
    }
    state.set(id, 2);
    order.push(id);
  };
  if (out.has("__start__")) visit("__start__");
  for (const id of ids) if (!state.has(id)) visit(id);
  const ranks = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const id of order.reverse()) {
    for (const next of out.get(id) ?? []) {
      if (back.has(`${id}\u0000${next}`) || next === id) continue;
      ranks.set(next, Math.max(ranks.get(next) ?? 0, (ranks.get(id) ?? 0) + 1));
    }
  }
  if (ranks.has("__end__")) {
    const deepest = Math.max(0, ...[...ranks].filter(([id]) => id !== "__end__").map(([, r]) => r));
    ranks.set("__end__", Math.max(ranks.get("__end__") ?? 0, deepest + 1));
  }
  return { ranks, back };
}

/** Order nodes within ranks by the mean position of their neighbours, a few sweeps. */
function order(layers: string[][], edges: Array<[string, string]>): void {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const [s, t] of edges) {
    (up.get(t) ?? up.set(t, []).get(t)!).push(s);
    (down.get(s) ?? down.set(s, []).get(s)!).push(t);
  }
  const position = new Map<string, number>();
  const remember = () => layers.forEach((layer) => layer.forEach((id, i) => position.set(id, i)));
  remember();
  const sweep = (layer: string[], neighbours: Map<string, string[]>) => {
    const score = new Map<string, number>();
    layer.forEach((id, i) => {
      const near = (neighbours.get(id) ?? []).map((n) => position.get(n)).filter((p): p is number => p !== undefined);
      score.set(id, near.length ? near.reduce((a, b) => a + b, 0) / near.length : i);
    });
    layer.sort((a, b) => score.get(a)! - score.get(b)!);
    layer.forEach((id, i) => position.set(id, i));
  };
  for (let round = 0; round < 4; round++) {
    for (let i = 1; i < layers.length; i++) sweep(layers[i], up);
    for (let i = layers.length - 2; i >= 0; i--) sweep(layers[i], down);
  }
}

export function layout(graph: Json): Layout {
  const rawNodes: Json[] = Array.isArray(graph?.nodes) ? graph.nodes : [];
  const rawEdges: Json[] = Array.isArray(graph?.edges) ? graph.edges : [];
  const ids = rawNodes.map((n) => String(n.id));
  const known = new Set(ids);
  const pairs = rawEdges
    .map((e) => [String(e.source), String(e.target)] as [string, string])
    .filter(([s, t]) => known.has(s) && known.has(t));
  const { ranks, back } = rank(ids, pairs);
  const layers: string[][] = [];
  for (const id of ids) (layers[ranks.get(id)!] ??= []).push(id);
  for (let i = 0; i < layers.length; i++) layers[i] ??= [];
  order(layers, pairs.filter(([s, t]) => !back.has(`${s}\u0000${t}`)));

  const byId = new Map<string, LaidNode>();
  for (const raw of rawNodes) {
    const id = String(raw.id);
    const label = labelOf(raw);
    const terminal = id === "__start__" || id === "__end__";
    const colon = id.lastIndexOf(":");
    byId.set(id, {
      id,
      label,
      x: 0,
      y: 0,
      width: terminal ? 64 : Math.max(84, label.length * 7.4 + 28),
      height: NODE_HEIGHT,
      terminal,
      group: colon > 0 ? id.slice(0, colon) : "",
    });
  }
  const widths = layers.map((layer) => layer.reduce((w, id) => w + byId.get(id)!.width, 0) + NODE_GAP * Math.max(0, layer.length - 1));
  const widest = Math.max(120, ...widths);
  layers.forEach((layer, r) => {
    let x = MARGIN + (widest - widths[r]) / 2;
    for (const id of layer) {
      const node = byId.get(id)!;
      node.x = x + node.width / 2;
      node.y = MARGIN + r * (NODE_HEIGHT + RANK_GAP) + NODE_HEIGHT / 2;
      x += node.width + NODE_GAP;
    }
  });
  const nodes = [...byId.values()];
  let edges = route(rawEdges, byId, back, layers);
  // A detour left of the nodes may need room: move everything right by what it lacks.
  const lacking = MARGIN / 2 - Math.min(MARGIN / 2, ...edges.map((e) => e.left));
  if (lacking > 0) {
    for (const node of nodes) node.x += lacking;
    edges = route(rawEdges, byId, back, layers);
  }
  const right = Math.max(...nodes.map((n) => n.x + n.width / 2), ...edges.map((e) => e.right));
  const width = right + MARGIN;
  const height = MARGIN * 2 + layers.length * (NODE_HEIGHT + RANK_GAP) - RANK_GAP;
  return { nodes, edges, groups: groups(nodes), width, height };
}

interface RoutedEdge extends LaidEdge {
  left: number;
  right: number;
}

/** Paths for the edges: down to the next rank as an S-curve; past nodes in the ranks between
 *  by a detour on the left; back up (loops) on the right. */
function route(rawEdges: Json[], byId: Map<string, LaidNode>, back: Set<string>, layers: string[][]): RoutedEdge[] {
  const rankOf = new Map<string, number>();
  layers.forEach((layer, r) => layer.forEach((id) => rankOf.set(id, r)));
  const rightmost = Math.max(...[...byId.values()].map((n) => n.x + n.width / 2));
  let loops = 0;
  const edges: RoutedEdge[] = [];
  for (const raw of rawEdges) {
    const s = byId.get(String(raw.source));
    const t = byId.get(String(raw.target));
    if (!s || !t) continue;
    const conditional = !!raw.conditional;
    const label = raw.data === undefined || raw.data === null ? "" : String(raw.data);
    if (back.has(`${s.id}\u0000${t.id}`) || s.id === t.id || t.y <= s.y) {
      const reach = Math.max(s.x + s.width / 2, t.x + t.width / 2, s.id === t.id ? 0 : rightmost) + 26 + 14 * loops++;
      const path = `M${s.x + s.width / 2},${s.y} C${reach},${s.y} ${reach},${t.y} ${t.x + t.width / 2},${t.y}`;
      edges.push({ source: s.id, target: t.id, path, conditional, label, labelX: reach, labelY: (s.y + t.y) / 2, left: s.x, right: reach });
      continue;
    }
    const y1 = s.y + s.height / 2;
    const y2 = t.y - t.height / 2;
    const between = layers.slice((rankOf.get(s.id) ?? 0) + 1, rankOf.get(t.id) ?? 0).flat().map((id) => byId.get(id)!);
    const blocked = between.some((n) => {
      const x = s.x + ((t.x - s.x) * (n.y - y1)) / (y2 - y1);
      return Math.abs(x - n.x) < n.width / 2 + 8;
    });
    if (blocked) {
      const detour = Math.min(...between.map((n) => n.x - n.width / 2)) - 22;
      const path = `M${s.x},${y1} C${s.x},${y1 + 28} ${detour},${y1 + 10} ${detour},${y1 + 46} L${detour},${y2 - 46} C${detour},${y2 - 10} ${t.x},${y2 - 28} ${t.x},${y2}`;
      edges.push({ source: s.id, target: t.id, path, conditional, label, labelX: detour, labelY: (y1 + y2) / 2, left: detour, right: s.x });
      continue;
    }
    const bend = (y2 - y1) / 2;
    const path = `M${s.x},${y1} C${s.x},${y1 + bend} ${t.x},${y2 - bend} ${t.x},${y2}`;
    edges.push({ source: s.id, target: t.id, path, conditional, label, labelX: (s.x + t.x) / 2, labelY: (y1 + y2) / 2, left: Math.min(s.x, t.x), right: Math.max(s.x, t.x) });
  }
  return edges;
}

/** A box around each expanded subgraph's nodes. */
function groups(nodes: LaidNode[]): LaidGroup[] {
  const found = new Map<string, LaidNode[]>();
  for (const node of nodes) if (node.group) (found.get(node.group) ?? found.set(node.group, []).get(node.group)!).push(node);
  return [...found].map(([id, members]) => {
    const left = Math.min(...members.map((n) => n.x - n.width / 2)) - 10;
    const right = Math.max(...members.map((n) => n.x + n.width / 2)) + 10;
    const top = Math.min(...members.map((n) => n.y - n.height / 2)) - 20;
    const bottom = Math.max(...members.map((n) => n.y + n.height / 2)) + 8;
    return { id, x: left, y: top, width: right - left, height: bottom - top };
  });
}
