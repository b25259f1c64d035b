// The selected assistant's graph, drawn as SVG, with the live run painted on it: the node
// running now pulses, finished nodes are marked, and clicking one shows what it did.
import { useMemo } from "preact/hooks";
import type { Json } from "./api";
import { layout } from "./layout";
import type { NodeRecord, RunSession } from "./session";
import { Empty, ErrorBox, JsonView, useSession } from "./ui";

export function GraphView(props: {
  graph: Json;
  error: Json;
  session: RunSession | null;
  expanded: boolean;
  onExpand: (expanded: boolean) => void;
  selected: string | null;
  onSelect: (id: string | null) => void;
}) {
  useSession(props.session);
  const drawn = useMemo(() => (props.graph ? layout(props.graph) : null), [props.graph]);
  if (props.error) return <ErrorBox title="Cannot draw the graph" error={props.error} />;
  if (drawn === null) return <Empty>Loading the graph…</Empty>;
  const session = props.session;
  const known = new Set(drawn.nodes.map((n) => n.id));
  const statusOf = (id: string): string => {
    const record = session?.nodes.get(id);
    return record ? record.status : "";
  };
  // Without xray, a subgraph's inner nodes light up their parent node.
  const active = session?.active ? visibleId(session.active, known) : null;
  const hasSubgraphs = (props.graph?.nodes ?? []).some(
    (n: Json) => typeof n?.data?.id?.at?.(-1) === "string" && n.data.id.at(-1).includes("Graph"),
  );
  return (
    <div class="graph-view">
      <div class="graph-tools">
        {(hasSubgraphs || props.expanded) && (
          <label>
            <input
              type="checkbox"
              name="xray"
              checked={props.expanded}
              onChange={(e) => props.onExpand((e.target as HTMLInputElement).checked)}
            />{" "}
            expand subgraphs
          </label>
        )}
        <span class="legend">
          <i class="dot running" /> running <i class="dot done" /> done <i class="dot interrupted" /> interrupted{" "}
          <i class="dot error" /> error
        </span>
      </div>
      <svg
        class="graph"
        viewBox={`0 0 ${drawn.width} ${drawn.height}`}
        style={{ maxHeight: `${Math.max(drawn.height, 120)}px` }}
        role="img"
        aria-label="graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        {drawn.groups.map((g) => (
          <g key={g.id} class="group">
            <rect x={g.x} y={g.y} width={g.width} height={g.height} rx={8} />
            <text x={g.x + 8} y={g.y + 13}>
              {g.id}
            </text>
          </g>
        ))}
        {drawn.edges.map((e, i) => (
          <g key={i} class={e.conditional ? "edge conditional" : "edge"}>
            <path d={e.path} marker-end="url(#arrow)" />
            {e.label && (
              <text x={e.labelX} y={e.labelY} class="edge-label">
                {e.label}
              </text>
            )}
          </g>
        ))}
        {drawn.nodes.map((n) => {
          const status = n.terminal ? "" : statusOf(n.id) || innerStatus(session, n.id);
          const classes = ["node", n.terminal ? "terminal" : "", status, active === n.id ? "active" : "", props.selected === n.id ? "selected" : ""];
          return (
            <g
              key={n.id}
              class={classes.filter(Boolean).join(" ")}
              data-node={n.id}
              data-status={status || "idle"}
              transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}
              onClick={() => !n.terminal && props.onSelect(props.selected === n.id ? null : n.id)}
            >
              <rect width={n.width} height={n.height} rx={n.terminal ? n.height / 2 : 6} />
              <text x={n.width / 2} y={n.height / 2 + 4} text-anchor="middle">
                {n.label}
              </text>
            </g>
          );
        })}
      </svg>
      {props.selected && <NodeDetails id={props.selected} record={session?.nodes.get(props.selected) ?? null} onClose={() => props.onSelect(null)} />}
    </div>
  );
}

function visibleId(id: string, known: Set<string>): string {
  if (known.has(id)) return id;
  const parts = id.split(":");
  for (let n = parts.length - 1; n > 0; n--) {
    const candidate = parts.slice(0, n).join(":");
    if (known.has(candidate)) return candidate;
  }
  return id;
}

/** The status of an expanded subgraph node is its own; a collapsed one shows the parent's. */
function innerStatus(session: RunSession | null, id: string): string {
  if (!session) return "";
  for (const [key, record] of session.nodes) if (key.startsWith(`${id}:`) && record.status === "running") return "running";
  return "";
}

function NodeDetails({ id, record, onClose }: { id: string; record: NodeRecord | null; onClose: () => void }) {
  return (
    <div class="node-details" data-details={id}>
      <div class="panel-head">
        <strong>{id}</strong>
        {record && <span class={`badge ${record.status}`}>{record.status}</span>}
        <button class="link" onClick={onClose}>
          close
        </button>
      </div>
      {record === null ? (
        <Empty>This node has not run in the current run.</Empty>
      ) : (
        <>
          {record.error && <JsonView value={record.error} className="error" />}
          {record.interrupts && (
            <>
              <h4>Interrupted with</h4>
              <JsonView value={record.interrupts.map((i: Json) => i.value)} />
            </>
          )}
          <h4>Update</h4>
          {record.update === undefined ? <Empty>No update yet.</Empty> : <JsonView value={record.update} className="node-update" />}
          <details>
            <summary>Input</summary>
            <JsonView value={record.input} />
          </details>
        </>
      )}
    </div>
  );
}
