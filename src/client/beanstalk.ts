import type { Observable } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { PutOptions } from '../protocol/commands.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';
import { parseAddress } from '../connection/address.js';
import type { Address } from '../connection/address.js';
import type { ConnectionState } from '../connection/connection.js';
import type { ConnectionLimits } from '../connection/options.js';
import { checkClientOptions, checkCloseTimeout } from './options.js';
import { awaitableFrom } from './awaitable.js';
import type { Awaitable } from './awaitable.js';
import { ClientCore } from './core.js';
import type { Job } from './job.js';
import type { LaneEvent } from './lane.js';
import { createTube } from './tube.js';
import type { Tube } from './tube.js';
import { createTubeSet, withPooledLane } from './tube-set.js';
import type { TubeSet } from './tube-set.js';
import { BeanstalkPool } from '../pool/pool.js';
import type { PoolOptions, PoolServerSpec } from '../pool/pool-options.js';
import type { Telemetry } from './telemetry.js';

/**
 * Where to connect and how: every option is checked by `connect` (InvalidArgumentError).
 * The limits and timeouts (defaults in the README's fault table) apply per connection.
 */
export interface BeanstalkOptions extends Address, ConnectionLimits {
  /** `beanstalk://host:port`, `beanstalks://host:port` (TLS) or `unix:/path`. */
  readonly url?: string;
  /** Names this client in errors; lanes are `<name>/lane-<n>`. Default "beanstalk". */
  readonly name?: string;
  /** Largest body `put` accepts, in bytes. Default 1 GiB (the most a server can take). */
  readonly maxJobSize?: number;
  /** Spans and metrics, e.g. `openTelemetry()` from `rx-beanstalk/otel`. Default: none, at no cost. */
  readonly telemetry?: Telemetry;
}

/** How `close()` ends. */
export interface CloseOptions {
  /** How long in-flight commands may take to finish before the sockets are destroyed. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A beanstalkd client. Commands share one pipelined connection; reserves run on
 * lanes of their own. Every command returns a cold Observable: nothing is sent until
 * you subscribe. Single-result commands can also be awaited (see Awaitable).
 */
export class Beanstalk {
  /** The name given in the options; it appears in every error from this client. */
  readonly name: string;
  /** Lane happenings (DEADLINE_SOON, reserve retries), for logs; completes at `close()`. */
  readonly laneEvents: Observable<LaneEvent>;
  /** The instrumentation given to `connect`, which `work()` also reports to. */
  readonly telemetry: Telemetry | undefined;
  /** The connections and lanes, shared with this client's tubes, tube sets and jobs. */
  private readonly core: ClientCore;

  /** Creates a client; it connects on the first command. Bad options throw InvalidArgumentError. */
  static connect(target?: string | BeanstalkOptions, options: BeanstalkOptions = {}): Beanstalk {
    const merged = typeof target === 'string' ? { ...options, url: target } : { ...target, ...options };
    return new Beanstalk(merged);
  }

  /** Several servers used as one, with this client's API: see the README's "Several servers (pool)". */
  static pool(servers: readonly PoolServerSpec[], options?: PoolOptions): BeanstalkPool {
    return new BeanstalkPool(servers, options);
  }

  constructor(options: BeanstalkOptions = {}) {
    checkClientOptions(options);
    this.name = options.name ?? 'beanstalk';
    const address = options.url !== undefined ? parseAddress(options.url) : options;
    this.telemetry = options.telemetry;
    const connectionOptions = {
      address: { host: address.host, port: address.port, path: address.path, tls: options.tls ?? address.tls },
      reconnect: options.reconnect,
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      keepAliveMs: options.keepAliveMs,
      maxOfflineQueue: options.maxOfflineQueue,
      maxOfflineWaitMs: options.maxOfflineWaitMs,
      maxPendingCommands: options.maxPendingCommands,
      maxPendingBytes: options.maxPendingBytes,
      maxReplyBodyBytes: options.maxReplyBodyBytes,
      maxResends: options.maxResends,
      observer: options.telemetry?.client?.(this, address), // telemetry hook, for every connection
    };
    this.core = new ClientCore(this.name, connectionOptions, options.maxJobSize);
    this.laneEvents = this.core.laneEvents.asObservable();
  }

  /** The command connection's state: connecting, connected, reconnecting, closed. */
  get state$(): Observable<ConnectionState> {
    return this.core.state$;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.core.closed;
  }

  // ---- producing ----

  /** Puts a job into `default`; emits its id. */
  put(body: string | Uint8Array, options?: PutOptions): Awaitable<number> {
    return this.core.put('default', body, options);
  }

  /** Puts `value` as JSON into `default`; emits its id. */
  putJson(value: unknown, options?: PutOptions): Awaitable<number> {
    return this.core.put('default', JSON.stringify(value), options);
  }

  /** A named tube, to put into, peek at, kick, pause and inspect. */
  tube(name: string): Tube {
    return createTube(this.core, name);
  }

  // ---- consuming ----

  /** Exactly these tubes, for reserve streams and one-off reserves. */
  watch(...tubes: string[]): TubeSet {
    return createTubeSet(this.core, tubes);
  }

  /** Reserves a job by id (ready, delayed or buried); fails with NotFoundError otherwise. */
  reserveJob(id: number): Awaitable<Job> {
    return awaitableFrom(
      withPooledLane(this.core, (lane, settled) => lane.reserveJob(id, settled)),
      false,
    );
  }

  // ---- inspecting and operating ----

  /** Any job by id, in any state; completes empty if there is none. */
  peek(id: number): Awaitable<Job, Job | undefined> {
    return this.core.peek(() => commands.peek(id));
  }

  /** Deletes a job that is ready, delayed, buried, or reserved by this connection. */
  delete(id: number): Awaitable<void> {
    return this.core.send(() => commands.deleteJob(id));
  }

  /** Kicks one buried or delayed job into the ready queue. */
  kickJob(id: number): Awaitable<void> {
    return this.core.send(() => commands.kickJob(id));
  }

  /** A job's state and history; fails with NotFoundError if there is no such job. */
  statsJob(id: number): Awaitable<JobStats> {
    return this.core.send(() => commands.statsJob(id));
  }

  /** The server's counters and facts (`stats`). */
  stats(): Awaitable<ServerStats> {
    return this.core.send(() => commands.stats());
  }

  /** The names of every tube that exists on the server. */
  listTubes(): Awaitable<string[]> {
    return this.core.send(() => commands.listTubes());
  }

  /** The tube the command connection is using right now. */
  listTubeUsed(): Awaitable<string> {
    return this.core.send(() => commands.listTubeUsed());
  }

  /** The tubes the command connection watches (reserves run on lanes with their own). */
  listTubesWatched(): Awaitable<string[]> {
    return this.core.send(() => commands.listTubesWatched());
  }

  /**
   * Stops taking commands, lets in-flight ones finish, closes every socket. Lanes close
   * at once; the server hands their unsettled jobs back to ready. After `timeoutMs`
   * (default 10 s; 0 closes at once) the command connection is destroyed and what is left
   * fails with ConnectionError.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    checkCloseTimeout(options);
    await this.core.close(options.timeoutMs);
  }
}
