import { BehaviorSubject, distinctUntilChanged, filter, firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { backoffDelay } from './backoff.js';
import type { ResolvedOptions } from './options.js';

/** idle (not used yet: connects on the first command), connecting, connected, reconnecting, closed. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A connection that stayed up this long was good: the next loss starts the backoff afresh. */
const PROVEN_AFTER_MS = 1000;

/**
 * The life of a connection's sockets, one after another: its state, the reconnect policy
 * with its backoff (which starts over only once a socket proved good: a reply, or a second
 * up), and the bounded wait of a graceful close. It opens nothing itself: the connection
 * says what happened (`opening`, `opened`, `replied`, `lost`) and gets called back to
 * `reconnect` or `finish`.
 */
export class Session {
  private readonly stateSubject = new BehaviorSubject<ConnectionState>('idle');
  /** idle, connecting, connected, reconnecting, closed: for logs and alerts. */
  readonly state$: Observable<ConnectionState> = this.stateSubject.pipe(distinctUntilChanged());
  private attempts = 0;
  private connectedAt = 0;
  private proven = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private closeDeadline = Infinity;
  private closing: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly reconnect: () => void,
    private readonly finish: (reason: string) => void,
  ) {}

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  /** True once `close()` (or `destroy()`) was called. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** A socket is being opened. */
  opening(): void {
    this.setState(this.attempts === 0 && this.state === 'idle' ? 'connecting' : 'reconnecting');
  }

  /** The socket is ready for commands. */
  opened(): void {
    this.connectedAt = Date.now();
    this.proven = false;
    this.setState('connected');
  }

  /** A reply arrived: the socket is good, and the backoff starts over. */
  replied(): void {
    if (this.proven) return;
    this.proven = true;
    this.attempts = 0;
  }

  /** The socket is gone: true when another will follow, false when the connection ends. */
  willReconnect(): boolean {
    if (this.state === 'connected' && Date.now() - this.connectedAt >= PROVEN_AFTER_MS) this.attempts = 0;
    const policy = this.options.reconnect;
    if (this.closing || policy === false) return false;
    return this.attempts < (policy.maxAttempts ?? Infinity);
  }

  /** Opens the next socket after the backoff's delay (`willReconnect()` said so). */
  reconnectLater(): void {
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempts++, this.options.reconnect || {});
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnect();
    }, delay);
  }

  /**
   * Starts closing (once) and returns the promise that settles when the connection is
   * closed; `closeNow` runs on the first call. Past `timeoutMs` it gives up waiting and
   * finishes; a later call with a shorter bound shortens the wait.
   */
  close(timeoutMs: number, closeNow: () => void): Promise<void> {
    if (!this.closing) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.closing = { promise, resolve };
      closeNow();
    }
    if (this.state !== 'closed') this.limitClose(timeoutMs);
    return this.closing.promise;
  }

  private limitClose(timeoutMs: number): void {
    if (timeoutMs === Infinity) return;
    if (timeoutMs <= 0) return this.finish('connection closed before the reply');
    const deadline = Date.now() + timeoutMs;
    if (deadline >= this.closeDeadline) return;
    clearTimeout(this.closeTimer);
    this.closeDeadline = deadline;
    this.closeTimer = setTimeout(() => this.finish(`close gave up after ${timeoutMs} ms`), timeoutMs);
  }

  /** Resolves once the state is closed. */
  whenClosed(): Promise<void> {
    return firstValueFrom(this.stateSubject.pipe(filter((state) => state === 'closed'))).then(() => undefined);
  }

  /** The final state: no more reconnects, and `close()` returns. */
  closed(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.closeTimer);
    this.setState('closed');
    this.closing?.resolve();
  }

  private setState(state: ConnectionState): void {
    if (this.stateSubject.value === state) return;
    this.options.observer?.state?.(state, this.options.name); // telemetry hook
    this.stateSubject.next(state);
  }
}
