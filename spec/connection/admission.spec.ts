import * as commands from '../../src/protocol/commands.js';
import { Admission } from '../../src/connection/admission.js';
import { Pending } from '../../src/connection/pending.js';

const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };
const put = (bytes: number) => commands.put('t', 'x'.repeat(bytes));

function admitted(admission: Admission, bytes: number): Pending {
  const pending = new Pending(put(bytes), sink, admission);
  expect(admission.refusal(pending.command, false)).toBeUndefined();
  admission.admit(pending);
  return pending;
}

describe('Admission: what may wait on one connection', () => {
  test('counts commands and refuses past maxPendingCommands', () => {
    const admission = new Admission({ maxPendingCommands: 2, maxPendingBytes: Infinity, maxOfflineQueue: 10 });
    const a = admitted(admission, 1);
    admitted(admission, 1);
    expect(admission.refusal(put(1), false)).toBe('too many commands waiting (2)');
    admission.release(a);
    expect(admission.refusal(put(1), false)).toBeUndefined();
  });

  test('counts bytes; one command over the byte bound still goes when nothing else waits', () => {
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: 1000, maxOfflineQueue: 100 });
    const big = admitted(admission, 5000);
    expect(admission.refusal(put(1), false)).toMatch(/too many bytes waiting/);
    admission.release(big);
    admitted(admission, 400);
    admitted(admission, 400);
    expect(admission.refusal(put(400), false)).toMatch(/too many bytes waiting \(over 1000\)/);
    expect(admission.bytes).toBe(2 * (400 + 'put 1024 0 60 400'.length));
  });

  test('the offline queue counts live commands not yet written; given-up ones stop counting at once', () => {
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: Infinity, maxOfflineQueue: 2 });
    const a = admitted(admission, 1);
    const b = admitted(admission, 1);
    expect(admission.refusal(put(1), true)).toBe('offline queue is full (2 commands)');
    expect(admission.refusal(put(1), false)).toBeUndefined(); // connected: only the overall bound
    a.unsubscribe(); // e.g. timeout() gave up on it
    expect(admission.refusal(put(1), true)).toBeUndefined();
    admission.setWritten(b, true);
    expect(admission.queued).toBe(0);
    admission.setWritten(b, false); // queued again to be resent
    expect(admission.queued).toBe(1);
    b.unsubscribe();
    b.unsubscribe(); // once only
    admission.release(b);
    expect([admission.count, admission.bytes, admission.queued]).toEqual([0, 0, 0]);
  });
  test('the byte bound is inclusive: exactly maxPendingBytes waiting is still taken', () => {
    const one = 'put 1024 0 60 10'.length + 10;
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: 2 * one, maxOfflineQueue: 100 });
    admitted(admission, 10);
    expect(admission.refusal(put(10), false)).toBeUndefined(); // 2 * one: at the bound
    expect(admission.refusal(put(11), false)).toBe(`too many bytes waiting (over ${2 * one})`);
  });

  test('the offline bound is inclusive too, and applies only while offline', () => {
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: Infinity, maxOfflineQueue: 1 });
    expect(admission.refusal(put(1), true)).toBeUndefined();
    admitted(admission, 1);
    expect(admission.refusal(put(1), true)).toBe('offline queue is full (1 commands)');
  });

  test('a written command released does not leave the offline queue twice', () => {
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: Infinity, maxOfflineQueue: 100 });
    const a = admitted(admission, 1);
    admitted(admission, 1);
    admission.setWritten(a, true);
    expect(admission.queued).toBe(1);
    admission.release(a); // settled after it was written: it had already left the offline queue
    expect([admission.count, admission.queued]).toEqual([1, 1]);
    admission.release(a); // twice is a no-op
    expect([admission.count, admission.queued]).toEqual([1, 1]);
  });

  test('setWritten on a command that no longer counts leaves the counters alone', () => {
    const admission = new Admission({ maxPendingCommands: 100, maxPendingBytes: Infinity, maxOfflineQueue: 100 });
    const a = admitted(admission, 1);
    admitted(admission, 1);
    a.unsubscribe();
    expect(admission.queued).toBe(1);
    admission.setWritten(a, true); // e.g. a given-up command still goes on the wire
    expect(admission.queued).toBe(1);
    expect(a.written).toBe(true);
    admission.setWritten(a, false); // and is requeued after a loss
    expect(admission.queued).toBe(1);
    expect(a.written).toBe(false);
  });
});
