import { Admission } from '../../src/connection/admission.js';
import { InFlight } from '../../src/connection/inflight.js';
import type { Outbound } from '../../src/connection/outbound.js';
import { resolveOptions } from '../../src/connection/options.js';
import { Pending } from '../../src/connection/pending.js';
import * as commands from '../../src/protocol/commands.js';
import { ConnectionError } from '../../src/protocol/errors.js';

// The reply-matching side of a connection, with fake timers and an outbound side reduced to
// its byte counters: what the watchdog counts as progress, delivery, and the final failure.

const TIMEOUT_MS = 400;

function setup() {
  const admission = new Admission(resolveOptions({ name: 'n', address: {} }));
  const outbound = { admission, bytesSent: 0, bytesLeaving: 0 };
  const timedOut: [string, string][] = [];
  const inflight = new InFlight('n', TIMEOUT_MS, outbound as unknown as Outbound, (head, reason) =>
    timedOut.push([head.command.line, reason]),
  );
  /** A command written (its last byte at `sentBy`) and awaiting its reply. */
  const written = (sentBy: number, events: unknown[] = []) => {
    const pending = new Pending(
      commands.listTubes(),
      {
        next: (value) => events.push(value),
        error: (error) => events.push(error),
        complete: () => events.push('complete'),
      },
      admission,
    );
    admission.admit(pending);
    pending.sentBy = sentBy;
    inflight.queue.push(pending);
    inflight.wrote();
    return pending;
  };
  return { outbound, inflight, timedOut, written, admission };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe("InFlight: the watchdog's measure of progress", () => {
  test('nothing moves: the head times out, out of the queue, with the bound in the reason', () => {
    const { inflight, timedOut, written } = setup();
    const head = written(100);
    jest.advanceTimersByTime(TIMEOUT_MS + 100);
    expect(timedOut).toEqual([['list-tubes', `no reply within ${TIMEOUT_MS} ms`]]);
    expect(inflight.head).toBeUndefined();
    expect(inflight.isNextOrGone(head)).toBe(true);
  });

  test("the head's own large write still leaving keeps it alive (libuv's queue shrinking)", () => {
    const { outbound, timedOut, written } = setup();
    outbound.bytesSent = 0; // Node counts the write as pending until all of it is out
    outbound.bytesLeaving = 10_000;
    written(10_000);
    for (let step = 0; step < 20; step++) {
      jest.advanceTimersByTime(100);
      outbound.bytesLeaving -= 400;
    }
    expect(timedOut).toEqual([]);
  });

  test("the head's bytes going out as whole writes keep it alive too", () => {
    const { outbound, timedOut, written } = setup();
    outbound.bytesLeaving = 8000;
    written(10_000);
    for (let step = 0; step < 20; step++) {
      jest.advanceTimersByTime(100);
      outbound.bytesSent += 400; // a write done, the next one's bytes leaving: sent + leaving stays put
      outbound.bytesLeaving -= 400;
    }
    expect(timedOut).toEqual([]);
  });

  test('later commands the kernel keeps taking do not keep the head alive', () => {
    const { outbound, timedOut, written } = setup();
    outbound.bytesSent = 100;
    written(100);
    for (let step = 0; step < 10; step++) {
      jest.advanceTimersByTime(100);
      outbound.bytesSent += 1000;
      outbound.bytesLeaving = step % 2 ? 0 : 500;
    }
    expect(timedOut).toHaveLength(1);
  });

  test("once the head's bytes are all out, later bytes leaving do not count either", () => {
    const { outbound, timedOut, written } = setup();
    outbound.bytesSent = 100;
    written(100);
    for (let step = 0; step < 10; step++) {
      jest.advanceTimersByTime(100);
      outbound.bytesLeaving = step % 2 ? 0 : 500;
    }
    expect(timedOut).toHaveLength(1);
  });

  test('replies are progress: each answer restarts the wait of the next head', () => {
    const { inflight, timedOut, written } = setup();
    const all = Array.from({ length: 10 }, () => written(1));
    for (const pending of all.slice(0, 9)) {
      jest.advanceTimersByTime(300);
      inflight.queue.shift();
      inflight.answer(pending, { word: 'OK', args: ['0'], line: 'OK 0', body: Buffer.from('') });
    }
    expect(timedOut).toEqual([]);
  });
});

describe('InFlight: delivery and the end', () => {
  test('an answer releases the command from the limits, then delivers it', () => {
    const { inflight, written, admission } = setup();
    const events: unknown[] = [];
    const pending = written(1, events);
    expect(admission.count).toBe(1);
    inflight.queue.shift();
    const body = Buffer.from('---\n- default\n');
    expect(inflight.answer(pending, { word: 'OK', args: [String(body.length)], line: 'OK', body })).toBeUndefined();
    expect(admission.count).toBe(0);
    expect(events).toEqual([['default'], 'complete']);
  });

  test('isNextOrGone: the head, or a command no longer waiting', () => {
    const { inflight, written } = setup();
    const first = written(1);
    const second = written(2);
    expect(inflight.head).toBe(first);
    expect(inflight.isNextOrGone(first)).toBe(true);
    expect(inflight.isNextOrGone(second)).toBe(false);
    inflight.queue.shift();
    expect(inflight.isNextOrGone(second)).toBe(true);
  });

  test('failAll fails the live commands only, empties the queue and stops the watchdog', () => {
    const { inflight, written, timedOut } = setup();
    const live = written(1);
    const cancelled = written(2);
    cancelled.unsubscribe();
    inflight.queue.push(new Pending(commands.use('t'), undefined));
    const failed: Pending[] = [];
    inflight.failAll((pending) => {
      failed.push(pending);
      pending.fail(new ConnectionError('gone'));
    });
    expect(failed).toEqual([live]);
    expect(inflight.head).toBeUndefined();
    jest.advanceTimersByTime(10 * TIMEOUT_MS);
    expect(timedOut).toEqual([]);
  });

  test('lost stops the watchdog and returns the commands to resend', () => {
    const { inflight, written, timedOut } = setup();
    const idempotent = written(1);
    const resend = inflight.lost(
      { error: new Error('cut'), culprit: undefined, reconnecting: true, maxResends: 3 },
      () => ({
        connection: 'n',
      }),
    );
    expect(resend).toEqual([idempotent]);
    jest.advanceTimersByTime(10 * TIMEOUT_MS);
    expect(timedOut).toEqual([]);
  });
});
