// Small shared pieces: JSON display and editing, tabs, messages for empty and error states.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Json } from "./api";
import type { RunSession } from "./session";

export function pretty(value: Json): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function oneLine(value: Json, limit = 240): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** The end of an id: ids made by the server (UUIDv7, checkpoint ids) start with the time,
 *  so ids made close together share their first digits but not their last. */
export function shortId(id: string | null | undefined): string {
  return id ? `…${id.slice(-8)}` : "";
}

export function ago(stamp: string | undefined): string {
  if (!stamp) return "";
  const seconds = (Date.now() - Date.parse(stamp)) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(stamp).toLocaleDateString();
}

/** Redraw the caller whenever `session` has news (at most once per animation frame). */
export function useSession(session: RunSession | null): number {
  const [, redraw] = useState(0);
  useEffect(() => {
    if (session === null) return;
    const stop = session.subscribe(() => redraw((n) => n + 1));
    return () => void stop();
  }, [session]);
  return session?.version ?? 0;
}

export function JsonView({ value, className }: { value: Json; className?: string }) {
  return <pre class={`json ${className ?? ""}`}>{pretty(value)}</pre>;
}

/** A textarea holding JSON: the parsed value goes up only when the text parses. */
export function JsonEditor(props: {
  value: Json;
  onChange: (value: Json, valid: boolean) => void;
  rows?: number;
  label?: string;
  name?: string;
}) {
  const [text, setText] = useState(() => pretty(props.value ?? {}));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div class="json-editor">
      {props.label && <label>{props.label}</label>}
      <textarea
        name={props.name}
        rows={props.rows ?? 6}
        spellcheck={false}
        value={text}
        onInput={(e) => {
          const next = (e.target as HTMLTextAreaElement).value;
          setText(next);
          try {
            const parsed = next.trim() === "" ? null : JSON.parse(next);
            setProblem(null);
            props.onChange(parsed, true);
          } catch (error) {
            setProblem((error as Error).message);
            props.onChange(null, false);
          }
        }}
      />
      {problem && <div class="field-error">Not JSON: {problem}</div>}
    </div>
  );
}

export function Tabs<T extends string>(props: {
  tabs: Array<{ id: T; label: ComponentChildren }>;
  current: T;
  onSelect: (id: T) => void;
  name: string;
}) {
  return (
    <div class="tabs" role="tablist" data-tabs={props.name}>
      {props.tabs.map((tab) => (
        <button
          key={tab.id}
          role="tab"
          data-tab={tab.id}
          aria-selected={tab.id === props.current}
          class={tab.id === props.current ? "tab current" : "tab"}
          onClick={() => props.onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function ErrorBox({ error, title }: { error: Json; title?: string }) {
  if (error === null || error === undefined) return null;
  const text =
    typeof error === "string"
      ? error
      : error instanceof Error
        ? error.message
        : `${error.error ?? "Error"}: ${error.message ?? oneLine(error)}`;
  const trace = typeof error === "object" && error !== null ? error.traceback ?? error.stack_trace : null;
  return (
    <div class="error-box" role="alert">
      {title && <strong>{title}</strong>} <span class="error-text">{text}</span>
      {trace && <pre class="traceback">{typeof trace === "string" ? trace : pretty(trace)}</pre>}
    </div>
  );
}

/** A button whose async action shows it is busy and reports its failure next to it. */
export function ActionButton(props: {
  onClick: () => Promise<unknown>;
  children: ComponentChildren;
  disabled?: boolean;
  class?: string;
  name?: string;
  title?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span class="action">
      <button
        class={props.class}
        name={props.name}
        title={props.title}
        disabled={busy || props.disabled}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await props.onClick();
          } catch (e) {
            setError((e as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.children}
      </button>
      {error && <span class="field-error">{error}</span>}
    </span>
  );
}
