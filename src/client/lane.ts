import { Observable, Subject } from 'rxjs';
import type { Unsubscribable } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData } from '../protocol/commands.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionOptions } from '../connection/connection.js';
import type { ReconnectOptions } from '../connection/backoff.js';
import type { CommandSink } from '../connection/pending.js';
import { buildOrFail } from './build.js';
import { createJob } from './job.js';
import type { Job, JobHome } from './job.js';

/**
 * Something that happened on a lane, for logs and the worker: the server answered a reserve
 * with DEADLINE_SOON (`job`: the id of the job the lane holds, if any), or a reserve failed
 * and will be tried again (`error`). `lane` is the lane's name, `<client name>/lane-<n>`.
 */
export type LaneEvent =
  | { readonly type: 'deadline-soon'; readonly lane: string; readonly job: number | undefined }
  | { readonly type: 'reserve-error'; readonly lane: string; readonly error: unknown };

/**
 * A dedicated connection for reserving, so a blocking reserve never stalls the shared
 * command connection, and a job's delete/release/bury/touch go to the connection that
 * reserved it (the server insists). Whoever reserves on it decides how many jobs it holds.
 */
export class Lane {
  readonly connection: Connection;
  private readonly heldJobs = new Set<Job>();
  /** The home of the jobs reserved for the last `settled` callback: a reserve stream reuses one. */
  private lastHome: LaneHome | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    /** The client's shared connection, for commands any connection may send (kick-job). */
    readonly commandConnection: Connection,
    readonly events: Subject<LaneEvent>,
  ) {
    this.connection = new Connection(options);
  }

  /** The client's reconnect policy, which this lane's connection follows. */
  get reconnect(): ReconnectOptions | false | undefined {
    return this.options.reconnect;
  }

  get name(): string {
    return this.connection.name;
  }

  /** The jobs this lane has reserved and not yet settled. */
  get held(): ReadonlySet<Job> {
    return this.heldJobs;
  }

  /**
   * Reserves one job (blocking, or with a timeout in seconds) and emits it bound to
   * this lane; completes empty on TIMED_OUT. `settled` runs when the job is settled.
   */
  reserve(tubes: readonly string[], timeout: number | undefined, settled: (job: Job) => void): Observable<Job> {
    return new Observable<Job>((subscriber) => this.reserveInto(tubes, timeout, settled, subscriber));
  }

  /** Reserves a job by id (ready, delayed or buried, any tube). */
  reserveJob(id: number, settled: (job: Job) => void): Observable<Job> {
    return new Observable<Job>((subscriber) => this.submitReserve(() => commands.reserveJob(id), settled, subscriber));
  }

  /**
   * @internal `reserve` with the job handed straight to `sink`, without an Observable per
   * job: the reserve stream's hot path. Returns the teardown.
   */
  reserveInto(
    tubes: readonly string[],
    timeout: number | undefined,
    settled: (job: Job) => void,
    sink: CommandSink<Job>,
  ): Unsubscribable | undefined {
    return this.submitReserve(
      () => (timeout === undefined ? commands.reserve(tubes) : commands.reserveWithTimeout(tubes, timeout)),
      settled,
      sink,
    );
  }

  /** Closes once the commands already queued on the lane have their replies. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Closes at once; the server hands any job this lane held back to ready. */
  destroy(): Promise<void> {
    this.heldJobs.clear();
    return this.connection.destroy();
  }

  /** @internal Called by a job of this lane when it is settled. */
  onSettled(job: Job): void {
    this.heldJobs.delete(job);
  }

  /** @internal Called with each job this lane reserved. */
  onReserved(job: Job): void {
    this.heldJobs.add(job);
  }

  private submitReserve(
    make: () => Command<JobData>,
    settled: (job: Job) => void,
    sink: CommandSink<Job>,
  ): Unsubscribable | undefined {
    const command = buildOrFail(make, sink);
    if (!command) return undefined;
    if (this.lastHome?.notify !== settled) this.lastHome = new LaneHome(this, settled);
    return this.connection.submit(command, new ReservedSink(this.lastHome, sink));
  }
}

/** Where the jobs of one lane live, shared by every job reserved with the same callback. */
class LaneHome implements JobHome {
  readonly reserved = true;

  constructor(
    readonly lane: Lane,
    readonly notify: (job: Job) => void,
  ) {}

  get connection(): Connection {
    return this.lane.connection;
  }

  get commands(): Connection {
    return this.lane.commandConnection;
  }

  settled(job: Job): void {
    this.lane.onSettled(job);
    this.notify(job);
  }
}

/** Turns the reserve reply into a Job of this lane on its way to the consumer. */
class ReservedSink implements CommandSink<JobData> {
  constructor(
    private readonly home: LaneHome,
    private readonly sink: CommandSink<Job>,
  ) {}

  next(data: JobData): void {
    const job = createJob(data.id, data.body, this.home);
    this.home.lane.onReserved(job);
    this.sink.next(job);
  }

  error(error: unknown): void {
    this.sink.error(error);
  }

  complete(): void {
    this.sink.complete();
  }
}
