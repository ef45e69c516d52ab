import { Observable, Subject } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData } from '../protocol/commands.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionOptions } from '../connection/connection.js';
import { Job } from './job.js';
import type { JobHome } from './job.js';

/** Something that happened on a lane, for logs and the worker. */
export type LaneEvent =
  | { readonly type: 'deadline-soon'; readonly lane: string; readonly job: number | undefined }
  | { readonly type: 'reserve-error'; readonly lane: string; readonly error: unknown };

/**
 * A dedicated connection for reserving: it holds at most one job at a time, so a
 * blocking reserve never stalls the shared command connection, and a job's
 * delete/release/bury/touch go to the connection that reserved it (the server insists).
 */
export class Lane {
  readonly connection: Connection;
  private heldJob: Job | undefined;

  constructor(
    options: ConnectionOptions,
    /** The client's shared connection, for commands any connection may send (kick-job). */
    private readonly commandConnection: Connection,
    readonly events: Subject<LaneEvent>,
  ) {
    this.connection = new Connection(options);
  }

  get name(): string {
    return this.connection.name;
  }

  /** The job this lane has reserved and not yet settled. */
  get held(): Job | undefined {
    return this.heldJob;
  }

  /**
   * Reserves one job (blocking, or with a timeout in seconds) and emits it bound to
   * this lane; completes empty on TIMED_OUT. `settled` runs when the job is settled.
   */
  reserve(tubes: readonly string[], timeout: number | undefined, settled: (job: Job) => void): Observable<Job> {
    const make = () =>
      timeout === undefined ? commands.reserve(tubes) : commands.reserveWithTimeout(tubes, timeout);
    return this.reserveWith(make, settled);
  }

  /** Reserves a job by id (ready, delayed or buried, any tube). */
  reserveJob(id: number, settled: (job: Job) => void): Observable<Job> {
    return this.reserveWith(() => commands.reserveJob(id), settled);
  }

  /** Closes once the commands already queued on the lane have their replies. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Closes at once; the server hands any job this lane held back to ready. */
  destroy(): Promise<void> {
    this.heldJob = undefined;
    return this.connection.destroy();
  }

  private reserveWith(make: () => Command<JobData>, settled: (job: Job) => void): Observable<Job> {
    return new Observable<Job>((subscriber) => {
      let command: Command<JobData>;
      try {
        command = make();
      } catch (error) {
        subscriber.error(error);
        return undefined;
      }
      return this.connection.send(command).subscribe({
        next: (data) => {
          const job = Job.from(data, this.home(settled));
          this.heldJob = job;
          subscriber.next(job);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
  }

  private home(settled: (job: Job) => void): JobHome {
    return {
      connection: this.connection,
      commands: this.commandConnection,
      reserved: true,
      settled: (job: Job) => {
        if (this.heldJob === job) this.heldJob = undefined;
        settled(job);
      },
    };
  }
}
