import type { Observable } from 'rxjs';
import { rawExchange } from './raw.js';

/** How one Observable ended within a time bound. */
export type Outcome<T> =
  | { readonly kind: 'value'; readonly value: T | undefined; readonly ms: number }
  | { readonly kind: 'error'; readonly error: unknown; readonly ms: number }
  | { readonly kind: 'hung'; readonly ms: number };

/**
 * Subscribes and waits at most `ms` for the Observable to complete or fail; a source that
 * does neither in time is reported as `hung` (and unsubscribed), never awaited for ever.
 */
export function settleWithin<T>(source: Observable<T>, ms: number): Promise<Outcome<T>> {
  const started = Date.now();
  return new Promise((resolve) => {
    let done = false;
    let latest: T | undefined;
    const finish = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish({ kind: 'hung', ms: Date.now() - started });
      subscription.unsubscribe();
    }, ms);
    const subscription = source.subscribe({
      next: (value) => void (latest = value),
      error: (error: unknown) => finish({ kind: 'error', error, ms: Date.now() - started }),
      complete: () => finish({ kind: 'value', value: latest, ms: Date.now() - started }),
    });
  });
}

/** Awaits a promise for at most `ms`; rejects naming `what` otherwise. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** `stats-tube <tube>` read on a direct connection to the server (not through any proxy), or undefined if the tube is gone. */
export async function rawTubeStats(port: number, tube: string): Promise<Record<string, number> | undefined> {
  const text = await rawExchange(port, `stats-tube ${tube}\r\n`, (t) => {
    if (t.startsWith('NOT_FOUND\r\n')) return true;
    const match = /^OK (\d+)\r\n/.exec(t);
    return match !== null && t.length >= match[0].length + Number(match[1]) + 2;
  });
  if (text.startsWith('NOT_FOUND')) return undefined;
  const out: Record<string, number> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(': ');
    if (colon > 0) out[line.slice(0, colon)] = Number(line.slice(colon + 2).trim());
  }
  return out;
}
