// The page: graphs and threads on the left, the graph and the run form in the middle, the
// run's stream, chat, thread history and assistants on the right.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, base, hasKey, setKey, setKeyPrompt, type Json } from "./api";
import { Assistants } from "./Assistants";
import { GraphView } from "./GraphView";
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
  const [info, setInfo] = useState<Json>(null);
  const [down, setDown] = useState<string | null>(null);
  const [keyRequest, setKeyRequest] = useState<{ reason: string; answer: (key: string | null) => void } | null>(null);
  const [assistants, setAssistants] = useState<Json[]>([]);
  const [assistantId, setAssistantId] = useState<string | null>(start.assistant);
  const [graph, setGraph] = useState<Json>(null);
  const [graphError, setGraphError] = useState<Json>(null);
  const [expanded, setExpanded] = useState(false);
  const [schemas, setSchemas] = useState<Json>(null);
  const [threads, setThreads] = useState<Json[] | null>(null);
  const [threadsError, setThreadsError] = useState<Json>(null);
  const [filter, setFilter] = useState<ThreadFilter>({ text: "", status: "", thisGraph: false });
  const [threadId, setThreadId] = useState<string | null>(start.thread);
  const [threadState, setThreadState] = useState<Json>(null);
  const [history, setHistory] = useState<Json[]>([]);
  const [threadError, setThreadError] = useState<Json>(null);
  const [session, setSession] = useState<RunSession | null>(null);
  const [tab, setTab] = useState<Tab>("stream");
  const [selectedNode, setSelectedNode] = useState<string | null>(null);
  const sessions = useRef(new Map<string, RunSession>()).current;
  const options = useRef<Omit<RunOptions, "input">>({ config: {}, context: {}, modes: ["values", "updates", "messages-tuple", "custom"], subgraphs: true });
  const assistant = assistants.find((a) => a.assistant_id === assistantId) ?? null;
  const chat = hasMessages(schemas);

  // The API key: asked once, when the server first refuses a request.
  useEffect(() => setKeyPrompt((reason) => new Promise((answer) => setKeyRequest({ reason, answer }))), []);

  const connect = useCallback(async () => {
    try {
      setInfo(await api.info());
      setDown(null);
      const found = await api.assistants();
      found.sort((a, b) => String(a.graph_id).localeCompare(String(b.graph_id)) || String(a.created_at).localeCompare(String(b.created_at)));
      setAssistants(found);
      setAssistantId((id) => (found.some((a) => a.assistant_id === id) ? id : (found.find((a) => a.metadata?.created_by === "system") ?? found[0])?.assistant_id ?? null));
    } catch (error) {
      setDown(error instanceof ApiError && error.status !== 0 ? error.message : `Cannot reach the server at ${base}.`);
    }
  }, []);
  useEffect(() => void connect(), [connect]);
  useEffect(() => {
    if (down === null) return;
    const timer = setInterval(() => void connect(), 2000);
    return () => clearInterval(timer);
  }, [down, connect]);

  useEffect(() => {
    history_replace(assistantId, threadId);
  }, [assistantId, threadId]);

  // The graph and its schemas follow the assistant.
  useEffect(() => {
    if (assistantId === null) return;
    setGraph(null);
    setGraphError(null);
    api.graph(assistantId, expanded).then(setGraph, setGraphError);
  }, [assistantId, expanded]);
  useEffect(() => {
    if (assistantId === null) return;
    setSchemas(null);
    setSelectedNode(null);
    api.schemas(assistantId).then(setSchemas, () => setSchemas({}));
  }, [assistantId]);
  useEffect(() => {
    if (chat && tab === "stream" && session === null) setTab("chat");
  }, [chat]);

  const loadThreads = useCallback(async () => {
    const body: Json = { limit: 100, sort_by: "updated_at", sort_order: "desc" };
    if (filter.status) body.status = filter.status;
    if (filter.thisGraph && assistant) body.metadata = { graph_id: assistant.graph_id };
    try {
      setThreads(await api.threads(body));
      setThreadsError(null);
    } catch (error) {
      setThreadsError(error);
    }
  }, [filter, assistant?.graph_id]);
  useEffect(() => {
    if (info !== null) void loadThreads();
  }, [loadThreads, info]);

  const loadThread = useCallback(async (id: string | null) => {
    if (id === null) {
      setThreadState(null);
      setHistory([]);
      return;
    }
    try {
      const [state, past, thread] = await Promise.all([api.state(id), api.history(id), api.thread(id)]);
      setThreadState(state);
      setHistory(past);
      setThreadError(null);
      if (thread?.status === "busy") void watch(id);
    } catch (error) {
      setThreadError(error);
    }
  }, []);

  /** A run in progress on the thread, started elsewhere (the SDK, another tab): follow it. */
  const watch = async (id: string) => {
    if (sessions.get(id)?.running) return;
    const [active] = await api.runs(id, "running").catch(() => [] as Json[]);
    if (!active || sessions.get(id)?.running) return;
    const joined = new RunSession({
      threadId: id,
      assistantId: active.assistant_id,
      modes: ["values", "updates", "messages-tuple", "custom", "tasks", "debug", "checkpoints", "events"],
      subgraphs: true,
      joinRunId: active.run_id,
    });
    sessions.set(id, joined);
    setSession((current) => (current === null || current.threadId === id ? joined : current));
    await joined.run();
    await loadThread(id);
  };
  useEffect(() => {
    setSession(threadId ? sessions.get(threadId) ?? null : null);
    setThreadError(null);
    if (info !== null) void loadThread(threadId);
  }, [threadId, info]);

  const startRun = async (request: Partial<RunRequest>) => {
    if (assistantId === null) return;
    let tid = threadId;
    try {
      if (tid === null) {
        tid = (await api.createThread({ graph_id: assistant?.graph_id })).thread_id as string;
        setThreadId(tid);
        void loadThreads();
      }
    } catch (error) {
      setThreadError(error);
      return;
    }
    const run = new RunSession({ threadId: tid, assistantId, ...options.current, ...request });
    sessions.set(tid, run);
    setSession(run);
    setSelectedNode(null);
    if (tab !== "chat" || !chat) setTab("stream");
    await run.run();
    await Promise.all([loadThread(tid), loadThreads()]);
  };

  /** A thread runs on its own graph: picking one made by another graph switches to it. */
  const selectThread = (id: string) => {
    setThreadId(id);
    const meta = threads?.find((t) => t.thread_id === id)?.metadata ?? {};
    if (!meta.graph_id || meta.graph_id === assistant?.graph_id) return;
    const own = assistants.filter((a) => a.graph_id === meta.graph_id);
    const chosen = own.find((a) => a.assistant_id === meta.assistant_id) ?? own.find((a) => a.metadata?.created_by === "system") ?? own[0];
    if (chosen) setAssistantId(chosen.assistant_id);
  };

  const interrupts: Json[] = threadState?.interrupts ?? [];
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
          {info !== null && <Threads threads={threads} error={threadsError} current={threadId} filter={filter} onFilter={setFilter} onSelect={selectThread} onNew={() => setThreadId(null)} />}
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
          {tab === "chat" && <ChatView values={threadState?.values} session={session} disabled={busy || assistant === null} onSend={(text) => void startRun({ input: { messages: [{ role: "user", content: text }] } })} />}
          {tab === "thread" && (
            <ThreadView
              threadId={threadId}
              state={threadState}
              history={history}
              error={threadError}
              nodes={nodeNames}
              busy={busy}
              onReplay={(checkpointId) => void startRun({ input: null, checkpointId })}
              onFork={async (checkpointId, values, asNode) => {
                const body: Json = { values, checkpoint_id: checkpointId };
                if (asNode) body.as_node = asNode;
                const made = await api.updateState(threadId!, body);
                await loadThread(threadId);
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
          {threadError && tab !== "thread" && <ErrorBox title="Thread:" error={threadError} />}
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
        <p class="muted">The page keeps it in this browser (local storage) and sends it as x-api-key.</p>
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
