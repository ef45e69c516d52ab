import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { awaitableFrom } from '../client/awaitable.js';
import type { Awaitable } from '../client/awaitable.js';
import type { Job } from '../client/job.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';
import type { ServerLink } from './server-link.js';

/** One pooled server's health: probing at first, then up or down (being probed again), closed at the end. */
export type PoolServerState = 'connecting' | 'up' | 'down' | 'closed';

/** A job from a pool: a plain Job that also says which server it lives on. */
export type PoolJob = Job & {
  /** The server the job lives on; its id means something only there. */
  readonly server: PoolServer;
};

/** A job id together with its server: ids are per server, so a pool never takes a bare number. */
export interface JobRef {
  /** The server that holds the job. */
  readonly server: PoolServer;
  /** The job's id on that server. */
  readonly id: number;
}

/** Makes the PoolServer of a pool's server; only its ServerLink does. */
export let createPoolServer: (link: ServerLink) => PoolServer;

/**
 * One server of a pool, for commands on its own job ids (`pool.server(1).peek(42)`) and
 * its health. A server that is down is probed again after a back-off, and used again once
 * its probe answers (see the README's "Several servers (pool)").
 */
export class PoolServer {
  /** This server's health, for dashboards and alerts. */
  readonly state$: Observable<PoolServerState>;

  static {
    createPoolServer = (link) => new PoolServer(link);
  }

  private constructor(private readonly link: ServerLink) {
    this.state$ = link.state$;
  }

  /** The server's address, as given to the pool. */
  get url(): string {
    return this.link.url;
  }

  /** Its position in the pool's list. */
  get index(): number {
    return this.link.index;
  }

  /** Its share of puts and of reserve lanes, relative to the others. */
  get weight(): number {
    return this.link.weight;
  }

  /** Names this server in errors: `<pool name>/<index>`. */
  get name(): string {
    return this.link.name;
  }

  /** This server's health now. */
  get state(): PoolServerState {
    return this.link.state;
  }

  /** True while its probe has answered and nothing failed since. */
  get up(): boolean {
    return this.link.up;
  }

  // ---- commands for this server alone: job ids mean something only here ----

  /** Any job of this server by id; completes empty (awaited: `undefined`) if there is none. */
  peek(id: number): Awaitable<PoolJob, PoolJob | undefined> {
    return awaitableFrom(
      this.link.withClient((client) => client.peek(id).pipe(map((job) => this.link.tag(job)))),
      true,
    );
  }

  /** Reserves a job of this server by id; fails with NotFoundError if there is none. */
  reserveJob(id: number): Awaitable<PoolJob> {
    return awaitableFrom(
      this.link.withClient((client) => client.reserveJob(id).pipe(map((job) => this.link.tag(job)))),
      false,
    );
  }

  /** Deletes a job of this server that is ready, delayed or buried. */
  delete(id: number): Awaitable<void> {
    return awaitableFrom(
      this.link.withClient((client) => client.delete(id)),
      false,
    );
  }

  /** Kicks one buried or delayed job of this server. */
  kickJob(id: number): Awaitable<void> {
    return awaitableFrom(
      this.link.withClient((client) => client.kickJob(id)),
      false,
    );
  }

  /** This server's view of one of its jobs. */
  statsJob(id: number): Awaitable<JobStats> {
    return awaitableFrom(
      this.link.withClient((client) => client.statsJob(id)),
      false,
    );
  }

  /** This server's own counters. */
  stats(): Awaitable<ServerStats> {
    return awaitableFrom(
      this.link.withClient((client) => client.stats()),
      false,
    );
  }

  /** This server's tubes. */
  listTubes(): Awaitable<string[]> {
    return awaitableFrom(
      this.link.withClient((client) => client.listTubes()),
      false,
    );
  }
}
