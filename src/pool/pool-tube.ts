import { EMPTY, Observable, concat, defer, last, map, mergeMap } from 'rxjs';
import { awaitableFrom } from '../client/awaitable.js';
import type { Awaitable } from '../client/awaitable.js';
import type { Job } from '../client/job.js';
import type { Tube } from '../client/tube.js';
import { checkUint32 } from '../protocol/validate.js';
import type { TubeStats } from '../protocol/stats.js';
import { findOnEvery, onEvery, pooledStats } from './fan-out.js';
import type { JobRef, PoolJob } from './pool-server.js';
import type { ServerLink } from './server-link.js';
import type { PoolTubeSet } from './pool-tube-set.js';
import type { PooledStats } from './stats-sum.js';
import type { PoolPutOptions } from './pool-options.js';

/** What a PoolTube needs from its pool (not part of the pool's public API). */
export interface PoolTubeOwner {
  /** The pool's side of each server, in the pool's order. */
  readonly servers: readonly ServerLink[];
  putTo(tube: string, body: string | Uint8Array, options: PoolPutOptions | undefined): Observable<JobRef>;
  watch(...tubes: string[]): PoolTubeSet;
}

/** Makes a PoolTube; only the pool does (`BeanstalkPool.tube`). */
export let createPoolTube: (pool: PoolTubeOwner, name: string) => PoolTube;

/** One tube across every server of a pool: puts are routed, everything else fans out. */
export class PoolTube {
  /** Where the next kick starts, so repeated small kicks reach every server. */
  private kickStart = 0;

  static {
    createPoolTube = (pool, name) => new PoolTube(pool, name);
  }

  private constructor(
    private readonly pool: PoolTubeOwner,
    /** The tube's name, the same on every server. */
    readonly name: string,
  ) {}

  /** Puts a job on one server (round robin, or by `key`); emits its id with that server. */
  put(body: string | Uint8Array, options?: PoolPutOptions): Awaitable<JobRef> {
    return awaitableFrom(this.pool.putTo(this.name, body, options), false);
  }

  /** Puts `value` as a JSON body; emits its id with its server. */
  putJson(value: unknown, options?: PoolPutOptions): Awaitable<JobRef> {
    return awaitableFrom(this.pool.putTo(this.name, JSON.stringify(value), options), false);
  }

  /** Each up server's next ready job in this tube (at most one per server); completes empty if none. */
  peekReady(): Awaitable<PoolJob, PoolJob | undefined> {
    return this.peekOnEvery((tube) => tube.peekReady());
  }

  /** Each up server's delayed job that becomes ready soonest; completes empty if none. */
  peekDelayed(): Awaitable<PoolJob, PoolJob | undefined> {
    return this.peekOnEvery((tube) => tube.peekDelayed());
  }

  /** Each up server's oldest buried job; completes empty if none. */
  peekBuried(): Awaitable<PoolJob, PoolJob | undefined> {
    return this.peekOnEvery((tube) => tube.peekBuried());
  }

  /** The first job `peek` finds on each up server's tube of this name, tagged with its server. */
  private peekOnEvery(peek: (tube: Tube) => Observable<Job>): Awaitable<PoolJob, PoolJob | undefined> {
    return awaitableFrom(
      findOnEvery(this.pool.servers, (client, server) =>
        peek(client.tube(this.name)).pipe(map((job) => server.tag(job))),
      ),
      true,
    );
  }

  /**
   * Kicks up to `bound` jobs in all: server after server (starting one further each call)
   * until the bound is used up. Emits how many. Servers that are down are passed over.
   */
  kick(bound: number): Awaitable<number> {
    return awaitableFrom(
      defer(() => {
        checkUint32('kick bound', bound);
        const servers = this.pool.servers;
        const start = this.kickStart++ % servers.length;
        let left = bound;
        const kicks = servers.map((_, i) => {
          const server = servers[(start + i) % servers.length];
          return defer(() => (left > 0 && server.up ? server.withClient((c) => c.tube(this.name).kick(left)) : EMPTY));
        });
        return concat(...kicks).pipe(
          map((kicked) => (left -= kicked)),
          last(undefined, left),
          map(() => bound - left),
        );
      }),
      false,
    );
  }

  /** The tube's counters summed over the servers that have it; NotFoundError when none has. */
  stats(): Awaitable<TubeStats> {
    return awaitableFrom(this.statsByServer().pipe(map((stats) => stats.total)), false);
  }

  /** The summed counters and each server's own. */
  statsByServer(): Awaitable<PooledStats<TubeStats>> {
    return awaitableFrom(
      pooledStats(this.pool.servers, (client) => client.tube(this.name).stats()),
      false,
    );
  }

  /**
   * Pauses the tube on every server. Fails with ConnectionError naming the servers that
   * were down (those that were up are paused).
   */
  pause(seconds: number): Awaitable<void> {
    return awaitableFrom(
      onEvery(this.pool.servers, (client) => client.tube(this.name).pause(seconds)).pipe(mergeMap(() => EMPTY)),
      true, // completes without a value: awaiting resolves to undefined
    );
  }

  /** A PoolTubeSet of just this tube, for reserving. */
  watch(): PoolTubeSet {
    return this.pool.watch(this.name);
  }
}
