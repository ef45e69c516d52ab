import { Subject, map } from 'rxjs';
import type { Observable } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData, PutOptions } from '../protocol/commands.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionOptions, ConnectionState } from '../connection/connection.js';
import { Awaitable, awaitableFrom, sendOn } from './awaitable.js';
import { createJob } from './job.js';
import type { Job, JobHome } from './job.js';
import { Lane } from './lane.js';
import type { LaneEvent } from './lane.js';
import { LanePool } from './lane-pool.js';

/**
 * What a client's tubes, tube sets, reserve streams and jobs share: the command connection,
 * the lanes and the lane events. A `Beanstalk` owns one and hands it to the objects it makes;
 * it is not part of the published API, so none of this shows in the declarations users get.
 */
export class ClientCore {
  /** Lane happenings, for `Beanstalk.laneEvents` (which users can only read). */
  readonly laneEvents = new Subject<LaneEvent>();
  readonly connection: Connection;
  private readonly lanes = new Set<Lane>();
  private readonly pool = new LanePool(() => this.openLane());
  private readonly maxJobSize: number;
  private laneCount = 0;
  private isClosed = false;

  constructor(
    /** The client's name, for errors; lanes are `<name>/lane-<n>`. */
    readonly name: string,
    /** Every connection's options but its name. */
    private readonly connectionOptions: Omit<ConnectionOptions, 'name'>,
    maxJobSize: number | undefined,
  ) {
    this.maxJobSize = maxJobSize ?? MAX_BODY_BYTES;
    this.connection = new Connection({ ...connectionOptions, name });
  }

  /** The command connection's state. */
  get state$(): Observable<ConnectionState> {
    return this.connection.state$;
  }

  /** True once the client was closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends what `make` builds on the command connection; a throw while building fails the Observable. */
  send<T>(make: () => Command<T>): Awaitable<T> {
    return sendOn(this.connection, make);
  }

  /** A put into `tube`, checked against this client's `maxJobSize`. */
  put(tube: string, body: unknown, options: PutOptions | undefined): Awaitable<number> {
    return this.send(() => commands.put(tube, body, options, this.maxJobSize));
  }

  /** A peek: the job found (bound to the command connection), or empty. */
  peek(make: () => Command<JobData>): Awaitable<Job, Job | undefined> {
    const home: JobHome = { connection: this.connection, commands: this.connection, reserved: false };
    return awaitableFrom(this.send(make).pipe(map((data) => createJob(data.id, data.body, home))), true);
  }

  /** A new dedicated connection for reserving; destroyed at once if the client is closed. */
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

  /** An idle lane for a one-off reserve. */
  takeLane(): Lane {
    return this.pool.take();
  }

  /** A one-off reserve's lane, back once its job is settled (or nothing came). */
  giveLane(lane: Lane): void {
    this.pool.give(lane, this.isClosed);
  }

  /** Stops taking commands, destroys the lanes, closes the command connection within `timeoutMs`. */
  async close(timeoutMs: number | undefined): Promise<void> {
    this.isClosed = true;
    const lanes = [...this.lanes].map((lane) => lane.destroy());
    await Promise.all([this.connection.close(timeoutMs), this.pool.destroyAll(), ...lanes]);
    this.laneEvents.complete();
  }
}
