// Assistants of the current graph: pick one, edit its config and context (each save is a
// new version), go back to an older version, or create another.
import { useEffect, useState } from "preact/hooks";
import { api, type Json } from "./api";
import { ActionButton, Empty, ErrorBox, JsonEditor, ago, shortId } from "./ui";

export function Assistants(props: {
  graphId: string;
  assistants: Json[];
  current: Json;
  onSelect: (id: string) => void;
  onChanged: (selectId?: string) => Promise<void>;
}) {
  const mine = props.assistants.filter((a) => a.graph_id === props.graphId);
  const [creating, setCreating] = useState(false);
  return (
    <div class="assistants">
      <ul class="assistant-list">
        {mine.map((a) => (
          <li key={a.assistant_id} class={a.assistant_id === props.current?.assistant_id ? "current" : ""} onClick={() => props.onSelect(a.assistant_id)} data-assistant={a.name}>
            <strong>{a.name}</strong> <span class="muted">v{a.version}</span>
            {a.metadata?.created_by === "system" && <span class="tag">default</span>}
            <span class="muted">{shortId(a.assistant_id)}</span>
          </li>
        ))}
      </ul>
      <button name="new-assistant" onClick={() => setCreating(!creating)}>
        {creating ? "Cancel" : "New assistant"}
      </button>
      {creating && (
        <AssistantEditor
          key="new"
          title={`New assistant for ${props.graphId}`}
          initial={{ name: "", config: {}, context: {} }}
          save={async (fields) => {
            const made = await api.createAssistant({ graph_id: props.graphId, ...fields });
            setCreating(false);
            await props.onChanged(made.assistant_id);
          }}
        />
      )}
      {props.current && !creating && (
        <>
          <AssistantEditor
            key={`${props.current.assistant_id}/${props.current.version}`}
            title={`Edit ${props.current.name} (saving makes version ${props.current.version + 1})`}
            initial={props.current}
            save={async (fields) => {
              await api.patchAssistant(props.current.assistant_id, fields);
              await props.onChanged(props.current.assistant_id);
            }}
          />
          <Versions assistant={props.current} onChanged={props.onChanged} />
        </>
      )}
    </div>
  );
}

function AssistantEditor(props: { title: string; initial: Json; save: (fields: Json) => Promise<void> }) {
  const [name, setName] = useState(props.initial.name ?? "");
  const [config, setConfig] = useState<Json>(props.initial.config ?? {});
  const [context, setContext] = useState<Json>(props.initial.context ?? {});
  const [valid, setValid] = useState({ config: true, context: true });
  return (
    <div class="assistant-editor">
      <h4>{props.title}</h4>
      <label>
        name <input name="assistant-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <JsonEditor label="config (configurable, tags, recursion_limit)" name="assistant-config" value={config} rows={4} onChange={(v, ok) => (setConfig(v ?? {}), setValid({ ...valid, config: ok }))} />
      <JsonEditor label="context" name="assistant-context" value={context} rows={3} onChange={(v, ok) => (setContext(v ?? {}), setValid({ ...valid, context: ok }))} />
      <ActionButton class="primary" name="save-assistant" disabled={!valid.config || !valid.context} onClick={() => props.save({ ...(name ? { name } : {}), config, context })}>
        Save
      </ActionButton>
    </div>
  );
}

function Versions({ assistant, onChanged }: { assistant: Json; onChanged: (selectId?: string) => Promise<void> }) {
  const [versions, setVersions] = useState<Json[] | null>(null);
  const [error, setError] = useState<Json>(null);
  useEffect(() => {
    api.versions(assistant.assistant_id).then(setVersions, setError);
  }, [assistant.assistant_id, assistant.version, assistant.updated_at]);
  if (error) return <ErrorBox title="Cannot list versions:" error={error} />;
  if (versions === null) return <Empty>Loading versions…</Empty>;
  return (
    <div class="versions">
      <h4>Versions</h4>
      <ol>
        {versions.map((v) => (
          <li key={v.version} data-version={v.version}>
            v{v.version} <span class="muted">{ago(v.created_at)}</span> <code>{JSON.stringify(v.config ?? {})}</code>
            {v.version === assistant.version ? (
              <span class="tag">current</span>
            ) : (
              <ActionButton
                class="link"
                onClick={async () => {
                  await api.setLatest(assistant.assistant_id, v.version);
                  await onChanged(assistant.assistant_id);
                }}
              >
                make current
              </ActionButton>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
