import type { Pending } from './pending.js';

/** What the watchdog needs of its connection. */
export interface WatchdogHost {
  /** The oldest command still waiting for its reply. */
  head(): Pending | undefined;
  /** A number that grows whenever a reply arrives or bytes leave for the server. */
  progress(): number;
  /** The head got no reply in time (and nothing else moved): fail it and reset. */
  timedOut(head: Pending): void;
}

/**
 * One timer per connection, ticking while commands are in flight, instead of one per
 * command: the head (oldest) command times out when neither a reply nor a written byte
 * has moved for `timeoutMs` (plus the seconds a reserve-with-timeout may legitimately
 * wait). Counting progress rather than stamping each reply keeps `Date.now()` off the
 * hot path, and a large body still leaving over a slow link does not count as silence.
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
    this.lastProgress = this.host.progress();
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
    const progress = this.host.progress();
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
