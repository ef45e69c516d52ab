import { Observable } from 'rxjs';

/**
 * Mirrors `source` until `signal` aborts, then unsubscribes from it and fails with
 * `signal.reason` (an `AbortError` DOMException unless the caller gave a reason).
 */
export function abortable<T>(source: Observable<T>, signal: AbortSignal | undefined): Observable<T> {
  if (!signal) return source;
  return new Observable<T>((subscriber) => {
    if (signal.aborted) {
      subscriber.error(signal.reason);
      return undefined;
    }
    const onAbort = () => subscriber.error(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const subscription = source.subscribe(subscriber);
    return () => {
      signal.removeEventListener('abort', onAbort);
      subscription.unsubscribe();
    };
  });
}
