// What the page reads from the server, as hooks: the server and its assistants, a graph's
// drawing and schemas, the thread list, and one thread (state, history, a run in progress).
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, api, base, type Json } from "./api";
import { MODES, RunSession } from "./session";
import type { ThreadFilter } from "./Sidebar";

/** The server's info and assistants; while it does not answer, a retry every 2 s. */
export function useServer() {
  const [info, setInfo] = useState<Json>(null);
  const [down, setDown] = useState<string | null>(null);
  const [assistants, setAssistants] = useState<Json[]>([]);
  const connect = useCallback(async () => {
    try {
      setInfo(await api.info());
      setDown(null);
      const found = await api.assistants();
      found.sort((a, b) => String(a.graph_id).localeCompare(String(b.graph_id)) || String(a.created_at).localeCompare(String(b.created_at)));
      setAssistants(found);
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
  return { info, down, assistants, connect };
}

/** The assistant's graph (subgraphs drawn inside it when `expanded`) and its schemas. */
export function useGraph(assistantId: string | null, expanded: boolean) {
  const [graph, setGraph] = useState<Json>(null);
  const [graphError, setGraphError] = useState<Json>(null);
  const [schemas, setSchemas] = useState<Json>(null);
  useEffect(() => {
    if (assistantId === null) return;
    setGraph(null);
    setGraphError(null);
    api.graph(assistantId, expanded).then(setGraph, setGraphError);
  }, [assistantId, expanded]);
  useEffect(() => {
    if (assistantId === null) return;
    setSchemas(null);
    api.schemas(assistantId).then(setSchemas, () => setSchemas({}));
  }, [assistantId]);
  return { graph, graphError, schemas };
}

export function useThreadList(ready: boolean, filter: ThreadFilter, graphId: string | undefined) {
  const [threads, setThreads] = useState<Json[] | null>(null);
  const [error, setError] = useState<Json>(null);
  const reload = useCallback(async () => {
    const body: Json = { limit: 100, sort_by: "updated_at", sort_order: "desc" };
    if (filter.status) body.status = filter.status;
    if (filter.thisGraph && graphId) body.metadata = { graph_id: graphId };
    try {
      setThreads(await api.threads(body));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [filter, graphId]);
  useEffect(() => {
    if (ready) void reload();
  }, [reload, ready]);
  return { threads, error, reload };
}

/** One thread's state and history. A run in progress on it that the page did not start (the
 *  SDK, another tab) is joined, and `onSession` hears of it. */
export function useThread(sessions: Map<string, RunSession>, onSession: (session: RunSession) => void) {
  const [state, setState] = useState<Json>(null);
  const [history, setHistory] = useState<Json[]>([]);
  const [error, setError] = useState<Json>(null);

  const load = useCallback(async (id: string | null): Promise<void> => {
    if (id === null) {
      setState(null);
      setHistory([]);
      return;
    }
    try {
      const [current, past, thread] = await Promise.all([api.state(id), api.history(id), api.thread(id)]);
      setState(current);
      setHistory(past);
      setError(null);
      if (thread?.status === "busy") void follow(id);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  const follow = async (id: string): Promise<void> => {
    if (sessions.get(id)?.running) return;
    const [active] = await api.runs(id, "running").catch(() => [] as Json[]);
    if (!active || sessions.get(id)?.running) return;
    const modes = MODES.map((m) => (m === "messages" ? "messages-tuple" : m));
    const joined = new RunSession({ threadId: id, assistantId: active.assistant_id, modes, subgraphs: true, joinRunId: active.run_id });
    sessions.set(id, joined);
    onSession(joined);
    await joined.run();
    await load(id);
  };

  return { state, history, error, setError, load };
}
