import { Subject } from 'rxjs';
import { PendingCommands, zipWithPending } from '../../src/connection/matching.js';
import { Queue } from '../../src/connection/queue.js';
import { BadReplyError } from '../../src/protocol/errors.js';
import type { Reply } from '../../src/protocol/reply.js';

const reply = (line: string): Reply => {
  const [word, ...args] = line.split(' ');
  return { word, args, line } as Reply;
};

/** Replies and written commands as Subjects, zipped; every event downstream is recorded. */
function harness() {
  const replies = new Subject<Reply>();
  const written = new Subject<string>();
  const inflight = new Queue<string>();
  const events: string[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const subscription = replies
    .pipe(zipWithPending(written, inflight, (command, r) => `${command} -> ${r.line}`))
    .subscribe({
      next: (event) => events.push(event),
      error: (error: unknown) => errors.push(error),
      complete: () => (completed = true),
    });
  return { replies, written, inflight, events, errors, subscription, completed: () => completed };
}

describe('zipWithPending: replies matched in order with the commands written', () => {
  test('each reply goes to the oldest command waiting, one to one, through the selector', () => {
    const h = harness();
    h.written.next('put a');
    h.written.next('put b');
    h.written.next('delete 1');
    expect(h.inflight.length).toBe(3);
    h.replies.next(reply('INSERTED 1'));
    expect(h.events).toEqual(['put a -> INSERTED 1']);
    expect(h.inflight.peek()).toBe('put b');
    h.replies.next(reply('INSERTED 2'));
    h.written.next('put c'); // written between replies: it queues behind the rest
    h.replies.next(reply('DELETED'));
    h.replies.next(reply('INSERTED 3'));
    expect(h.events).toEqual([
      'put a -> INSERTED 1',
      'put b -> INSERTED 2',
      'delete 1 -> DELETED',
      'put c -> INSERTED 3',
    ]);
    expect(h.inflight.length).toBe(0);
    expect(h.errors).toEqual([]);
  });

  test('a reply with no command waiting fails the stream with a BadReplyError, after the replies before it', () => {
    const h = harness();
    h.written.next('put a');
    h.replies.next(reply('INSERTED 1'));
    h.replies.next(reply('INSERTED 2'));
    expect(h.events).toEqual(['put a -> INSERTED 1']);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toBeInstanceOf(BadReplyError);
    expect((h.errors[0] as BadReplyError).reason).toBe('reply with no command waiting for it');
    expect((h.errors[0] as BadReplyError).reply).toBe('INSERTED 2');
    // Nothing is buffered, and commands written afterwards are no longer taken.
    h.written.next('put late');
    expect(h.inflight.length).toBe(0);
    expect(h.written.observed).toBe(false);
  });

  test('errors and completion of the replies pass through; the commands still waiting stay in the queue', () => {
    const failed = harness();
    failed.written.next('reserve');
    const socketError = new Error('ECONNRESET');
    failed.replies.error(socketError);
    expect(failed.errors).toEqual([socketError]);
    expect(failed.inflight.peek()).toBe('reserve'); // for the connection to resend or fail

    const ended = harness();
    ended.written.next('put a');
    ended.replies.complete();
    expect(ended.completed()).toBe(true);
    expect(ended.errors).toEqual([]);
    expect(ended.inflight.length).toBe(1);
    expect(ended.written.observed).toBe(false);
  });

  test('unsubscribing stops listening to the written commands', () => {
    const h = harness();
    expect(h.written.observed).toBe(true);
    h.subscription.unsubscribe();
    expect(h.written.observed).toBe(false);
    h.written.next('put a');
    h.replies.next(reply('INSERTED 1'));
    expect(h.inflight.length).toBe(0);
    expect(h.events).toEqual([]);
  });

  test('a command shifted from the queue by someone else (a timed-out head) is no longer matched', () => {
    const h = harness();
    h.written.next('reserve-with-timeout 5');
    h.written.next('put a');
    expect(h.inflight.shift()).toBe('reserve-with-timeout 5');
    h.replies.next(reply('INSERTED 9'));
    expect(h.events).toEqual(['put a -> INSERTED 9']);
  });

  test('the selector runs once per pair, synchronously, in order', () => {
    const replies = new Subject<Reply>();
    const written = new Subject<number>();
    const seen: number[] = [];
    replies.pipe(zipWithPending(written, new Queue<number>(), (n) => seen.push(n))).subscribe();
    for (let i = 0; i < 100; i++) written.next(i);
    for (let i = 0; i < 100; i++) replies.next(reply('DELETED'));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('PendingCommands: the written-command stream', () => {
  test('hands each command to the pipeline listening now; none is kept while nobody listens', () => {
    const written = new PendingCommands<string>();
    const inflight = new Queue<string>();
    const replies = new Subject<Reply>();
    const seen: string[] = [];
    written.next('before anyone listens');
    expect(written.observed).toBe(false);
    const first = replies.pipe(zipWithPending(written, inflight, (c) => seen.push(c))).subscribe();
    expect(written.observed).toBe(true);
    written.next('put a');
    replies.next(reply('INSERTED 1'));
    expect(seen).toEqual(['put a']);
    first.unsubscribe();
    expect(written.observed).toBe(false);
    written.next('lost');
    expect(inflight.length).toBe(0);
  });

  test('a new socket pipeline takes the place of the previous one', () => {
    const written = new PendingCommands<string>();
    const a: string[] = [];
    const b: string[] = [];
    const old = written.subscribe((c) => a.push(c));
    written.subscribe((c) => b.push(c));
    written.next('put 1');
    expect(a).toEqual([]);
    expect(b).toEqual(['put 1']);
    old.unsubscribe(); // the earlier subscription going away does not stop the current one
    written.next('put 2');
    expect(b).toEqual(['put 1', 'put 2']);
  });
});
