import type { Pending } from './pending.js';

/** What the watchdog needs of its connection. */
export interface WatchdogHost {
  /** The oldest command still waiting for its reply. */
  head(): Pending | undefined;
  /** A number that changes whenever a reply arrives, or while the head's own bytes leave. */
  progress(head: Pending): number;
  /** The head got no reply in time (and nothing else moved): fail it and reset. */
  timedOut(head: Pending): void;
}

/**
 * One timer per connection, ticking while commands are in flight, instead of one per
 * command: the head (oldest) command times out when no reply came, and none of its own
 * bytes left, for `timeoutMs` (plus the seconds a reserve-with-timeout may legitimately
 * wait). Counting progress rather than stamping each reply keeps `Date.now()` off the
 * hot path; a large body still leaving over a slow link is not silence, while later
 * commands the kernel keeps taking (a frozen server's buffers) do not keep the head alive.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private since = 0;
  private lastProgress = 0;

  constructor(
    readonly timeoutMs: number,
    private readonly host: WatchdogHost,
  ) {}

  /** Starts ticking if it is not already (called on every write; cheap when running). */
  arm(): void {
    if (this.timer || this.timeoutMs === Infinity) return;
    this.since = Date.now();
    const head = this.host.head();
    this.lastProgress = head ? this.host.progress(head) : 0;
    this.timer = setInterval(this.check, Math.max(10, this.timeoutMs / 4));
    this.timer.unref?.();
  }

  disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly check = (): void => {
    const head = this.host.head();
    if (!head) return this.disarm();
    const now = Date.now();
    const progress = this.host.progress(head);
    if (progress !== this.lastProgress) {
      this.lastProgress = progress;
      this.since = now;
      return;
    }
    const waits = head.command.options.waits ?? 0;
    if (waits === Infinity || now - this.since <= waits * 1000 + this.timeoutMs) return;
    this.host.timedOut(head);
  };
}
