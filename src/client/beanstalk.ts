import { Observable, Subject, map, throwError } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData, PutOptions } from '../protocol/commands.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import { parseAddress } from '../connection/address.js';
import type { Address } from '../connection/address.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionOptions, ConnectionState } from '../connection/connection.js';
import type { ConnectionLimits } from '../connection/options.js';
import { checkClientOptions, checkCloseTimeout } from './options.js';
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
}

/** How `close()` ends. */
export interface CloseOptions {
  /** How long in-flight commands may take to finish before the sockets are destroyed. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A beanstalkd client. Commands share one pipelined connection; reserves run on
 * lanes of their own. Every method returns a cold Observable: nothing is sent until
 * you subscribe.
 */
export class Beanstalk implements TubeClient, TubeSetClient {
  readonly name: string;
  /** Lane happenings (DEADLINE_SOON, reserve retries), for logs. */
  readonly laneEvents = new Subject<LaneEvent>();
  private readonly connection: Connection;
  private readonly lanes = new Set<Lane>();
  private readonly pool = new LanePool(() => this.openLane());
  private readonly connectionOptions: Omit<ConnectionOptions, 'name'>;
  private readonly maxJobSize: number;
  private laneCount = 0;
  private isClosed = false;

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
    this.connectionOptions = {
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
    };
    this.maxJobSize = options.maxJobSize ?? MAX_BODY_BYTES;
    this.connection = new Connection({ ...this.connectionOptions, name: this.name });
  }

  /** The command connection's state: connecting, connected, reconnecting, closed. */
  get state$(): Observable<ConnectionState> {
    return this.connection.state$;
  }

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

  statsJob(id: number): Observable<JobStats> {
    return this.sendCommand(() => commands.statsJob(id));
  }

  stats(): Observable<ServerStats> {
    return this.sendCommand(() => commands.stats());
  }

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
   * at once; the server hands their unsettled jobs back to ready. After `timeoutMs`
   * (default 10 s; 0 closes at once) the command connection is destroyed and what is left
   * fails with ConnectionError.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    checkCloseTimeout(options);
    this.isClosed = true;
    const lanes = [...this.lanes].map((lane) => lane.destroy());
    await Promise.all([this.connection.close(options.timeoutMs), this.pool.destroyAll(), ...lanes]);
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
