// The live panes of a run: one per stream mode (messages as growing texts, per node and
// tags; the others as event logs), and the chat view of a graph whose state has messages.
import { useState } from "preact/hooks";
import type { Json } from "./api";
import { type LogEntry, type MessageStream, type RunSession, textOf } from "./session";
import { Empty, ErrorBox, JsonView, Tabs, oneLine, pretty, shortId, useSession } from "./ui";

/** Log entries drawn at once; older ones are counted, not drawn, so the page stays quick. */
const SHOWN = 200;

export function StreamPanes({ session }: { session: RunSession | null }) {
  useSession(session);
  const [mode, setMode] = useState("messages");
  if (session === null) return <Empty>Run the graph to see its stream here.</Empty>;
  const modes = session.request.modes.map((m) => (m === "messages-tuple" ? "messages" : m));
  const current = modes.includes(mode) ? mode : modes[0] ?? "";
  return (
    <div class="stream-panes">
      <RunSummary session={session} />
      <Tabs
        name="modes"
        current={current}
        onSelect={setMode}
        tabs={modes.map((m) => ({
          id: m,
          label: (
            <>
              {m} <span class="count">{m === "messages" ? session.tokens : session.counts.get(m) ?? 0}</span>
            </>
          ),
        }))}
      />
      <div class="pane" data-pane={current}>
        {current === "messages" ? <Messages messages={session.messages} /> : <Log entries={session.logs.get(current) ?? []} total={session.counts.get(current) ?? 0} />}
      </div>
    </div>
  );
}

export function RunSummary({ session }: { session: RunSession }) {
  const seconds = ((session.endedAt ?? performance.now()) - session.startedAt) / 1000;
  return (
    <div class="run-summary">
      <span class={`badge ${session.status}`} data-run-status={session.status}>
        {session.status}
      </span>
      <span>run {session.runId ? shortId(session.runId) : "…"}</span>
      <span>{session.events} events</span>
      <span>{session.tokens} tokens</span>
      <span>{seconds.toFixed(1)} s</span>
      {session.active && <span class="active-node">in {session.active}</span>}
      <ErrorBox title="The run failed:" error={session.error} />
    </div>
  );
}

/** Characters of a message drawn while it is long: the browser lays out only the tail, so
 *  each frame costs the same at the ten-thousandth token as at the tenth. */
const TAIL = 12000;

function Messages({ messages }: { messages: MessageStream[] }) {
  const [whole, setWhole] = useState<Set<string>>(new Set());
  if (messages.length === 0) return <Empty>No message tokens yet (a graph streams them while a chat model runs).</Empty>;
  return (
    <div class="messages">
      {messages.slice(-50).map((m) => (
        <div key={m.key} class={`message-stream ${m.type}`} data-message={m.key}>
          <div class="meta">
            <span class="node">{m.node || "?"}</span>
            {m.namespace && <span class="ns">{m.namespace}</span>}
            {m.tags.map((t) => (
              <span key={t} class="tag">
                {t}
              </span>
            ))}
            <span class="tokens">{m.complete ? `${m.tokens} tokens, complete` : `${m.tokens} tokens…`}</span>
          </div>
          {m.text.length > TAIL && !whole.has(m.key) && (
            <button class="link" name="whole-text" onClick={() => setWhole(new Set([...whole, m.key]))}>
              {m.text.length - TAIL} earlier characters: show them
            </button>
          )}
          <pre class="tokens-text">{m.text.length > TAIL && !whole.has(m.key) ? m.text.slice(-TAIL) : m.text}</pre>
          {m.toolCalls && <pre class="tool-calls">{m.toolCalls}</pre>}
        </div>
      ))}
    </div>
  );
}

function Log({ entries, total }: { entries: LogEntry[]; total: number }) {
  const [open, setOpen] = useState<number | null>(null);
  if (entries.length === 0) return <Empty>No events of this mode yet.</Empty>;
  const shown = entries.slice(-SHOWN);
  return (
    <ol class="log">
      {total > shown.length && <li class="hidden-count">{total - shown.length} earlier events not shown</li>}
      {shown.map((e) => (
        <li key={e.seq} class="log-entry" onClick={() => setOpen(open === e.seq ? null : e.seq)}>
          <span class="at">{(e.at / 1000).toFixed(2)} s</span>
          {e.namespace && <span class="ns">{e.namespace}</span>}
          {open === e.seq ? <pre class="json">{pretty(e.data)}</pre> : <code>{(e.shown ??= oneLine(e.data))}</code>}
        </li>
      ))}
    </ol>
  );
}

// --- chat ---------------------------------------------------------------------------------

export function hasMessages(schemas: Json): boolean {
  const props = (schemas?.input_schema ?? schemas?.state_schema)?.properties;
  return !!props && "messages" in props;
}

export function ChatView(props: {
  values: Json;
  session: RunSession | null;
  disabled: boolean;
  onSend: (text: string) => void;
}) {
  useSession(props.session);
  const [text, setText] = useState("");
  const stored: Json[] = Array.isArray(props.values?.messages) ? props.values.messages : [];
  const storedIds = new Set(stored.map((m) => m?.id).filter(Boolean));
  const live = (props.session?.messages ?? []).filter((m) => !storedIds.has(m.key.slice(m.key.indexOf("/") + 1)) && m.namespace === "");
  const send = () => {
    if (text.trim() === "" || props.disabled) return;
    props.onSend(text);
    setText("");
  };
  return (
    <div class="chat">
      <div class="chat-log">
        {stored.length === 0 && live.length === 0 && <Empty>No messages on this thread yet. Say something below.</Empty>}
        {stored.map((m, i) => (
          <ChatMessage key={m?.id ?? i} type={m?.type ?? m?.role ?? "ai"} text={textOf(m?.content)} calls={m?.tool_calls} name={m?.name} />
        ))}
        {live.map((m) => (
          <ChatMessage key={m.key} type={m.type.replace(/Chunk$/, "").replace("AIMessage", "ai")} text={m.text} callsText={m.toolCalls} streaming={!m.complete} />
        ))}
        {props.session?.error && <ErrorBox title="The run failed:" error={props.session.error} />}
      </div>
      <div class="chat-input">
        <textarea
          name="chat-message"
          rows={2}
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button class="primary" name="chat-send" disabled={props.disabled || text.trim() === ""} onClick={send}>
          Send
        </button>
      </div>
    </div>
  );
}

function ChatMessage(props: { type: string; text: string; calls?: Json[]; callsText?: string; name?: string; streaming?: boolean }) {
  const role = props.type === "human" || props.type === "user" ? "human" : props.type === "tool" ? "tool" : "ai";
  return (
    <div class={`chat-message ${role}${props.streaming ? " streaming" : ""}`} data-role={role}>
      <div class="who">{role === "tool" ? `tool ${props.name ?? ""}` : role}</div>
      {props.text && <div class="text">{props.text}</div>}
      {(props.calls ?? []).map((c: Json, i: number) => (
        <div key={i} class="tool-call">
          calls <code>{c.name}</code> with <JsonView value={c.args} />
        </div>
      ))}
      {props.callsText && <pre class="tool-calls">{props.callsText}</pre>}
    </div>
  );
}
