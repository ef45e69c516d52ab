import { connect } from 'node:net';

/**
 * Talks to beanstalkd over a plain socket, bypassing the client under test, so specs
 * can check the server's own view (its counters) independently of our code.
 */
export function rawExchange(port: number, request: string, replyEnds: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply to ${JSON.stringify(request)}; got ${JSON.stringify(text)}`));
    }, 5000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (replyEnds(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(request);
  });
}

/** An `OK <n>` reply is complete when its body and final CRLF have arrived. */
function okComplete(text: string): boolean {
  const match = /^OK (\d+)\r\n/.exec(text);
  return match !== null && text.length >= match[0].length + Number(match[1]) + 2;
}

/** The server's `stats` as raw key → value strings (this opens one connection of its own). */
export async function rawStats(port: number): Promise<Record<string, string>> {
  return keyValues(await rawExchange(port, 'stats\r\n', okComplete));
}

function keyValues(okReply: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of okReply.split('\n').slice(2)) {
    const colon = line.indexOf(': ');
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 2).trim();
  }
  return out;
}

/** One counter from `stats` as a number. */
export async function rawCounter(port: number, key: string): Promise<number> {
  const value = (await rawStats(port))[key];
  if (value === undefined) throw new Error(`stats has no ${key}`);
  return Number(value);
}

/** `stats-job <id>` as raw strings, or undefined when the job does not exist. */
export async function rawJobStats(port: number, id: number): Promise<Record<string, string> | undefined> {
  const text = await rawExchange(port, `stats-job ${id}\r\n`, (t) => t.startsWith('NOT_FOUND\r\n') || okComplete(t));
  return text.startsWith('NOT_FOUND') ? undefined : keyValues(text);
}
