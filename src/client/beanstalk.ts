import { Observable, Subject, map, throwError } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData, PutOptions } from '../protocol/commands.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import { parseAddress } from '../connection/address.js';
import type { Address } from '../connection/address.js';
import type { ReconnectOptions } from '../connection/backoff.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionOptions, ConnectionState } from '../connection/connection.js';
import { Job } from './job.js';
import type { JobHome } from './job.js';
import { Lane } from './lane.js';
import type { LaneEvent } from './lane.js';
import { LanePool } from './lane-pool.js';
import { Tube } from './tube.js';
import type { TubeClient } from './tube.js';
import { TubeSet, withPooledLane } from './tube-set.js';
import { BeanstalkPool } from '../pool/pool.js';
import type { PoolOptions, PoolServerSpec } from '../pool/pool-options.js';
import type { TubeSetClient } from './tube-set.js';
import type { Telemetry } from './telemetry.js';

/** Where the server is and how the client behaves: name, reconnects, timeouts, limits. */
export interface BeanstalkOptions extends Address {
  /** `beanstalk://host:port`, `beanstalks://host:port` (TLS) or `unix:/path`. */
  readonly url?: string;
  /** Names this client in errors; lanes are `<name>/lane-<n>`. Default "beanstalk". */
  readonly name?: string;
  /** Reconnect policy, or false to fail once the socket is lost. Default: forever, 50 ms .. 5 s with jitter. */
  readonly reconnect?: ReconnectOptions | false;
  /** A command without reply for this long fails and resets its connection. Blocking reserves excepted. */
  readonly commandTimeoutMs?: number;
  /** How long one connection attempt may take before it counts as failed. Default 10,000. */
  readonly connectTimeoutMs?: number;
  /** TCP keepalive initial delay in ms, 0 to disable. Default 15000. */
  readonly keepAliveMs?: number;
  /** Commands that may wait while disconnected, per connection. Default 10,000. */
  readonly maxOfflineQueue?: number;
  /** Largest body `put` accepts, in bytes. Default 1 GiB (the most a server can take). */
  readonly maxJobSize?: number;
  /** Largest reply body accepted (a hostile or broken server claiming more is cut off). Default 1 GiB. */
  readonly maxReplyBodyBytes?: number;
  /** Spans and metrics, e.g. `openTelemetry()` from `rx-beanstalk/otel`. Default: none, at no cost. */
  readonly telemetry?: Telemetry;
}

/**
 * A beanstalkd client. Commands share one pipelined connection; reserves run on
 * lanes of their own. Every method returns a cold Observable: nothing is sent until
 * you subscribe.
 */
export class Beanstalk implements TubeClient, TubeSetClient {
  /** The name given in the options; it appears in every error from this client. */
  readonly name: string;
  /** Lane happenings (DEADLINE_SOON, reserve retries), for logs. */
  readonly laneEvents = new Subject<LaneEvent>();
  /** The instrumentation given to `connect`, which `work()` also reports to. */
  readonly telemetry: Telemetry | undefined;
  private readonly connection: Connection;
  private readonly lanes = new Set<Lane>();
  private readonly pool = new LanePool(() => this.openLane());
  private readonly connectionOptions: Omit<ConnectionOptions, 'name'>;
  private readonly maxJobSize: number;
  private laneCount = 0;
  private isClosed = false;

  /** Creates a client; it connects on the first command. */
  static connect(target?: string | BeanstalkOptions, options: BeanstalkOptions = {}): Beanstalk {
    const merged = typeof target === 'string' ? { ...options, url: target } : { ...target, ...options };
    return new Beanstalk(merged);
  }

  /** Several servers used as one, with this client's API: see the README's "Several servers (pool)". */
  static pool(servers: readonly PoolServerSpec[], options?: PoolOptions): BeanstalkPool {
    return new BeanstalkPool(servers, options);
  }

  constructor(options: BeanstalkOptions = {}) {
    this.name = options.name ?? 'beanstalk';
    const address = options.url !== undefined ? parseAddress(options.url) : options;
    this.telemetry = options.telemetry;
    this.connectionOptions = {
      address: { host: address.host, port: address.port, path: address.path, tls: options.tls ?? address.tls },
      reconnect: options.reconnect,
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      keepAliveMs: options.keepAliveMs,
      maxOfflineQueue: options.maxOfflineQueue,
      maxReplyBodyBytes: options.maxReplyBodyBytes,
      observer: options.telemetry?.client?.(this, address), // telemetry hook, for every connection
    };
    this.maxJobSize = options.maxJobSize ?? MAX_BODY_BYTES;
    this.connection = new Connection({ ...this.connectionOptions, name: this.name });
  }

  /** The command connection's state: connecting, connected, reconnecting, closed. */
  get state$(): Observable<ConnectionState> {
    return this.connection.state$;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  // ---- producing ----

  /** Puts a job into `default`; emits its id. */
  put(body: string | Uint8Array, options?: PutOptions): Observable<number> {
    return this.putCommand('default', body, options);
  }

  /** Puts `value` as JSON into `default`; emits its id. */
  putJson(value: unknown, options?: PutOptions): Observable<number> {
    return this.putCommand('default', JSON.stringify(value), options);
  }

  /** A named tube, to put into, peek at, kick, pause and inspect. */
  tube(name: string): Tube {
    return new Tube(this, name);
  }

  // ---- consuming ----

  /** Exactly these tubes, for reserve streams and one-off reserves. */
  watch(...tubes: string[]): TubeSet {
    return new TubeSet(this, tubes);
  }

  /** Reserves a job by id (ready, delayed or buried); fails with NotFoundError otherwise. */
  reserveJob(id: number): Observable<Job> {
    return withPooledLane(this, (lane, settled) => lane.reserveJob(id, settled));
  }

  // ---- inspecting and operating ----

  /** Any job by id, in any state; completes empty if there is none. */
  peek(id: number): Observable<Job> {
    return this.peekCommand(() => commands.peek(id));
  }

  /** Deletes a job that is ready, delayed, buried, or reserved by this connection. */
  delete(id: number): Observable<void> {
    return this.sendCommand(() => commands.deleteJob(id));
  }

  /** Kicks one buried or delayed job into the ready queue. */
  kickJob(id: number): Observable<void> {
    return this.sendCommand(() => commands.kickJob(id));
  }

  /** A job's state and history; fails with NotFoundError if there is no such job. */
  statsJob(id: number): Observable<JobStats> {
    return this.sendCommand(() => commands.statsJob(id));
  }

  /** The server's counters and facts (`stats`). */
  stats(): Observable<ServerStats> {
    return this.sendCommand(() => commands.stats());
  }

  /** The names of every tube that exists on the server. */
  listTubes(): Observable<string[]> {
    return this.sendCommand(() => commands.listTubes());
  }

  /** The tube the command connection is using right now. */
  listTubeUsed(): Observable<string> {
    return this.sendCommand(() => commands.listTubeUsed());
  }

  /** The tubes the command connection watches (reserves run on lanes with their own). */
  listTubesWatched(): Observable<string[]> {
    return this.sendCommand(() => commands.listTubesWatched());
  }

  /**
   * Stops taking commands, lets in-flight ones finish, closes every socket. Lanes close
   * at once; the server hands their unsettled jobs back to ready.
   */
  async close(): Promise<void> {
    this.isClosed = true;
    const lanes = [...this.lanes].map((lane) => lane.destroy());
    await Promise.all([this.connection.close(), this.pool.destroyAll(), ...lanes]);
    this.laneEvents.complete();
  }

  // ---- plumbing for Tube, TubeSet and reserve streams ----

  /** @internal */
  putCommand(tube: string, body: unknown, options: PutOptions | undefined): Observable<number> {
    return this.sendCommand(() => commands.put(tube, body, options, this.maxJobSize));
  }

  /** @internal */
  peekCommand(make: () => Command<JobData>): Observable<Job> {
    const home: JobHome = { connection: this.connection, commands: this.connection, reserved: false };
    return this.sendCommand(make).pipe(map((data) => Job.from(data, home)));
  }

  /** @internal Validates while building the command, so bad input fails before a byte is written. */
  sendCommand<T>(make: () => Command<T>): Observable<T> {
    let command: Command<T>;
    try {
      command = make();
    } catch (error) {
      return throwError(() => error);
    }
    return this.connection.send(command);
  }

  /** @internal A new dedicated connection for reserving. */
  openLane(): Lane {
    const lane = new Lane(
      { ...this.connectionOptions, name: `${this.name}/lane-${++this.laneCount}` },
      this.connection,
      this.laneEvents,
    );
    this.lanes.add(lane);
    lane.connection.state$.subscribe((state) => state === 'closed' && this.lanes.delete(lane));
    if (this.isClosed) void lane.destroy();
    return lane;
  }

  /** @internal */
  takeLane(): Lane {
    return this.pool.take();
  }

  /** @internal */
  giveLane(lane: Lane): void {
    this.pool.give(lane, this.isClosed);
  }
}
