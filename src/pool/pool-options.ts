import type { BeanstalkOptions } from '../client/beanstalk.js';
import type { ReconnectOptions } from '../connection/backoff.js';
import type { PutOptions } from '../protocol/commands.js';

/** A server of a pool: its URL, and optionally its weight (default 1) for puts and reserve lanes. */
export type PoolServerSpec =
  | string
  | {
      /** The server's address, e.g. `beanstalk://127.0.0.1:11300`. */
      readonly url: string;
      /** Its share of puts and reserve lanes, relative to the others. Default 1. */
      readonly weight?: number;
    };

/** Options of `Beanstalk.pool`: those of one client (applied to every server) and the pool's own. */
export interface PoolOptions extends Omit<
  BeanstalkOptions,
  'url' | 'host' | 'port' | 'path' | 'reconnect' | 'commandTimeoutMs'
> {
  /**
   * A command without reply for this long fails and marks its server down; a server whose
   * probe gets no answer in this time is never used. Default 5000 (a pool needs one to route
   * around a server that hangs).
   */
  readonly commandTimeoutMs?: number;
  /** Back-off between probes of a failed server. Default 50 ms doubling to 5 s, with jitter. */
  readonly retry?: ReconnectOptions;
  /**
   * Routes a put by key when the put gives none: jobs with the same key go to one server,
   * in order (consistent hashing). Return undefined for round robin.
   */
  readonly key?: (tube: string, body: string | Uint8Array) => string | undefined;
}

/** Put options in a pool: those of one client, and a routing key. */
export interface PoolPutOptions extends PutOptions {
  /** Jobs with the same key go to the same server (while it is up), so they stay in order. */
  readonly key?: string;
}

/** The default `commandTimeoutMs` of a pool. */
export const POOL_COMMAND_TIMEOUT_MS = 5000;
