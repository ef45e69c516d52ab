/** How a connection tries again after losing its socket. */
export interface ReconnectOptions {
  /** First delay in ms. Default 50. */
  readonly initialDelayMs?: number;
  /** Longest delay in ms. Default 5000. */
  readonly maxDelayMs?: number;
  /** Attempts in a row before giving up; Infinity (default) tries forever. */
  readonly maxAttempts?: number;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so clients do not stampede. */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 50;
  const max = options.maxDelayMs ?? 5000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}
