// The page: graphs and threads on the left, the graph and the run form in the middle, the
// run's stream, chat, thread history and assistants on the right.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, base, hasKey, setKey, setKeyPrompt, type Json } from "./api";
import { Assistants } from "./Assistants";
import { GraphView } from "./GraphView";
import { useGraph, useServer, useThread, useThreadList } from "./hooks";
import { Interrupts } from "./Interrupts";
import { ChatView, hasMessages, StreamPanes } from "./Panes";
import { RunPanel, type RunOptions } from "./RunPanel";
import { RunSession, type RunRequest } from "./session";
import { Graphs, type ThreadFilter, Threads } from "./Sidebar";
import { ThreadView } from "./ThreadView";
import { Empty, ErrorBox, Tabs } from "./ui";

type Tab = "stream" | "chat" | "thread" | "assistants";

function fromHash(): { assistant: string | null; thread: string | null } {
  const [assistant, thread] = location.hash.replace(/^#\/?/, "").split("/");
  return { assistant: assistant || null, thread: thread || null };
}

export function App() {
  const start = useRef(fromHash()).current;
  const [keyRequest, setKeyRequest] = useState<{ reason: string; answer: (key: string | null) => void } | null>(null);
  const [assistantId, setAssistantId] = useState<string | null>(start.assistant);
  const [expanded, setExpanded] = useState(false);
  const [filter, setFilter] = useState<ThreadFilter>({ text: "", status: "", thisGraph: false });
  const [threadId, setThreadId] = useState<string | null>(start.thread);
  const [session, setSession] = useState<RunSession | null>(null);
  const [tab, setTab] = useState<Tab>("stream");
  const [selectedNode, setSelectedNode] = useState<string | null>(null);
  const sessions = useRef(new Map<string, RunSession>()).current;
  const options = useRef<Omit<RunOptions, "input">>({ config: {}, context: {}, modes: ["values", "updates", "messages-tuple", "custom"], subgraphs: true });

  const { info, down, assistants, connect } = useServer();
  const assistant = assistants.find((a) => a.assistant_id === assistantId) ?? null;
  const { graph, graphError, schemas } = useGraph(assistantId, expanded);
  const chat = hasMessages(schemas);
  const list = useThreadList(info !== null, filter, assistant?.graph_id);
  const thread = useThread(sessions, (joined) => setSession((current) => (current === null || current.threadId === joined.threadId ? joined : current)));

  // The API key: asked once, when the server first refuses a request.
  useEffect(() => setKeyPrompt((reason) => new Promise((answer) => setKeyRequest({ reason, answer }))), []);
  // An assistant that is not (or no longer) there: the first graph's default one.
  useEffect(() => {
    if (assistants.length === 0 || assistants.some((a) => a.assistant_id === assistantId)) return;
    setAssistantId((assistants.find((a) => a.metadata?.created_by === "system") ?? assistants[0]).assistant_id);
  }, [assistants]);
  useEffect(() => history_replace(assistantId, threadId), [assistantId, threadId]);
  useEffect(() => setSelectedNode(null), [assistantId]);
  useEffect(() => {
    if (chat && tab === "stream" && session === null) setTab("chat");
  }, [chat]);
  useEffect(() => {
    setSession(threadId ? sessions.get(threadId) ?? null : null);
    thread.setError(null);
    if (info !== null) void thread.load(threadId);
  }, [threadId, info]);

  const startRun = async (request: Partial<RunRequest>) => {
    if (assistantId === null) return;
    let tid = threadId;
    try {
      if (tid === null) {
        tid = (await api.createThread({ graph_id: assistant?.graph_id })).thread_id as string;
        setThreadId(tid);
        void list.reload();
      }
    } catch (error) {
      thread.setError(error);
      return;
    }
    const run = new RunSession({ threadId: tid, assistantId, ...options.current, ...request });
    sessions.set(tid, run);
    setSession(run);
    setSelectedNode(null);
    if (tab !== "chat" || !chat) setTab("stream");
    await run.run();
    await Promise.all([thread.load(tid), list.reload()]);
  };

  /** A thread runs on its own graph: picking one made by another graph switches to it. */
  const selectThread = (id: string) => {
    setThreadId(id);
    const meta = list.threads?.find((t) => t.thread_id === id)?.metadata ?? {};
    if (!meta.graph_id || meta.graph_id === assistant?.graph_id) return;
    const own = assistants.filter((a) => a.graph_id === meta.graph_id);
    const chosen = own.find((a) => a.assistant_id === meta.assistant_id) ?? own.find((a) => a.metadata?.created_by === "system") ?? own[0];
    if (chosen) setAssistantId(chosen.assistant_id);
  };

  const interrupts: Json[] = thread.state?.interrupts ?? [];
  const busy = session?.running ?? false;
  const nodeNames = (graph?.nodes ?? []).map((n: Json) => String(n.id)).filter((id: string) => !id.startsWith("__"));
  const tabs: Array<{ id: Tab; label: string }> = [
    { id: "stream", label: "Stream" },
    ...(chat ? [{ id: "chat" as Tab, label: "Chat" }] : []),
    { id: "thread", label: "Thread" },
    { id: "assistants", label: "Assistants" },
  ];

  return (
    <div class="studio">
      <header>
        <strong class="brand">streamgraph studio</strong>
        <span class="muted">{base}</span>
        {info && <span class="muted">server {info.version}</span>}
        <span class="spacer" />
        <button class="link" name="api-key" onClick={() => setKeyRequest({ reason: "Set the API key this page sends.", answer: (k) => k !== null && (setKey(k || null), void connect()) })}>
          {hasKey() ? "API key set" : "API key"}
        </button>
      </header>
      {down && (
        <div class="banner down" role="alert">
          {down} Retrying every 2 s… <button onClick={() => void connect()}>Retry now</button>
        </div>
      )}
      {keyRequest && <KeyDialog request={keyRequest} onDone={() => setKeyRequest(null)} />}
      <main class="layout">
        <aside class="sidebar">
          <h3>Graphs</h3>
          {info === null ? (
            <Empty>{down ? "Waiting for the server…" : "Connecting…"}</Empty>
          ) : (
            <Graphs assistants={assistants} current={assistant} onSelect={(id) => (setAssistantId(id), setThreadId(null))} />
          )}
          {info !== null && <Threads threads={list.threads} error={list.error} current={threadId} filter={filter} onFilter={setFilter} onSelect={selectThread} onNew={() => setThreadId(null)} onRefresh={() => void list.reload()} running={busy ? threadId : null} />}
        </aside>
        <section class="center">
          {assistant === null ? (
            <Empty>{down ? "The server is not answering." : "Pick a graph."}</Empty>
          ) : (
            <>
              <h2 class="graph-title">
                {assistant.graph_id}
                {assistant.name !== assistant.graph_id && <span class="muted"> · {assistant.name}</span>}
              </h2>
              <GraphView graph={graph} error={graphError} session={session} expanded={expanded} onExpand={setExpanded} selected={selectedNode} onSelect={setSelectedNode} />
              <RunPanel
                key={assistant.assistant_id}
                schemas={schemas}
                assistant={assistant}
                threadId={threadId}
                session={session}
                onRun={({ input, ...rest }) => void startRun({ input, ...rest })}
                onCancel={() => void session?.cancel()}
                onNewThread={() => setThreadId(null)}
                onOptions={(o) => (options.current = o)}
              />
            </>
          )}
        </section>
        <section class="right">
          <Interrupts key={interrupts.map((i) => i.id).join()} interrupts={busy ? [] : interrupts} busy={busy} onResume={(resume) => void startRun({ command: { resume } })} />
          <Tabs name="views" tabs={tabs} current={tab} onSelect={setTab} />
          {tab === "stream" && <StreamPanes session={session} />}
          {tab === "chat" && <ChatView values={thread.state?.values} session={session} disabled={busy || assistant === null} onSend={(text) => void startRun({ input: { messages: [{ role: "user", content: text }] } })} />}
          {tab === "thread" && (
            <ThreadView
              threadId={threadId}
              state={thread.state}
              history={thread.history}
              error={thread.error}
              nodes={nodeNames}
              busy={busy}
              onReplay={(checkpointId) => void startRun({ input: null, checkpointId })}
              onFork={async (checkpointId, values, asNode) => {
                const body: Json = { values, checkpoint_id: checkpointId };
                if (asNode) body.as_node = asNode;
                const made = await api.updateState(threadId!, body);
                await thread.load(threadId);
                return made?.checkpoint?.checkpoint_id ?? made?.checkpoint_id ?? null;
              }}
            />
          )}
          {tab === "assistants" && assistant && (
            <Assistants
              graphId={assistant.graph_id}
              assistants={assistants}
              current={assistant}
              onSelect={setAssistantId}
              onChanged={async (selectId) => {
                await connect();
                if (selectId) setAssistantId(selectId);
              }}
            />
          )}
          {thread.error && tab !== "thread" && <ErrorBox title="Thread:" error={thread.error} />}
        </section>
      </main>
    </div>
  );
}

function history_replace(assistantId: string | null, threadId: string | null): void {
  const hash = assistantId ? `#/${assistantId}${threadId ? `/${threadId}` : ""}` : "";
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname + location.search);
}

function KeyDialog({ request, onDone }: { request: { reason: string; answer: (key: string | null) => void }; onDone: () => void }) {
  const [key, setValue] = useState("");
  const finish = (value: string | null) => {
    request.answer(value);
    onDone();
  };
  return (
    <div class="modal" role="dialog" aria-label="API key">
      <form
        class="modal-box"
        onSubmit={(e) => {
          e.preventDefault();
          finish(key);
        }}
      >
        <h3>API key</h3>
        <p>{request.reason}</p>
        <p class="muted">The page keeps it in this browser (local storage) and sends it as x-api-key and as the Authorization header (a bearer token unless it names its scheme).</p>
        <input name="api-key-input" type="password" autoFocus value={key} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <div class="buttons">
          <button class="primary" type="submit" name="api-key-save">
            Use this key
          </button>
          <button type="button" onClick={() => finish(null)}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
