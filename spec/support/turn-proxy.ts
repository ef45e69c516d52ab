import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback proxy that records, for every chunk a client sends, how many reply bytes that
 * client had received before it. Replies are held back `replyDelayMs`, so commands written
 * together arrive before any reply to them can: commands that share a `repliesBefore` value
 * went out in one round trip. Used to prove pipelining (e.g. all stats-tube in one trip).
 */
export interface TurnProxy {
  readonly port: number;
  /** `beanstalk://127.0.0.1:<port>` */
  readonly url: string;
  /** Per client connection, in accept order: its chunks and the reply bytes received before each. */
  readonly connections: readonly { readonly chunks: readonly { text: string; repliesBefore: number }[] }[];
  /** How many round trips carried the lines matching `pattern`, over all connections. */
  roundTripsFor(pattern: RegExp): number;
  /** How many command lines matching `pattern` went through. */
  linesMatching(pattern: RegExp): number;
  close(): Promise<void>;
}

export async function startTurnProxy(targetPort: number, replyDelayMs = 100): Promise<TurnProxy> {
  const connections: { chunks: { text: string; repliesBefore: number }[] }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const record = { chunks: [] as { text: string; repliesBefore: number }[] };
    connections.push(record);
    let repliesForwarded = 0;
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      record.chunks.push({ text: chunk.toString('latin1'), repliesBefore: repliesForwarded });
      upstream.write(chunk);
    });
    // Same delay for every chunk, so timers fire (and bytes go out) in arrival order.
    upstream.on('data', (chunk: Buffer) =>
      setTimeout(() => {
        repliesForwarded += chunk.length;
        if (!client.destroyed) client.write(chunk);
      }, replyDelayMs),
    );
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => setTimeout(() => client.destroy(), replyDelayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  /** Every command line of every connection, with the reply bytes received before it started. */
  const lines = () =>
    connections.flatMap((record, index) => {
      const out: { line: string; trip: string }[] = [];
      let text = '';
      let trip = '';
      for (const chunk of record.chunks) {
        if (text === '') trip = `${index}/${chunk.repliesBefore}`;
        text += chunk.text;
        let end: number;
        while ((end = text.indexOf('\r\n')) >= 0) {
          out.push({ line: text.slice(0, end), trip });
          text = text.slice(end + 2);
          trip = `${index}/${chunk.repliesBefore}`;
        }
      }
      return out;
    });
  return {
    port,
    url: `beanstalk://127.0.0.1:${port}`,
    connections,
    roundTripsFor: (pattern) =>
      new Set(
        lines()
          .filter(({ line }) => pattern.test(line))
          .map(({ trip }) => trip),
      ).size,
    linesMatching: (pattern) => lines().filter(({ line }) => pattern.test(line)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
