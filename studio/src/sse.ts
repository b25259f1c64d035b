// A pure Server-Sent Events decoder: feed it text as it arrives, get whole events back.
// Lines end with \n, \r\n or \r; a blank line ends an event; comment lines (":
// heartbeat") are skipped. Only the fields the server writes matter: event, data, id.

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export class SseDecoder {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | null = null;

  /** The events completed by `chunk`, in order. */
  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = nextLineEnd(this.buffer, start);
      if (end < 0) break;
      const line = this.buffer.slice(start, end);
      // A \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (this.buffer[end] === "\r" && end + 1 === this.buffer.length) break;
      start = end + (this.buffer[end] === "\r" && this.buffer[end + 1] === "\n" ? 2 : 1);
      this.line(line, out);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0 || this.event !== "") {
        out.push({ event: this.event || "message", data: this.data.join("\n"), id: this.id });
      }
      this.event = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  }
}

function nextLineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
