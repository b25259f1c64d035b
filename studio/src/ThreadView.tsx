// A thread's state and its checkpoint history as a timeline. A checkpoint can be looked at,
// replayed (a run from it), or edited into a fork (update_state on it): the fork shows up as
// a new branch beside the line it left.
import { useEffect, useState } from "preact/hooks";
import type { Json } from "./api";
import { ActionButton, Empty, ErrorBox, JsonEditor, JsonView, shortId } from "./ui";

export interface TimelineEntry {
  checkpoint: Json;
  id: string;
  lane: number;
  forkOf: Json | null; // the checkpoint a branch leaves from
  onCurrentLine: boolean;
}

/** History (any order) -> oldest-first entries with branch lanes, git-log style. */
export function timeline(history: Json[], currentId: string | null): TimelineEntry[] {
  const sorted = [...history].sort((a, b) => String(a.checkpoint_id ?? a.checkpoint?.checkpoint_id).localeCompare(String(b.checkpoint_id ?? b.checkpoint?.checkpoint_id)));
  const idOf = (c: Json): string => c.checkpoint_id ?? c.checkpoint?.checkpoint_id;
  const parentOf = (c: Json): string | null => c.parent_checkpoint_id ?? c.parent_checkpoint?.checkpoint_id ?? null;
  const byId = new Map(sorted.map((c) => [idOf(c), c]));
  const current = new Set<string>();
  for (let at = currentId ? byId.get(currentId) : sorted.at(-1); at; at = byId.get(parentOf(at) ?? "")) {
    if (current.has(idOf(at))) break;
    current.add(idOf(at));
  }
  const laneOf = new Map<string, number>();
  const childSeen = new Set<string>();
  let lanes = 0;
  return sorted.map((c) => {
    const parent = parentOf(c);
    let lane: number;
    let forkOf: Json | null = null;
    if (parent && laneOf.has(parent) && !childSeen.has(parent)) {
      lane = laneOf.get(parent)!;
    } else if (parent && laneOf.has(parent)) {
      lane = ++lanes;
      forkOf = byId.get(parent) ?? null;
    } else {
      lane = laneOf.size === 0 ? 0 : ++lanes;
    }
    if (parent) childSeen.add(parent);
    laneOf.set(idOf(c), lane);
    return { checkpoint: c, id: idOf(c), lane, forkOf, onCurrentLine: current.has(idOf(c)) };
  });
}

function stepOf(c: Json): string {
  const step = c?.metadata?.step;
  return step === undefined ? "?" : String(step);
}

export function ThreadView(props: {
  threadId: string | null;
  state: Json;
  history: Json[];
  error: Json;
  nodes: string[];
  busy: boolean;
  onReplay: (checkpointId: string) => void;
  onFork: (checkpointId: string, values: Json, asNode: string | null) => Promise<string | null>;
}) {
  const [selected, setSelected] = useState<string | null>(null);
  const currentId = props.state?.checkpoint?.checkpoint_id ?? props.state?.checkpoint_id ?? null;
  useEffect(() => setSelected(null), [props.threadId]);
  if (props.threadId === null) return <Empty>No thread selected: pick one on the left, or run the graph to start one.</Empty>;
  if (props.error) return <ErrorBox title="Cannot read the thread:" error={props.error} />;
  const entries = timeline(props.history, currentId);
  const chosen = entries.find((e) => e.id === selected) ?? null;
  return (
    <div class="thread-view">
      <section>
        <h3>
          State <span class="muted">thread {shortId(props.threadId)}</span>
        </h3>
        {props.state === null || props.state === undefined ? (
          <Empty>Loading…</Empty>
        ) : (
          <>
            {props.state.next?.length > 0 && <div class="next">next: {props.state.next.join(", ")}</div>}
            <JsonView value={props.state.values} className="thread-values" />
          </>
        )}
      </section>
      <section>
        <h3>History</h3>
        {entries.length === 0 ? (
          <Empty>No checkpoints yet: this thread has not run.</Empty>
        ) : (
          <ol class="timeline" data-count={entries.length}>
            {entries.map((e) => (
              <li
                key={e.id}
                data-checkpoint={e.id}
                data-step={stepOf(e.checkpoint)}
                data-lane={e.lane}
                class={["checkpoint", e.id === selected ? "selected" : "", e.onCurrentLine ? "current-line" : "off-line", e.id === currentId ? "head" : "", e.forkOf ? "fork" : ""].filter(Boolean).join(" ")}
                style={{ paddingLeft: `${8 + e.lane * 18}px` }}
                onClick={() => setSelected(e.id)}
              >
                <i class={`lane-dot lane-${e.lane % 6}`} />
                <span class="step">step {stepOf(e.checkpoint)}</span>
                <span class="source">{e.checkpoint.metadata?.source ?? ""}</span>
                {e.forkOf && <span class="fork-label">fork of step {stepOf(e.forkOf)}</span>}
                <span class="next-nodes">{(e.checkpoint.next ?? []).length > 0 ? `→ ${e.checkpoint.next.join(", ")}` : "end"}</span>
                {e.id === currentId && <span class="badge head">current</span>}
                <span class="cid">{shortId(e.id)}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      {chosen && <CheckpointDetails key={chosen.id} entry={chosen} nodes={props.nodes} busy={props.busy} onReplay={props.onReplay} onFork={props.onFork} onForked={setSelected} />}
    </div>
  );
}

function CheckpointDetails(props: {
  entry: TimelineEntry;
  nodes: string[];
  busy: boolean;
  onReplay: (checkpointId: string) => void;
  onFork: (checkpointId: string, values: Json, asNode: string | null) => Promise<string | null>;
  onForked: (checkpointId: string | null) => void;
}) {
  const c = props.entry.checkpoint;
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState<Json>(c.values ?? {});
  const [valid, setValid] = useState(true);
  const [asNode, setAsNode] = useState("");
  const interrupts = (c.tasks ?? []).flatMap((t: Json) => t.interrupts ?? []);
  return (
    <section class="checkpoint-details" data-details-checkpoint={props.entry.id}>
      <h3>
        Checkpoint at step {stepOf(c)} <span class="muted">{props.entry.id}</span>
      </h3>
      <div class="buttons">
        <button name="replay" disabled={props.busy} onClick={() => props.onReplay(props.entry.id)} title="Run the graph again from this checkpoint">
          Replay from here
        </button>
        <button name="edit-fork" disabled={props.busy} onClick={() => setEditing(!editing)}>
          {editing ? "Cancel edit" : "Edit and fork"}
        </button>
      </div>
      {editing ? (
        <div class="fork-editor">
          <JsonEditor
            name="fork-values"
            label="Values to write (update_state: they pass through the state's reducers)"
            value={c.values ?? {}}
            rows={8}
            onChange={(v, ok) => {
              setValues(v);
              setValid(ok);
            }}
          />
          <label>
            as node{" "}
            <select name="as-node" value={asNode} onChange={(e) => setAsNode((e.target as HTMLSelectElement).value)}>
              <option value="">(the server decides)</option>
              {props.nodes.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <ActionButton
            class="primary"
            name="save-fork"
            disabled={!valid || props.busy}
            onClick={async () => {
              const forked = await props.onFork(props.entry.id, values, asNode || null);
              setEditing(false);
              props.onForked(forked);
            }}
          >
            Save as a fork
          </ActionButton>
        </div>
      ) : (
        <>
          <JsonView value={c.values} className="checkpoint-values" />
          {interrupts.length > 0 && (
            <>
              <h4>Interrupts</h4>
              <JsonView value={interrupts} />
            </>
          )}
          <details>
            <summary>Metadata</summary>
            <JsonView value={c.metadata} />
          </details>
        </>
      )}
    </section>
  );
}
