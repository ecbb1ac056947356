/** One server-sent event as a client sees it. */
export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

/**
 * A minimal server-sent events client over fetch (WHATWG HTML "Server-sent events" parsing:
 * `event:`, `id:`, `data:` lines, a blank line ends a message, `:` lines are comments). `until`
 * resolves when a message matching the predicate has arrived (or already had).
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private ended = false;
  status = 0;

  private constructor() {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: c.abort.signal,
    });
    c.status = res.status;
    if (!res.body) throw new Error(`${url}: no body`);
    void c.pump(res.body);
    return c;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: Partial<SseMessage> & { data?: string } = {};
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (current.data !== undefined)
              this.messages.push({ event: current.event ?? 'message', id: current.id, data: current.data });
            current = {};
          } else if (!line.startsWith(':')) {
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'data')
              current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            else if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
          }
          nl = buffer.indexOf('\n');
        }
        for (const w of [...this.waiters]) w();
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
      for (const w of [...this.waiters]) w();
    }
  }

  /** The parsed data of every message named `event` (`message` for log events). */
  of<T = unknown>(event: string): T[] {
    return this.messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data) as T);
  }

  /** Resolves with the first message (from the start) that matches; rejects if the stream ends first. */
  until(match: (m: SseMessage) => boolean, what: string): Promise<SseMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match);
        if (found) {
          this.waiters.delete(check);
          resolve(found);
        } else if (this.ended) {
          this.waiters.delete(check);
          reject(new Error(`the stream ended before ${what}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.abort.abort();
  }
}
