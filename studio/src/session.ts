// One streamed run, as the page sees it: every event folded into plain data (node states,
// token streams, per-mode logs) as it arrives, and the views told to redraw at most once per
// animation frame. Ten thousand tokens cost ten thousand string appends and a few dozen
// redraws, not ten thousand.
import { api, stream, type Json, type StreamPart } from "./api";

export type NodeStatus = "running" | "done" | "error" | "interrupted";
export type RunStatus = "starting" | "running" | "success" | "error" | "interrupted" | "cancelled";

export interface NodeRecord {
  status: NodeStatus;
  input?: Json;
  update?: Json;
  error?: Json;
  interrupts?: Json[];
  runs: number;
}

export interface MessageStream {
  key: string;
  node: string;
  namespace: string;
  tags: string[];
  type: string;
  text: string;
  toolCalls: string;
  tokens: number;
  complete: boolean;
}

export interface LogEntry {
  seq: number;
  namespace: string;
  data: Json;
  at: number;
  shown?: string;
}

/** Entries kept per mode: enough to read, bounded so a long run cannot exhaust memory. */
export const LOG_LIMIT = 2000;
export const MODES = ["values", "updates", "messages", "custom", "tasks", "debug", "checkpoints", "events"];

export interface RunRequest {
  threadId: string;
  assistantId: string;
  input?: Json;
  command?: Json;
  config?: Json;
  context?: Json;
  modes: string[];
  subgraphs: boolean;
  checkpointId?: string;
  /** Join this run (started by another client) instead of starting one. */
  joinRunId?: string;
}

export class RunSession {
  status: RunStatus = "starting";
  runId: string | null = null;
  readonly threadId: string;
  readonly startedAt = performance.now();
  endedAt: number | null = null;
  error: Json = null;
  values: Json = null;
  interrupts: Json[] = [];
  nodes = new Map<string, NodeRecord>();
  active: string | null = null;
  messages: MessageStream[] = [];
  logs = new Map<string, LogEntry[]>();
  counts = new Map<string, number>();
  events = 0;
  tokens = 0;
  version = 0;
  private messageIndex = new Map<string, MessageStream>();
  private listeners = new Set<() => void>();
  private scheduled = false;
  private cancelRequested = false;
  private abort = new AbortController();

  constructor(readonly request: RunRequest) {
    this.threadId = request.threadId;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get running(): boolean {
    return this.status === "starting" || this.status === "running";
  }

  /** Run to the end of the stream; never throws (failures land in `error`). */
  async run(): Promise<void> {
    const r = this.request;
    const body: Json = {
      assistant_id: r.assistantId,
      stream_mode: [...new Set([...r.modes, "tasks", "updates"])],
      stream_subgraphs: r.subgraphs,
    };
    if (r.command !== undefined) body.command = r.command;
    else body.input = r.input ?? null;
    if (r.config && Object.keys(r.config).length > 0) body.config = r.config;
    if (r.context && Object.keys(r.context).length > 0) body.context = r.context;
    if (r.checkpointId) body.checkpoint_id = r.checkpointId;
    if (r.joinRunId) this.runId = r.joinRunId;
    const path = r.joinRunId ? `/threads/${r.threadId}/runs/${r.joinRunId}/stream` : `/threads/${r.threadId}/runs/stream`;
    try {
      await stream(path, r.joinRunId ? undefined : body, (part) => this.take(part), this.abort.signal);
      if (this.status === "running" || this.status === "starting") {
        this.status = this.cancelRequested ? "cancelled" : this.interrupts.length > 0 ? "interrupted" : "success";
      }
    } catch (error) {
      if (this.cancelRequested) this.status = "cancelled";
      else {
        this.status = "error";
        this.error = { error: "RequestFailed", message: (error as Error).message };
      }
    }
    this.endedAt = performance.now();
    for (const node of this.nodes.values()) {
      if (node.status === "running") node.status = this.status === "error" ? "error" : "interrupted";
    }
    this.active = null;
    this.flush();
  }

  /** Ask the server to stop the run (action=interrupt keeps the finished steps). */
  async cancel(): Promise<void> {
    this.cancelRequested = true;
    if (this.runId === null) return; // done when the run's id arrives (see take)
    try {
      await api.cancel(this.threadId, this.runId);
    } catch {
      this.abort.abort(); // the run may have just ended; stop reading either way
    }
    // The stream ends when the run does; stop reading anyway if it does not soon.
    setTimeout(() => this.abort.abort(), 5000);
  }

  private take(part: StreamPart): void {
    this.events++;
    const bar = part.event.indexOf("|");
    const mode = bar < 0 ? part.event : part.event.slice(0, bar);
    const namespace = bar < 0 ? "" : part.event.slice(bar + 1);
    if (this.status === "starting") this.status = "running";
    switch (mode) {
      case "metadata":
        if (part.data?.run_id && this.runId === null) {
          this.runId = part.data.run_id;
          // Cancel was pressed before the server named the run: cancel it now.
          if (this.cancelRequested) void this.cancel();
        }
        break;
      case "error":
        this.status = "error";
        this.error = part.data;
        break;
      case "messages":
        this.token(part.data, namespace);
        break;
      case "tasks":
        this.task(part.data, namespace);
        break;
      case "updates":
        this.update(part.data, namespace);
        break;
      case "values":
        if (namespace === "") this.values = part.data;
        break;
    }
    if (mode !== "metadata" && mode !== "error" && this.request.modes.includes(mode === "messages" ? "messages-tuple" : mode)) {
      this.log(mode, namespace, part.data);
    }
    this.schedule();
  }

  private log(mode: string, namespace: string, data: Json): void {
    let entries = this.logs.get(mode);
    if (entries === undefined) this.logs.set(mode, (entries = []));
    const seq = (this.counts.get(mode) ?? 0) + 1;
    this.counts.set(mode, seq);
    entries.push({ seq, namespace, data, at: performance.now() - this.startedAt });
    if (entries.length > LOG_LIMIT * 1.5) entries.splice(0, entries.length - LOG_LIMIT);
  }

  private task(data: Json, namespace: string): void {
    if (!data || typeof data.name !== "string") return;
    const key = nodeKey(namespace, data.name);
    const node = this.nodes.get(key) ?? { status: "running", runs: 0 };
    this.nodes.set(key, node);
    if ("input" in data && !("result" in data)) {
      node.status = "running";
      node.input = data.input;
      node.runs++;
      this.active = key;
      return;
    }
    if (data.error) {
      node.status = "error";
      node.error = data.error;
    } else if (data.interrupts && data.interrupts.length > 0) {
      node.status = "interrupted";
      node.interrupts = data.interrupts;
    } else {
      node.status = "done";
      if (node.update === undefined) node.update = data.result;
    }
    if (this.active === key) this.active = this.runningNode();
  }

  private runningNode(): string | null {
    for (const [key, node] of this.nodes) if (node.status === "running") return key;
    return null;
  }

  private update(data: Json, namespace: string): void {
    if (!data || typeof data !== "object") return;
    for (const [name, value] of Object.entries(data)) {
      if (name === "__interrupt__") {
        if (namespace === "" || !this.request.subgraphs) this.interrupts.push(...(value as Json[]));
        continue;
      }
      const key = nodeKey(namespace, name);
      const node = this.nodes.get(key) ?? { status: "done", runs: 0 };
      node.update = value;
      this.nodes.set(key, node);
    }
  }

  private token(data: Json, namespace: string): void {
    if (!Array.isArray(data) || data.length < 1) return;
    const [chunk, meta] = data as [Json, Json];
    if (!chunk || typeof chunk !== "object") return;
    const key = `${namespace}/${chunk.id ?? this.messages.length}`;
    let message = this.messageIndex.get(key);
    if (message === undefined) {
      message = {
        key,
        node: meta?.langgraph_node ?? "",
        namespace,
        tags: Array.isArray(meta?.tags) ? meta.tags : [],
        type: chunk.type ?? "ai",
        text: "",
        toolCalls: "",
        tokens: 0,
        complete: false,
      };
      this.messageIndex.set(key, message);
      this.messages.push(message);
    }
    const text = textOf(chunk.content);
    const isChunk = typeof chunk.type === "string" && chunk.type.endsWith("Chunk");
    if (isChunk) {
      message.text += text;
      const calls: Json[] = chunk.tool_call_chunks ?? [];
      for (const call of calls) {
        message.toolCalls += (call.name ? `${message.toolCalls ? "\n" : ""}${call.name} ` : "") + (call.args ?? "");
      }
      // Count what carries something: models end with an empty closing chunk.
      if (text !== "" || calls.length > 0) {
        message.tokens++;
        this.tokens++;
      }
      if (chunk.chunk_position === "last") message.complete = true;
    } else {
      message.text = text;
      message.type = chunk.type ?? message.type;
      message.complete = true;
      const calls = chunk.tool_calls ?? [];
      if (calls.length > 0) {
        message.toolCalls = calls.map((c: Json) => `${c.name} ${JSON.stringify(c.args)}`).join("\n");
      }
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A frame when the page is visible; the timer covers a hidden tab, which gets no frames.
    const timer = setTimeout(() => this.flush(), 250);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      this.flush();
    });
  }

  private flush(): void {
    this.scheduled = false;
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

/** The graph-view id of a node: subgraph nodes as `parent:child` (what xray draws). */
export function nodeKey(namespace: string, name: string): string {
  if (namespace === "") return name;
  const parents = namespace.split("|").map((segment) => segment.split(":")[0]);
  return [...parents, name].join(":");
}

export function textOf(content: Json): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((block) => (typeof block === "string" ? block : block?.text ?? "")).join("");
  }
  return "";
}
