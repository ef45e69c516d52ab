import { Observable } from 'rxjs';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { BadReplyError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { Queue } from './queue.js';

/**
 * Pairs each reply with the oldest command still waiting for one: `zip(written$, replies)`
 * with a result selector, since beanstalkd answers strictly in order. Commands from
 * `written$` wait in `inflight` (a ring buffer the connection also reads: the watchdog's
 * head, the commands a lost socket leaves behind); each reply shifts one and emits
 * `match(command, reply)`. Unlike RxJS's zip it allocates nothing per pair, and a reply with
 * no command waiting is not buffered but fails the stream with a BadReplyError (the server
 * only answers what was sent). Completion and errors of the replies pass through.
 */
export function zipWithPending<P, R>(
  written$: Observable<P>,
  inflight: Queue<P>,
  match: (command: P, reply: Reply) => R,
): OperatorFunction<Reply, R> {
  return (replies) =>
    new Observable<R>((subscriber) => {
      const commands = written$.subscribe((command) => inflight.push(command));
      const subscription = replies.subscribe({
        next: (reply) => {
          if (inflight.length === 0) {
            subscriber.error(new BadReplyError('reply with no command waiting for it', { reply: reply.line }));
          } else subscriber.next(match(inflight.shift() as P, reply));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      subscription.add(commands);
      return subscription;
    });
}

/**
 * The commands written and awaiting replies, as a hot stream: a Subject for the one
 * observer that listens at a time (the current socket's reply pipeline; a new subscriber
 * takes the place of the previous one). Its `next` is a plain call to that observer: RxJS's
 * Subject.next builds a closure and, in its ES5 CommonJS build, an iterator for every value,
 * and this runs once per command written.
 */
export class PendingCommands<T> extends Observable<T> {
  private current: Subscriber<T> | undefined;

  constructor() {
    super((subscriber) => {
      this.current = subscriber;
      return () => {
        if (this.current === subscriber) this.current = undefined;
      };
    });
  }

  /** A command was written: it waits for its reply. */
  next(command: T): void {
    this.current?.next(command);
  }

  /** True while the reply pipeline of a socket listens. */
  get observed(): boolean {
    return this.current !== undefined;
  }
}
