import { BehaviorSubject, Observable, distinctUntilChanged, filter, switchMap, take, throwError } from 'rxjs';
import type { Subscription } from 'rxjs';
import { Beanstalk } from '../client/beanstalk.js';
import type { BeanstalkOptions } from '../client/beanstalk.js';
import type { Job } from '../client/job.js';
import type { ReconnectOptions } from '../connection/backoff.js';
import { backoffDelay } from '../connection/backoff.js';
import { checkClientOptions } from '../client/options.js';
import { parseAddress } from '../connection/address.js';
import { ConnectionError, InvalidArgumentError } from '../protocol/errors.js';
import { createPoolServer } from './pool-server.js';
import type { PoolJob, PoolServer, PoolServerState } from './pool-server.js';
import type { PoolServerSpec } from './pool-options.js';

/** What every server of a pool is given: the client options and the back-off between probes. */
export type ServerLinkOptions = BeanstalkOptions & { readonly retry?: ReconnectOptions };

/** A server that stays up this long was good: its next failure starts the back-off afresh. */
const PROVEN_AFTER_MS = 1000;

/**
 * The pool's side of one server, behind the PoolServer users see. It owns a client with
 * `reconnect: false`: when that client's command connection is lost (or a command on it
 * times out) the server is marked down, the client closed, and a fresh one probed
 * (`list-tube-used`) after a back-off. Only a server whose probe answered is up, so a
 * server that accepts connections and never answers is never used: its probe fails within
 * `commandTimeoutMs`.
 */
export class ServerLink {
  /** What users see of this server (in JobRefs, pooled answers and `pool.server(i)`). */
  readonly server: PoolServer;
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

  constructor(
    /** The server's address, as given to the pool. */
    readonly url: string,
    /** Its position in the pool's list. */
    readonly index: number,
    /** Its share of puts and of reserve lanes, relative to the others. */
    readonly weight: number,
    private readonly options: ServerLinkOptions,
  ) {
    this.server = createPoolServer(this);
  }

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

  /** The client while up. */
  get client(): Beanstalk | undefined {
    return this.current;
  }

  /** The client each time the server comes up, undefined each time it goes down; completes at close. */
  get client$(): Observable<Beanstalk | undefined> {
    return this.clientSubject;
  }

  /**
   * Runs `command` on the client once the first probe is decided; fails with
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

  /** Emits once this server is past its first probe (at once if it is). */
  settled(): Observable<unknown> {
    this.start();
    return this.stateSubject.pipe(
      filter((state) => state !== 'connecting'),
      take(1),
    );
  }

  /** The error for a command that found this server down. */
  downError(): ConnectionError {
    return new ConnectionError(`server is ${this.state}`, { connection: this.name });
  }

  /** Marks the server a job came from on it, without another wrapper object. */
  tag(job: Job): PoolJob {
    Object.defineProperty(job, 'server', { value: this.server, enumerable: false });
    return job as PoolJob;
  }

  /** Probes the server the first time it is needed. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.probe();
  }

  /**
   * Something failed on `client` in a way that says the server is gone (not a
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

  /** Stops probing and closes the client. */
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

/**
 * The link for one server of a pool's list, its options checked as connect() checks one
 * client's: a server's client is made only when it is first needed, and a bad option must
 * not surface as a throw from a command.
 */
export function linkFor(
  spec: PoolServerSpec,
  index: number,
  options: ServerLinkOptions,
  retry: ReconnectOptions | undefined,
): ServerLink {
  const { url, weight = 1 } = typeof spec === 'string' ? { url: spec } : spec;
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new InvalidArgumentError(`server weight must be a positive number, got ${weight} for ${url}`);
  }
  checkClientOptions({ ...options, url, reconnect: retry });
  parseAddress(url);
  return new ServerLink(url, index, weight, options);
}
