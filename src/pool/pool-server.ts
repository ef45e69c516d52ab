import { BehaviorSubject, Observable, distinctUntilChanged, filter, map, switchMap, take, throwError } from 'rxjs';
import type { Subscription } from 'rxjs';
import { awaitableFrom } from '../client/awaitable.js';
import type { Awaitable } from '../client/awaitable.js';
import { Beanstalk } from '../client/beanstalk.js';
import type { BeanstalkOptions } from '../client/beanstalk.js';
import type { Job } from '../client/job.js';
import type { ReconnectOptions } from '../connection/backoff.js';
import { backoffDelay } from '../connection/backoff.js';
import { ConnectionError } from '../protocol/errors.js';
import type { JobStats, ServerStats } from '../protocol/stats.js';

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

/** Makes a PoolServer; only `Beanstalk.pool` does. */
export let createPoolServer: (url: string, index: number, weight: number, options: PoolServerOptions) => PoolServer;

/** What every server of a pool is given: the client options and the back-off between probes. */
type PoolServerOptions = BeanstalkOptions & { readonly retry?: ReconnectOptions };

/** A server that stays up this long was good: its next failure starts the back-off afresh. */
const PROVEN_AFTER_MS = 1000;

/**
 * One server of a pool. It owns a client with `reconnect: false`: when that client's
 * command connection is lost (or a command on it times out) the server is marked down,
 * the client closed, and a fresh one probed (`list-tube-used`) after a back-off. Only a
 * server whose probe answered is up, so a server that accepts connections and never
 * answers is never used: its probe fails within `commandTimeoutMs`.
 */
export class PoolServer {
  private readonly stateSubject = new BehaviorSubject<PoolServerState>('connecting');
  /** This server's health, for dashboards and alerts. */
  readonly state$: Observable<PoolServerState> = this.stateSubject.pipe(distinctUntilChanged());
  private readonly clientSubject = new BehaviorSubject<Beanstalk | undefined>(undefined);
  private current: Beanstalk | undefined;
  private probing: Subscription | undefined;
  private probeClient: Beanstalk | undefined;
  private watching: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private upSince = 0;
  private attempts = 0;
  private started = false;

  static {
    createPoolServer = (url, index, weight, options) => new PoolServer(url, index, weight, options);
  }

  private constructor(
    /** The server's address, as given to the pool. */
    readonly url: string,
    /** Its position in the pool's list. */
    readonly index: number,
    /** Its share of puts and of reserve lanes, relative to the others. */
    readonly weight: number,
    private readonly options: PoolServerOptions,
  ) {}

  /** Names this server in errors: `<pool name>/<index>`. */
  get name(): string {
    return `${this.options.name ?? 'pool'}/${this.index}`;
  }

  /** This server's health now. */
  get state(): PoolServerState {
    return this.stateSubject.value;
  }

  /** True while its probe has answered and nothing failed since. */
  get up(): boolean {
    return this.current !== undefined;
  }

  /** @internal The client while up. */
  get client(): Beanstalk | undefined {
    return this.current;
  }

  /** @internal The client each time the server comes up, undefined each time it goes down; completes at close. */
  get client$(): Observable<Beanstalk | undefined> {
    return this.clientSubject;
  }

  // ---- commands for this server alone: job ids mean something only here ----

  /** Any job of this server by id; completes empty (awaited: `undefined`) if there is none. */
  peek(id: number): Awaitable<PoolJob, PoolJob | undefined> {
    return awaitableFrom(
      this.withClient((client) => client.peek(id).pipe(map((job) => this.tag(job)))),
      true,
    );
  }

  /** Reserves a job of this server by id; fails with NotFoundError if there is none. */
  reserveJob(id: number): Awaitable<PoolJob> {
    return awaitableFrom(
      this.withClient((client) => client.reserveJob(id).pipe(map((job) => this.tag(job)))),
      false,
    );
  }

  /** Deletes a job of this server that is ready, delayed or buried. */
  delete(id: number): Awaitable<void> {
    return awaitableFrom(
      this.withClient((client) => client.delete(id)),
      false,
    );
  }

  /** Kicks one buried or delayed job of this server. */
  kickJob(id: number): Awaitable<void> {
    return awaitableFrom(
      this.withClient((client) => client.kickJob(id)),
      false,
    );
  }

  /** This server's view of one of its jobs. */
  statsJob(id: number): Awaitable<JobStats> {
    return awaitableFrom(
      this.withClient((client) => client.statsJob(id)),
      false,
    );
  }

  /** This server's own counters. */
  stats(): Awaitable<ServerStats> {
    return awaitableFrom(
      this.withClient((client) => client.stats()),
      false,
    );
  }

  /** This server's tubes. */
  listTubes(): Awaitable<string[]> {
    return awaitableFrom(
      this.withClient((client) => client.listTubes()),
      false,
    );
  }

  /**
   * @internal Runs `command` on the client once the first probe is decided; fails with
   * ConnectionError (never sent, so `mayHaveReachedServer` false) while the server is down.
   */
  withClient<T>(command: (client: Beanstalk) => Observable<T>): Observable<T> {
    return this.settled().pipe(
      switchMap(() => {
        const client = this.current;
        return client ? command(client) : throwError(() => this.downError());
      }),
    );
  }

  /** @internal Emits once this server is past its first probe (at once if it is). */
  settled(): Observable<unknown> {
    this.start();
    return this.stateSubject.pipe(
      filter((state) => state !== 'connecting'),
      take(1),
    );
  }

  /** @internal The error for a command that found this server down. */
  downError(): ConnectionError {
    return new ConnectionError(`server is ${this.state}`, { connection: this.name });
  }

  /** @internal Marks the server a job came from on it, without another wrapper object. */
  tag(job: Job): PoolJob {
    Object.defineProperty(job, 'server', { value: this, enumerable: false });
    return job as PoolJob;
  }

  /** @internal Probes the server the first time it is needed. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.probe();
  }

  /**
   * @internal Something failed on `client` in a way that says the server is gone (not a
   * reply like NOT_FOUND): unless that client was already replaced, mark the server down.
   */
  reportFailure(client: Beanstalk): void {
    if (client !== this.current) return;
    this.current = undefined;
    this.watching?.unsubscribe();
    if (Date.now() - this.upSince >= PROVEN_AFTER_MS) this.failures = 0;
    this.stateSubject.next('down');
    this.clientSubject.next(undefined);
    void client.close();
    this.scheduleProbe();
  }

  /** @internal Stops probing and closes the client. */
  async close(): Promise<void> {
    this.started = true;
    clearTimeout(this.timer);
    this.probing?.unsubscribe();
    this.watching?.unsubscribe();
    void this.probeClient?.close();
    const client = this.current;
    this.current = undefined;
    this.stateSubject.next('closed');
    this.clientSubject.next(undefined);
    this.clientSubject.complete();
    this.stateSubject.complete();
    await client?.close();
  }

  private probe(): void {
    if (this.state === 'closed') return;
    const client = Beanstalk.connect({
      ...this.options,
      url: this.url,
      name: `${this.name}#${++this.attempts}`,
      reconnect: false,
    });
    this.probeClient = client;
    this.probing = client.listTubeUsed().subscribe({
      next: () => {
        this.probeClient = undefined;
        this.onUp(client);
      },
      error: () => {
        this.probeClient = undefined;
        void client.close();
        if (this.state === 'closed') return;
        this.stateSubject.next('down');
        this.scheduleProbe();
      },
    });
  }

  private onUp(client: Beanstalk): void {
    if (this.state === 'closed') {
      void client.close();
      return;
    }
    this.current = client;
    this.upSince = Date.now();
    // The command connection closes for good on any loss or timeout (reconnect: false).
    this.watching = client.state$
      .pipe(filter((state) => state === 'closed'))
      .subscribe(() => this.reportFailure(client));
    this.stateSubject.next('up');
    this.clientSubject.next(client);
  }

  private scheduleProbe(): void {
    const delay = backoffDelay(this.failures++, this.options.retry ?? {});
    this.timer = setTimeout(() => this.probe(), delay);
    this.timer.unref?.();
  }
}
