import type { ServerResponse } from 'node:http';

/** Server-Sent Events to every open page: the latest message on connect, then each new one. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private latest: string | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    // A comment line now and then keeps proxies and idle timeouts from closing the stream.
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  /** How many pages are listening. */
  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream until the page goes away. */
  add(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    if (this.latest !== undefined) response.write(this.latest);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  /** Sends one event (JSON data) to every page, and keeps it for pages that connect later. */
  publish(event: string, data: unknown): void {
    // JSON.stringify never emits a raw newline, so the data is a single `data:` line.
    this.latest = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.write(this.latest);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const response of this.clients) response.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const response of this.clients) response.write(text);
  }
}
