// The left column: the served graphs, and the threads (search, filter by status).
import { useState } from "preact/hooks";
import type { Json } from "./api";
import { Empty, ErrorBox, ago, shortId } from "./ui";

export function Graphs(props: { assistants: Json[]; current: Json; onSelect: (assistantId: string) => void }) {
  const byGraph = new Map<string, Json[]>();
  for (const a of props.assistants) (byGraph.get(a.graph_id) ?? byGraph.set(a.graph_id, []).get(a.graph_id)!).push(a);
  const graphs = [...byGraph.keys()].sort();
  if (graphs.length === 0) return <Empty>This server serves no graphs.</Empty>;
  return (
    <ul class="graph-list">
      {graphs.map((g) => {
        const own = byGraph.get(g)!;
        const system = own.find((a) => a.metadata?.created_by === "system") ?? own[0];
        const current = props.current?.graph_id === g;
        return (
          <li key={g} class={current ? "current" : ""} data-graph={g} onClick={() => !current && props.onSelect(system.assistant_id)}>
            <span class="graph-name">{g}</span>
            {own.length > 1 && <span class="muted">{own.length} assistants</span>}
          </li>
        );
      })}
    </ul>
  );
}

export interface ThreadFilter {
  text: string;
  status: string;
  thisGraph: boolean;
}

export function Threads(props: {
  threads: Json[] | null;
  error: Json;
  current: string | null;
  filter: ThreadFilter;
  onFilter: (filter: ThreadFilter) => void;
  onSelect: (threadId: string) => void;
  onNew: () => void;
  onRefresh: () => void;
  /** The thread the page is running now (the list was read before it started). */
  running: string | null;
}) {
  const [text, setText] = useState(props.filter.text);
  const needle = text.trim().toLowerCase();
  const shown = (props.threads ?? []).filter(
    (t) => needle === "" || t.thread_id.includes(needle) || JSON.stringify(t.metadata ?? {}).toLowerCase().includes(needle) || JSON.stringify(t.values ?? {}).toLowerCase().includes(needle),
  );
  return (
    <div class="threads">
      <div class="panel-head">
        <h3>Threads</h3>
        <button class="link" name="new-thread-side" onClick={props.onNew}>
          new
        </button>
        <button class="link" name="refresh-threads" title="Threads made elsewhere appear on refresh" onClick={props.onRefresh}>
          refresh
        </button>
      </div>
      <input type="search" name="thread-search" placeholder="Search id, metadata, values" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <div class="thread-filters">
        <select name="thread-status" value={props.filter.status} onChange={(e) => props.onFilter({ ...props.filter, status: (e.target as HTMLSelectElement).value })}>
          <option value="">any status</option>
          {["idle", "busy", "interrupted", "error"].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={props.filter.thisGraph} onChange={() => props.onFilter({ ...props.filter, thisGraph: !props.filter.thisGraph })} /> this graph
        </label>
      </div>
      {props.error ? (
        <ErrorBox title="Cannot list threads:" error={props.error} />
      ) : props.threads === null ? (
        <Empty>Loading…</Empty>
      ) : shown.length === 0 ? (
        <Empty>{props.threads.length === 0 ? "No threads yet: a run makes one." : "No thread matches."}</Empty>
      ) : (
        <ul class="thread-list">
          {shown.map((t) => (
            <li key={t.thread_id} data-thread={t.thread_id} class={t.thread_id === props.current ? "current" : ""} onClick={() => props.onSelect(t.thread_id)}>
              <span class="tid">{shortId(t.thread_id)}</span>
              <span class={`badge ${t.thread_id === props.running ? "busy" : t.status}`}>{t.thread_id === props.running ? "busy" : t.status}</span>
              <span class="muted">{t.metadata?.graph_id ?? ""}</span>
              <span class="muted when">{ago(t.updated_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
