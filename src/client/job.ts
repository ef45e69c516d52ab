import { Observable, throwError } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { Command, JobData } from '../protocol/commands.js';
import { DEFAULT_PRIORITY } from '../protocol/commands.js';
import { JobSettledError } from '../protocol/errors.js';
import type { JobStats } from '../protocol/stats.js';
import type { Connection } from '../connection/connection.js';

/** Where a job's commands go, and who hears when a reserved job is settled. */
export interface JobHome {
  /** The connection that reserved the job (a lane), or the shared command connection for peeked jobs. */
  readonly connection: Connection;
  /** The client's shared command connection, for commands any connection may send. */
  readonly commands: Connection;
  /** True when this client holds the job reserved. */
  readonly reserved: boolean;
  /** Called once when the job is deleted, released or buried: the lane may reserve its next job. */
  settled?(job: Job): void;
}

/** How a reserved job goes back: its new priority, and how long it waits before it is ready. */
export interface ReleaseOptions {
  /** New priority. Default 1024. */
  readonly priority?: number;
  /** Seconds before the job is ready again. Default 0. */
  readonly delay?: number;
}

/** A job from reserve or peek: its id and body, and the commands that act on it. */
export class Job {
  private isSettled = false;

  /** @internal Jobs come from reserve and peek, never from user code. */
  constructor(
    /** The job's id, unique on its server. */
    readonly id: number,
    /** The body, byte-exact. */
    readonly body: Buffer,
    private readonly home: JobHome,
  ) {}

  /** @internal */
  static from(data: JobData, home: JobHome): Job {
    return new Job(data.id, data.body, home);
  }

  /** True for a job this client reserved (not a peeked one). */
  get reserved(): boolean {
    return this.home.reserved;
  }

  /** True once delete, release or bury was sent for this reserved job. */
  get settled(): boolean {
    return this.isSettled;
  }

  /** The body decoded as text (UTF-8 unless told otherwise). */
  text(encoding: BufferEncoding = 'utf8'): string {
    return this.body.toString(encoding);
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** Deletes the job. */
  delete(): Observable<void> {
    return this.settle(() => commands.deleteJob(this.id));
  }

  /** Puts a reserved job back into the ready queue (or delayed, with `delay`). */
  release(options: ReleaseOptions = {}): Observable<void> {
    return this.settle(() => commands.release(this.id, options.priority ?? DEFAULT_PRIORITY, options.delay ?? 0));
  }

  /** Buries a reserved job until somebody kicks it. */
  bury(priority: number = DEFAULT_PRIORITY): Observable<void> {
    return this.settle(() => commands.bury(this.id, priority));
  }

  /** Asks for more time: restarts the job's TTR. */
  touch(): Observable<void> {
    if (this.isSettled) return throwError(() => this.settledError('touch'));
    return this.sendTo(this.home.connection, () => commands.touch(this.id));
  }

  /** The server's view of the job. */
  stats(): Observable<JobStats> {
    return this.sendTo(this.idleConnection(), () => commands.statsJob(this.id));
  }

  /** Kicks a buried or delayed job into the ready queue. */
  kick(): Observable<void> {
    return this.sendTo(this.home.commands, () => commands.kickJob(this.id));
  }

  /**
   * Sends a settling command when subscribed. A reserved job settles once: a second
   * delete/release/bury fails without touching the wire. The lane hears of it at once,
   * so its next reserve can leave in the same write as this command.
   */
  private settle(make: () => Command<void>): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.isSettled) {
        subscriber.error(this.settledError('settle'));
        return undefined;
      }
      let command: Command<void>;
      try {
        command = make();
      } catch (error) {
        subscriber.error(error);
        return undefined;
      }
      const reserved = this.home.reserved;
      if (reserved) this.isSettled = true;
      const teardown = this.home.connection.submit(command, subscriber);
      if (reserved) this.home.settled?.(this);
      return teardown;
    });
  }

  /** A reserved job's lane is free while the job is being worked on; peeked jobs use the shared connection. */
  private idleConnection(): Connection {
    return this.home.reserved && !this.isSettled ? this.home.connection : this.home.commands;
  }

  private sendTo<T>(connection: Connection, make: () => Command<T>): Observable<T> {
    try {
      return connection.send(make());
    } catch (error) {
      return throwError(() => error);
    }
  }

  private settledError(what: string): JobSettledError {
    return new JobSettledError(`cannot ${what} job ${this.id}: it was already deleted, released or buried`);
  }
}
