// The server's public HTTP API, as the SDK uses it: JSON requests, SSE run streams, the
// x-api-key header. The page has no other way into the server.
//
// Credentials: like LangGraph Studio, every request says `x-auth-scheme: langsmith`, which a
// dev server (`streamgraph dev`, `langgraph dev`) running custom auth lets in as the Studio
// user; other servers ignore it. The one key the page asks for goes out as `x-api-key` (the
// server's API keys) and as `Authorization` (custom auth handlers read that header):
// as typed when it names a scheme ("Basic ...", "Bearer ..."), else as a bearer token.
import { SseDecoder, type SseEvent } from "./sse";

// Payloads are whatever the graph's state holds: typed loosely on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(status === 0 ? detail : `${status}: ${detail}`);
  }
}

/** Where the API is: `?api=URL` when given, else the folder /studio/ is served from. */
function detectBase(): string {
  const given = new URLSearchParams(location.search).get("api");
  if (given) return given.replace(/\/+$/, "");
  const at = location.pathname.lastIndexOf("/studio");
  return location.origin + (at >= 0 ? location.pathname.slice(0, at) : "");
}

export const base = detectBase();
const keyName = `streamgraph-studio-key:${base}`;
let apiKey: string | null = localStorage.getItem(keyName);
type KeyPrompt = (reason: string) => Promise<string | null>;
let promptForKey: KeyPrompt | null = null;
let pendingPrompt: Promise<string | null> | null = null;
// Cancelled by the user: not asked again until a key is set (the header's "API key").
let declined = false;

export function setKeyPrompt(prompt: KeyPrompt): void {
  promptForKey = prompt;
}

export function hasKey(): boolean {
  return apiKey !== null;
}

export function setKey(key: string | null): void {
  apiKey = key;
  declined = false;
  if (key === null) localStorage.removeItem(keyName);
  else localStorage.setItem(keyName, key);
}

/** Ask once for a key, however many requests were refused at the same moment. */
async function askForKey(reason: string): Promise<boolean> {
  if (promptForKey === null || declined) return false;
  pendingPrompt ??= promptForKey(reason).finally(() => (pendingPrompt = null));
  const key = await pendingPrompt;
  if (key === null) {
    declined = true;
    return false;
  }
  setKey(key);
  return true;
}

function headers(json: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (json) out["content-type"] = "application/json";
  out["x-auth-scheme"] = "langsmith";
  if (apiKey !== null) {
    out["x-api-key"] = apiKey;
    out["authorization"] = /^\S+\s+\S/.test(apiKey) ? apiKey : `Bearer ${apiKey}`;
  }
  return out;
}

function detailOf(text: string): string {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.detail === "string") return body.detail;
    if (body && body.detail !== undefined) return JSON.stringify(body.detail);
  } catch {
    /* not JSON: the text itself */
  }
  return text.trim() || "no details";
}

/** One request; a 401 asks for the API key once and retries. */
async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, `Cannot reach the server at ${base} (${(error as Error).message})`);
    }
    if (response.status === 401 && attempt === 0) {
      const reason = detailOf(await response.text());
      if (await askForKey(reason)) continue;
      throw new ApiError(401, reason);
    }
    if (!response.ok) throw new ApiError(response.status, detailOf(await response.text()));
    return response;
  }
}

export async function call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return null as T;
  const text = await response.text();
  return (text.trim() ? JSON.parse(text) : null) as T;
}

export interface StreamPart {
  event: string;
  data: Json;
  id: string | null;
}

/** POST a run-streaming request and call `onPart` for each event as it arrives. */
export async function stream(
  path: string,
  body: unknown,
  onPart: (part: StreamPart) => void,
  signal?: AbortSignal,
): Promise<void> {
  // No body: join a run that exists (GET), else start one (POST).
  const response = await send(body === undefined ? "GET" : "POST", path, body, signal);
  if (response.body === null) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const decoder = new SseDecoder();
  // Reads of data already received resolve without giving the browser a turn: after
  // SLICE_MS of work, step aside so that it can draw and answer clicks, however fast the
  // events come.
  let since = performance.now();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const event of decoder.feed(value)) {
      onPart(parse(event));
      if (performance.now() - since > SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        since = performance.now();
      }
    }
  }
}

const SLICE_MS = 10;

function parse(event: SseEvent): StreamPart {
  let data: Json = event.data;
  try {
    data = JSON.parse(event.data);
  } catch {
    /* keep the text */
  }
  return { event: event.event, data, id: event.id };
}

// --- the calls the page makes --------------------------------------------------------------

export const api = {
  info: () => call("GET", "/info"),
  ok: () => call("GET", "/ok"),
  assistants: (body: Json = {}) => call<Json[]>("POST", "/assistants/search", { limit: 100, ...body }),
  assistant: (id: string) => call("GET", `/assistants/${id}`),
  createAssistant: (body: Json) => call("POST", "/assistants", body),
  patchAssistant: (id: string, body: Json) => call("PATCH", `/assistants/${id}`, body),
  versions: (id: string) => call<Json[]>("POST", `/assistants/${id}/versions`, { limit: 100 }),
  setLatest: (id: string, version: number) =>
    call("POST", `/assistants/${id}/latest`, { version }),
  graph: (id: string, xray: boolean) => call("GET", `/assistants/${id}/graph?xray=${xray}`),
  schemas: (id: string) => call("GET", `/assistants/${id}/schemas`),
  threads: (body: Json) => call<Json[]>("POST", "/threads/search", body),
  createThread: (metadata: Json = {}) => call("POST", "/threads", { metadata }),
  thread: (id: string) => call("GET", `/threads/${id}`),
  state: (id: string) => call("GET", `/threads/${id}/state`),
  history: (id: string, limit = 200) => call<Json[]>("POST", `/threads/${id}/history`, { limit }),
  updateState: (id: string, body: Json) => call("POST", `/threads/${id}/state`, body),
  runs: (threadId: string, status: string) =>
    call<Json[]>("GET", `/threads/${threadId}/runs?status=${status}&limit=1`),
  cancel: (threadId: string, runId: string) =>
    call("POST", `/threads/${threadId}/runs/${runId}/cancel?action=interrupt`),
};
