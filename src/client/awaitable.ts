import { EmptyError, Observable } from 'rxjs';
import type { Subscriber, TeardownLogic } from 'rxjs';
import type { Command } from '../protocol/commands.js';
import type { Connection } from '../connection/connection.js';
import { buildOrFail } from './build.js';

/** Options for running a command as a Promise. */
export interface ResultOptions {
  /**
   * Stops waiting: the Promise rejects with `signal.reason` (an `AbortError` by default).
   * A command not yet written is never sent; one already written may still be carried out
   * by the server (its reply is read and dropped, so the connection stays in step).
   */
  readonly signal?: AbortSignal;
}

/**
 * A single-result command: a cold Observable (each subscription sends the command again)
 * that can also be awaited. Awaiting runs the command once, however often the same object
 * is awaited, and resolves to its result: `R` is `T`, or `T | undefined` for queries that
 * may find nothing (they resolve to `undefined` where the Observable completes empty).
 * Operators (`pipe`) return plain Observables, which are not awaitable.
 */
export class Awaitable<T, R = T> extends Observable<T> implements PromiseLike<R> {
  /** The run shared by every `await`; made on the first one. */
  declare private memo: Promise<R> | undefined;
  /** True when completing empty resolves to `undefined` instead of failing with `EmptyError`. */
  declare private readonly mayBeEmpty: boolean;

  /**
   * Subscribing runs `subscribe`, as for any Observable. With `mayBeEmpty`, completing
   * empty resolves an `await` to `undefined`; without it, to an `EmptyError`.
   */
  constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic, mayBeEmpty: boolean) {
    super(subscribe);
    this.mayBeEmpty = mayBeEmpty;
  }

  /** Runs the command (once for this object) and settles with its result. */
  then<A = R, B = never>(
    onfulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.memo ??= this.result();
    return this.memo.then(onfulfilled, onrejected);
  }

  /** `then(undefined, onrejected)`, as on a Promise: runs the command (once for this object). */
  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this.then(undefined, onrejected);
  }

  /** As on a Promise: runs the command (once for this object), then `onfinally` either way. */
  finally(onfinally?: (() => void) | null): Promise<R> {
    return this.then().finally(onfinally);
  }

  /**
   * Runs the command once more (every call sends it again) and resolves to its result;
   * `signal` stops waiting (see ResultOptions for what that means for the server).
   */
  result(options: ResultOptions = {}): Promise<R> {
    const signal = options.signal;
    // Errors and abort reasons are passed on as they are (usually Error objects).
    return new Promise<R>((resolve, fail: (reason: unknown) => void) => {
      const reject = fail as (reason: Error) => void;
      if (signal?.aborted) return reject(signal.reason as Error);
      let value: T | undefined;
      let got = false;
      let finished = false;
      const onAbort = () => {
        if (finished) return;
        finished = true;
        subscription.unsubscribe();
        reject(signal?.reason as Error);
      };
      const done = () => {
        finished = true;
        signal?.removeEventListener('abort', onAbort);
      };
      const subscription = this.subscribe({
        next: (v) => {
          got = true;
          value = v;
        },
        error: (error: unknown) => {
          done();
          reject(error as Error);
        },
        complete: () => {
          done();
          if (got || this.mayBeEmpty) resolve(value as R);
          else reject(new EmptyError());
        },
      });
      if (!finished) signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** @internal A command that always emits one value. */
export const awaitable = <T>(subscribe: (subscriber: Subscriber<T>) => TeardownLogic): Awaitable<T> =>
  new Awaitable<T>(subscribe, false);

/** @internal Wraps an Observable of one value (or, with `mayBeEmpty`, at most one). */
export function awaitableFrom<T>(source: Observable<T>, mayBeEmpty: false): Awaitable<T>;
export function awaitableFrom<T>(source: Observable<T>, mayBeEmpty: true): Awaitable<T, T | undefined>;
export function awaitableFrom<T>(source: Observable<T>, mayBeEmpty: boolean): Awaitable<T, T | undefined> {
  return new Awaitable<T, T | undefined>((subscriber) => source.subscribe(subscriber), mayBeEmpty);
}

/**
 * @internal Sends the command `make` builds on `connection` when subscribed. Building it
 * validates, so bad input fails through the Observable before a byte is written.
 */
export function sendOn<T>(connection: Connection, make: () => Command<T>): Awaitable<T> {
  return awaitable((subscriber) => {
    const command = buildOrFail(make, subscriber);
    return command && connection.submit(command, subscriber);
  });
}
