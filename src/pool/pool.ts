import { BehaviorSubject, Observable, Subject, map, merge, take, timer } from 'rxjs';
import type { Subscription } from 'rxjs';
import { awaitableFrom } from '../client/awaitable.js';
import type { Awaitable } from '../client/awaitable.js';
import * as commands from '../protocol/commands.js';
import { ConnectionError, InvalidArgumentError } from '../protocol/errors.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import { askAll, pooledStats } from './fan-out.js';
import { POOL_COMMAND_TIMEOUT_MS } from './pool-options.js';
import type { PoolOptions, PoolPutOptions, PoolServerSpec } from './pool-options.js';
import type { Telemetry } from '../client/telemetry.js';
import type { JobRef, PoolJob, PoolServer, PoolServerState } from './pool-server.js';
import { createPoolTube } from './pool-tube.js';
import type { PoolTube, PoolTubeOwner } from './pool-tube.js';
import { createPoolTubeSet } from './pool-tube-set.js';
import type { PoolTubeSet } from './pool-tube-set.js';
import { HashRing, RoundRobin } from './routing.js';
import { linkFor } from './server-link.js';
import type { ServerLink } from './server-link.js';
import type { PooledStats } from './stats-sum.js';

/**
 * Several beanstalkd servers used as one, with the producer and consumer API of one
 * client. Puts go to one healthy server each (round robin, or by key with consistent
 * hashing); reserves run lanes on every server; inspection fans out. Job ids are per
 * server, so everything that names a job takes a JobRef (id and server) or goes through
 * `server(i)`. See the README section "Several servers (pool)".
 */
export class BeanstalkPool {
  /** The servers, in the order given. */
  readonly servers: readonly PoolServer[];
  /** The pool's side of each server: its client, probes and health. */
  private readonly links: readonly ServerLink[];
  /** What the pool's tubes use: the links and routed puts. */
  private readonly owner: PoolTubeOwner;
  private readonly roundRobin: RoundRobin<ServerLink>;
  private readonly ring: HashRing<ServerLink>;
  private readonly changes = new Subject<void>();
  private readonly stateSubject: BehaviorSubject<readonly PoolServerState[]>;
  private readonly watching: Subscription;
  private readonly maxJobSize: number;
  private isClosed = false;
  private startedAt: number | undefined;
  private readonly commandTimeoutMs: number;

  constructor(
    servers: readonly PoolServerSpec[],
    private readonly options: PoolOptions = {},
  ) {
    if (servers.length === 0) throw new InvalidArgumentError('a pool needs at least one server');
    this.commandTimeoutMs = options.commandTimeoutMs ?? POOL_COMMAND_TIMEOUT_MS;
    const clientOptions = { ...options, commandTimeoutMs: this.commandTimeoutMs };
    this.links = servers.map((spec, index) => linkFor(spec, index, clientOptions, options.retry));
    this.servers = Object.freeze(this.links.map((link) => link.server));
    this.owner = {
      servers: this.links,
      putTo: (tube, body, putOptions) => this.#putTo(tube, body, putOptions),
      watch: (...tubes) => this.watch(...tubes),
    };
    this.roundRobin = new RoundRobin(this.links);
    this.ring = new HashRing(this.links);
    this.maxJobSize = options.maxJobSize ?? MAX_BODY_BYTES;
    this.stateSubject = new BehaviorSubject(this.states());
    this.watching = merge(...this.links.map((link) => link.state$)).subscribe(() => {
      this.stateSubject.next(this.states());
      this.changes.next();
    });
  }

  /** The instrumentation given in the options (every server's client reports to it), which `work()` also uses. */
  get telemetry(): Telemetry | undefined {
    return this.options.telemetry;
  }

  /** Every server's state, in list order, each time one changes. */
  get state$(): Observable<readonly PoolServerState[]> {
    return this.stateSubject;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** One server, for commands on its own job ids: `pool.server(1).peek(42)`. */
  server(index: number): PoolServer {
    const server = this.servers[index];
    if (!server) throw new InvalidArgumentError(`no server ${index} in a pool of ${this.servers.length}`);
    return server;
  }

  // ---- producing ----

  /** Puts a job into `default` on one server; emits its id with that server. */
  put(body: string | Uint8Array, options?: PoolPutOptions): Awaitable<JobRef> {
    return awaitableFrom(this.#putTo('default', body, options), false);
  }

  /** Puts `value` as JSON into `default`; emits its id with its server. */
  putJson(value: unknown, options?: PoolPutOptions): Awaitable<JobRef> {
    return awaitableFrom(this.#putTo('default', JSON.stringify(value), options), false);
  }

  /** A named tube on every server: puts are routed, the rest fans out. */
  tube(name: string): PoolTube {
    return createPoolTube(this.owner, name);
  }

  // ---- consuming ----

  /** Exactly these tubes on every server, for reserve streams and one-off reserves. */
  watch(...tubes: string[]): PoolTubeSet {
    return createPoolTubeSet(this.links, tubes);
  }

  /** Reserves a job by its id on its server. */
  reserveJob(ref: JobRef): Awaitable<PoolJob> {
    return ref.server.reserveJob(ref.id);
  }

  // ---- inspecting and operating ----

  /** A job by its id on its server; completes empty if it is gone. */
  peek(ref: JobRef): Awaitable<PoolJob, PoolJob | undefined> {
    return ref.server.peek(ref.id);
  }

  /** Deletes a ready, delayed or buried job on its server. */
  delete(ref: JobRef): Awaitable<void> {
    return ref.server.delete(ref.id);
  }

  /** Kicks one buried or delayed job on its server. */
  kickJob(ref: JobRef): Awaitable<void> {
    return ref.server.kickJob(ref.id);
  }

  /** A job's stats from its server. */
  statsJob(ref: JobRef): Awaitable<JobStats> {
    return ref.server.statsJob(ref.id);
  }

  /** Server counters summed over the servers that are up (see `statsByServer` for each one's). */
  stats(): Awaitable<ServerStats> {
    return awaitableFrom(this.statsByServer().pipe(map((stats) => stats.total)), false);
  }

  /** The summed server counters and each server's own (or why it has none). */
  statsByServer(): Awaitable<PooledStats<ServerStats>> {
    return awaitableFrom(
      pooledStats(this.links, (client) => client.stats()),
      false,
    );
  }

  /** Every tube that exists on any server that is up. */
  listTubes(): Awaitable<string[]> {
    return awaitableFrom(
      askAll(this.links, (client) => client.listTubes()).pipe(
        map((answers) => [...new Set(answers.flatMap((answer) => answer.value ?? []))]),
      ),
      false,
    );
  }

  /** Closes every server's client gracefully (in-flight commands finish) and stops probing. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all(this.links.map((link) => link.close()));
    this.watching.unsubscribe();
    this.stateSubject.complete();
    this.changes.complete();
  }

  /**
   * A put on one server. A put that certainly never reached its server (a
   * ConnectionError with `mayHaveReachedServer` false) marks that server down and goes to
   * the next one; one that may have reached it fails, so nothing is put twice. While the
   * first probes are under way, puts wait for them, so routing starts from the full list.
   */
  #putTo(tube: string, body: string | Uint8Array, options: PoolPutOptions | undefined): Observable<JobRef> {
    return new Observable<JobRef>((subscriber) => {
      const key = options?.key ?? this.options.key?.(tube, body);
      let tried: Set<ServerLink> | undefined;
      let inner: Subscription | undefined;
      let waiting: Subscription | undefined;
      const attempt = (): void => {
        const wait = this.startupWait();
        if (wait !== undefined) {
          waiting = (wait === Infinity ? this.changes : merge(this.changes, timer(wait)))
            .pipe(take(1))
            .subscribe(attempt);
          this.links.forEach((link) => link.start());
          return;
        }
        const server = key === undefined ? this.roundRobin.pick(tried) : this.ring.pick(key, tried);
        const client = server?.client;
        if (!server || !client) return subscriber.error(this.noServerError(tube, body, options));
        inner = client
          .tube(tube)
          .put(body, options)
          .subscribe({
            next: (id) => subscriber.next({ server: server.server, id }),
            error: (error: unknown) => {
              if (!(error instanceof ConnectionError) || error.mayHaveReachedServer) return subscriber.error(error);
              server.reportFailure(client);
              (tried ??= new Set()).add(server);
              attempt();
            },
            complete: () => subscriber.complete(),
          });
      };
      if (this.isClosed) subscriber.error(new ConnectionError('pool is closed'));
      else attempt();
      return () => {
        waiting?.unsubscribe();
        inner?.unsubscribe();
      };
    });
  }

  /**
   * How long a put waits for the first probes: while none is up, until one is (probes end
   * within connectTimeoutMs + commandTimeoutMs); once one is, until every first probe is
   * decided or `commandTimeoutMs` after the first put, so a server slow to answer its
   * probe delays the start only that long. Undefined: route now.
   */
  private startupWait(): number | undefined {
    if (!this.links.some((link) => link.state === 'connecting')) return undefined;
    this.startedAt ??= Date.now();
    if (!this.links.some((link) => link.up)) return Infinity;
    const left = this.startedAt + this.commandTimeoutMs - Date.now();
    return left > 0 ? left : undefined;
  }

  /** Bad arguments say so first; otherwise no server could take the put (nothing was sent). */
  private noServerError(tube: string, body: unknown, options: PoolPutOptions | undefined): unknown {
    try {
      commands.put(tube, body, options, this.maxJobSize);
    } catch (error) {
      return error;
    }
    const states = this.links.map((link) => `${link.url} ${link.state}`).join(', ');
    return new ConnectionError(`no server could take the put (${states})`, { connection: this.options.name ?? 'pool' });
  }

  private states(): readonly PoolServerState[] {
    return Object.freeze(this.links.map((link) => link.state));
  }
}
