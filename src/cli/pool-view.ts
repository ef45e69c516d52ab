import type { BeanstalkPool, PoolServerState } from '../pool/index.js';
import type { Cli } from './context.js';

/** A pooled server as JSON output shows it. */
export interface ServerState {
  readonly url: string;
  readonly state: PoolServerState;
}

/** Each server of the pool with its state, in the order given. */
export function serverStates(pool: BeanstalkPool): ServerState[] {
  return pool.servers.map((server) => ({ url: server.url, state: server.state }));
}

/** One line per server: its URL and state, a server that is not up in red. */
export function serverLines(cli: Cli, pool: BeanstalkPool): string[] {
  const c = cli.colours;
  return pool.servers.map((server) =>
    server.up ? `  ${server.url}  up` : c.red(`  ${server.url}  ${server.state.toUpperCase()}`),
  );
}

/** `1 of 2 servers down: <url>`, or undefined while every server is up. */
export function downNote(pool: BeanstalkPool): string | undefined {
  const down = pool.servers.filter((server) => !server.up);
  if (down.length === 0) return undefined;
  const urls = down.map((server) => server.url).join(', ');
  return `${down.length} of ${pool.servers.length} servers down: ${urls}`;
}

/** `2 servers (1 down)`: the pool as a header names it. */
export function poolLabel(pool: BeanstalkPool): string {
  const down = pool.servers.filter((server) => !server.up).length;
  return `${pool.servers.length} servers` + (down > 0 ? ` (${down} down)` : '');
}
