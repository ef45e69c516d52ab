import { resolveOptions } from '../../src/connection/options.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { Session } from '../../src/connection/session.js';
import type { ConnectionState } from '../../src/connection/session.js';

/** A session with recorded callbacks; Math.random is pinned so backoff delays are exact. */
function session(options: Partial<ConnectionOptions> = {}) {
  const calls: string[] = [];
  const states: string[] = [];
  const observed: [ConnectionState, string][] = [];
  const resolved = resolveOptions({
    name: 'conn',
    address: {},
    observer: { command: (_c, sink) => sink, state: (state, name) => observed.push([state, name]) },
    ...options,
  });
  const subject = new Session(
    resolved,
    () => calls.push('reconnect'),
    (reason) => {
      calls.push(`finish: ${reason}`);
      subject.closed();
    },
  );
  subject.state$.subscribe((state) => states.push(state));
  return { subject, calls, states, observed };
}

/** Goes through one socket that opens and is lost at once; returns willReconnect's answer. */
function openAndLose(subject: Session): boolean {
  subject.opening();
  subject.opened();
  return subject.willReconnect();
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  jest.spyOn(Math, 'random').mockReturnValue(1);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('Session: states', () => {
  test('idle, connecting, connected; then reconnecting for every later socket', () => {
    const { subject, states, observed } = session();
    expect(subject.state).toBe('idle');
    expect(subject.isClosing).toBe(false);
    subject.opening();
    expect(subject.state).toBe('connecting');
    subject.opened();
    expect(subject.state).toBe('connected');
    expect(subject.willReconnect()).toBe(true);
    subject.reconnectLater();
    expect(subject.state).toBe('reconnecting');
    jest.advanceTimersByTime(50);
    subject.opening();
    expect(subject.state).toBe('reconnecting');
    subject.opened();
    expect(states).toEqual(['idle', 'connecting', 'connected', 'reconnecting', 'connected']);
    // The telemetry hook sees each change once, with the connection's name.
    expect(observed).toEqual([
      ['connecting', 'conn'],
      ['connected', 'conn'],
      ['reconnecting', 'conn'],
      ['connected', 'conn'],
    ]);
  });

  test('a first connect that failed before any socket opened counts: the next opening is a reconnect', () => {
    const { subject } = session();
    subject.opening();
    expect(subject.willReconnect()).toBe(true);
    subject.reconnectLater();
    jest.advanceTimersByTime(50);
    subject.opening();
    expect(subject.state).toBe('reconnecting');
  });
});

describe('Session: reconnect policy and backoff', () => {
  test('the backoff doubles while sockets fail, and reconnect() runs when the delay is up', () => {
    const { subject, calls } = session({ reconnect: { initialDelayMs: 100, maxDelayMs: 10_000 } });
    const delays = [100, 200, 400, 800];
    for (const delay of delays) {
      expect(openAndLose(subject)).toBe(true);
      subject.reconnectLater();
      jest.advanceTimersByTime(delay - 1);
      expect(calls).toHaveLength(delays.indexOf(delay));
      jest.advanceTimersByTime(1);
      expect(calls).toHaveLength(delays.indexOf(delay) + 1);
    }
    expect(calls.every((call) => call === 'reconnect')).toBe(true);
  });

  test('a reply proves the socket: the backoff starts over', () => {
    const { subject, calls } = session({ reconnect: { initialDelayMs: 100 } });
    for (let i = 0; i < 3; i++) {
      openAndLose(subject);
      subject.reconnectLater();
      jest.runOnlyPendingTimers();
    }
    subject.opening();
    subject.opened();
    subject.replied();
    subject.replied(); // a second reply changes nothing
    expect(subject.willReconnect()).toBe(true);
    subject.reconnectLater();
    jest.advanceTimersByTime(99);
    expect(calls).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(calls).toHaveLength(4);
  });

  test('a socket up for a second proves itself; 999 ms does not', () => {
    const { subject, calls } = session({ reconnect: { initialDelayMs: 100 } });
    openAndLose(subject);
    subject.reconnectLater(); // 100 ms
    jest.runOnlyPendingTimers();
    subject.opening();
    subject.opened();
    jest.advanceTimersByTime(999);
    subject.willReconnect();
    subject.reconnectLater(); // still backing off: 200 ms
    jest.advanceTimersByTime(199);
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(calls).toHaveLength(2);
    subject.opening();
    subject.opened();
    jest.advanceTimersByTime(1000);
    subject.willReconnect();
    subject.reconnectLater(); // proven: 100 ms again
    jest.advanceTimersByTime(100);
    expect(calls).toHaveLength(3);
  });

  test('a second of waiting while not connected proves nothing', () => {
    const { subject, calls } = session({ reconnect: { initialDelayMs: 100 } });
    openAndLose(subject);
    subject.reconnectLater();
    jest.advanceTimersByTime(5000);
    subject.opening();
    expect(subject.willReconnect()).toBe(true);
    subject.reconnectLater();
    jest.advanceTimersByTime(199);
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(calls).toHaveLength(2);
  });

  test.each([0, 1, 3])('maxAttempts %i: that many reconnects, then none', (maxAttempts) => {
    const { subject } = session({ reconnect: { maxAttempts } });
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      expect(openAndLose(subject)).toBe(true);
      subject.reconnectLater();
      jest.runOnlyPendingTimers();
    }
    expect(openAndLose(subject)).toBe(false);
  });

  test('reconnect: false never reconnects', () => {
    const { subject } = session({ reconnect: false });
    expect(openAndLose(subject)).toBe(false);
  });

  test('no reconnect once closing', () => {
    const { subject } = session();
    subject.opening();
    subject.opened();
    void subject.close(Infinity, () => undefined);
    expect(subject.isClosing).toBe(true);
    expect(subject.willReconnect()).toBe(false);
  });
});

describe('Session: the bounded close', () => {
  test('closeNow runs once; the promise settles when closed()', async () => {
    const { subject } = session();
    let closeNows = 0;
    const first = subject.close(Infinity, () => closeNows++);
    const second = subject.close(Infinity, () => closeNows++);
    expect(closeNows).toBe(1);
    expect(second).toBe(first);
    let settled = false;
    void first.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    subject.closed();
    await first;
    expect(subject.state).toBe('closed');
  });

  test('past the bound, finish says how long it waited', () => {
    const { subject, calls } = session();
    void subject.close(250, () => undefined);
    jest.advanceTimersByTime(249);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['finish: close gave up after 250 ms']);
  });

  test('a later, shorter bound wins; a later, longer one does not', () => {
    const longer = session();
    void longer.subject.close(1000, () => undefined);
    jest.advanceTimersByTime(100);
    void longer.subject.close(5000, () => undefined);
    jest.advanceTimersByTime(899);
    expect(longer.calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(longer.calls).toEqual(['finish: close gave up after 1000 ms']);

    const shorter = session();
    void shorter.subject.close(1000, () => undefined);
    jest.advanceTimersByTime(100);
    void shorter.subject.close(50, () => undefined);
    jest.advanceTimersByTime(49);
    expect(shorter.calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(shorter.calls).toEqual(['finish: close gave up after 50 ms']);
    jest.runAllTimers();
    expect(shorter.calls).toHaveLength(1);
  });

  test('the same deadline twice sets one timer', () => {
    const { subject, calls } = session();
    void subject.close(300, () => undefined);
    void subject.close(300, () => undefined);
    jest.runAllTimers();
    expect(calls).toEqual(['finish: close gave up after 300 ms']);
  });

  test('a bound of 0 (or less) finishes at once; Infinity never does', () => {
    const now = session();
    void now.subject.close(0, () => undefined);
    expect(now.calls).toEqual(['finish: connection closed before the reply']);
    const never = session();
    void never.subject.close(Infinity, () => undefined);
    jest.advanceTimersByTime(10 ** 9);
    expect(never.calls).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('closed() cancels a pending reconnect and the close timer', () => {
    const { subject, calls } = session();
    openAndLose(subject);
    subject.reconnectLater();
    void subject.close(1000, () => undefined);
    subject.closed();
    jest.runAllTimers();
    expect(calls).toEqual([]);
  });

  test('closing a closed session sets no timer', async () => {
    const { subject, calls } = session();
    subject.closed();
    // The connection's closeNow finishes a connection that is already down.
    await subject.close(10, () => subject.closed());
    expect(jest.getTimerCount()).toBe(0);
    expect(calls).toEqual([]);
  });

  test('whenClosed resolves with nothing once the state is closed', async () => {
    const { subject } = session();
    const closed = subject.whenClosed();
    subject.opening();
    subject.closed();
    await expect(closed).resolves.toBeUndefined();
  });
});
