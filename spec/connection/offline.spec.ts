import * as commands from '../../src/protocol/commands.js';
import type { Command } from '../../src/protocol/commands.js';
import { Admission } from '../../src/connection/admission.js';
import { OfflineQueue } from '../../src/connection/offline.js';
import { Pending } from '../../src/connection/pending.js';
import { Queue } from '../../src/connection/queue.js';

// The bound on how long a command waits for a lost connection, with fake timers.

const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };

function setup(waitMs: number) {
  const outbox = new Queue<Pending>();
  const admission = new Admission({
    maxPendingCommands: Infinity,
    maxPendingBytes: Infinity,
    maxOfflineQueue: Infinity,
  });
  const expired: Pending[] = [];
  const left: number[] = [];
  const offline = new OfflineQueue(waitMs, outbox, admission, (pending) => {
    expired.push(pending);
    left.push(outbox.length);
  });
  const queue = (command: Command<unknown> = commands.put('t', 'x'), own = false) => {
    const subscriber = own ? undefined : sink;
    const pending = new Pending(command, subscriber, admission);
    if (subscriber) admission.admit(pending);
    outbox.push(pending);
    return pending;
  };
  return { outbox, admission, offline, expired, left, queue };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

test('a command fails once it waited longer than waitMs, counted from the first sweep that saw it', () => {
  const { offline, expired, queue, outbox } = setup(800); // a sweep every 100 ms
  const put = queue();
  offline.start();
  jest.advanceTimersByTime(99);
  expect(put.offlineSince).toBe(0);
  jest.advanceTimersByTime(1);
  expect(put.offlineSince).toBe(1_000_100);
  jest.advanceTimersByTime(700); // t = 800: waited 700 ms
  expect(expired).toEqual([]);
  jest.advanceTimersByTime(100); // t = 900: waited exactly 800 ms
  expect(expired).toEqual([put]);
  expect(outbox.length).toBe(0);
  offline.stop();
});

test('a short waitMs still sweeps at most every 10 ms', () => {
  const { offline, queue } = setup(16);
  const put = queue();
  offline.start();
  jest.advanceTimersByTime(9);
  expect(put.offlineSince).toBe(0);
  jest.advanceTimersByTime(1);
  expect(put.offlineSince).toBe(1_000_010);
  offline.stop();
});

test('blocking reserves wait for ever; a reserve with a timeout does not', () => {
  const { offline, expired, queue, outbox } = setup(80);
  const reserve = queue(commands.reserve(['t']));
  const withTimeout = queue(commands.reserveWithTimeout(['t'], 5));
  offline.start();
  jest.advanceTimersByTime(1000);
  expect(expired).toEqual([withTimeout]);
  expect(outbox.drain()).toEqual([reserve]);
  offline.stop();
});

test("commands given up and the library's own are dropped by a sweep, not failed; the rest keep their order", () => {
  const { offline, expired, queue, outbox } = setup(800);
  const a = queue();
  const given = queue();
  const own = queue(commands.watch('t'), true);
  const b = queue();
  given.unsubscribe();
  offline.start();
  jest.advanceTimersByTime(100);
  expect(expired).toEqual([]);
  expect(outbox.drain()).toEqual([a, b]);
  expect(own.offlineSince).toBe(0);
  offline.stop();
});

test('expired commands are failed after the queue is whole again', () => {
  const { offline, expired, left, queue } = setup(80);
  const old = queue();
  offline.start();
  jest.advanceTimersByTime(50);
  queue(); // newer: not yet expired when the first is
  queue();
  jest.advanceTimersByTime(60);
  expect(expired).toEqual([old]);
  expect(left).toEqual([2]);
  offline.stop();
});

test('with waitMs Infinity nothing is swept', () => {
  const { offline, expired, queue } = setup(Infinity);
  const put = queue();
  offline.start();
  jest.advanceTimersByTime(10 * 60_000);
  expect(expired).toEqual([]);
  expect(put.offlineSince).toBe(0);
  expect(jest.getTimerCount()).toBe(0);
});

test('start is idempotent and stop stops: no sweep after stop, however often it was started', () => {
  const { offline, expired, queue } = setup(80);
  const put = queue();
  offline.start();
  offline.start();
  expect(jest.getTimerCount()).toBe(1);
  offline.stop();
  jest.advanceTimersByTime(1000);
  expect(expired).toEqual([]);
  expect(put.offlineSince).toBe(0);
  offline.start(); // and starts again after a stop
  jest.advanceTimersByTime(1000);
  expect(expired).toEqual([put]);
  offline.stop();
});

test('compactIfBloated drops given-up commands once they outnumber twice the live ones by 1024, and expires nothing', () => {
  const { offline, expired, queue, outbox, admission } = setup(1);
  const live = [queue(), queue()];
  for (const pending of live) pending.offlineSince = 1; // long expired, but compaction does not expire
  for (let i = 0; i < 1026; i++) queue().unsubscribe();
  expect(admission.queued).toBe(2);
  expect(outbox.length).toBe(1028); // not more than 2 * 2 + 1024
  offline.compactIfBloated();
  expect(outbox.length).toBe(1028);
  queue().unsubscribe();
  offline.compactIfBloated();
  expect(outbox.drain()).toEqual(live);
  expect(expired).toEqual([]);
});
