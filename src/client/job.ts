import * as commands from '../protocol/commands.js';
import type { Command } from '../protocol/commands.js';
import { DEFAULT_PRIORITY } from '../protocol/commands.js';
import { JobSettledError } from '../protocol/errors.js';
import type { JobStats } from '../protocol/stats.js';
import type { Connection } from '../connection/connection.js';
import { Awaitable, awaitable, sendOn } from './awaitable.js';
import { buildOrFail } from './build.js';

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
  /** New priority. Default: the job's own (not 1024). */
  readonly priority?: number;
  /** Seconds before the job is ready again. Default 0. */
  readonly delay?: number;
}

/** Makes a Job: only reserves and peeks do, so the constructor (and the job's home) stays private. */
export let createJob: (id: number, body: Buffer, home: JobHome) => Job;

/** A job from reserve or peek: its id and body, and the commands that act on it. */
export class Job {
  private isSettled = false;
  /** The job's priority once known (from stats-job); release and bury keep it by default. */
  private priority: number | undefined = undefined;

  static {
    createJob = (id, body, home) => new Job(id, body, home);
  }

  private constructor(
    /** The job's id, unique on its server. */
    readonly id: number,
    /** The body, byte-exact. */
    readonly body: Buffer,
    private readonly home: JobHome,
  ) {}

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
  delete(): Awaitable<void> {
    return this.settle(() => commands.deleteJob(this.id), 0);
  }

  /**
   * Puts a reserved job back into the ready queue (or delayed, with `delay`). Without a
   * `priority` the job keeps its own (read with stats-job first unless already known).
   */
  release(options: ReleaseOptions = {}): Awaitable<void> {
    return this.settle((priority) => commands.release(this.id, priority, options.delay ?? 0), options.priority);
  }

  /** Buries a reserved job until somebody kicks it. Without a `priority` it keeps its own. */
  bury(priority?: number): Awaitable<void> {
    return this.settle((p) => commands.bury(this.id, p), priority);
  }

  /** Asks for more time: restarts the job's TTR. */
  touch(): Awaitable<void> {
    if (this.isSettled) return awaitable((subscriber) => subscriber.error(this.settledError(`touch ${this.id}`)));
    return sendOn(this.home.connection, () => commands.touch(this.id));
  }

  /** The server's view of the job. */
  stats(): Awaitable<JobStats> {
    return awaitable((subscriber) => {
      const connection = this.idleConnection();
      return connection.submit(commands.statsJob(this.id), {
        next: (stats) => {
          this.learn(stats);
          subscriber.next(stats);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
  }

  /** Kicks a buried or delayed job into the ready queue. */
  kick(): Awaitable<void> {
    return sendOn(this.home.commands, () => commands.kickJob(this.id));
  }

  /**
   * Sends a settling command when subscribed. A reserved job settles once: a second
   * delete/release/bury fails without touching the wire. The lane hears of it as soon as
   * the command is queued, so its next reserve can leave in the same write. From then on
   * the command is committed: unsubscribing only stops listening, it never holds the
   * command back (else the lane would reserve again while the job stayed reserved).
   */
  private settle(make: (priority: number) => Command<void>, priority: number | undefined): Awaitable<void> {
    return awaitable<void>((subscriber) => {
      const known = priority ?? this.priority;
      // Validated before anything is sent (with the default standing in for a priority
      // still to be learnt), so bad input leaves the job reserved and usable.
      const command = buildOrFail(() => make(known ?? DEFAULT_PRIORITY), subscriber);
      if (!command) return undefined;
      if (this.isSettled) {
        subscriber.error(this.settledError(command.line));
        return undefined;
      }
      const reserved = this.home.reserved;
      if (reserved) this.isSettled = true;
      const connection = this.home.connection;
      if (known !== undefined) {
        const teardown = connection.submit(command, subscriber);
        if (reserved) this.home.settled?.(this);
        return reserved ? undefined : teardown;
      }
      // Learn the job's own priority on the same connection first; the lane reserves again
      // only after the settle itself is queued, so nothing blocks behind a reserve. If the
      // stats-job fails, the settle still goes out (with the default priority): a job must
      // never stay reserved by a lane that has moved on.
      const sendSettle = () => {
        connection.submit(make(this.priority ?? DEFAULT_PRIORITY), subscriber);
        if (reserved) this.home.settled?.(this);
      };
      const teardown = connection.submit(commands.statsJob(this.id), {
        next: (stats) => this.learn(stats, true),
        error: sendSettle,
        complete: sendSettle,
      });
      return reserved ? undefined : teardown;
    });
  }

  /** Remembers the job's priority: it changes only by a release or bury, which only its holder sends. */
  private learn(stats: JobStats, settling = false): void {
    if (settling || (this.home.reserved && !this.isSettled)) this.priority = stats.pri;
  }

  /** A reserved job's lane is free while the job is being worked on; peeked jobs use the shared connection. */
  private idleConnection(): Connection {
    return this.home.reserved && !this.isSettled ? this.home.connection : this.home.commands;
  }

  /** The error for a command on a job already settled: names the connection and the command, as every error does. */
  private settledError(command: string): JobSettledError {
    return new JobSettledError(`job ${this.id} was already deleted, released or buried`, {
      connection: this.home.connection.name,
      command,
    });
  }
}
