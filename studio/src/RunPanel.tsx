// What to run: the input (a form from the graph's input schema, or JSON), config and
// context, the stream modes to watch; Run and Cancel.
import { useEffect, useState } from "preact/hooks";
import type { Json } from "./api";
import { formable, SchemaForm } from "./SchemaForm";
import type { RunSession } from "./session";
import { JsonEditor, shortId, useSession } from "./ui";

export const STREAM_MODES: Array<{ id: string; label: string }> = [
  { id: "values", label: "values" },
  { id: "updates", label: "updates" },
  { id: "messages-tuple", label: "messages" },
  { id: "custom", label: "custom" },
  { id: "tasks", label: "tasks" },
  { id: "debug", label: "debug" },
  { id: "checkpoints", label: "checkpoints" },
  { id: "events", label: "events" },
];
const DEFAULT_MODES = ["values", "updates", "messages-tuple", "custom"];

export interface RunOptions {
  input: Json;
  config: Json;
  context: Json;
  modes: string[];
  subgraphs: boolean;
}

export function RunPanel(props: {
  schemas: Json;
  assistant: Json;
  threadId: string | null;
  session: RunSession | null;
  onRun: (options: RunOptions) => void;
  onCancel: () => void;
  onNewThread: () => void;
  /** The options a run started elsewhere (chat, resume, replay) should use too. */
  onOptions: (options: Omit<RunOptions, "input">) => void;
}) {
  const inputSchema = props.schemas?.input_schema ?? props.schemas?.state_schema ?? null;
  const contextSchema = props.schemas?.context_schema ?? null;
  const configSchema = props.schemas?.config_schema ?? null;
  const [input, setInput] = useState<Json>({});
  const [config, setConfig] = useState<Json>({});
  const [context, setContext] = useState<Json>({});
  const [valid, setValid] = useState({ input: true, config: true, context: true });
  const [modes, setModes] = useState<string[]>(DEFAULT_MODES);
  const [subgraphs, setSubgraphs] = useState(true);
  // The config box shows what the configurable form wrote: redrawn on each form edit.
  const [formEdits, setFormEdits] = useState(0);
  useSession(props.session);
  const running = props.session?.running ?? false;
  useEffect(() => props.onOptions({ config, context, modes, subgraphs }), [config, context, modes, subgraphs]);
  const ok = valid.input && valid.config && valid.context && modes.length > 0;
  const toggle = (mode: string) => setModes(modes.includes(mode) ? modes.filter((m) => m !== mode) : [...modes, mode]);
  return (
    <div class="run-panel">
      <div class="panel-head">
        <h3>Run</h3>
        <span class="muted" data-thread-label>
          {props.threadId ? `on thread ${shortId(props.threadId)}` : "on a new thread"}
        </span>
        {props.threadId && (
          <button class="link" name="new-thread" disabled={running} onClick={props.onNewThread}>
            new thread
          </button>
        )}
        <span class="spacer" />
        {props.session && (
          <span class={`badge ${props.session.status}`} data-run-state={props.session.status}>
            {props.session.status}
            {props.session.active ? ` · ${props.session.active}` : ""}
          </span>
        )}
      </div>
      <h4>Input</h4>
      <SchemaForm key={props.assistant?.assistant_id} name="input" schema={inputSchema} value={input} onChange={(v, ok) => (setInput(v), setValid({ ...valid, input: ok }))} />
      <details class="options">
        <summary>Config, context and stream modes</summary>
        {formable(configSchema) && (
          <>
            <h4>configurable</h4>
            <SchemaForm
              name="configurable"
              schema={configSchema}
              value={config.configurable ?? {}}
              onChange={(v, ok) => (setConfig({ ...config, configurable: v }), setValid({ ...valid, config: ok }), setFormEdits(formEdits + 1))}
            />
          </>
        )}
        <JsonEditor
          key={`config-${formEdits}`}
          label="config (configurable, tags, recursion_limit; merged over the assistant's)"
          name="config"
          value={config}
          rows={3}
          onChange={(v, ok) => (setConfig(v ?? {}), setValid({ ...valid, config: ok }))}
        />
        <h4>context</h4>
        {formable(contextSchema) ? (
          <SchemaForm name="context" schema={contextSchema} value={context} onChange={(v, ok) => (setContext(v), setValid({ ...valid, context: ok }))} />
        ) : (
          <JsonEditor name="context" value={context} rows={2} onChange={(v, ok) => (setContext(v ?? {}), setValid({ ...valid, context: ok }))} />
        )}
        <h4>stream modes</h4>
        <div class="modes">
          {STREAM_MODES.map((m) => (
            <label key={m.id} class="mode">
              <input type="checkbox" name={`mode-${m.label}`} checked={modes.includes(m.id)} onChange={() => toggle(m.id)} /> {m.label}
            </label>
          ))}
          <label class="mode">
            <input type="checkbox" name="subgraphs" checked={subgraphs} onChange={() => setSubgraphs(!subgraphs)} /> subgraphs
          </label>
        </div>
      </details>
      <div class="buttons">
        <button class="primary" name="run" disabled={running || !ok} onClick={() => props.onRun({ input, config, context, modes, subgraphs })}>
          Run
        </button>
        <button name="cancel" disabled={!running} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
