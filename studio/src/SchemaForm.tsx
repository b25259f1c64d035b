// A form generated from a JSON schema (the graph's input, context, ...): one field per
// property of a type a person can type in, a JSON box for the others, and a switch to edit
// the whole value as JSON.
import { useState } from "preact/hooks";
import type { Json } from "./api";
import { JsonEditor } from "./ui";

type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "messages" | "json";

function kindOf(name: string, schema: Json): FieldKind {
  const options: Json[] = schema?.anyOf ?? schema?.oneOf ?? [schema];
  const types = new Set(options.map((o) => o?.type).filter((t) => t && t !== "null"));
  if (name === "messages" && (types.has("array") || types.size === 0)) return "messages";
  if (Array.isArray(schema?.enum) && schema.enum.every((v: Json) => typeof v === "string")) return "enum";
  if (types.size === 1) {
    const [only] = types;
    if (only === "string" || only === "number" || only === "integer" || only === "boolean") return only;
  }
  return "json";
}

/** True when the schema describes an object whose properties a form can show. */
export function formable(schema: Json): boolean {
  return !!schema && typeof schema === "object" && schema.properties && Object.keys(schema.properties).length > 0;
}

export function SchemaForm(props: { schema: Json; value: Json; onChange: (value: Json, valid: boolean) => void; name: string }) {
  // The schema may arrive after the first draw: until the user picks, it decides.
  const [choice, setAsJson] = useState<boolean | null>(null);
  const asJson = choice ?? !formable(props.schema);
  const value = props.value ?? {};
  return (
    <div class="schema-form" data-form={props.name}>
      {formable(props.schema) && (
        <div class="form-mode">
          <button class={asJson ? "link" : "link current"} onClick={() => setAsJson(false)}>
            form
          </button>
          <button class={asJson ? "link current" : "link"} name={`${props.name}-as-json`} onClick={() => setAsJson(true)}>
            JSON
          </button>
        </div>
      )}
      {asJson ? (
        <JsonEditor key="json" name={`${props.name}-json`} value={value} onChange={props.onChange} rows={6} />
      ) : (
        Object.entries(props.schema.properties as Record<string, Json>).map(([key, schema]) => (
          <Field
            key={key}
            name={key}
            form={props.name}
            schema={schema}
            required={(props.schema.required ?? []).includes(key)}
            value={value[key]}
            onChange={(next, valid) => {
              const copy = { ...value };
              if (next === undefined) delete copy[key];
              else copy[key] = next;
              props.onChange(copy, valid);
            }}
          />
        ))
      )}
    </div>
  );
}

function Field(props: {
  name: string;
  form: string;
  schema: Json;
  required: boolean;
  value: Json;
  onChange: (value: Json, valid: boolean) => void;
}) {
  const kind = kindOf(props.name, props.schema);
  const label = (
    <label for={`${props.form}-${props.name}`}>
      {props.schema?.title ?? props.name}
      {props.required && <span class="required">*</span>}
      <span class="hint">{hint(kind, props.schema)}</span>
    </label>
  );
  const id = `${props.form}-${props.name}`;
  const input = (e: Event) => (e.target as HTMLInputElement).value;
  switch (kind) {
    case "string":
      return (
        <div class="field">
          {label}
          <input id={id} name={props.name} value={props.value ?? ""} onInput={(e) => props.onChange(input(e) === "" ? undefined : input(e), true)} />
        </div>
      );
    case "number":
    case "integer":
      return (
        <div class="field">
          {label}
          <input
            id={id}
            name={props.name}
            type="number"
            step={kind === "integer" ? 1 : "any"}
            value={props.value ?? ""}
            onInput={(e) => props.onChange(input(e) === "" ? undefined : Number(input(e)), true)}
          />
        </div>
      );
    case "boolean":
      return (
        <div class="field inline">
          <input id={id} name={props.name} type="checkbox" checked={!!props.value} onChange={(e) => props.onChange((e.target as HTMLInputElement).checked, true)} />
          {label}
        </div>
      );
    case "enum":
      return (
        <div class="field">
          {label}
          <select id={id} name={props.name} value={props.value ?? ""} onChange={(e) => props.onChange(input(e) === "" ? undefined : input(e), true)}>
            <option value="">(none)</option>
            {props.schema.enum.map((v: string) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
      );
    case "messages":
      return (
        <div class="field">
          {label}
          <textarea
            id={id}
            name={props.name}
            rows={2}
            placeholder="a user message"
            value={messageText(props.value)}
            onInput={(e) => {
              const text = (e.target as HTMLTextAreaElement).value;
              props.onChange(text === "" ? undefined : [{ role: "user", content: text }], true);
            }}
          />
        </div>
      );
    default:
      return (
        <div class="field">
          {label}
          <JsonEditor name={props.name} value={props.value ?? null} rows={3} onChange={(v, valid) => props.onChange(v === null ? undefined : v, valid)} />
        </div>
      );
  }
}

function messageText(value: Json): string {
  if (Array.isArray(value) && value.length === 1 && typeof value[0]?.content === "string") return value[0].content;
  return "";
}

function hint(kind: FieldKind, schema: Json): string {
  if (kind === "json") return schema?.type ? `${schema.type}, as JSON` : "JSON";
  if (kind === "messages") return "sent as a user message";
  return "";
}
