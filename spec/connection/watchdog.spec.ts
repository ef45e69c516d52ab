import * as commands from '../../src/protocol/commands.js';
import type { Command } from '../../src/protocol/commands.js';
import { Pending } from '../../src/connection/pending.js';
import { Watchdog } from '../../src/connection/watchdog.js';

// The one timer per connection that fails the oldest command when nothing moved, with fake timers.

const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };

function setup(timeoutMs: number, command: Command<unknown> = commands.stats()) {
  const state = { head: new Pending(command, sink) as Pending | undefined, progress: 0 };
  const timedOut: number[] = [];
  const start = Date.now();
  const watchdog = new Watchdog(timeoutMs, {
    head: () => state.head,
    progress: () => state.progress,
    timedOut: () => timedOut.push(Date.now() - start),
  });
  return { state, timedOut, watchdog };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

test('the head times out once nothing moved for more than timeoutMs (checked every quarter)', () => {
  const { state, timedOut, watchdog } = setup(400);
  state.progress = 7; // what happened before arming is the baseline, not movement
  watchdog.arm();
  jest.advanceTimersByTime(400); // silent for exactly 400 ms: not yet
  expect(timedOut).toEqual([]);
  jest.advanceTimersByTime(100);
  expect(timedOut).toEqual([500]);
  watchdog.disarm();
});

test("progress (a reply, or the head's bytes leaving) restarts the wait", () => {
  const { state, timedOut, watchdog } = setup(400);
  watchdog.arm();
  jest.advanceTimersByTime(300);
  state.progress = 8;
  jest.advanceTimersByTime(100); // t = 400: progress seen, the wait starts again
  jest.advanceTimersByTime(400); // t = 800: 400 ms silent
  expect(timedOut).toEqual([]);
  jest.advanceTimersByTime(100);
  expect(timedOut).toEqual([900]);
  watchdog.disarm();
});

test('a head with no progress to report counts from 0', () => {
  const { state, timedOut, watchdog } = setup(400);
  state.head = undefined;
  watchdog.arm();
  state.head = new Pending(commands.stats(), sink);
  state.progress = 0;
  jest.advanceTimersByTime(500);
  expect(timedOut).toEqual([500]);
  watchdog.disarm();
});

test('a reserve with a timeout may wait its seconds on top of timeoutMs; a blocking reserve for ever', () => {
  const timed = setup(400, commands.reserveWithTimeout(['t'], 2));
  timed.watchdog.arm();
  jest.advanceTimersByTime(2400);
  expect(timed.timedOut).toEqual([]);
  jest.advanceTimersByTime(100);
  expect(timed.timedOut).toEqual([2500]);
  timed.watchdog.disarm();
  const blocking = setup(400, commands.reserve(['t']));
  blocking.watchdog.arm();
  jest.advanceTimersByTime(60_000);
  expect(blocking.timedOut).toEqual([]);
  blocking.watchdog.disarm();
});

test('arming again while running does not restart the wait; with nothing in flight it stops ticking', () => {
  const { state, timedOut, watchdog } = setup(400);
  watchdog.arm();
  jest.advanceTimersByTime(300);
  watchdog.arm();
  expect(jest.getTimerCount()).toBe(1);
  jest.advanceTimersByTime(200);
  expect(timedOut).toEqual([500]);
  state.head = undefined;
  jest.advanceTimersByTime(100);
  expect(jest.getTimerCount()).toBe(0);
});

test('disarm stops it; Infinity never starts it; a tiny timeout checks every 10 ms', () => {
  const { timedOut, watchdog } = setup(400);
  watchdog.arm();
  watchdog.disarm();
  jest.advanceTimersByTime(10_000);
  expect(timedOut).toEqual([]);
  const never = setup(Infinity);
  never.watchdog.arm();
  expect(jest.getTimerCount()).toBe(0);
  const tiny = setup(4);
  tiny.watchdog.arm();
  jest.advanceTimersByTime(9);
  expect(tiny.timedOut).toEqual([]);
  jest.advanceTimersByTime(1);
  expect(tiny.timedOut).toEqual([10]); // the first check, 10 ms in
  tiny.watchdog.disarm();
});
